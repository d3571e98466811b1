"""Serving public renditions from the local media folder (embedded mode only)."""

from django.conf import settings
from django.views.static import serve


def serve_media(request, path):
    response = serve(request, path, document_root=settings.MEDIA_ROOT)
    # Renditions are content-addressed by media id and never change once written.
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    response["X-Content-Type-Options"] = "nosniff"
    return response
