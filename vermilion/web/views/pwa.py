"""What makes the site installable: the web app manifest and a small service worker."""

from __future__ import annotations

from django.http import HttpResponse, JsonResponse
from django.templatetags.static import static
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control


@cache_control(max_age=3600)
def manifest(request):
    data = {
        "name": "Vermilion",
        "short_name": "Vermilion",
        "description": _("Notes, photos and people you will love."),
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#ff2442",
        "lang": request.LANGUAGE_CODE,
        "icons": [
            {"src": static("web/icons/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("web/icons/icon-512.png"), "sizes": "512x512", "type": "image/png"},
            {
                "src": static("web/icons/icon-maskable-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
            {"src": static("web/icons/icon.svg"), "sizes": "any", "type": "image/svg+xml"},
        ],
    }
    return JsonResponse(data, content_type="application/manifest+json")


# Network first, falling back to a cached copy of pages already seen when offline. Static
# files are fingerprinted by whitenoise, so they are cached forever.
SERVICE_WORKER = """
const CACHE = "vermilion-v1";
self.addEventListener("install", (event) => { self.skipWaiting(); });
self.addEventListener("activate", (event) => { event.waitUntil(self.clients.claim()); });
self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET" || new URL(request.url).origin !== self.location.origin) return;
  if (new URL(request.url).pathname.startsWith("/api/")) return;
  event.respondWith(
    fetch(request).then((response) => {
      if (response.ok && (request.mode === "navigate" || request.url.includes("/static/"))) {
        const copy = response.clone();
        caches.open(CACHE).then((cache) => cache.put(request, copy));
      }
      return response;
    }).catch(() => caches.match(request))
  );
});
"""


@cache_control(max_age=0, no_cache=True)
def service_worker(request):
    return HttpResponse(SERVICE_WORKER, content_type="application/javascript")
