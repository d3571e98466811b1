"""Serving the discover feed: "for you" and the interest channels, a page at a time.

A request reads, by key or by index only: the snapshot the jobs built (``artifacts``), the
reader's recent engagements, follows, hides, picked interests and ALS row, the newest notes
(posted since the build, exploration), and the reader's feed state. It then

1. gathers candidates from every source (``recsys.candidates.gather``: co-engagement and
   content neighbours of recent engagements, ALS, trending, interest pools; followed
   creators' newest notes, the snapshot's and those posted since) and drops what must not
   be shown (seen, hidden notes, authors and topics, other channels, notes the reader may
   not see);
2. ranks them with the learned ranker (``recsys.ranker``; its heuristic weights until a
   trained one is stored);
3. re-ranks (``recsys.rerank``): one note per author in any run of six (also across the
   page boundary), topic spread; when the catalogue is too small for the rule, it is
   relaxed step by step rather than ending the feed;
4. gives up to a tenth of the slots to fresh notes by Thompson sampling
   (``recsys.exploration``), so a new creator gets a first audience;
5. fills what is left with the newest notes not shown yet, so the feed never ends while
   there are notes to read.

Pages never repeat: every served note goes into the session's state (anonymous) or the
reader's seen set, which also keeps notes from coming back in later sessions for
``SEEN_DAYS``. The state lives in the cache when it is shared (Redis, scaled mode) and in
the database (``FeedState``) always for people and for anonymous sessions in the embedded
mode, written after the response (``save_state``). Readers who chose the "latest" order
get plain newest-first pages.

Hides, blocks and notes seen on other surfaces come from ``feed.queries.reader_rows`` (one
statement per page).
"""

from __future__ import annotations

import contextvars
import functools
import hashlib
import itertools
import json
import time
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta

import numpy as np
from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import BooleanField, ExpressionWrapper, F, Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from vermilion.accounts.models import Interest
from vermilion.accounts.queries import blocked_ids_subqueries
from vermilion.core import cursors, deferred, sql
from vermilion.core.errors import Invalid
from vermilion.core.ids import id_for_time, id_time, new_id
from vermilion.core.text import normalize_tag
from vermilion.notes.models import Note, NoteHashtag, Visibility
from vermilion.notes.queries import public_note_authors, public_notes, visible_notes_for

from . import artifacts, understanding
from .artifacts import CONFIG, SIGNAL_WEIGHTS, FeedSnapshot, LiveNote
from .models import FeedPreference, FeedState, Hide, NoteFeatures, UserRecs
from .queries import ReaderRows, reader_profile, reader_rows
from .recsys.candidates import (
    SOURCES,
    CandidateIndex,
    CandidateSet,
    UserRequest,
    gather,
    merge,
    recency_weights,
)
from .recsys.exploration import insert_exploration, thompson_pick
from .recsys.interactions import History
from .recsys.pipeline import request_inputs
from .recsys.ranker import FEATURES, Ranker, UserContext, build_features
from .recsys.rerank import rerank

PAGE_SIZE = 20
#: Recent engagements read per kind (likes, collects, comments, long dwells); the newest
#: ``CONFIG.limits.recent_items`` of them drive "more like this".
HISTORY_PER_KIND = 50
MAX_FOLLOWEES = 1000
#: Hidden topics applied to the "latest" order (each is one more condition).
MAX_HIDDEN_TOPICS = 20
FOLLOWED_CANDIDATES = 100
#: Followed creators' notes are read per creator: the newest few of the latest follows.
FOLLOWED_PER_AUTHOR = 10
MAX_FOLLOWED_AUTHORS = 300
#: Notes posted since the snapshot was built, read once for everyone: followed creators'
#: newest notes come from the snapshot and these (``_Request._followed_known``). More
#: than this since the build (a late one: builds start every 30 minutes and took 7-8 at
#: a million notes, when the seeded site posts about 12 a minute): each reader's are read
#: by index.
SINCE_SNAPSHOT_MAX = 1000
#: ... read from this long before the newest note the snapshot knows (``_posted_since``).
SINCE_MARGIN_SECONDS = 120
#: Exploration: notes this young with fewer logged impressions than this are "fresh".
FRESH_CANDIDATES = 100
FRESH_MAX_AGE_SECONDS = 3 * 86_400
FRESH_MAX_IMPRESSIONS = 500
#: Engagements per impression assumed where no impressions were logged.
FRESH_RATE_GUESS = 0.1
#: Anonymous readers have no signals: fresh notes get a bigger share of their pages.
EXPLORE_SHARE_ANONYMOUS = 0.2
#: Newest-first notes read per batch when the ranked candidates run out, and batches
#: per request at most.
BACKFILL_BATCH = 60
BACKFILL_BATCHES = 3
#: Newest notes are read only when fewer ranked candidates than this are left.
BACKFILL_BELOW = 3 * PAGE_SIZE
#: A channel's newest and fresh notes are its share of this many newest public notes
#: (read once for every channel); deeper pages read the channel's own older notes.
CHANNEL_WINDOW = 1000
#: Ranked candidates whose visibility is checked per page (the best by score): enough to
#: fill a page under the author rule.
VISIBILITY_WINDOW = 5 * PAGE_SIZE
#: The seen set: notes served in the last days (at most this many) never come back.
SEEN_DAYS = 7
SEEN_MAX = 3000
SESSIONS_MAX = 8
#: Notes a signed-in reader's session remembers itself when it starts over (otherwise the
#: seen set covers it).
SESSION_SERVED_MAX = 1000
ANONYMOUS_STATE_SECONDS = 86_400
#: Live sources are cached this long: the notes posted since the snapshot was built, the
#: fresh notes and the first newest-first batch (the same public notes for everyone; each
#: reader's blocks are applied after), and followed creators' newest notes where read by
#: index (keyed by who is followed). A note posted a few seconds ago may wait that long
#: for the discover feed (the following feed shows it at once).
LIVE_CACHE_SECONDS = 15
#: Picked interests' share of the topic profile next to the one learned from engagements.
DECLARED_INTEREST_WEIGHT = 0.5
#: A new reader's picked interests lead: a bonus in units of the score range, fading out
#: over their first engagements.
COLD_START_BONUS = 0.5
COLD_START_ENGAGEMENTS = 10
#: The author rule's window, then looser windows when too few authors are left to obey it.
AUTHOR_WINDOWS = (CONFIG.author_window, 4, 3, 2, 1)

#: Prepared pages (``prepare``): notes put together beyond a page, so that what the reader
#: saw, hid or blocked meanwhile can drop out and still leave a full page. A channel page
#: prepared when a session starts loses notes to the "for you" pages read before it is
#: opened (the same reader's interests): with ten spares one in six was put together
#: again on request at a million notes.
PREPARED_EXTRA = 30
#: A prepared page older than this (or from another snapshot, or older than the reader's
#: latest like, collect, comment, follow or long read) is put together again instead.
PREPARED_MAX_AGE_SECONDS = 600
#: Shared first pages (``_shared_page``): spares beyond a page, so that what a reader has
#: seen, hid or blocked can drop out and still leave a full page. A channel's candidates
#: for nobody in particular are about this many at a million notes; putting them together
#: takes ~20 ms there (after a response, every ``LIVE_CACHE_SECONDS`` at most).
SHARED_EXTRA = 130
#: After a "for you" page, the first pages of this many of the reader's own interest
#: channels (the explore tabs that lead, in catalogue order) are prepared too, where none
#: is usable (``prepare_channels``): opening the app, then a tab, is the common path, and
#: a first channel visit otherwise puts a whole page together.
PREPARED_CHANNELS = 3
#: ... usable meaning, among other things, that the "for you" pages served since left a
#: page and this many of its notes unseen (they draw on the same interests).
PREPARED_KEEP_SPARES = 10

#: A reader's interests, follows, history and ALS row are kept this long between pages
#: (``_read_reader`` says when they are read again sooner). A change of picked interests
#: can take this long to show.
READER_CACHE_SECONDS = 60

#: The library's candidate sources as the reasons name them.
REASON_OF_SOURCE = {
    "followed": "following",
    "knn": "similar",
    "embedding": "similar",
    "pool": "interest",
    "als": "cf",
    "trending": "trending",
}
#: Which source explains a note when several proposed it.
REASON_PRIORITY = ("followed", "knn", "embedding", "pool", "als", "trending")
HISTORY_WEIGHTS = {k: SIGNAL_WEIGHTS[k] for k in ("like", "collect", "comment", "long_dwell")}


# --- what may be shown ----------------------------------------------------------------------


def browsable_notes(viewer) -> QuerySet[Note]:
    """Public notes of active people the viewer may see, never by someone blocked either
    way (staff browse like anyone: their moderation powers are for other pages)."""
    qs = visible_notes_for(viewer).filter(visibility=Visibility.PUBLIC, author__is_active=True)
    if viewer is not None and viewer.is_staff:
        blocked, blockers = blocked_ids_subqueries(viewer)
        qs = qs.exclude(author_id__in=blocked).exclude(author_id__in=blockers)
    return qs


def _channel_keys(channel: Interest) -> set[str]:
    return {normalize_tag(n) for n in (channel.slug, channel.name_en, channel.name_zh) if n}


def channel_filter(channel: Interest) -> Q:
    """Notes of a channel: the interest is among their topics (hashtags or text), or they
    carry a hashtag naming it (#food, #Food, #美食; their topics may not be computed yet)."""
    tagged = NoteHashtag.objects.filter(hashtag__key__in=_channel_keys(channel)).values("note_id")
    return Q(id__in=tagged) | Q(features__topics__has_key=channel.slug)


