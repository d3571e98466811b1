"""Who may see which media item (reads used by the API and the web app)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from vermilion.core.errors import NotFound

from .models import Media

_MAX_ID = 2**63 - 1


def get_visible_media(viewer, media_id) -> Media:
    """The media if ``viewer`` (a User or None) may see it; otherwise NotFound.

    The owner always sees their uploads, whatever their state; staff see everything
    (moderation); everyone else sees a media item only through a note they may see, so a
    picture is exactly as visible as the note that carries it.
    """
    try:
        pk = int(media_id)
    except (TypeError, ValueError):
        raise NotFound(_("No such media."))
    if not 0 < pk <= _MAX_ID:
        raise NotFound(_("No such media."))
    media = Media.objects.filter(pk=pk).first()
    if media is None:
        raise NotFound(_("No such media."))
    if viewer is not None and (viewer.pk == media.owner_id or viewer.is_staff):
        return media
    # Imported here: notes sits above media (notes attach media), not the other way round.
    from vermilion.notes.queries import visible_notes_for

    if not visible_notes_for(viewer).filter(attachments__media_id=pk).exists():
        raise NotFound(_("No such media."))
    return media
