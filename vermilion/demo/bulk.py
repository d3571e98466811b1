"""``vermilion seed --users N --notes M``: large synthetic data sets, fast, for benchmarks.

Rows are inserted in batches of plain tuples (``_Table``: like ``bulk_create`` without a
model instance per row) inside one transaction, never through the per-row services: 10k
people and 100k notes take about a minute, not hours. What that skips is made up for
explicitly:

- passwords: one hash, computed once, shared by every account (they all sign in with the
  password printed by the command);
- media: every note gets its own ready ``Media`` row, but their renditions point at a small
  set of shared files (one illustration per interest) rendered once by the real image
  pipeline (``media.images.render``) into the public storage under ``seed/shared/``;
- counters: ``engagement.services.recount_counters`` rebuilds every denormalised counter
  from the rows at the end, exactly as ``vermilion recount`` would;
- vacuumed tables and planner statistics (PostgreSQL): ``VACUUM (ANALYZE)`` at the end,
  as autovacuum soon would.

Ids are time-ordered like ``core.ids.new_id`` makes them, but for the moment each row is
supposed to have been made (``created_at``), spread over the past ``DAYS`` days: the top 41
bits are that millisecond, the low bits random (so two runs don't collide) and bumped to stay
strictly increasing within a table. "Newest first by id" therefore agrees with
``created_at`` here too. Text, choices and times come from ``random.Random(seed)``.
"""

from __future__ import annotations

import io
import random
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import accumulate, islice

import numpy as np
from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import connection, models, transaction

from vermilion.core.ids import id_for_time
from vermilion.core.text import normalize_tag

from . import content, images

DAYS = 60
BATCH = 5000
SHARED_PREFIX = "seed/shared"
VISIBILITY_WEIGHTS = {"public": 94, "followers": 4, "private": 2}
SQLITE_SEED_CACHE_KIB = 512 * 1024


@dataclass
class BulkResult:
    users: int = 0
    notes: int = 0
    follows: int = 0
    likes: int = 0
    events: int = 0
    features: int = 0
    hashtags: int = 0
    seconds: float = 0.0
    first_username: str = ""


