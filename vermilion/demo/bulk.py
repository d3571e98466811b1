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
- planner statistics (PostgreSQL): ``ANALYZE`` at the end, as autovacuum soon would.

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


@dataclass
class BulkResult:
    users: int = 0
    notes: int = 0
    follows: int = 0
    likes: int = 0
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
    log: Callable[[str], None] = print,
    batch_size: int = BATCH,
) -> BulkResult:
    """Add ``users`` people and ``notes`` notes (with follows and likes) in one transaction."""
    from vermilion.accounts.models import Follow, Interest, User
    from vermilion.engagement.models import Board, Like
    from vermilion.engagement.services import DEFAULT_BOARD_NAME, recount_counters
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
        weights: list[float] = []
        for batch in _batches(range(notes), batch_size):
            media_rows, note_rows, links, new_tags, note_tags = [], [], [], [], []
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
                    weights.append(popularity[author] * rng.random())
            media_table.insert(media_rows)
            note_table.insert(note_rows)
            link_table.insert(links)
            tag_table.insert(new_tags)
            note_tag_table.insert(note_tags)
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

        recount_counters()
        progress("counters recounted")
    if connection.vendor == "postgresql":
        # What autovacuum would do a minute later: fresh planner statistics, so whatever
        # runs next (a benchmark) sees the steady state, not plans made for empty tables.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        progress("planner statistics refreshed (ANALYZE)")
    result.seconds = time.monotonic() - started
    return result


def _time(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC)


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

    def insert(self, rows: list[tuple]) -> None:
        if not rows:
            return
        adapters = list(enumerate(self.adapters))
        values = [
            (*(a(row[i]) if a else row[i] for i, a in adapters), *self.defaults) for row in rows
        ]
        with connection.cursor() as cursor:
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