def resolve_channel(channel: Interest | str | None) -> Interest | None:
    if channel is None or isinstance(channel, Interest):
        return channel
    if not channel:
        return None
    found = Interest.objects.filter(slug=channel).first()
    if found is None:
        raise Invalid(_("No such channel."), code="unknown_channel", field="channel")
    return found


# --- cursors --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Position:
    """Where a page continues: a ranked session and the page number, or (``session`` 0)
    the last note id of a "latest" page."""

    session: int
    value: int

    @property
    def latest(self) -> bool:
        return self.session == 0


def parse_cursor(cursor: str | None) -> Position | None:
    values = cursors.decode(cursor, arity=2)
    if values is None:
        return None
    session, value = values
    if not (0 <= session < 2**63 and 0 < value < 2**63) or (session and value < 2):
        raise Invalid(_("This cursor is not valid."), code="invalid_cursor", field="cursor")
    return Position(session, value)


# --- feed state -----------------------------------------------------------------------------


def shared_cache() -> bool:
    """Whether the cache is one store for every process (Redis), not per process."""
    backend = settings.CACHES["default"]["BACKEND"].lower()
    return not ("locmem" in backend or "dummy" in backend)


def _cache_key(key: str) -> str:
    return f"feed:state:{key}"


def load_state(key: str) -> dict | None:
    """A state dict: from the cache (Redis; in the embedded mode, what this process wrote
    while serving requests, ``save_state``), else from the database."""
    found = cache.get(_cache_key(key))
    if found is not None:
        return found
    found = sql.fetch(f'SELECT data FROM {sql.table(FeedState)} WHERE "key" = %s', [key])
    if not found:
        return None
    try:
        return json.loads(zlib.decompress(bytes(found[0][0])))
    except (zlib.error, ValueError):
        return None


def save_state(key: str, data: dict, *, durable: bool, ttl: int) -> None:
    """Keep a state dict: in the shared cache, and in the database when it must survive
    (a person's seen set) or when there is no shared cache (the embedded mode).

    A request does not wait for the database. With a shared cache, its copy is written
    after the response (reads find the cache's first) and, on PostgreSQL, without waiting
    for the disk (``synchronous_commit`` off: a crash can lose the last moment's seen
    notes, which the cache still has); waiting took 2 ms a page and, once in a few hundred,
    70 ms. In the embedded mode the web process keeps what it wrote in its own memory and
    writes the database after the response (a write that filled SQLite's log past its
    checkpoint waited for the checkpoint: one page in fifty took 50-60 ms); the worker,
    outside any request, reads and writes the database. Only with one web process
    (``settings.WEB_PROCESSES``): with more, each would keep copies the others outdate."""
    shared = shared_cache()
    if not shared and not (deferred.in_request() and settings.WEB_PROCESSES == 1):
        cache.delete(_cache_key(key))  # (a copy this process kept is older)
        _write_state(key, data)
        return
    cache.set(_cache_key(key), data, ttl)
    if durable or not shared:
        work_key = f"feed:state:{key}:{next(_writes)}"  # each write, in order
        deferred.after_response(work_key, lambda: _write_state(key, data, lazy=shared))


_writes = itertools.count()


def _write_state(key: str, data: dict, *, lazy: bool = False) -> None:
    """The database copy of a state; ``lazy``: the shared cache has it, so PostgreSQL need
    not wait for the disk."""
    blob = zlib.compress(json.dumps(data, separators=(",", ":")).encode(), 6)
    rows = [FeedState(key=key, data=blob, updated_at=timezone.now())]
    fields = {"update_conflicts": True, "unique_fields": ["key"]}
    if lazy and connection.vendor == "postgresql":
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
            FeedState.objects.bulk_create(rows, **fields, update_fields=["data", "updated_at"])
    else:
        FeedState.objects.bulk_create(rows, **fields, update_fields=["data", "updated_at"])


def forget_state(user) -> None:
    """Drop a person's seen set, sessions and prepared pages ("reset my recommendations")."""
    key = f"u:{user.pk}"
    slugs = ["", *Interest.objects.values_list("slug", flat=True)]
    cache.delete_many([_cache_key(key), *(_cache_key(_prepared_key(user.pk, s)) for s in slugs)])
    FeedState.objects.filter(Q(key=key) | Q(key__startswith=f"p:{user.pk}:")).delete()


def purge_states(older_than_seconds: float = ANONYMOUS_STATE_SECONDS, limit: int = 10_000) -> int:
    """Delete anonymous sessions nobody continued for a day, and people's states untouched
    for longer than the seen set lasts (bounded per call)."""
    now = timezone.now()
    anon = now - timedelta(seconds=older_than_seconds)
    people = now - timedelta(days=SEEN_DAYS)
    prepared = now - timedelta(seconds=PREPARED_MAX_AGE_SECONDS)
    stale = FeedState.objects.filter(
        Q(key__startswith="a:", updated_at__lt=anon)
        | Q(key__startswith="p:", updated_at__lt=prepared)
        | Q(updated_at__lt=people)
    ).values_list("key", flat=True)[:limit]
    deleted, _by_model = FeedState.objects.filter(key__in=list(stale)).delete()
    return deleted


def _prepared_key(user_id: int, slug: str) -> str:
    return f"p:{user_id}:{slug}"


def _new_session(channel_slug: str) -> dict:
    return {"ch": channel_slug, "page": 1, "tail": [], "bf": None, "served": []}


# --- what is known about the reader ---------------------------------------------------------


@dataclass
class Engagement:
    note_id: int
    kind: str
    ts: float
    title: str
    author_id: int


@dataclass
class Reader:
    """Everything a request knows about the reader (all read by key or index)."""

    user: object | None = None
    interests: list[str] = field(default_factory=list)
    followees: list[int] = field(default_factory=list)
    hidden_notes: set[int] = field(default_factory=set)
    hidden_authors: set[int] = field(default_factory=set)
    hidden_topics: set[str] = field(default_factory=set)
    history: list[Engagement] = field(default_factory=list)  # oldest first
    seen_elsewhere: set[int] = field(default_factory=set)
    blocked: set[int] = field(default_factory=set)  # blocked by the reader, or blocking them
    recs: tuple | None = None  # (version, factor, items, scores) bytes


def _preference(viewer) -> tuple[str, object]:
    if viewer is None:
        return FeedPreference.Mode.RANKED, None
    found = sql.fetch(
        f"SELECT mode, reset_at FROM {sql.table(FeedPreference)} WHERE user_id = %s",
        [int(viewer.pk)],
    )
    if not found:
        return FeedPreference.Mode.RANKED, None
    mode, reset_at = found[0]
    return mode, sql.datetime_of(reset_at)


def _read_filters(reader: Reader, *, seen: bool = False) -> Reader:
    """What keeps notes off the reader's pages whatever ranked them: hides and blocks, and
    with ``seen`` the notes they had on screen or opened anywhere lately (one statement)."""
    _take_rows(reader, reader_rows(reader.user, seen_since=_seen_since() if seen else None))
    return reader


def _seen_since() -> float:
    return time.time() - SEEN_DAYS * 86_400


def _take_rows(reader: Reader, rows: ReaderRows) -> None:
    reader.hidden_notes, reader.hidden_authors = rows.hidden_notes, rows.hidden_authors
    reader.hidden_topics, reader.blocked = rows.hidden_topics, rows.blocked
    reader.seen_elsewhere = rows.seen


def _read_reader(viewer, reset_at) -> Reader:
    """The reader: hides, blocks and notes seen elsewhere read now; interests, follows,
    engagement history and ALS row from a copy kept ``READER_CACHE_SECONDS``, read again
    at once when they may have changed (a like, collect, comment, follow or long read
    since, a follow fewer, a reset, a new snapshot), and after the response when the copy
    is only old (up to twice that): the copy saves five queries a page. Everything read
    now is one statement (``queries.reader_rows``)."""
    reader = Reader(user=viewer)
    if viewer is None:
        return reader
    key = f"feed:reader:{viewer.pk}"
    kept = cache.get(key)
    started = time.time()
    reset = reset_at.timestamp() if reset_at is not None else None
    # Notes on screen or opened anywhere lately (impressions, views): not recommended again.
    rows = reader_rows(
        viewer,
        follows=True,
        changed_since=kept["at"] if kept is not None else None,
        seen_since=_seen_since(),
        seen_limit=SEEN_MAX,
    )
    _take_rows(reader, rows)
    version = _snapshot_or_empty()[0].version  # a new build brings a new ALS row

    def read() -> dict:
        kept = {
            "at": time.time(),
            "v": version,
            "reset": reset,
            "follows": rows.follows,
            **_read_profile(viewer, reset_at),
        }
        cache.set(key, kept, 2 * READER_CACHE_SECONDS)
        return kept

    if (
        kept is None
        or kept["v"] != version
        or kept["reset"] != reset
        or kept["follows"] != rows.follows
        or started - kept["at"] > 2 * READER_CACHE_SECONDS
        or rows.changed
    ):
        kept = read()
    elif started - kept["at"] > READER_CACHE_SECONDS:
        # Only old (nothing the reader did since): used once more, read again after the
        # response (a change of picked interests shows a page later).
        deferred.after_response(key, read)
    reader.interests = list(kept["interests"])
    reader.followees = list(kept["followees"])
    reader.history = list(kept["history"])
    reader.recs = kept["recs"]
    return reader


