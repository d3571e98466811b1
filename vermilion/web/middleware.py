"""Per-request behaviour of the web app: the reader's language and security headers."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.utils import translation


class UserLanguageMiddleware:
    """A signed-in person's chosen interface language wins over the browser's.

    ``LocaleMiddleware`` has already picked one from the language cookie or the browser's
    Accept-Language; people who chose a language in settings get that one everywhere.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        chosen = getattr(user, "language", "") if user is not None and user.is_authenticated else ""
        if chosen:
            translation.activate(chosen)
            request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)


def _media_origins() -> list[str]:
    origins = list(settings.CSP_MEDIA_ORIGINS)
    if settings.STORAGE_BACKEND == "s3":
        options = settings.STORAGES["default"].get("OPTIONS", {})
        if options.get("custom_domain"):
            origins.append(f"https://{options['custom_domain']}")
        elif options.get("endpoint_url"):
            parts = urlsplit(options["endpoint_url"])
            origins.append(f"{parts.scheme}://{parts.netloc}")
    return origins


class ContentSecurityPolicyMiddleware:
    """A strict Content-Security-Policy on every HTML page.

    ``script-src 'self'``: no inline scripts and no eval anywhere, so an injected
    ``<script>`` or ``onerror=`` attribute cannot run even if escaping ever failed.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        media = " ".join(_media_origins())
        self.policy = "; ".join(
            [
                "default-src 'self'",
                "script-src 'self'",
                "style-src 'self' 'unsafe-inline'",
                f"img-src 'self' data: blob: {media}".strip(),
                f"media-src 'self' blob: {media}".strip(),
                "connect-src 'self'",
                "font-src 'self'",
                "object-src 'none'",
                "base-uri 'self'",
                "form-action 'self'",
                "frame-ancestors 'none'",
                "manifest-src 'self'",
                "worker-src 'self'",
            ]
        )

    def __call__(self, request):
        response = self.get_response(request)
        if "Content-Security-Policy" not in response and response.get(
            "Content-Type", ""
        ).startswith("text/html"):
            response["Content-Security-Policy"] = self.policy
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(self)")
        return response
