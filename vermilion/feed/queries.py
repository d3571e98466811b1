"""Feed reads. Each feed sits behind one small function so its engine can change (a Redis
fan-out-on-write timeline, say) without touching the API or the web views."""

from __future__ import annotations

from vermilion.accounts.models import Follow
from vermilion.core import cursors
from vermilion.notes.models import Note, Visibility
from vermilion.notes.queries import visible_notes_for

FOLLOWING_PAGE_SIZE = 20


def following_feed(viewer, cursor: str | None) -> tuple[list[Note], str | None]:
    """Notes of the people ``viewer`` follows, newest first, and the cursor of the next page.

    Fan-out on read: ``author_id IN (followees)`` ordered by ``-id`` uses ``note_author_idx``
    (author, -id). The cursor is the last note id shown, so pages never repeat or skip a note
    even while new ones are published. Visibility is that of ``visible_notes_for``; the
    explicit public/followers filter keeps private notes out for staff viewers too (the feed
    is for reading, not moderation).
    """
    position = cursors.decode(cursor)
    followees = Follow.objects.filter(follower_id=viewer.pk).values("followee_id")
    qs = (
        visible_notes_for(viewer)
        .filter(
            author_id__in=followees,
            visibility__in=[Visibility.PUBLIC, Visibility.FOLLOWERS],
        )
        .select_related("author__avatar")
    )
    if position:
        qs = qs.filter(id__lt=position[0])
    notes = list(qs.order_by("-id")[: FOLLOWING_PAGE_SIZE + 1])
    return cursors.page(notes, FOLLOWING_PAGE_SIZE, key=lambda note: (note.id,))
