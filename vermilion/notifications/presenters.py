"""Notifications as API dicts: a page costs a fixed number of queries (the page with its
actors, notes and comments joined; one for the notes' covers; three for the relations
with the actors)."""

from __future__ import annotations

from collections.abc import Iterable

from vermilion.accounts.presenters import relations_for, user_dict
from vermilion.media.presenters import media_urls
from vermilion.notes.models import NoteMedia

from .models import Notification

RELATED = ("actor__avatar", "note", "comment")
# The smallest rendition that shows the note's cover well in a list row.
COVER_RENDITIONS = ("thumb", "poster", "display")


def _cover_urls(note_ids: set[int]) -> dict[int, str]:
    if not note_ids:
        return {}
    covers = {}
    for attachment in NoteMedia.objects.filter(note_id__in=note_ids, position=0).select_related(
        "media"
    ):
        urls = media_urls(attachment.media)
        url = next((urls[name] for name in COVER_RENDITIONS if name in urls), None)
        if url is not None:
            covers[attachment.note_id] = url
    return covers


def notification_dicts(notifications: Iterable[Notification], viewer) -> list[dict]:
    """Load ``notifications`` with ``select_related(*RELATED)``."""
    notifications = list(notifications)
    covers = _cover_urls({n.note_id for n in notifications if n.note_id})
    relations = relations_for(viewer, {n.actor for n in notifications})
    return [
        {
            "id": str(n.pk),
            "verb": n.verb,
            "actor": user_dict(n.actor, relations),
            "note": (
                {"id": str(n.note_id), "title": n.note.title, "cover_url": covers.get(n.note_id)}
                if n.note_id
                else None
            ),
            "comment": {"id": str(n.comment_id), "body": n.comment.body} if n.comment_id else None,
            "created_at": n.created_at,
            "read": n.read_at is not None,
        }
        for n in notifications
    ]
