"""Feed reads. Each feed sits behind one small function so its engine can change (a Redis
fan-out-on-write timeline, say) without touching the API or the web views."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db import connection
from django.utils.translation import gettext as _

from vermilion.accounts.models import Block, Follow
from vermilion.core import cursors, sql
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


@dataclass
class ReaderRows:
    """What ``reader_rows`` read of one person (see there)."""

    follows: int = 0
    changed: bool = False
    hidden_notes: set[int] = field(default_factory=set)
    hidden_authors: set[int] = field(default_factory=set)
    hidden_topics: set[str] = field(default_factory=set)
    blocked: set[int] = field(default_factory=set)
    seen: set[int] = field(default_factory=set)


def reader_rows(
    user,
    *,
    follows: bool = False,
    changed_since: float | None = None,
    seen_since: float | None = None,
    seen_limit: int = SEEN_LIMIT,
) -> ReaderRows:
    """Everything the discover feed reads of a person's own rows on every page, in one
    statement (a UNION ALL of indexed lookups; as six ORM queries, building them cost more
    than running them): their hides (as ``hidden_for``) and the people blocked either way;
    with ``follows``, how many people they follow; with ``changed_since`` (a timestamp),
    whether they liked, collected, commented, followed or read a note at length since then;
    with ``seen_since``, the notes they had on screen or opened since (as
    ``recently_seen_note_ids``). Time bounds are ids: ids are time-ordered."""
    from vermilion.engagement.models import Collect, Comment, Like

    from .artifacts import LONG_DWELL_MS

    table = {m: sql.table(m) for m in (Like, Collect, Comment, Follow, Block, Hide, Event)}
    pk = int(user.pk)
    # Rows of (tag, an integer, a text).
    parts: list[tuple[str, list]] = [
        (
            f"SELECT 'n', note_id, NULL FROM {table[Hide]} WHERE user_id = %s AND scope = %s",
            [pk, Hide.Scope.NOTE],
        ),
        (
            f"SELECT 'a', author_id, NULL FROM {table[Hide]} WHERE user_id = %s AND scope = %s",
            [pk, Hide.Scope.AUTHOR],
        ),
        (
            f"SELECT 't', NULL, topic_id FROM {table[Hide]} WHERE user_id = %s AND scope = %s",
            [pk, Hide.Scope.TOPIC],
        ),
        (f"SELECT 'b', blocked_id, NULL FROM {table[Block]} WHERE blocker_id = %s", [pk]),
        (f"SELECT 'b', blocker_id, NULL FROM {table[Block]} WHERE blocked_id = %s", [pk]),
    ]
    if follows:
        parts.append(
            (f"SELECT 'f', COUNT(*), NULL FROM {table[Follow]} WHERE follower_id = %s", [pk])
        )
    if changed_since is not None:
        since = id_for_time(changed_since)
        checks = [
            (Like, "user_id", ""),
            (Collect, "user_id", ""),
            (Comment, "author_id", ""),
            (Follow, "follower_id", ""),
            (Event, "user_id", " AND type = %s AND ms >= %s"),
        ]
        exists = " OR ".join(
            f"EXISTS (SELECT 1 FROM {table[m]} WHERE {owner} = %s AND id >= %s{extra})"
            for m, owner, extra in checks
        )
        params = [pk, since] * 4 + [pk, since, Event.Type.DWELL, LONG_DWELL_MS]
        parts.append((f"SELECT 'c', CASE WHEN {exists} THEN 1 ELSE 0 END, NULL", params))
    if seen_since is not None:
        marks = ", ".join(["%s"] * len(SEEN_TYPES))
        parts.append(
            (
                f"SELECT 'v', note_id, NULL FROM (SELECT note_id FROM {table[Event]} "
                f"WHERE user_id = %s AND id >= %s AND type IN ({marks}) "
                f"ORDER BY id DESC LIMIT %s) AS seen",
                [pk, id_for_time(seen_since), *SEEN_TYPES, int(seen_limit)],
            )
        )
    out = ReaderRows()
    for tag, number, text in sql.union_all(parts):
        if tag == "v":
            out.seen.add(number)
        elif tag == "b":
            out.blocked.add(number)
        elif tag == "n":
            out.hidden_notes.add(number)
        elif tag == "a":
            out.hidden_authors.add(number)
        elif tag == "t":
            out.hidden_topics.add(text)
        elif tag == "f":
            out.follows = int(number)
        else:
            out.changed = bool(number)
    return out


@dataclass
class ProfileRows:
    """What ``reader_profile`` read of one person (see there)."""

    interests: list[str] = field(default_factory=list)
    followees: list[int] = field(default_factory=list)
    # (kind, note id, when as a timestamp, the note's title, its author), oldest first.
    history: list[tuple[str, int, float, str, int]] = field(default_factory=list)


def reader_profile(
    user, *, reset_at: datetime | None, follow_limit: int, per_kind: int, long_dwell_ms: int
) -> ProfileRows:
    """What ranks the discover feed for a person, in one statement (a UNION ALL of indexed
    lookups; as six ORM queries, building them cost more than running them, and on
    PostgreSQL each was a round trip): their picked interests (catalogue order), the
    ``follow_limit`` people they followed last (latest first), and their ``per_kind``
    latest likes, collects, comments and long reads (dwell of ``long_dwell_ms`` or more)
    since ``reset_at``, with each note's title and author (the history, oldest first)."""
    from vermilion.accounts.models import Interest
    from vermilion.engagement.models import Collect, Comment, Like

    table = sql.table
    note, pk = table(Note), int(user.pk)
    since = ""
    since_params: list = []
    if reset_at is not None:
        since = " AND x.created_at >= %s"
        since_params = [connection.ops.adapt_datetimefield_value(reset_at)]
    # Rows of (tag, an id, a number, a time, a text); the first part fixes the types.
    parts: list[tuple[str, list]] = []
    for kind, model, owner, extra, extra_params in (
        ("like", Like, "user_id", "", []),
        ("collect", Collect, "user_id", "", []),
        ("comment", Comment, "author_id", "", []),
        (
            "long_dwell",
            Event,
            "user_id",
            " AND x.type = %s AND x.ms >= %s",
            [Event.Type.DWELL, int(long_dwell_ms)],
        ),
    ):
        parts.append(
            (
                f"SELECT '{kind}' AS t, h.note_id AS i, h.author_id AS n, h.created_at AS w, "
                f"h.title AS s FROM (SELECT x.note_id, n.author_id, x.created_at, n.title "
                f"FROM {table(model)} x JOIN {note} n ON n.id = x.note_id "
                f"WHERE x.{owner} = %s{extra}{since} ORDER BY x.id DESC LIMIT %s) AS h",
                [pk, *extra_params, *since_params, int(per_kind)],
            )
        )
    parts.append(
        (
            f"SELECT 'i', NULL, i.position, NULL, i.slug FROM {table(Interest.users.through)} "
            f"ui JOIN {table(Interest)} i ON i.slug = ui.interest_id WHERE ui.user_id = %s",
            [pk],
        )
    )
    parts.append(
        (
            f"SELECT 'f', f.followee_id, f.id, NULL, NULL FROM (SELECT followee_id, id "
            f"FROM {table(Follow)} WHERE follower_id = %s ORDER BY id DESC LIMIT %s) AS f",
            [pk, int(follow_limit)],
        )
    )
    interests, followees, history = [], [], []
    for tag, number, other, when, text in sql.union_all(parts):
        if tag == "i":
            interests.append((other, text))
        elif tag == "f":
            followees.append((other, number))
        else:
            history.append((tag, number, sql.timestamp_of(when), text, other))
    history.sort(key=lambda h: (h[2], h[1]))
    return ProfileRows(
        interests=[slug for _position, slug in sorted(interests)],
        followees=[i for _id, i in sorted(followees, reverse=True)],
        history=history,
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