def _read_profile(viewer, reset_at) -> dict:
    """What ranks for the reader: picked interests, follows (latest first), the recent
    likes, collects, comments and long reads (oldest first), the ALS row (two statements:
    ``queries.reader_profile``, and the ALS row's bytes)."""
    profile = reader_profile(
        viewer,
        reset_at=reset_at,
        follow_limit=MAX_FOLLOWEES,
        per_kind=HISTORY_PER_KIND,
        long_dwell_ms=artifacts.LONG_DWELL_MS,
    )
    history = [
        Engagement(note_id, kind, ts, title, author)
        for kind, note_id, ts, title, author in profile.history
    ]
    found = sql.fetch(
        f"SELECT version, factor, items, scores FROM {sql.table(UserRecs)} WHERE user_id = %s",
        [int(viewer.pk)],
    )
    recs = None
    if found:
        recs = tuple(bytes(v) if isinstance(v, memoryview) else v for v in found[0])
    return {
        "interests": profile.interests,
        "followees": profile.followees,
        "history": history,
        "recs": recs,
    }


# --- the page -------------------------------------------------------------------------------

_empty_snapshots: dict[tuple, FeedSnapshot] = {}


def _snapshot_or_empty() -> tuple[FeedSnapshot, Ranker]:
    snap, ranker = artifacts.current()
    if snap is None:
        # Before the first build: everything comes from the live sources.
        interests = tuple(Interest.objects.values_list("slug", "name_en", "name_zh"))
        snap = _empty_snapshots.setdefault(interests, FeedSnapshot.empty(interests))
    return snap, ranker if isinstance(ranker, Ranker) else Ranker()


@dataclass
class LiveRow:
    """A note read from the database for a live source (followed, fresh, newest)."""

    id: int
    author_id: int
    created_at: float
    engagement: float  # weighted like the matrix
    engaged: int  # likes + collects + comments
    topics: list[str]
    #: Its topics were computed from its text and hashtags as they are now (hashtags
    #: naming an interest are among them); otherwise not yet, or before its last edit.
    understood: bool = True


LIVE_FIELDS = (
    "id",
    "author_id",
    "created_at",
    "likes_count",
    "collects_count",
    "comments_count",
    "features__topics",
    "understood",
)
#: Whether the note's topics were computed after its last edit, worked out by the database
#: (two datetimes per row converted in Python cost as much as the rest of the row).
UNDERSTOOD = ExpressionWrapper(
    Q(features__computed_at__gte=F("updated_at")), output_field=BooleanField()
)


def followed_rows(authors: list[int], per_author: int, limit: int) -> list[LiveRow]:
    """The newest ``per_author`` public notes of each (active) author, newest ``limit``
    first, as live rows, in one statement: one small walk of the author index
    (``note_author_idx``, newest first) per author, the newest ``limit`` of all of them,
    then those notes' rows and features. Reading "their notes, newest first" in one go
    instead makes the database gather and sort every note of every followed author:
    thousands each for popular creators at a million notes.

    The statement is the same whatever the number of authors (an array or a JSON list
    of them): as a UNION ALL of one walk per author, preparing it grew with the number
    (for 300 authors, 80 ms on PostgreSQL, 20 ms on SQLite), and SQLite joined every
    walk's notes before keeping the newest. (As two statements, ids then ``_live_rows``,
    the second cost a round trip and more building and converting through the ORM than
    the database took.)"""
    if not authors:
        return []
    from vermilion.accounts.models import User

    from .models import NoteFeatures

    table = sql.table
    notes, users = table(Note), table(User)
    # "Neither private nor followers-only" rather than "public": the same notes, but no
    # index serves it, so planners walk the author's index, not every public note.
    hidden = [Visibility.PRIVATE.value, Visibility.FOLLOWERS.value]
    newest = (
        f"SELECT id FROM {notes} WHERE author_id = {{author}} AND visibility <> %s "
        "AND visibility <> %s ORDER BY id DESC LIMIT %s"
    )
    authors = [int(a) for a in authors]
    if connection.vendor == "postgresql":
        # One walk per active author of the array (LATERAL).
        ids = (
            f"SELECT t.id FROM unnest(%s::bigint[]) AS a(author) "
            f"JOIN {users} u ON u.id = a.author AND u.is_active = %s "
            f"CROSS JOIN LATERAL ({newest.format(author='a.author')}) AS t "
            "ORDER BY t.id DESC LIMIT %s"
        )
        params = [authors, True, *hidden, int(per_author), int(limit)]
    else:
        # SQLite has no LATERAL: each active author's notes from their ``per_author``-th
        # newest on, one range of the author index (the bound is a subquery run once per
        # author).
        bound = f"{newest.format(author='a.value')} OFFSET %s"
        ids = (
            f"SELECT m.id FROM json_each(%s) AS a "
            f"JOIN {users} u ON u.id = a.value AND u.is_active = %s "
            f"JOIN {notes} m ON m.author_id = a.value AND m.id >= coalesce(({bound}), 0) "
            "WHERE m.visibility <> %s AND m.visibility <> %s ORDER BY m.id DESC LIMIT %s"
        )
        params = [json.dumps(authors), True, *hidden, 1, int(per_author) - 1]
        params += [*hidden, int(limit)]
    # The newest ``limit`` are picked before anything else of them is read.
    statement = (
        "SELECT n.id, n.author_id, n.created_at, n.likes_count, n.collects_count, "
        "n.comments_count, f.topics, CASE WHEN f.computed_at >= n.updated_at THEN 1 ELSE 0 END "
        f"FROM ({ids}) AS ids JOIN {notes} n ON n.id = ids.id "
        f"LEFT JOIN {table(NoteFeatures)} f ON f.note_id = n.id ORDER BY n.id DESC"
    )
    return live_rows_of(sql.fetch(statement, params))


def _row_ids(rows: list[LiveRow]) -> np.ndarray:
    return np.fromiter((r.id for r in rows), np.int64, len(rows))


def live_rows_of(rows) -> list[LiveRow]:
    """Live rows from raw ``(id, author_id, created_at, likes_count, collects_count,
    comments_count, features' topics, understood)`` tuples, as a hand-written statement
    reads them on either database (topics are JSON text on SQLite)."""
    out = []
    for i, a, created, likes, collects, comments, topics, understood in rows:
        if isinstance(topics, str):
            topics = json.loads(topics)
        out.append(
            LiveRow(
                i,
                a,
                sql.timestamp_of(created),
                artifacts.live_engagement(likes, collects, comments),
                likes + collects + comments,
                list(topics or {}),
                bool(understood),
            )
        )
    return out


def in_channel(rows: list[LiveRow], channel: Interest) -> list[LiveRow]:
    """The rows of ``channel`` (what ``channel_filter`` selects), in order. Their topics
    are known already, and a note's topics include every interest its hashtags name once
    it is understood (``understanding.topics_for``); the hashtags of the others (new, or
    edited since) are one query over their ids. The live sources of a channel are its
    share of the shared windows filtered so, rather than a query of their own: the channel
    condition (a JSON key or a hashtag) is one no index serves, and at a million notes each
    channel's query cost 20-70 ms."""
    unknown = [r.id for r in rows if not r.understood]
    tagged = set()
    if unknown:
        tagged = set(
            NoteHashtag.objects.filter(
                note_id__in=unknown, hashtag__key__in=_channel_keys(channel)
            ).values_list("note_id", flat=True)
        )
    return [r for r in rows if channel.slug in r.topics or r.id in tagged]


def _cached_rows(key: str, read) -> list[LiveRow]:
    """``read()``, kept ``LIVE_CACHE_SECONDS`` under ``key``. Once older, it is still used
    for up to as long again while the request that found it has it read anew after its
    response (``core.deferred``): under steady traffic no reader waits for a refresh."""
    return _refreshed_ahead(key, read, LIVE_CACHE_SECONDS)[0]


def _refreshed_ahead(key: str, make, fresh_seconds: float):
    """``(make(), made now)`` kept under ``key``: fresh for ``fresh_seconds``, then served
    as it is for up to ``fresh_seconds`` more while made again after the response; made
    now when missing or older than that."""
    kept = cache.get(key)
    if kept is None:
        return _remake(key, make, fresh_seconds), True
    if time.time() - kept[0] > fresh_seconds:
        if not deferred.in_request():  # a job, or work done after a response: now
            return _remake(key, make, fresh_seconds), True
        deferred.after_response(key, lambda: _remake(key, make, fresh_seconds))
    return kept[1], False


def _remake(key: str, make, fresh_seconds: float):
    value = make()
    cache.set(key, (time.time(), value), 2 * fresh_seconds)
    return value


def _live_rows(qs: QuerySet[Note], limit: int) -> list[LiveRow]:
    return [
        LiveRow(
            i,
            a,
            c.timestamp(),
            artifacts.live_engagement(likes, collects, comments),
            likes + collects + comments,
            list(topics or {}),
            bool(understood),
        )
        for i, a, c, likes, collects, comments, topics, understood in qs.annotate(
            understood=UNDERSTOOD
        )
        .order_by("-id")
        .values_list(*LIVE_FIELDS)[:limit]
    ]


@dataclass
class Page:
    notes: list[Note]
    reasons: list[dict]
    next_cursor: str | None
    #: How it was made: "built" (put together now), "prepared" (in the background, after
    #: the page before), "shared" (an anonymous first page made for every visitor), or
    #: "latest" (newest first, no ranking).
    source: str = "built"


#: The ``source`` of the page ``discover_page`` last served in this context (the API
#: tells it in a ``Server-Timing`` header, for the operators' and benchmarks' eyes).
served_from: contextvars.ContextVar[str] = contextvars.ContextVar("served_from", default="")


@dataclass
class Built:
    """What a ranked page was made of: its notes in order, their authors and topics (the
    re-ranking rules need them again when a prepared page is served), the newest-first
    position after it, whether more may follow, and (prepared) reasons per language."""

    feed: list[int]
    authors: dict[int, int]
    topics: dict[int, list[int]]
    position: int | None
    more: bool
    reasons: dict[str, list[dict]] = field(default_factory=dict)
    #: The newest notes read to fill the page (newest first) and the position after them.
    fill: list[int] = field(default_factory=list)
    fill_position: int | None = None


