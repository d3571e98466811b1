"""How a media item is shown through the API (shared by notes, avatars and the web app)."""

from __future__ import annotations

from django.core.files.storage import storages
from django.utils.translation import gettext

from .models import Media


def rendition_url(path: str) -> str:
    return storages["default"].url(path)


def media_urls(media: Media) -> dict[str, str]:
    """Public URLs of the renditions; the original is never listed. A video being rendered
    again after an edit keeps its previous rendering's until the new one is done."""
    if media.status == Media.Status.FAILED:
        return {}
    return {name: rendition_url(r["path"]) for name, r in (media.renditions or {}).items()}


def media_dict(media: Media, *, owner_view: bool = False) -> dict:
    """``owner_view`` adds a video's edit list, cover and source (for its owner's editor)."""
    data = {
        "id": str(media.id),
        "kind": media.kind,
        "status": media.status,
        "width": media.width,
        "height": media.height,
        "aspect_ratio": media.aspect_ratio,
        "blurhash": media.blurhash or None,
        "dominant_color": media.dominant_color or None,
        "alt_text": media.alt_text,
        "duration_ms": media.duration_ms,
        "progress": media.progress,
        "urls": media_urls(media),
        # Stored as the English msgid (media.tasks): shown in the reader's language.
        "error": gettext(media.error) if media.error else None,
        "created_at": media.created_at,
        "edit": None,
        "cover_ms": None,
        "source": None,
    }
    if owner_view and media.kind == Media.Kind.VIDEO:
        data["edit"] = media.edit_list or {}
        data["cover_ms"] = media.cover_ms
        data["source"] = media.source_info or None
    return data
