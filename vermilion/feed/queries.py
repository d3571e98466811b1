"""Feed reads. Each feed sits behind one small function so its engine can change (a Redis
fan-out-on-write timeline, say) without touching the API or the web views."""

from __future__ import annotations

from datetime import datetime

from django.utils.translation import gettext as _

from vermilion.accounts.models import Block, Follow
from vermilion.core import cursors
from vermilion.core.errors import Invalid
from vermilion.core.ids import id_for_time
from vermilion.notes.models import Note, Visibility

from .models import Event, FeedPreference, Hide

FOLLOWING_PAGE_SIZE = 20


def following_feed(viewer, cursor: str | None) -> tuple[list[Note], str | None]:
    """Notes of the people ``viewer`` follows, newest first, and the cursor of the next page.

    Fan-out on read. The followee ids are read first (one indexed query, a few hundred ids
    at most) and put in the note query as a literal list, so the planner walks
    ``note_author_idx`` (author, -id) per author instead of scanning every public note
    (which the OR-heavy general visibility filter led SQLite to do: 73 ms -> see
    bench/README.md). The visibility is the same as ``visible_notes_for`` for followees:
    public and followers-only notes of active authors; private notes never; people on
    either side of a block are dropped (blocking already ends follows; this is a second
    guard). The cursor is the last note id shown, so pages never repeat or skip a note.
    """
    position = cursors.decode(cursor)
    hidden = set(Block.objects.filter(blocker_id=viewer.pk).values_list("blocked_id", flat=True))
    hidden |= set(Block.objects.filter(blocked_id=viewer.pk).values_list("blocker_id", flat=True))
    followees = [
        pk
        for pk in Follow.objects.filter(
            follower_id=viewer.pk, followee__is_active=True
        ).values_list("followee_id", flat=True)
        if pk not in hidden
    ]
    if not followees:
        return [], None
    # "not private" rather than "public or followers": the same set, but not indexable, so
    # planners walk the author index instead of every public note.
    qs = (
        Note.objects.filter(author_id__in=followees)
        .exclude(visibility=Visibility.PRIVATE)
        .select_related("author__avatar")
    )
    if position:
        qs = qs.filter(id__lt=position[0])
    notes = list(qs.order_by("-id")[: FOLLOWING_PAGE_SIZE + 1])
    return cursors.page(notes, FOLLOWING_PAGE_SIZE, key=lambda note: (note.id,))


# --- what the discover feed must leave out, and the person's feed settings -------------------

HIDES_PAGE_SIZE = 30
SEEN_LIMIT = 5000
SEEN_TYPES = (Event.Type.IMPRESSION, Event.Type.VIEW)


def feed_preference(user) -> FeedPreference:
    """``user``'s feed settings; the defaults (ranked, never reset) when never changed.
    The unsaved default is not written: reading settings must not create rows."""
    return FeedPreference.objects.filter(user_id=user.pk).first() or FeedPreference(user_id=user.pk)


def hidden_for(user) -> tuple[set[int], set[int], set[str]]:
    """What ``user`` said "not interested" to: (note ids, author ids, interest slugs).
    One query over the person's own hides (a few dozen rows, not a scan)."""
    notes: set[int] = set()
    authors: set[int] = set()
    topics: set[str] = set()
    rows = Hide.objects.filter(user_id=user.pk).values_list(
        "scope", "note_id", "author_id", "topic_id"
    )
    for scope, note_id, author_id, topic_id in rows:
        if scope == Hide.Scope.NOTE:
            notes.add(note_id)
        elif scope == Hide.Scope.AUTHOR:
            authors.add(author_id)
        else:
            topics.add(topic_id)
    return notes, authors, topics


def recently_seen_note_ids(user, since: datetime, limit: int = SEEN_LIMIT) -> set[int]:
    """Notes ``user`` had on screen (impressions) or opened (views) since ``since``: the
    seen set the re-ranker keeps out of the next pages. At most ``limit`` of the newest.

    Bounded by the event id (ids are time-ordered), so it is a range scan of
    ``event_user_idx`` (user, -id). Events are deleted when recommendations are reset, so
    the set starts empty again after a reset.
    """
    return set(
        Event.objects.filter(
            user_id=user.pk, id__gte=id_for_time(since.timestamp()), type__in=SEEN_TYPES
        )
        .order_by("-id")
        .values_list("note_id", flat=True)[:limit]
    )


def user_hides(user, cursor: str | None) -> tuple[list[Hide], str | None]:
    """A page of ``user``'s hides, newest first, with what each is about (the author's
    and the interest's names) loaded in the same query."""
    position = cursors.decode(cursor)
    qs = Hide.objects.filter(user_id=user.pk).select_related("author", "topic")
    if position:
        if not 0 < position[0] < 2**63:
            raise Invalid(_("This cursor is not valid."), code="invalid_cursor", field="cursor")
        qs = qs.filter(id__lt=position[0])
    rows = list(qs.order_by("-id")[: HIDES_PAGE_SIZE + 1])
    return cursors.page(rows, HIDES_PAGE_SIZE, key=lambda hide: (hide.id,))