def _languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def discover_page(
    viewer, channel: Interest | str | None = None, cursor: str | None = None
) -> tuple[list[Note], list[dict], str | None]:
    """One page of the discover feed for ``viewer`` (a User or None), "for you" or one
    interest ``channel`` (an Interest or its slug), continuing from ``cursor``.

    Returns the notes, a reason per note (``{"source", "text"}``: following, interest,
    similar, cf, trending or fresh, and a sentence in the reader's language) and the
    next page's cursor (None at the end). Raises ``Invalid`` for an unknown channel
    (``unknown_channel``) or a cursor that is not ours (``invalid_cursor``).
    """
    channel = resolve_channel(channel)
    position = parse_cursor(cursor)
    mode, reset_at = _preference(viewer)
    if mode == FeedPreference.Mode.LATEST:
        after = position.value if position is not None and position.latest else None
        page = _latest_page(viewer, channel, after)
    else:
        if position is not None and position.latest:
            position = None  # the reader switched to the ranked feed: start a session
        page = _ranked_page(viewer, channel, position, reset_at)
    served_from.set(page.source)
    return page.notes, page.reasons, page.next_cursor


def _latest_page(viewer, channel: Interest | None, after: int | None) -> Page:
    """Newest public notes first, no ranking ("latest" in the reader's settings); what the
    reader said they are not interested in stays out here too."""
    qs = browsable_notes(viewer)
    if channel is not None:
        qs = qs.filter(channel_filter(channel))
    if viewer is not None:
        hides = Hide.objects.filter(user_id=viewer.pk)
        qs = qs.exclude(id__in=hides.filter(scope=Hide.Scope.NOTE).values("note_id"))
        qs = qs.exclude(author_id__in=hides.filter(scope=Hide.Scope.AUTHOR).values("author_id"))
        topics = list(hides.filter(scope=Hide.Scope.TOPIC).values_list("topic_id", flat=True))
        for slug in topics[:MAX_HIDDEN_TOPICS]:
            qs = qs.exclude(features__topics__has_key=slug)
    if after is not None:
        qs = qs.filter(id__lt=after)
    window = list(qs.select_related("author__avatar").order_by("-id")[: PAGE_SIZE + 1])
    notes = window[:PAGE_SIZE]
    reason = {"source": "fresh", "text": _("Newest first, as you chose in your settings")}
    next_cursor = cursors.encode(0, notes[-1].id) if len(window) > PAGE_SIZE else None
    return Page(notes, [dict(reason) for _note in notes], next_cursor, "latest")


def _topic_label(snap: FeedSnapshot, slug: str) -> str:
    names = snap.topic_names.get(slug)
    if names is None:
        return slug
    return names[1] if (translation.get_language() or "").startswith("zh") else names[0]