class _Ids:
    """Strictly increasing ids for rows made at non-decreasing times (see module docstring)."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.last = 0

    def at(self, timestamp: float) -> int:
        value = max(id_for_time(timestamp) | self.rng.getrandbits(21), self.last + 1)
        self.last = value
        return value


def _batches(rows: Iterable, size: int) -> Iterator[list]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


def _sorted_times(rng: random.Random, count: int, start: float, end: float) -> list[float]:
    return sorted(rng.uniform(start, end) for _ in range(count))


def shared_renditions(seed: int = 1) -> dict[str, dict]:
    """One illustration per interest, run through the real image pipeline once and stored
    in the public storage; every bulk note of that interest points at it.

    Returns ``{interest: {"width", "height", "blurhash", "dominant_color", "renditions"}}``.
    """
    from vermilion.media import images as pipeline

    public = storages["default"]
    aspects = list(images.ASPECTS)
    out = {}
    for n, interest in enumerate(content.INTERESTS):
        aspect = aspects[n % len(aspects)]
        drawn = images.render_note_image(interest, seed * 1000 + n, aspect, "vermilion")
        rendered = pipeline.render(io.BytesIO(drawn), "JPEG")
        renditions = {}
        for name, rendition in rendered.renditions.items():
            path = f"{SHARED_PREFIX}/{interest}/{name}.webp"
            public.delete(path)  # storages never overwrite; keep the path stable
            renditions[name] = {
                "path": public.save(path, ContentFile(rendition.data)),
                "width": rendition.width,
                "height": rendition.height,
                "content_type": rendition.content_type,
            }
        out[interest] = {
            "width": rendered.width,
            "height": rendered.height,
            "blurhash": rendered.blurhash,
            "dominant_color": rendered.dominant_color,
            "renditions": renditions,
        }
    return out


def seed_bulk(
    *,
    users: int,
    notes: int,
    seed: int = 1,
    follows_per_user: int = 20,
    likes_per_user: int = 20,
    password: str,
    events: int = 0,
    features: bool = False,
    log: Callable[[str], None] = print,
    batch_size: int = BATCH,
) -> BulkResult:
    """Add ``users`` people and ``notes`` notes (with follows and likes) in one transaction;
    with ``events``, that many feed events (``seed_events``); with ``features``, every note's
    feed features (``synthetic_features``)."""
    from vermilion.accounts.models import Follow, Interest, User
    from vermilion.engagement.models import Board, Like
    from vermilion.engagement.services import DEFAULT_BOARD_NAME, recount_counters
    from vermilion.feed.models import NoteFeatures
    from vermilion.media.models import Media
    from vermilion.notes.models import Hashtag, Note, NoteHashtag, NoteMedia

    started = time.monotonic()

    def progress(message: str) -> None:
        log(f"[{time.monotonic() - started:5.1f}s] {message}")

    if users < 2 or notes < 1:
        raise ValueError("a bulk seed needs at least 2 users and 1 note")
    rng = random.Random(seed)
    id_rng = random.Random(seed ^ 0x5EED)
    now = time.time() - 60
    first_day = now - DAYS * 86_400
    result = BulkResult(users=users, notes=notes)
    slugs = list(Interest.objects.values_list("slug", flat=True)) or list(content.INTERESTS)
    slugs = [s for s in slugs if s in content.TOPICS]

    password_hash = make_password(password)
    user_table = _Table(
        User,
        "id username password display_name bio region languages language date_joined",
    )
    board_table = _Table(Board, "id owner name is_default created_at")
    interest_table = _Table(User.interests.through, "user interest")
    media_table = _Table(
        Media,
        "id owner kind status original_format width height blurhash dominant_color "
        "renditions progress created_at processed_at",
    )
    note_table = _Table(
        Note,
        "id author kind title body visibility place_name place_lat place_lon created_at updated_at",
    )
    link_table = _Table(NoteMedia, "note media position")
    tag_table = _Table(Hashtag, "id key name created_at")
    note_tag_table = _Table(NoteHashtag, "note hashtag position")

    if connection.vendor == "sqlite":
        # Follows, likes and events land in their indexes in random order: with SQLite's
        # default 2 MB page cache every insert rereads index pages from disk. 512 MB for
        # this connection (the setting ends with it).
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = -{SQLITE_SEED_CACHE_KIB}")
    with transaction.atomic():
        # --- people ---------------------------------------------------------------------
        ids = _Ids(id_rng)
        joined = _sorted_times(rng, users, first_day - 30 * 86_400, first_day)
        people = []  # (id, joined, lang, interests)
        popularity = [rng.paretovariate(1.5) for _ in range(users)]
        for batch in _batches(range(users), batch_size):
            made = [_person(rng, i, slugs) for i in batch]
            taken = User.objects.filter(username__in=[p["username"] for p in made]).first()
            if taken is not None:
                raise ValueError(
                    f"username {taken.username!r} exists already: bulk-seed an empty database"
                )
            result.first_username = result.first_username or made[0]["username"]
            rows, boards, interests = [], [], []
            for i, person in zip(batch, made, strict=True):
                pk = ids.at(joined[i])
                when = _time(joined[i])
                people.append((pk, joined[i], person["lang"], person["interests"]))
                rows.append(
                    (
                        pk,
                        person["username"],
                        password_hash,
                        person["display_name"],
                        person["bio"],
                        person["region"],
                        person["languages"],
                        person["language"],
                        when,
                    )
                )
                boards.append((pk, pk, DEFAULT_BOARD_NAME, True, when))
                interests.extend((pk, slug) for slug in person["interests"])
            user_table.insert(rows)
            board_table.insert(boards)
            interest_table.insert(interests)
        progress(f"{users} people")
        shared = shared_renditions(seed)
        progress(f"shared renditions for {len(shared)} interests rendered")

        # --- notes, each with its own media row ------------------------------------------
        note_ids, media_ids, tag_ids = _Ids(id_rng), _Ids(id_rng), _Ids(id_rng)
        authors = rng.choices(range(users), weights=popularity, k=notes)
        times = _sorted_times(rng, notes, first_day, now - 60)
        visibilities = rng.choices(
            list(VISIBILITY_WEIGHTS), list(VISIBILITY_WEIGHTS.values()), k=notes
        )
        hashtags: dict[str, int] = {}
        public: list[tuple[int, int, float]] = []  # (note id, author index, time)
        public_topics: list[int] = []  # index into ``slugs``
        features_table = _Table(NoteFeatures, "note embedding embedding_model topics computed_at")
        centroids = topic_centroids(len(slugs), seed)
        feature_rng = np.random.default_rng(seed)
        weights: list[float] = []
        for batch in _batches(range(notes), batch_size):
            media_rows, note_rows, links, new_tags, note_tags = [], [], [], [], []
            feature_rows: list[tuple[int, int, datetime]] = []
            for n in batch:
                author = authors[n]
                author_id, _, lang, interests = people[author]
                interest = rng.choice(interests)
                text = content.compose_note(rng, interest, lang)
                when = _time(times[n])
                media_id = media_ids.at(times[n] - 60)
                note_id = note_ids.at(times[n])
                look = shared[interest]
                media_rows.append(
                    (
                        media_id,
                        author_id,
                        Media.Kind.IMAGE.value,
                        Media.Status.READY.value,
                        "JPEG",
                        look["width"],
                        look["height"],
                        look["blurhash"],
                        look["dominant_color"],
                        look["renditions"],
                        100,
                        _time(times[n] - 60),
                        _time(times[n] - 50),
                    )
                )
                place = text.place or {}
                note_rows.append(
                    (
                        note_id,
                        author_id,
                        Note.Kind.IMAGE.value,
                        text.title,
                        text.body,
                        visibilities[n],
                        place.get("name", ""),
                        place.get("lat"),
                        place.get("lon"),
                        when,
                        when,
                    )
                )
                links.append((note_id, media_id, 0))
                for position, tag in enumerate(text.tags):
                    key = normalize_tag(tag)
                    if key not in hashtags:
                        hashtags[key] = tag_ids.at(times[n])
                        new_tags.append((hashtags[key], key, tag, when))
                    note_tags.append((note_id, hashtags[key], position))
                if visibilities[n] == "public":
                    public.append((note_id, author, times[n]))
                    public_topics.append(slugs.index(interest))
                    weights.append(popularity[author] * rng.random())
                if features:
                    feature_rows.append((note_id, slugs.index(interest), when))
            media_table.insert(media_rows)
            note_table.insert(note_rows)
            link_table.insert(links)
            tag_table.insert(new_tags)
            note_tag_table.insert(note_tags)
            if feature_rows:
                features_table.insert(
                    synthetic_features(feature_rows, slugs, centroids, feature_rng)
                )
                result.features += len(feature_rows)
            progress(f"{batch[-1] + 1}/{notes} notes")
        result.hashtags = len(hashtags)

        # --- follows: towards popular people --------------------------------------------
        follows = []
        cumulative = list(accumulate(popularity))
        for follower in range(users):
            wanted = min(
                users - 1, max(0, round(rng.gauss(follows_per_user, follows_per_user / 3)))
            )
            chosen: set[int] = set()
            for _ in range(5):  # a few draws; heavy favourites repeat, so stop eventually
                if len(chosen) >= wanted:
                    break
                for followee in rng.choices(range(users), cum_weights=cumulative, k=wanted):
                    if followee != follower and len(chosen) < wanted:
                        chosen.add(followee)
            for followee in sorted(chosen):
                start = max(people[follower][1], people[followee][1])
                follows.append((rng.uniform(start, now), follower, followee))
        follows.sort()
        result.follows = len(follows)
        follow_ids, follow_table = _Ids(id_rng), _Table(Follow, "id follower followee created_at")
        for batch in _batches(follows, batch_size):
            follow_table.insert(
                [(follow_ids.at(t), people[a][0], people[b][0], _time(t)) for t, a, b in batch]
            )
        progress(f"{len(follows)} follows")

        # --- likes of public notes, towards popular notes ---------------------------------
        likes = []
        if public:
            cumulative = list(accumulate(weights))
            for liker in range(users):
                wanted = min(
                    len(public), max(0, round(rng.gauss(likes_per_user, likes_per_user / 3)))
                )
                chosen = set()
                for _ in range(5):
                    if len(chosen) >= wanted:
                        break
                    for i in rng.choices(range(len(public)), cum_weights=cumulative, k=wanted):
                        if public[i][1] != liker and len(chosen) < wanted:
                            chosen.add(i)
                for i in sorted(chosen):
                    likes.append((rng.uniform(public[i][2], now), liker, public[i][0]))
        likes.sort()
        result.likes = len(likes)
        like_ids, like_table = _Ids(id_rng), _Table(Like, "id user note created_at")
        for batch in _batches(likes, batch_size):
            like_table.insert(
                [(like_ids.at(t), people[u][0], note, _time(t)) for t, u, note in batch]
            )
        progress(f"{len(likes)} likes")

        if events and public:
            result.events = seed_events(
                events,
                people=[(p[0], p[3]) for p in people],
                activity=popularity,
                public=public,
                public_topics=public_topics,
                weights=weights,
                slugs=slugs,
                now=now,
                seed=seed,
                batch_size=max(batch_size, 50_000),
                progress=progress,
            )

        recount_counters()
        progress("counters recounted")
    if connection.vendor == "postgresql":
        # What autovacuum would do a minute later, so whatever runs next (a benchmark)
        # sees the steady state: fresh planner statistics, not plans made for empty
        # tables, and vacuumed tables (a visibility map for index-only scans; every row
        # known committed, where otherwise the first read of each page would mark its rows
        # and write the page back, and every counter recount left a dead row behind).
        # VACUUM cannot run inside a transaction (a test's): statistics only, then.
        statement = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
        with connection.cursor() as cursor:
            cursor.execute(statement)
        progress(f"tables vacuumed, planner statistics refreshed ({statement})")
    result.seconds = time.monotonic() - started
    return result


def _time(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC)


# --- feed features and events (benchmarks of the discover feed) -------------------------------

#: What bulk feed events are made of (shares of the total), like a busy feed's logs: most
#: cards are only seen; some are opened and read; a few are shared or hidden.
EVENT_MIX = {"impression": 0.70, "view": 0.13, "dwell": 0.13, "share": 0.025, "hide": 0.015}
#: Events fall in the last days (the ranker trains on the last 14, impressions count there).
EVENT_DAYS = 14
#: Share of a person's events on notes of their first interest (the rest follow popularity).
EVENT_INTEREST_SHARE = 0.6
#: Similarity of a synthetic embedding to its topic's centre (the rest is noise).
FEATURE_TOPIC_WEIGHT = 0.6


def topic_centroids(n_topics: int, seed: int) -> np.ndarray:
    """One random unit vector per topic (the centres synthetic embeddings scatter around)."""
    from vermilion.feed.understanding import EMBEDDING_DIMS

    rng = np.random.default_rng(seed ^ 0xFEA7)
    centres = rng.standard_normal((max(1, n_topics), EMBEDDING_DIMS)).astype(np.float32)
    return centres / np.linalg.norm(centres, axis=1, keepdims=True)


def synthetic_features(
    rows: list[tuple[int, int, datetime]],
    slugs: list[str],
    centroids: np.ndarray,
    rng: np.random.Generator,
) -> list[tuple]:
    """``NoteFeatures`` rows for ``(note id, topic index, time)``: the topic, and an embedding
    near that topic's centre.

    The real encoder reads about 50 notes a second here (a million notes would take six
    hours), and what a request costs does not depend on the values, so the bulk set stores
    vectors shaped like real ones (unit length, float16, clustered by topic) under the real
    model's name, so that the backfill job leaves them alone."""
    from vermilion.feed import understanding

    topics = np.fromiter((r[1] for r in rows), np.int64, len(rows))
    noise = rng.standard_normal((len(rows), understanding.EMBEDDING_DIMS)).astype(np.float32)
    noise /= np.linalg.norm(noise, axis=1, keepdims=True)
    vectors = FEATURE_TOPIC_WEIGHT * centroids[topics] + (1 - FEATURE_TOPIC_WEIGHT) * noise
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return [
        (
            note_id,
            understanding.to_bytes(vector),
            understanding.EMBEDDING_MODEL,
            {slugs[topic]: 1.0},
            when,
        )
        for (note_id, topic, when), vector in zip(rows, vectors, strict=True)
    ]