class _Request:
    """One ranked page being put together (kept as an object: many steps share state)."""

    def __init__(
        self,
        viewer,
        channel: Interest | None,
        position: Position | None,
        reset_at,
        *,
        preparing: bool = False,
        light: bool = False,
        seen: bool = False,
        rows: ReaderRows | None = None,
        spares: int = PREPARED_EXTRA,
    ):
        self.viewer = viewer
        self.channel = channel
        self.slug = channel.slug if channel is not None else ""
        # Being prepared (``prepare``): a page and its spares, reasons in every language,
        # nothing saved. Otherwise a page, served.
        self.preparing = preparing
        self.size = PAGE_SIZE + spares if preparing else PAGE_SIZE
        self.now = time.time()
        self.snap, self.ranker = _snapshot_or_empty()
        # A prepared page needs only what filters it (``light``), not what ranks it (with
        # ``seen``, the notes seen elsewhere too; ``rows``: read already).
        if light:
            reader = Reader(user=viewer)
            if rows is not None:
                _take_rows(reader, rows)
            elif viewer is not None:
                _read_filters(reader, seen=seen)
            self.reader = reader
        else:
            self.reader = _read_reader(viewer, reset_at)
        hidden = (self.snap.topic_index(s) for s in self.reader.hidden_topics)
        self.hidden_topic_ids = {t for t in hidden if t is not None}
        self._load_state(position)

    @functools.cached_property
    def public(self) -> QuerySet[Note]:
        """What the reader may browse: the public notes of active people (one simple
        query, ``browsable_notes(None)``) minus those of people blocked either way
        (``reader.blocked``, read once), the same set as ``browsable_notes(viewer)``. Made
        when first needed (the live sources' reads): most pages never query it."""
        return browsable_notes(None)

    # state ---------------------------------------------------------------------------------

    def _load_state(self, position: Position | None) -> None:
        self.session_id = position.session if position is not None else new_id()
        if self.viewer is not None:
            self.state_key = f"u:{self.viewer.pk}"
            state = load_state(self.state_key) or {}
            sessions = state.get("sessions", {})
            cutoff = self.now - SEEN_DAYS * 86_400
            self.seen = {
                int(i): t
                for i, t in zip(state.get("ids", []), state.get("at", []), strict=False)
                if t >= cutoff
            }
            self.user_state = {"sessions": sessions}
            session = sessions.get(str(self.session_id)) if position is not None else None
        else:
            self.state_key = f"a:{self.session_id}"
            self.seen = {}
            session = load_state(self.state_key) if position is not None else None
        if session is not None and session.get("ch", "") != self.slug:
            raise Invalid(_("This cursor is not valid."), code="invalid_cursor", field="cursor")
        self.session = session or _new_session(self.slug)

    def save(self, served: list[int], authors: Mapping[int, int]) -> None:
        self.session["page"] = int(self.session.get("page", 1)) + 1
        tail = [*self.session["tail"], *(authors[i] for i in served)]
        self.session["tail"] = tail[-(CONFIG.author_window - 1) :]
        # A person's seen set covers their sessions, except one that starts over.
        if self.viewer is None or self.session.get("again"):
            limit = SEEN_MAX if self.viewer is None else SESSION_SERVED_MAX
            self.session["served"] = [*self.session["served"], *served][-limit:]
        if self.viewer is None:
            save_state(self.state_key, self.session, durable=False, ttl=ANONYMOUS_STATE_SECONDS)
            return
        # Oldest first, as kept (``_load_state`` reads them in that order): what is served
        # now goes last, and the oldest go beyond ``SEEN_MAX``.
        for note_id in served:
            self.seen.pop(note_id, None)
            self.seen[note_id] = self.now
        newest = list(self.seen.items())[-SEEN_MAX:]
        sessions = dict(self.user_state["sessions"])
        sessions.pop(str(self.session_id), None)
        sessions[str(self.session_id)] = self.session  # newest last
        sessions = dict(list(sessions.items())[-SESSIONS_MAX:])
        data = {
            "ids": [i for i, _at in newest],
            "at": [round(t, 1) for _id, t in newest],
            "sessions": sessions,
        }
        save_state(self.state_key, data, durable=True, ttl=SEEN_DAYS * 86_400)

    def excluded_ids(self) -> set[int]:
        """Never proposed: seen here or elsewhere (unless this session starts over),
        served in this session, hidden, engaged with."""
        seen = set() if self.session.get("again") else set(self.seen) | self.reader.seen_elsewhere
        out = seen | set(self.session["served"]) | self.reader.hidden_notes
        out.update(e.note_id for e in self.reader.history)
        return out

    # candidates ----------------------------------------------------------------------------

    def topic_weights(self) -> dict[int, float]:
        if self.channel is not None:
            t = self.snap.topic_index(self.channel.slug)
            return {t: 1.0} if t is not None else {}
        out = {}
        for slug in self.reader.interests:
            t = self.snap.topic_index(slug)
            if t is not None and slug not in self.reader.hidden_topics:
                out[t] = 1.0
        return out

    def history(self) -> History:
        recent = self.reader.history[-CONFIG.limits.recent_items :]
        return artifacts.history_of(
            self.snap,
            [e.note_id for e in recent],
            [HISTORY_WEIGHTS[e.kind] for e in recent],
            [e.ts for e in recent],
        )

    def snapshot_candidates(self, exclude: set[int]) -> tuple[CandidateSet, UserContext]:
        found = snapshot_candidates(
            self.snap,
            self.history(),
            now=self.now,
            exclude=exclude,
            topic_weights=self.topic_weights(),
            channel=self.channel is not None,
            recs=self.reader.recs,
        )
        self.request, self.recent = found.request, found.recent
        return found.candidates, found.context

    def followed_candidates(self, exclude: set[int]) -> tuple[CandidateSet, list[LiveRow]]:
        """Followed creators' newest notes: the newest ``FOLLOWED_PER_AUTHOR`` of each of
        the latest ``MAX_FOLLOWED_AUTHORS`` follows, the newest ``FOLLOWED_CANDIDATES`` of
        them. Returns them as candidates and the rows read live (posted since the
        snapshot, or read by index) for ``live_notes``."""
        if not self.reader.followees:
            return _no_candidates(), []
        followees = self.reader.followees[:MAX_FOLLOWED_AUTHORS]  # the latest follows
        # A channel takes its share of more of their notes (one read for every channel).
        per_author = FOLLOWED_PER_AUTHOR * (3 if self.channel is not None else 1)
        limit = FOLLOWED_CANDIDATES * (3 if self.channel is not None else 1)
        found = self._followed_known(followees, per_author, limit)
        if found is None:
            found = self._followed_read(followees, per_author, limit)
        ids, authors, rows = found
        ids, authors = ids[:FOLLOWED_CANDIDATES], authors[:FOLLOWED_CANDIDATES]
        by_author: dict[int, list[int]] = {}
        blocked = self.reader.blocked
        for note_id, author_id in zip(ids.tolist(), authors.tolist(), strict=True):
            if author_id not in blocked:  # newest first
                by_author.setdefault(author_id, []).append(note_id)
        proposed = {i for items in by_author.values() for i in items}
        rows = [r for r in rows if r.id in proposed]
        index = CandidateIndex(author_items={a: np.asarray(v) for a, v in by_author.items()})
        request = UserRequest(
            history=History(np.empty(0, np.int64), np.empty(0, np.float32), np.empty(0)),
            followed_authors=list(by_author),
            exclude=np.fromiter(exclude, np.int64, len(exclude)),
        )
        return gather(request, index, CONFIG.limits, sources=("followed",)), rows

    def _followed_known(self, followees: list[int], per_author: int, limit: int):
        """Followed creators' newest notes among those the feed ranks: the snapshot's
        catalogue (the newest ``artifacts.MAX_ITEMS`` public notes when it was built:
        ``FeedSnapshot.newest_by``) and the notes posted since (``_posted_since``, read
        once for everyone), as ``(ids, authors, rows posted since)``, newest first; None
        before the first build, or when more was posted since than is kept.

        Like every other source of ranked candidates, it proposes nothing older than the
        catalogue (at a million notes on the seeded site, about twelve days): a
        followed creator's older notes are on their profile and in the following feed.
        What the snapshot says is checked like any snapshot candidate (the notes that may
        make the page are read through ``public_note_authors``), so a note deleted or
        made private since the build still takes one of its author's places here and
        drops out later; one made public after the build, older than what was posted
        since, waits for the next build. Reading them by index instead cost a walk of the
        author index per followed creator: the biggest single statement of a page put
        together on request at a million notes (2.5-4 ms on PostgreSQL)."""
        snap = self.snap
        if snap.lib is None or snap.n_items == 0:
            return None
        since = self._posted_since()
        if since is None:
            return None
        wanted = set(followees)
        theirs = [r for r in since if r.author_id in wanted]
        dense = snap.newest_by(followees, per_author)
        # (64-bit ids: never through floats, as an empty list would make them.)
        ids = np.concatenate([_row_ids(theirs), snap.note_ids[dense]])
        authors = np.fromiter((r.author_id for r in theirs), np.int64, len(theirs))
        authors = np.concatenate([authors, snap.lib.stats.authors[dense].astype(np.int64)])
        order = np.argsort(-ids, kind="stable")
        ids, authors = ids[order], authors[order]
        keep = _first_per_group(authors, per_author)
        ids, authors = ids[keep][:limit], authors[keep][:limit]
        live = np.isin(ids, _row_ids(theirs))
        if self.channel is not None:
            # Those posted since by the channel's share of them (read once for everyone),
            # the snapshot's by the topics it knows (as ``allowed`` filters its notes).
            ok = np.isin(ids, _row_ids(self._posted_since(self.channel) or []))
            ok[~live] = self._of_channel(snap.topics_of(snap.dense(ids[~live])))
            ids, authors, live = ids[ok], authors[ok], live[ok]
        kept = set(ids[live].tolist())
        return ids, authors, [r for r in theirs if r.id in kept]

    def _posted_since(self, channel: Interest | None = None) -> list[LiveRow] | None:
        """The public notes posted since the snapshot was built that it does not know
        (``channel``: those in it), newest first, the same for everyone (kept
        ``LIVE_CACHE_SECONDS``); None when more than ``SINCE_SNAPSHOT_MAX`` (a build is
        overdue). Read from ``SINCE_MARGIN_SECONDS`` before the newest note it knows: ids
        are made before the note is written, so one made just before the build read the
        catalogue can be written just after."""
        key = f"feed:live:since:{self.snap.version}"
        if channel is None:
            rows = self._since(key)
        else:
            rows = _cached_rows(
                f"{key}:{channel.slug}", lambda: in_channel(self._since(key), channel)
            )
        return rows if len(rows) <= SINCE_SNAPSHOT_MAX else None

    def _since(self, key: str) -> list[LiveRow]:
        snap = self.snap
        public = self.public
        start = id_for_time(id_time(int(snap.note_ids[-1])) - SINCE_MARGIN_SECONDS)

        def read() -> list[LiveRow]:
            rows = _live_rows(public.filter(id__gt=start), SINCE_SNAPSHOT_MAX + 1)
            if len(rows) > SINCE_SNAPSHOT_MAX:
                return rows  # too many: maybe more than that the snapshot does not know
            unknown = snap.dense(_row_ids(rows)) < 0
            return [r for r, new in zip(rows, unknown.tolist(), strict=True) if new]

        return _cached_rows(key, read)

    def _followed_read(self, followees: list[int], per_author: int, limit: int):
        """Followed creators' newest notes read by index (``followed_rows``), as
        ``(ids, authors, rows)``, kept ``LIVE_CACHE_SECONDS`` for whoever follows the same
        people (public notes of the followed: never blocked, as a block ends the follow)."""

        def read() -> list[LiveRow]:
            return followed_rows(followees, per_author, limit)

        followed = np.asarray(sorted(followees), np.int64).tobytes()
        who = hashlib.blake2b(followed, digest_size=12).hexdigest()
        key = f"feed:live:followed:{per_author}:{len(followees)}:{who}"
        rows = _cached_rows(key, read)  # shared by every channel
        if self.channel is not None:
            channel = self.channel
            rows = _cached_rows(
                f"{key}:{self.slug}", lambda: in_channel(_cached_rows(key, read), channel)
            )
        authors = np.fromiter((r.author_id for r in rows), np.int64, len(rows))
        return _row_ids(rows), authors, rows

    def live_notes(self, rows: Iterable[LiveRow]) -> dict[int, LiveNote]:
        """What the ranker needs of live notes the snapshot does not know (one query for
        their embeddings, none when the snapshot knows them all)."""
        rows = list(rows)
        dense = self.snap.dense([r.id for r in rows])
        unknown = {r.id: r for r, d in zip(rows, dense, strict=True) if d < 0}
        embeddings: dict[int, np.ndarray | None] = {}
        if unknown and self.snap.lib is not None and self.snap.lib.stats.embeddings is not None:
            where, params = sql.in_ids("note_id", unknown)
            for note_id, blob in sql.fetch(
                f"SELECT note_id, embedding FROM {sql.table(NoteFeatures)} "
                f"WHERE {where} AND embedding_model = %s",
                [*params, understanding.EMBEDDING_MODEL],
            ):
                embeddings[note_id] = understanding.from_bytes(blob)
        return {
            i: LiveNote(
                r.author_id,
                r.created_at,
                r.engagement,
                self._topic_ids(r.topics),
                embeddings.get(i),
            )
            for i, r in unknown.items()
        }

    def _topic_ids(self, slugs: Iterable[str]) -> list[int]:
        return [t for t in (self.snap.topic_index(s) for s in slugs) if t is not None]

    def allowed(self, note_ids: np.ndarray, authors: np.ndarray, topics: artifacts.TopicLists):
        """Candidates passing the reader's hides and the channel (notes read live were
        filtered by channel in their query already)."""
        ok = ~np.isin(authors, np.fromiter(self.reader.hidden_authors, np.int64))
        ok &= ~topics.rows_with(self.hidden_topic_ids)
        if self.channel is not None:
            known = self.snap.dense(note_ids) >= 0
            ok &= ~known | self._of_channel(topics)
        return ok

    def _of_channel(self, topics: artifacts.TopicLists) -> np.ndarray:
        """Which of the snapshot's topic lists are the channel's (its notes, as the
        snapshot knows them)."""
        topic = self.snap.topic_index(self.slug)
        return topics.rows_with([topic] if topic is not None else [])

    def visible(self, note_ids: np.ndarray) -> np.ndarray:
        """Which snapshot candidates the reader may see now (visibility, blocks, deletions:
        the snapshot does not know them). One query."""
        if len(note_ids) == 0:
            return np.zeros(0, bool)
        blocked = self.reader.blocked
        authors = public_note_authors(note_ids.tolist())  # (browsable_notes(None))
        ok = {note_id for note_id, author_id in authors.items() if author_id not in blocked}
        return np.array([int(i) in ok for i in note_ids], bool)

    def row_allowed(self, row: LiveRow, exclude: set[int]) -> bool:
        if row.id in exclude or row.author_id in self.reader.hidden_authors:
            return False
        if row.author_id in self.reader.blocked:
            return False
        return not self.reader.hidden_topics.intersection(row.topics)

    def backfill(
        self, exclude: set[int], taken: set[int], need: int
    ) -> tuple[list[LiveRow], int | None, bool]:
        """Newest notes not shown yet, after the session's position; returns the rows,
        the position to continue from next time, and whether older notes remain."""
        qs = self.public  # the reader's blocks apply per row
        if self.channel is not None:
            qs = qs.filter(channel_filter(self.channel))
        position = self.session.get("bf")
        rows: list[LiveRow] = []
        more = True
        for _batch in range(BACKFILL_BATCHES):
            if position is None:  # the newest: the same for everyone
                batch, window = self._newest()
                more = len(window) == (CHANNEL_WINDOW if self.channel else BACKFILL_BATCH)
                last = window[-1].id if window else None
            else:
                batch = _live_rows(qs.filter(id__lt=position), BACKFILL_BATCH)
                more = len(batch) == BACKFILL_BATCH
                last = batch[-1].id if batch else None
            for row in batch:
                if self.row_allowed(row, exclude) and row.id not in taken:
                    rows.append(row)
            if last is not None:
                position = last
            if len(rows) >= need + PAGE_SIZE or not more:
                break
        return rows, position, more

    def _newest(self) -> tuple[list[LiveRow], list[LiveRow]]:
        """The newest public notes (the same for everyone) and the window they came from:
        for a channel, its notes among the newest ``CHANNEL_WINDOW``."""
        public = self.public
        if self.channel is None:
            rows = _cached_rows("feed:live:newest:", lambda: _live_rows(public, BACKFILL_BATCH))
            return rows, rows

        def window() -> list[LiveRow]:
            return _cached_rows(
                "feed:live:newest:window", lambda: _live_rows(public, CHANNEL_WINDOW)
            )

        channel = self.channel
        key = f"feed:live:newest:{self.slug}"
        rows = window()
        # Made from the window as it is when made (a refresh comes after the window's).
        return _cached_rows(key, lambda: in_channel(window(), channel)), rows

    def fresh(self, exclude: set[int]) -> list[LiveRow]:
        cutoff = time.time() - FRESH_MAX_AGE_SECONDS
        if self.channel is None:
            public = self.public

            def read() -> list[LiveRow]:  # blocks apply per row
                since = timezone.now() - timedelta(seconds=FRESH_MAX_AGE_SECONDS)
                return _live_rows(public.filter(created_at__gte=since), FRESH_CANDIDATES)

            rows = _cached_rows("feed:live:fresh:", read)
        else:  # the channel's share of the newest notes (kept already), young enough
            rows = [r for r in self._newest()[0] if r.created_at >= cutoff][:FRESH_CANDIDATES]
        return [r for r in rows if self.row_allowed(r, exclude)]

    # putting the page together -------------------------------------------------------------

    def build(self) -> Page:
        exclude = self.excluded_ids()
        snap_cands, context = self.snapshot_candidates(exclude)
        followed, followed_rows = self.followed_candidates(exclude)
        cands = merge(snap_cands, followed)
        live = self.live_notes(followed_rows)
        stats, topics, authors = artifacts.local_stats(self.snap, cands.items, live)
        ok = self.allowed(cands.items, authors, topics)
        cands = cands.subset(ok)
        stats = artifacts.subset_stats(stats, ok)
        topics = topics.take(np.flatnonzero(ok))
        authors = authors[ok]

        m = len(cands)
        local = CandidateSet(np.arange(m, dtype=np.int64), cands.scores, cands.ranks)
        scores = np.empty(0)
        if m:
            x = build_features(local, context, stats)
            scores = np.asarray(self.ranker.score(x), np.float64)
            scores = scores + self.cold_start_bonus(scores, x)
        # Only the best few can make this page: their visibility is checked now (the
        # snapshot knows nothing of blocks, visibility changes or deletions), one query.
        # No more of one author's than the author rule lets onto the page: a prolific,
        # popular creator's notes can otherwise fill the whole window, and the page
        # would have to give way on the rule (or be that creator's alone).
        per_author = -(-self.size // CONFIG.author_window)
        order = np.argsort(-scores, kind="stable")
        best = order[_first_per_group(authors[order], per_author)][:VISIBILITY_WINDOW]
        from_snapshot = self.snap.dense(cands.items[best]) >= 0
        ok = np.ones(len(best), bool)
        ok[from_snapshot] = self.visible(cands.items[best][from_snapshot])
        best = best[ok]
        author_of = {int(cands.items[j]): int(authors[j]) for j in best}
        topics_of = {int(cands.items[j]): topics[j] for j in best}

        # Newest notes not shown yet, below every ranked candidate, when those run short.
        position, more, fill = self.session.get("bf"), True, []
        if len(best) < BACKFILL_BELOW:
            taken = {int(i) for i in cands.items[best]}  # (those left out may fill in)
            fill, position, more = self.backfill(exclude, taken, self.size - len(best))
        floor = float(scores.min()) - 1.0 if m else 0.0
        items = [*(int(cands.items[j]) for j in best), *(r.id for r in fill)]
        all_scores = [*scores[best].tolist(), *(floor - 1e-3 * k for k in range(len(fill)))]
        for r in fill:
            author_of[r.id] = r.author_id
            topics_of[r.id] = self._topic_ids(r.topics)
        feed = arrange(items, all_scores, self.size, author_of, topics_of, self.session["tail"])

        # Exploration: fresh notes by Thompson sampling on a bounded share of the slots.
        before = set(feed)
        feed = self.explore(feed, exclude, author_of)
        explored = set(feed) - before
        # The position moves past the newest notes only as far as they were all served,
        # so nothing in between is skipped.
        fill_position = position
        served = set(feed)
        for row in fill:
            if row.id not in served and row.id not in exclude:
                position = self._position_before(row.id)
                more = True
                break
        self.session["bf"] = position

        notes = _fetch(feed, self.reader.blocked)
        feed = [n.id for n in notes]
        filled = {r.id for r in fill}
        has_more = bool(feed) and (len(feed) == self.size or more)
        self.built = Built(
            feed,
            {i: author_of[i] for i in feed},
            {i: list(topics_of.get(i, [])) for i in feed},
            position,
            has_more,
            fill=[r.id for r in fill if r.id not in exclude],
            fill_position=fill_position,
        )
        if self.preparing:
            for code in _languages():
                with translation.override(code):
                    self.built.reasons[code] = [
                        self.reason(n, cands, explored, filled) for n in notes
                    ]
            return Page(notes, [], None)
        reasons = [self.reason(n, cands, explored, filled) for n in notes]
        return self.serve(notes, reasons, has_more, author_of)

    def serve(self, notes: list[Note], reasons: list[dict], has_more: bool, author_of) -> Page:
        """The page as served: the state remembers it (seen set, session), and the
        reader's next page is prepared in the background."""
        feed = [n.id for n in notes]
        if has_more or self.viewer is not None:  # an anonymous last page needs no state
            self.save(feed, author_of)
        if self.viewer is not None and has_more and settings.FEED_PREPARED_PAGES:
            from vermilion.core import jobs

            # Queued once the response has gone (a write the reader need not wait for; a
            # next page asked for before it is prepared is put together instead).
            payload = {
                "user_id": self.viewer.pk,
                "channel": self.slug,
                "session": self.session_id,
                "page": self.session["page"],
            }
            deferred.after_response(
                f"feed.prepare:{self.viewer.pk}:{self.slug}",
                lambda: jobs.enqueue(
                    "feed.prepare",
                    max_attempts=1,  # a page not prepared is put together when asked for
                    **payload,
                ),
            )
        next_cursor = cursors.encode(self.session_id, self.session["page"]) if has_more else None
        return Page(notes, reasons, next_cursor)

    def explore(self, feed: list[int], exclude: set[int], author_of: dict[int, int]) -> list[int]:
        """``feed`` with fresh notes inserted: each is an arm whose engagement rate is
        believed Beta(engaged + 1, shown - engaged + 1). Impressions come from the
        snapshot; engagement is counted live, and where no impressions were logged they
        are estimated from it (``FRESH_RATE_GUESS``), so a note that already drew
        engagement is not mistaken for one that never had an audience."""
        rows = [r for r in self.fresh(exclude) if r.id not in set(feed)]
        if not rows:
            return feed
        dense = self.snap.dense([r.id for r in rows])
        logged = np.array([self.snap.impressions[d] if d >= 0 else 0 for d in dense], float)
        engaged = np.array([r.engaged for r in rows], float)
        shown = np.maximum(logged, engaged / FRESH_RATE_GUESS)
        keep = shown < FRESH_MAX_IMPRESSIONS
        rows = [r for r, k in zip(rows, keep, strict=True) if k]
        for r in rows:
            author_of[r.id] = r.author_id
        picks = thompson_pick(
            [r.id for r in rows], shown[keep], engaged[keep], self.size, np.random.default_rng()
        )
        share = CONFIG.explore_share if self.viewer is not None else EXPLORE_SHARE_ANONYMOUS
        out = insert_exploration(
            feed,
            picks,
            n=self.size,
            max_share=share,
            seen=exclude,
            authors=author_of,
            author_window=CONFIG.author_window,
            recent_authors=self.session["tail"],
        )
        # Ranked notes left out to keep the author rule return when too few authors are
        # left for it (``arrange`` relaxed it already): a page is never cut short.
        missing = [i for i in feed[: self.size] if i not in set(out)]
        return out + missing[: max(0, min(self.size, len(feed)) - len(out))]

    def cold_start_bonus(self, scores: np.ndarray, x: np.ndarray) -> np.ndarray:
        """Picked interests first for a reader with few engagements: notes matching them
        gain up to ``COLD_START_BONUS`` of the score range (more than topic spread takes
        away), fading out over their first ``COLD_START_ENGAGEMENTS`` engagements."""
        fade = 1.0 - len(self.reader.history) / COLD_START_ENGAGEMENTS
        if fade <= 0 or self.channel is not None or not self.reader.interests:
            return np.zeros(len(scores))
        span = float(scores.max() - scores.min()) or 1.0
        match = x[:, FEATURES.index("topic_match")].astype(np.float64)
        return COLD_START_BONUS * fade * span * match

    @staticmethod
    def _position_before(note_id: int) -> int:
        return note_id + 1  # "id < position" starts again at this note

    # reasons -------------------------------------------------------------------------------

    def reason(self, note: Note, cands: CandidateSet, explored: set[int], filled: set[int]):
        if note.id in explored:
            return self._fresh_reason(note)
        pos = np.searchsorted(cands.items, note.id)
        if pos < len(cands) and cands.items[pos] == note.id:
            proposed = [s for s in REASON_PRIORITY if cands.ranks[s][pos] >= 0]
            if proposed:
                return self._source_reason(proposed[0], note)
        if note.id in filled:
            return {"source": "fresh", "text": _("Recently posted")}
        return {"source": "trending", "text": _("Popular on Vermilion right now")}

    def _fresh_reason(self, note: Note) -> dict:
        known_authors = set(self.reader.followees) | {e.author_id for e in self.reader.history}
        if self.viewer is None:
            text = _("New on Vermilion")
        elif note.author_id in known_authors:
            text = _("New from @%(name)s") % {"name": note.author.username}
        else:
            text = _("New from a creator you haven't seen")
        return {"source": "fresh", "text": text}

    def _source_reason(self, source: str, note: Note) -> dict:
        kind = REASON_OF_SOURCE[source]
        if kind == "following":
            text = _("From @%(name)s, whom you follow") % {"name": note.author.username}
        elif kind == "similar":
            text = self._similar_text(source, note.id)
        elif kind == "interest":
            text = self._interest_text(note.id)
        elif kind == "cf":
            text = _("Liked by people with tastes like yours")
        else:
            text = _("Popular on Vermilion right now")
        return {"source": kind, "text": text}

    def _similar_text(self, source: str, note_id: int) -> str:
        """ "Because you liked “<title>”": the recent engagement that contributed most."""
        lib = self.snap.lib
        index = lib.index.knn if source == "knn" else lib.index.embedding
        target = self.snap.dense([note_id])[0]
        recent = self.recent
        best = None
        if index is not None and len(recent.items):
            hits = index.neighbours[recent.items] == target
            contribution = np.where(hits, index.scores[recent.items], 0.0).max(axis=1)
            contribution = contribution * recent.weights
            if contribution.max() > 0:
                best = int(self.snap.note_ids[recent.items[int(np.argmax(contribution))]])
        engagement = next((e for e in reversed(self.reader.history) if e.note_id == best), None)
        if engagement is None:
            return _("Similar to notes you engaged with")
        title = engagement.title
        templates = {
            "like": _("Because you liked “%(title)s”"),
            "collect": _("Because you saved “%(title)s”"),
            "comment": _("Because you commented on “%(title)s”"),
            "long_dwell": _("Because you read “%(title)s”"),
        }
        return templates[engagement.kind] % {"title": title}

    def _interest_text(self, note_id: int) -> str:
        weights = getattr(self, "request", None)
        weights = weights.topic_weights if weights is not None else {}
        dense = self.snap.dense([note_id])[0]
        topics = self.snap.lib.item_topics[int(dense)] if dense >= 0 else []
        ranked = sorted(topics, key=lambda t: -weights.get(t, 0.0))
        if not ranked:
            return _("Popular on Vermilion right now")
        label = _topic_label(self.snap, self.snap.topic_slugs[ranked[0]])
        return _("Popular in %(topic)s") % {"topic": label}


def _no_candidates() -> CandidateSet:
    return CandidateSet(
        np.empty(0, np.int64),
        {s: np.empty(0, np.float32) for s in SOURCES},
        {s: np.empty(0, np.int32) for s in SOURCES},
    )


@dataclass
class SnapshotCandidates:
    """One reader's candidates from the snapshot (keyed by note id) and ranking context."""

    candidates: CandidateSet
    context: UserContext
    request: UserRequest | None = None
    recent: History | None = None


def declared_profile(snap: FeedSnapshot, weights: Mapping[int, float]) -> np.ndarray | None:
    """A unit topic vector from picked interests (or a channel's topic)."""
    if not weights:
        return None
    v = np.zeros(max(1, len(snap.topic_slugs)), np.float32)
    for t, w in weights.items():
        v[t] = w
    return v / np.linalg.norm(v)


def snapshot_candidates(
    snap: FeedSnapshot,
    history: History,
    *,
    now: float,
    exclude: set[int],
    topic_weights: Mapping[int, float],
    channel: bool,
    recs: tuple | None,
) -> SnapshotCandidates:
    """Candidates from the snapshot's sources (``pipeline.request_inputs`` and ``gather``),
    with the reader's ALS row (``recs``: version, factor, note ids, scores) or a vector
    folded in from their recent history, and their picked interests blended into the
    topic profile so that a new reader's interests rank before any engagement. In a
    channel, the channel's topic is the only interest pool. Serving and the ranker's
    training both build their rows with this."""
    lib = snap.lib
    declared = declared_profile(snap, topic_weights)
    if lib is None:
        return SnapshotCandidates(_no_candidates(), UserContext(now=now, topic_profile=declared))
    if recs is not None and recs[0] == snap.version:
        vector = np.frombuffer(bytes(recs[1]), np.float32)
    elif len(history.items):
        # Engaged since the last fit (or new): a vector against the fixed item factors.
        vector = lib.als.fold_in(history.items, history.weights)
    else:
        vector = None
    request, context, _stats, index = request_inputs(
        lib,
        -1,
        history,
        now=now,
        exclude=snap.dense(np.fromiter(exclude, np.int64, len(exclude))),
        interests=topic_weights,
        user_vector=vector,
    )
    if channel:
        request.topic_weights = dict(topic_weights)
    if recs is not None:
        items = snap.dense(np.frombuffer(bytes(recs[2]), np.int64))
        scores = np.frombuffer(bytes(recs[3]), np.float32)
        ok = items >= 0
        request.als_items, request.als_scores = items[ok], scores[ok]
    if declared is not None:
        profile = context.topic_profile
        blended = declared * DECLARED_INTEREST_WEIGHT
        if profile is not None and np.any(profile):
            blended = blended + profile
        norm = np.linalg.norm(blended)
        context.topic_profile = (blended / norm).astype(np.float32) if norm else profile
    cands = gather(request, index, CONFIG.limits)
    return SnapshotCandidates(
        artifacts.to_local(cands, snap),
        context,
        request,
        recency_weights(history, CONFIG.limits),
    )


def _first_per_group(groups: np.ndarray, k: int) -> np.ndarray:
    """Mask of the entries that are among the first ``k`` of their group, in order."""
    n = len(groups)
    by_group = np.argsort(groups, kind="stable")
    sorted_groups = groups[by_group]
    starts = np.ones(n, bool)
    starts[1:] = sorted_groups[1:] != sorted_groups[:-1]
    index = np.arange(n)
    rank = np.empty(n, np.int64)
    rank[by_group] = index - np.maximum.accumulate(np.where(starts, index, 0))
    return rank < k


def arrange(
    items: list[int],
    scores: list[float],
    n: int,
    authors: Mapping[int, int],
    topics: Mapping[int, list[int]],
    tail: list[int],
) -> list[int]:
    """The best ``n`` under the feed's rules (``recsys.rerank``), relaxing the author window
    only when too few authors are left to fill the page under it."""
    out: list[int] = []
    left_items = np.asarray(items, np.int64)
    left_scores = np.asarray(scores, np.float64)
    for window in AUTHOR_WINDOWS:
        need = n - len(out)
        if need <= 0 or len(left_items) == 0:
            break
        got = rerank(
            left_items,
            left_scores,
            n=need,
            authors=authors,
            topics=topics,
            author_window=window,
            topic_penalty=CONFIG.topic_penalty,
            recent_authors=[*tail, *(authors[i] for i in out)],
        )
        out += got
        keep = ~np.isin(left_items, np.asarray(got, np.int64))
        left_items, left_scores = left_items[keep], left_scores[keep]
    return out


def _fetch(note_ids: list[int], blocked: set[int]) -> list[Note]:
    """The page's notes in order, authors and avatars loaded; anything gone since (deleted,
    no longer public: ``browsable_notes(None)``) or by someone ``blocked`` drops out."""
    found = public_notes(note_ids)
    return [found[i] for i in note_ids if i in found and found[i].author_id not in blocked]


def _ranked_page(viewer, channel, position: Position | None, reset_at) -> Page:
    if viewer is not None and settings.FEED_PREPARED_PAGES:
        page = _prepared_page(viewer, channel, position, reset_at)
        if page is not None:
            return page
    if position is None and _starts_from_shared(viewer, channel):
        page = _shared_page(viewer, channel, reset_at)
        if page is not None:
            return page
    request = _Request(viewer, channel, position, reset_at)
    page = request.build()
    if not page.notes and position is None and (request.seen or request.reader.seen_elsewhere):
        # The reader has seen everything there is (a small site, a narrow channel): this
        # session starts over rather than showing an empty feed; it still never repeats
        # a note within itself.
        request.session = {**_new_session(request.slug), "again": True}
        page = request.build()
    return page


# --- prepared pages -------------------------------------------------------------------------
#
# Putting a ranked page together reads the whole reader (12 statements) and ranks a
# few hundred candidates: about twice what a prepared page costs over HTTP (17-27 ms at a
# million notes, p50, docs/feed.md). So once a signed-in reader is served a page, the
# ``feed.prepare`` job puts their next one together (``prepare``) and keeps it under
# ``p:<user>:<channel>``; asking for it then costs a few reads by key
# (``_prepared_page``). A continuation of the session and a new session both take it (for a
# signed-in reader both mean "what I have not seen yet"). What changed since is respected:
# notes seen, hidden or by someone blocked since drop out (the spares fill in), and a
# prepared page is put together again when it is from another snapshot, older than
# ``PREPARED_MAX_AGE_SECONDS`` or than the reader's latest engagement, follow or reset.


def prepare(user_id: int, channel: str = "", session: int = 0, page: int = 1) -> bool:
    """Put together a reader's next ranked page in ``channel`` (``""``: for you) ahead of
    time, continuing ``session`` at ``page``; returns whether one was kept."""
    from vermilion.accounts.models import User

    viewer = User.objects.filter(pk=user_id, is_active=True).first()
    if viewer is None:
        return False
    mode, reset_at = _preference(viewer)
    found = Interest.objects.filter(slug=channel).first() if channel else None
    if mode == FeedPreference.Mode.LATEST or (channel and found is None):
        return False
    started = time.time()
    position = Position(session, page) if session and page >= 2 else None
    try:
        request = _Request(viewer, found, position, reset_at, preparing=True)
    except Invalid:  # the session is gone or was another channel's
        return False
    if request.session.get("again"):
        return False
    request.build()
    built = request.built
    if not built.feed:
        return False
    record = _record_of(request, started)
    key = _prepared_key(viewer.pk, request.slug)
    save_state(key, record, durable=False, ttl=PREPARED_MAX_AGE_SECONDS)
    return True


def _record_of(request: _Request, started: float) -> dict:
    """What a page put together ahead of time is kept as (``_serve_record`` serves it)."""
    built = request.built
    return {
        "at": started,
        "v": request.snap.version,
        "items": [[i, built.authors[i], built.topics[i]] for i in built.feed],
        "reasons": built.reasons,
        "bf": built.fill_position,
        "fill": built.fill,
        "more": built.more,
    }


def prepare_channels(user_id: int, limit: int = PREPARED_CHANNELS) -> list[str]:
    """First pages of the reader's own interest channels, put together ahead of time where
    no usable one is kept (one prepared less than half its lifetime ago, from this
    snapshot, before nothing the reader did since, with a page and ``PREPARED_KEEP_SPARES``
    of its notes not served to the reader since); returns the channels prepared."""
    slugs = _leading_channels(user_id, limit)
    if not slugs:
        return []
    snap, _ranker = _snapshot_or_empty()
    now = time.time()
    kept = {}
    for slug in slugs:
        record = load_state(_prepared_key(user_id, slug)) or {}
        at = float(record.get("at", 0))
        if record.get("v") == snap.version and now - at < PREPARED_MAX_AGE_SECONDS / 2:
            kept[slug] = record
    if kept:
        # "For you" pages served since take notes of the reader's own channels: a page
        # left short would be put together on request.
        # (A small channel's page, short from the start, is kept while nothing of it goes.)
        seen = set((load_state(f"u:{user_id}") or {}).get("ids", []))
        need = PAGE_SIZE + PREPARED_KEEP_SPARES
        for slug, record in list(kept.items()):
            ids = [item[0] for item in record["items"]]
            gone = sum(i in seen for i in ids)
            if gone and len(ids) - gone < need:
                del kept[slug]
    if kept:
        from vermilion.accounts.models import User

        viewer = User(pk=user_id)
        if _engaged_since(viewer, min(float(r["at"]) for r in kept.values())):
            # Something since the oldest of them: which pages does it make stale?
            kept = {s: r for s, r in kept.items() if not _engaged_since(viewer, float(r["at"]))}
    return [slug for slug in slugs if slug not in kept and prepare(user_id, slug)]


def _engaged_since(viewer, at: float) -> bool:
    """Whether the reader liked, collected, commented, followed or read a note at length
    since ``at`` (one statement): a page prepared before that would not reflect it."""
    return reader_rows(viewer, changed_since=at).changed


def _prepared_page(viewer, channel: Interest | None, position: Position | None, reset_at):
    """The reader's prepared page, still valid and still a full page once what changed
    since is taken out, as served; None to put one together now."""
    slug = channel.slug if channel is not None else ""
    record = load_state(_prepared_key(viewer.pk, slug))
    if not record:
        return None
    snap, _ranker = _snapshot_or_empty()
    at = float(record.get("at", 0))
    if time.time() - at > PREPARED_MAX_AGE_SECONDS or record.get("v") != snap.version:
        return None
    if reset_at is not None and reset_at.timestamp() >= at:
        return None
    # Whether the reader did something since, and their hides and blocks: one statement.
    rows = reader_rows(viewer, changed_since=at)
    if rows.changed:
        return None
    page = _serve_record(viewer, channel, position, reset_at, record, rows=rows)
    if page is not None:
        page.source = "prepared"
    return page


def _serve_record(
    viewer, channel, position: Position | None, reset_at, record, *, shared=False, rows=None
):
    """A page served from a record put together earlier (a reader's prepared page, or a
    channel's shared one): its notes minus what was seen, hidden or blocked since (the
    spares fill in; for a shared one, then the channel's newest notes), under the author
    rule against the session's last authors, read through ``browsable_notes``; None when
    that leaves less than a page."""
    # Put together for nobody (``shared``): what the reader had on screen anywhere stays
    # out too.
    request = _Request(viewer, channel, position, reset_at, light=True, seen=shared, rows=rows)
    if request.session.get("again"):
        return None
    exclude, reader = request.excluded_ids(), request.reader
    items, authors, topics = [], {}, {}
    for note_id, author_id, topic_ids in record["items"]:
        if note_id in exclude or author_id in reader.hidden_authors or author_id in reader.blocked:
            continue
        if request.hidden_topic_ids.intersection(topic_ids):
            continue
        items.append(note_id)
        authors[note_id], topics[note_id] = author_id, topic_ids
    newest: set[int] = set()
    if shared and len(items) < PAGE_SIZE:
        # The reader saw most of it already: the channel's newest notes they have not seen
        # fill in (as when a page put together for them runs out of ranked candidates),
        # rather than a page ranked for them now (the next one is theirs anyway).
        for row in request._newest()[0]:
            if len(items) >= PAGE_SIZE + PAGE_SIZE // 2:
                break
            if row.id not in authors and request.row_allowed(row, exclude):
                items.append(row.id)
                newest.add(row.id)
                authors[row.id], topics[row.id] = row.author_id, request._topic_ids(row.topics)
    more = bool(record.get("more")) or len(items) > PAGE_SIZE
    if not items or (len(items) < PAGE_SIZE and more):
        return None
    # In its order, under the author rule against this session's last authors.
    order = [-float(k) for k in range(len(items))]
    feed = arrange(items, order, PAGE_SIZE, authors, topics, request.session["tail"])
    notes = _fetch(feed, reader.blocked)
    if len(notes) < min(PAGE_SIZE, len(feed)):
        return None  # deleted or hidden since: put together anew rather than cut short
    by_language = record.get("reasons") or {}
    language = translation.get_language() or ""
    code = next((c for c in by_language if language.startswith(c)), None)
    listed = by_language.get(code) or next(iter(by_language.values()), [])
    reason_of = dict(zip((i for i, _a, _t in record["items"]), listed, strict=False))
    fallback = {"source": "trending", "text": _("Popular on Vermilion right now")}
    recent = {"source": "fresh", "text": _("Recently posted")}
    reasons = [reason_of.get(n.id) or (recent if n.id in newest else fallback) for n in notes]
    # The newest-first walk: a new session starts it again (the seen set skips what was
    # served); a continuation moves past the newest notes only as far as all were served.
    if position is None:
        request.session["bf"] = None  # (notes filled in from the newest stay in the seen set)
    else:
        request.session["bf"] = record.get("bf")
        served = {n.id for n in notes}
        for note_id in record.get("fill", []):
            if note_id not in served and note_id not in exclude:
                request.session["bf"] = _Request._position_before(note_id)
                more = True
                break
    return request.serve(notes, reasons, bool(notes) and more, authors)


def _leading_channels(user_id: int, limit: int = PREPARED_CHANNELS) -> list[str]:
    """The reader's first ``limit`` picked interests in catalogue order: the explore tabs
    that lead, whose first pages are prepared (``prepare_channels``)."""
    return list(
        Interest.objects.filter(users__id=user_id)
        .order_by("position", "slug")
        .values_list("slug", flat=True)[:limit]
    )


def _starts_from_shared(viewer, channel: Interest | None) -> bool:
    """Whether a first page starts from the shared one (``_shared_page``): always for an
    anonymous reader; for a signed-in one (with prepared pages on), in a channel other than
    the leading ones of their own, whose first pages are prepared for them. "For you" and
    those channels are always their own; in any channel, the page after the first is."""
    if viewer is None:
        return True
    if channel is None or not settings.FEED_PREPARED_PAGES:
        return False
    return channel.slug not in _leading_channels(viewer.pk)


def _shared_page(viewer, channel: Interest | None, reset_at) -> Page | None:
    """A first page from the one shared by everyone in ``channel`` (``_shared_record``),
    less what this reader saw, hid or blocked, the channel's newest notes filling in; None
    when too little is left. Anonymous readers start every session here (nothing is known
    of them). A signed-in reader starts here in a channel other than the leading ones of
    their own (``_starts_from_shared``) and have no prepared page in: putting a
    ranked page together for them would cost twice as much (docs/feed.md), and the page after
    it is their own (prepared in the background once this one is served)."""
    record, made_now = _shared_record(channel)
    if not record["items"]:
        return None
    page = _serve_record(viewer, channel, None, reset_at, record, shared=True)
    if page is not None:
        page.source = "built" if made_now else "shared"
    return page


def _shared_record(channel: Interest | None) -> tuple[dict, bool]:
    """The first page of ``channel`` for nobody in particular, with ``SHARED_EXTRA``
    spares and reasons in every language, as ``prepare`` keeps a reader's: put together
    at most every ``LIVE_CACHE_SECONDS`` (after a response, once there is one) per
    snapshot; returns it and whether it was put together just now."""
    snap, _ranker = _snapshot_or_empty()
    slug = channel.slug if channel is not None else ""
    key = f"feed:shared:{slug}:{snap.version}"

    def make() -> dict:
        started = time.time()
        request = _Request(None, channel, None, None, preparing=True, spares=SHARED_EXTRA)
        request.build()
        return _record_of(request, started)

    return _refreshed_ahead(key, make, LIVE_CACHE_SECONDS)