def seed_events(
    count: int,
    *,
    people: list[tuple[int, list[str]]],
    activity: list[float],
    public: list[tuple[int, int, float]],
    public_topics: list[int],
    weights: list[float],
    slugs: list[str],
    now: float,
    seed: int,
    batch_size: int,
    progress: Callable[[str], None],
) -> int:
    """``count`` feed events (``feed.models.Event``) over the last ``EVENT_DAYS`` days.

    ``people`` are ``(id, interests)`` and ``activity`` how much each one scrolls; ``public``
    the public notes ``(id, author index, time)``, oldest first, with their topic and
    popularity weight. Each event is by a person drawn by activity, on a note posted before
    it: ``EVENT_INTEREST_SHARE`` of them among the notes of that person's first interest, the
    rest across all notes, by popularity. Drawn with numpy a batch at a time (ten million
    rows never sit in memory), in time order, so ids follow time as everywhere in the set.
    Dwell times are log-normal (median 5 s; about a third are long reads)."""
    from vermilion.feed.models import Event

    rng = np.random.default_rng(seed ^ 0xE7E7)
    ids = _Ids(random.Random(seed ^ 0xE7))
    table = _Table(Event, "id user note type ms surface dedupe_key created_at")
    user_ids = np.array([p[0] for p in people], np.int64)
    first_topic = np.array([slugs.index(p[1][0]) for p in people], np.int64)
    user_cum = np.cumsum(np.asarray(activity, np.float64))
    note_ids = np.array([p[0] for p in public], np.int64)
    note_times = np.array([p[2] for p in public], np.float64)
    note_cum = np.cumsum(np.asarray(weights, np.float64))
    topics = np.asarray(public_topics, np.int64)
    pools = []  # per topic: (positions into public, their times, cumulative weights)
    for t in range(len(slugs)):
        members = np.flatnonzero(topics == t)
        pools.append((members, note_times[members], np.cumsum(np.asarray(weights)[members])))
    types = list(EVENT_MIX)
    type_p = np.array([EVENT_MIX[t] for t in types])
    type_p /= type_p.sum()

    def draw(cum: np.ndarray, limits: np.ndarray) -> np.ndarray:
        """Weighted positions among the first ``limits`` entries (each at least one)."""
        top = cum[np.maximum(limits, 1) - 1]
        return np.minimum(np.searchsorted(cum, rng.random(len(limits)) * top, "right"), limits - 1)

    start = max(now - EVENT_DAYS * 86_400, float(note_times[0]) + 1)
    edges = np.linspace(start, now, max(1, -(-count // batch_size)) + 1)
    made = 0
    for b in range(len(edges) - 1):
        n = min(batch_size, count - made)
        ts = np.sort(rng.uniform(edges[b], edges[b + 1], n))
        who = np.minimum(
            np.searchsorted(user_cum, rng.random(n) * user_cum[-1], "right"), len(user_cum) - 1
        )
        limit = np.searchsorted(note_times, ts, "left")  # notes posted before the event
        pick = draw(note_cum, np.maximum(limit, 1))
        by_interest = rng.random(n) < EVENT_INTEREST_SHARE
        for t, (members, times, cum) in enumerate(pools):
            rows = np.flatnonzero(by_interest & (first_topic[who] == t))
            if len(rows) and len(members):
                lim = np.searchsorted(times, ts[rows], "left")
                ok = lim > 0
                pick[rows[ok]] = members[draw(cum, lim[ok])]
        kind = rng.choice(len(types), size=n, p=type_p)
        dwell = np.clip(rng.lognormal(np.log(5000), 1.0, n), 300, 600_000).astype(np.int64)
        out = []
        for i in range(n):
            event_id = ids.at(float(ts[i]))
            type_name = types[kind[i]]
            out.append(
                (
                    event_id,
                    int(user_ids[who[i]]),
                    int(note_ids[pick[i]]),
                    type_name,
                    int(dwell[i]) if type_name == "dwell" else None,
                    "discover",
                    f"seed:{event_id}",
                    _time(float(ts[i])),
                )
            )
        table.insert(out)
        made += n
        progress(f"{made}/{count} feed events")
    return made


class _Table:
    """Multi-row INSERTs of one model without a model instance per row.

    ``bulk_create`` spends most of its time building and compiling a model instance per row;
    for a million rows that is most of the seed. Here rows are plain tuples of the given
    fields; every other column gets its field's default (computed once), so a column added
    to the model later is still filled. Datetimes and JSON are adapted by the field, as the
    ORM would.
    """

    def __init__(self, model: type[models.Model], fields: str):
        given = [model._meta.get_field(name) for name in fields.split()]
        # Not the auto-numbered primary keys of link tables: the database makes those.
        rest = [
            f
            for f in model._meta.concrete_fields
            if f not in given and not getattr(f, "db_returning", False)
        ]
        self.adapters = [
            (lambda v, f=f: f.get_db_prep_save(v, connection))
            if isinstance(f, models.DateTimeField | models.JSONField)
            else None
            for f in given
        ]
        self.defaults = tuple(f.get_db_prep_save(f.get_default(), connection) for f in rest)
        quote = connection.ops.quote_name
        columns = ", ".join(quote(f.column) for f in [*given, *rest])
        marks = ", ".join(["%s"] * (len(given) + len(rest)))
        self.sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({marks})"
        self.copy_sql = (
            f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN"
            if connection.vendor == "postgresql"
            else ""
        )

    def insert(self, rows: list[tuple]) -> None:
        if not rows:
            return
        adapters = list(enumerate(self.adapters))
        values = [
            (*(a(row[i]) if a else row[i] for i, a in adapters), *self.defaults) for row in rows
        ]
        with connection.cursor() as cursor:
            if self.copy_sql:
                # PostgreSQL: COPY is several times faster than batched INSERTs.
                with cursor.cursor.copy(self.copy_sql) as copy:
                    for value in values:
                        copy.write_row(value)
            else:
                cursor.executemany(self.sql, values)


def _person(rng: random.Random, index: int, slugs: list[str]) -> dict:
    """A synthetic person; about half write Chinese, half English."""
    interests = rng.sample(slugs, rng.randint(2, 4))
    if rng.random() < 0.55:
        name = rng.choice(content.ZH_SURNAMES) + "".join(
            rng.sample(content.ZH_GIVEN, rng.randint(1, 2))
        )
        return {
            "username": f"{rng.choice(content.PINYIN)}_{index}",
            "display_name": name + rng.choice(content.ZH_NICK),
            "bio": rng.choice(content.ZH_BIOS),
            "region": rng.choice(content.ZH_REGIONS),
            "languages": ["zh-Hans"],
            "language": "zh-hans",
            "lang": "zh",
            "interests": interests,
        }
    first = rng.choice(content.EN_FIRST)
    return {
        "username": f"{first.lower()}_{index}",
        "display_name": f"{first} {rng.choice(content.EN_LAST)}.",
        "bio": rng.choice(content.EN_BIOS),
        "region": rng.choice(content.EN_REGIONS),
        "languages": ["en"],
        "language": "en",
        "lang": "en",
        "interests": interests,
    }
