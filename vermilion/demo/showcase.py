"""``vermilion seed --demo``: a small, lively bilingual site built through the real services.

Two steps, so the result is reproducible and testable:

1. ``build_plan(seed, scale)`` decides everything from ``random.Random(seed)`` alone: people,
   notes (texts, hashtags, places, image seeds), and a timeline of follows, likes, collects,
   comments, replies and comment likes spread over the past ``DAYS`` days. Times are kept as
   "seconds ago", so the same seed gives the same plan whenever it runs.
2. ``apply_plan(plan)`` plays it, oldest event first, through accounts/media/notes/engagement
   services: images are uploaded with ``media.services.create_image_upload`` and processed by
   the job queue (``core.jobs.run_pending``), so renditions and blurhashes are real.

Times. Services stamp rows with "now" and ids come from ``core.ids.new_id``. Afterwards the
rows made by each event get that event's time as ``created_at`` (one ``bulk_update`` per
model), so the site looks two months old. Because events are played in time order, ordering
by id (newest first) and ordering by ``created_at`` agree; only ``core.ids.id_time(id)`` tells
the real creation moment.
"""

from __future__ import annotations

import bisect
import itertools
import os
import random
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.apps import apps
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, models, transaction
from django.utils import timezone

from vermilion.core import jobs
from vermilion.core.ids import new_id

from . import content, images
from .content import PEOPLE, Person

DAYS = 60
NOTES = 300
IMAGES_PER_NOTE_WEIGHTS = (42, 25, 14, 9, 6, 4)  # 1..6 images; about 2.2 on average
VISIBILITY_WEIGHTS = {"public": 92, "followers": 5, "private": 3}
DAY = 86_400.0


# --- the plan -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlannedUser:
    person: Person
    joined_ago: float  # seconds before the seed runs
    avatar_seed: int


@dataclass(frozen=True)
class PlannedNote:
    index: int
    author: str
    interest: str
    lang: str
    text: content.NoteText
    visibility: str
    aspect: str
    image_seeds: tuple[int, ...]
    ago: float


@dataclass(frozen=True)
class Event:
    """One action of the timeline. ``kind`` is board, follow, note, like, collect, comment,
    reply or comment_like; the other fields are used as that kind needs."""

    ago: float
    kind: str
    actor: str
    target: str = ""  # the followed username
    note: int = -1  # PlannedNote.index
    comment: int = -1  # the key of the comment made (comment, reply) or liked (comment_like)
    parent: int = -1  # the key of the comment a reply answers
    body: str = ""
    board: str = ""


@dataclass
class Plan:
    seed: int
    users: list[PlannedUser]
    notes: list[PlannedNote]
    events: list[Event]  # oldest first


def _people(count: int) -> list[Person]:
    """The demo account first, then Chinese and English writers alternately, so even a
    scaled-down demo has both languages."""
    demo, *others = PEOPLE
    zh = [p for p in others if p.writes[0] == "zh"]
    en = [p for p in others if p.writes[0] == "en"]
    mixed = [p for pair in itertools.zip_longest(zh, en) for p in pair if p is not None]
    return [demo, *mixed][:count]


def _later(rng: random.Random, ago: float, mean_delay: float) -> float:
    """A moment after ``ago`` (at least 30 s later, and at least 10 s before now)."""
    delay = 30 + rng.expovariate(1 / mean_delay)
    return max(10.0, ago - min(delay, ago * 0.9))


def build_plan(seed: int = 1, scale: float = 1.0) -> Plan:
    """Everything the demo will contain, decided by ``seed`` alone."""
    rng = random.Random(seed)
    people = _people(max(6, round(len(PEOPLE) * scale)))
    users = [
        PlannedUser(
            p, joined_ago=(DAYS + rng.uniform(1, 30)) * DAY, avatar_seed=rng.getrandbits(32)
        )
        for p in people
    ]
    users.sort(key=lambda u: -u.joined_ago)
    names = [p.username for p in people]
    by_name = {p.username: p for p in people}
    activity = {p.username: rng.uniform(0.5, 2.0) for p in people}
    events: list[Event] = []

    # Boards made soon after joining.
    boards: dict[str, list[str]] = {name: [] for name in names}
    for user in users:
        if rng.random() < 0.45:
            lang = user.person.writes[0]
            for board in rng.sample(content.BOARD_NAMES[lang], rng.randint(1, 2)):
                boards[user.person.username].append(board)
                events.append(
                    Event(user.joined_ago - 3600, "board", user.person.username, board=board)
                )

    # Follows, weighted towards shared interests; nearly everyone follows the demo account,
    # so signing in as it shows a lively inbox.
    followers: dict[str, set[str]] = {name: set() for name in names}
    for person in people:
        others = [n for n in names if n != person.username]
        weights = [1 + 2 * len(set(person.interests) & set(by_name[n].interests)) for n in others]
        count = min(len(others), rng.randint(4, 12))
        chosen = set()
        while len(chosen) < count:
            chosen.add(rng.choices(others, weights)[0])
        if person.username != content.DEMO_USERNAME and rng.random() < 0.7:
            chosen.add(content.DEMO_USERNAME)
        for target in sorted(chosen):
            followers[target].add(person.username)
            events.append(
                Event(rng.uniform(DAYS * 0.5, DAYS) * DAY, "follow", person.username, target=target)
            )

    # Notes: every interest in turn (shuffled), so all of them are covered.
    count = max(len(content.INTERESTS), round(NOTES * scale))
    interests: list[str] = []
    while len(interests) < count:
        batch = list(content.INTERESTS)
        rng.shuffle(batch)
        interests.extend(batch)
    agos = sorted((rng.uniform(600, DAYS * DAY) for _ in range(count)), reverse=True)
    aspects, aspect_weights = zip(*images.ASPECT_WEIGHTS.items(), strict=True)
    notes: list[PlannedNote] = []
    comment_keys = itertools.count()
    for index, (interest, ago) in enumerate(zip(interests[:count], agos, strict=True)):
        fans = [p for p in people if interest in p.interests] or people
        author = rng.choices(fans, [activity[p.username] for p in fans])[0]
        lang = rng.choice(author.writes)
        mention = None
        if rng.random() < 0.15:
            mention = rng.choice([n for n in names if n != author.username])
        text = content.compose_note(rng, interest, lang, mention=mention)
        visibility = rng.choices(list(VISIBILITY_WEIGHTS), list(VISIBILITY_WEIGHTS.values()))[0]
        image_count = rng.choices(range(1, 7), IMAGES_PER_NOTE_WEIGHTS)[0]
        note = PlannedNote(
            index=index,
            author=author.username,
            interest=interest,
            lang=lang,
            text=text,
            visibility=visibility,
            aspect=rng.choices(aspects, aspect_weights)[0],
            image_seeds=tuple(rng.getrandbits(32) for _ in range(image_count)),
            ago=ago,
        )
        notes.append(note)
        events.append(Event(ago, "note", author.username, note=index))
        if visibility == "public":  # others engage with public notes only
            events.extend(_engagement(rng, note, people, followers, boards, comment_keys))

    events.sort(key=lambda e: -e.ago)  # stable: a note's own events keep their order
    return Plan(seed=seed, users=users, notes=notes, events=events)


def _engagement(
    rng: random.Random,
    note: PlannedNote,
    people: list[Person],
    followers: dict[str, set[str]],
    boards: dict[str, list[str]],
    keys: Iterator[int],
) -> list[Event]:
    """Likes, collects, comments, replies and comment likes on one public note."""
    others = [p for p in people if p.username != note.author]
    weights = [
        1 + 3 * (note.interest in p.interests) + 2 * (p.username in followers[note.author])
        for p in others
    ]
    popularity = rng.paretovariate(1.6)
    events: list[Event] = []

    likers = _sample(rng, others, weights, min(len(others), int(popularity * 3)))
    for person in likers:
        ago = _later(rng, note.ago, 1.5 * DAY)
        events.append(Event(ago, "like", person.username, note=note.index))
        if rng.random() < 0.35:
            own = boards[person.username]
            board = rng.choice(own) if own and rng.random() < 0.5 else ""
            events.append(
                Event(
                    _later(rng, ago, 600), "collect", person.username, note=note.index, board=board
                )
            )

    comment_count = min(len(others), rng.choice((0, 0, 1, 1, 2)) + int(popularity) - 1)
    for person in _sample(rng, others, weights, comment_count):
        lang = rng.choice(person.writes)
        key = next(keys)
        ago = _later(rng, note.ago, DAY)
        events.append(
            Event(
                ago,
                "comment",
                person.username,
                note=note.index,
                comment=key,
                body=rng.choice(content.COMMENTS[lang]),
            )
        )
        if rng.random() < 0.4:  # the author answers
            reply_key = next(keys)
            reply_ago = _later(rng, ago, 4 * 3600)
            events.append(
                Event(
                    reply_ago,
                    "reply",
                    note.author,
                    note=note.index,
                    comment=reply_key,
                    parent=key,
                    body=rng.choice(content.REPLIES[note.lang]),
                )
            )
            if rng.random() < 0.3:  # and the commenter answers back
                events.append(
                    Event(
                        _later(rng, reply_ago, 3600),
                        "reply",
                        person.username,
                        note=note.index,
                        comment=next(keys),
                        parent=reply_key,
                        body=rng.choice(content.REPLIES[lang]),
                    )
                )
            if rng.random() < 0.6:
                events.append(
                    Event(_later(rng, ago, 3600), "comment_like", note.author, comment=key)
                )
        for fan in rng.sample(others, min(len(others), rng.choice((0, 0, 1, 1, 2)))):
            if fan.username not in (person.username, note.author):
                events.append(
                    Event(_later(rng, ago, 6 * 3600), "comment_like", fan.username, comment=key)
                )
    return events


def _sample(rng: random.Random, population: list, weights: list[float], count: int) -> list:
    """``count`` distinct items, drawn by weight."""
    pool, pool_weights, out = list(population), list(weights), []
    for _ in range(min(count, len(pool))):
        i = rng.choices(range(len(pool)), pool_weights)[0]
        out.append(pool.pop(i))
        pool_weights.pop(i)
    return out


# --- playing the plan -----------------------------------------------------------------------


@dataclass
class Result:
    users: int = 0
    notes: int = 0
    images: int = 0
    events: int = 0
    seconds: float = 0.0


@contextmanager
def rate_limits_off() -> Iterator[None]:
    """Seeding makes thousands of writes per user in seconds: limits would refuse them."""
    before = settings.RATE_LIMITS_ENABLED
    settings.RATE_LIMITS_ENABLED = False
    try:
        yield
    finally:
        settings.RATE_LIMITS_ENABLED = before


class _Clock:
    """Remembers which event each range of new ids belongs to, to backdate rows later."""

    def __init__(self, now: datetime):
        self.now = now
        self.ids: list[int] = []
        self.times: list[datetime] = []

    def at(self, ago: float) -> None:
        self.ids.append(new_id())
        self.times.append(self.now - timedelta(seconds=ago))

    def when(self, pk: int) -> datetime | None:
        i = bisect.bisect_right(self.ids, pk) - 1
        return self.times[i] if i >= 0 else None


def apply_plan(
    plan: Plan,
    *,
    password: str,
    log: Callable[[str], None] = print,
    workers: int = 2,
) -> Result:
    """Create everything in ``plan``; every account gets ``password``.

    ``workers`` is how many CPU-heavy things may run at once: threads drawing images, and
    ``vermilion worker`` processes helping with the media jobs (WebP encoding holds the GIL,
    so only processes help there) when they can see this process's commits.
    """
    from vermilion.accounts import services as accounts
    from vermilion.accounts.models import User

    started = time.monotonic()
    clock = _Clock(timezone.now())
    first_id = new_id()
    result = Result(users=len(plan.users), notes=len(plan.notes), events=len(plan.events))

    def progress(message: str) -> None:
        log(f"[{time.monotonic() - started:5.1f}s] {message}")

    try:
        with rate_limits_off(), ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
            # Drawing starts at once and overlaps the (deliberately slow) password hashing.
            drawings = _draw_images(plan, pool)
            users: dict[str, User] = {}
            for planned in plan.users:
                person = planned.person
                clock.at(planned.joined_ago)
                user = accounts.register(
                    username=person.username,
                    password=password,
                    display_name=person.display_name,
                    language=person.language,
                )
                accounts.update_profile(
                    user, bio=person.bio, region=person.region, languages=list(person.languages)
                )
                accounts.set_interests(user, list(person.interests))
                users[person.username] = user
            progress(f"{len(users)} people registered")

            helpers = workers - 1 if _processes_see_commits() else 0
            with _helper_workers(helpers):
                media = _upload_images(drawings, users, progress)
                jobs.run_pending()
            jobs.run_pending()  # anything the helpers left
            result.images = sum(len(ids) for ids in media.values())
            progress(f"{result.images} images (avatars too) processed by the media job")
            for planned in plan.users:
                accounts.update_profile(
                    users[planned.person.username],
                    avatar_media_id=media[("avatar", planned.person.username)][0],
                )

            with transaction.atomic():  # all or nothing, and one commit instead of thousands
                _play(plan, users, media, clock, progress)
            jobs.run_pending()  # whatever the notes and engagement queued
            _backdate(plan, first_id, clock, media)
            progress("timestamps spread over the past two months")
    except BaseException:
        # Leave no half-made demo behind (deleting the people cascades to all they made),
        # so the command can simply be run again.
        if not connection.needs_rollback:
            names = [u.person.username for u in plan.users]
            User.objects.filter(pk__gte=first_id, username__in=names).delete()
        raise
    result.seconds = time.monotonic() - started
    return result


def _draw_images(plan: Plan, pool: ThreadPoolExecutor) -> list[tuple[tuple, str, Future]]:
    """Start drawing every image (Pillow's drawing and JPEG encoding release the GIL).

    Returns ``[(("avatar", username) | ("note", index), owner, future bytes)]`` in order.
    """
    work: list[tuple[tuple, str, Future]] = []
    for planned in plan.users:
        person = planned.person
        letter = next(
            (c for c in person.display_name if c.isascii() and c.isalpha()), person.username[0]
        )
        future = pool.submit(images.render_avatar, planned.avatar_seed, letter)
        work.append((("avatar", person.username), person.username, future))
    for note in plan.notes:
        for number, image_seed in enumerate(note.image_seeds, start=1):
            caption = f"{number}/{len(note.image_seeds)}" if len(note.image_seeds) > 1 else ""
            future = pool.submit(
                images.render_note_image, note.interest, image_seed, note.aspect, caption
            )
            work.append((("note", note.index), note.author, future))
    return work


def _upload_images(drawings, users, progress) -> dict[tuple, list[int]]:
    """Upload the drawn images in order: ``{key: [media ids]}``."""
    from vermilion.media.services import create_image_upload

    out: dict[tuple, list[int]] = {}
    for n, (key, owner, future) in enumerate(drawings, start=1):
        upload = SimpleUploadedFile(f"{n}.jpg", future.result(), content_type="image/jpeg")
        out.setdefault(key, []).append(create_image_upload(users[owner], upload).pk)
        if n % 100 == 0:
            progress(f"{n}/{len(drawings)} images drawn and uploaded")
    progress(f"{len(drawings)} images drawn and uploaded")
    return out


def _processes_see_commits() -> bool:
    """Whether another process sees what this one commits: not from inside an open
    transaction (as in tests), nor with an in-memory SQLite database."""
    name = str(connection.settings_dict.get("NAME") or "")
    in_memory = connection.vendor == "sqlite" and (
        name in ("", ":memory:") or "mode=memory" in name
    )
    return not connection.in_atomic_block and not in_memory


@contextmanager
def _helper_workers(count: int) -> Iterator[None]:
    """Run ``count`` ``vermilion worker`` processes (the real worker) while inside.

    They share the media jobs with this process. On leaving, they are asked to stop
    (SIGTERM: a worker finishes the job in hand first) and waited for.
    """
    env = {**os.environ, "VERMILION_LOG_LEVEL": "WARNING"}
    # Helpers for the media jobs only: no periodic jobs (a feed rebuild now would see a
    # half-made catalogue and then not run again for half an hour).
    command = [sys.executable, "-m", "vermilion.cli", "worker", "--skip-checks", "--no-periodic"]
    helpers = [subprocess.Popen(command, env=env) for _ in range(count)]
    try:
        yield
    finally:
        for helper in helpers:
            helper.send_signal(signal.SIGTERM)
        for helper in helpers:
            try:
                helper.wait(timeout=120)
            except subprocess.TimeoutExpired:
                helper.kill()
                helper.wait()


def _play(plan: Plan, users, media, clock: _Clock, progress) -> None:
    from vermilion.accounts.services import follow
    from vermilion.engagement import services as engagement
    from vermilion.notes.services import create_note

    notes: dict[int, object] = {}
    comments: dict[int, object] = {}
    boards: dict[tuple[str, str], object] = {}
    for n, event in enumerate(plan.events, start=1):
        clock.at(event.ago)
        actor = users[event.actor]
        kind = event.kind
        if kind == "board":
            boards[(event.actor, event.board)] = engagement.create_board(actor, name=event.board)
        elif kind == "follow":
            follow(actor, users[event.target])
        elif kind == "note":
            planned = plan.notes[event.note]
            notes[event.note] = create_note(
                actor,
                title=planned.text.title,
                body=planned.text.body,
                media_ids=media[("note", planned.index)],
                place=planned.text.place,
                visibility=planned.visibility,
            )
        elif kind == "like":
            engagement.like(actor, notes[event.note])
        elif kind == "collect":
            board = boards.get((event.actor, event.board)) if event.board else None
            engagement.collect(actor, notes[event.note], board)
        elif kind in ("comment", "reply"):
            parent = comments[event.parent].pk if kind == "reply" else None
            comments[event.comment] = engagement.add_comment(
                actor, notes[event.note], body=event.body, parent_id=parent
            )
        elif kind == "comment_like":
            engagement.like_comment(actor, comments[event.comment])
        else:  # pragma: no cover - build_plan makes only the kinds above
            raise ValueError(f"unknown event {kind!r}")
        if n % 1000 == 0:
            progress(f"{n}/{len(plan.events)} events played")
    progress(f"{len(plan.events)} events played (notes, follows, likes, collects, comments)")


def _dated_models() -> list[tuple[type[models.Model], list[str]]]:
    """Models with time-ordered ids and a creation time: the rows an event makes."""
    out = []
    for model in apps.get_models():
        if not model.__module__.startswith("vermilion.") or model._meta.label in (
            "core.Job",
            "media.Media",
        ):
            continue
        names = {f.name for f in model._meta.concrete_fields}
        if getattr(model._meta.pk, "default", None) is not new_id:
            continue
        fields = [f for f in ("created_at", "updated_at", "date_joined") if f in names]
        if fields:
            out.append((model, fields))
    return out


def _backdate(plan: Plan, first_id: int, clock: _Clock, media: dict[tuple, list[int]]) -> None:
    """Give the rows made by each event that event's time (see the module docstring)."""
    from vermilion.media.models import Media

    for model, fields in _dated_models():
        rows = []
        for pk in model.objects.filter(pk__gte=first_id).values_list("pk", flat=True).iterator():
            when = clock.when(pk)
            if when is not None:
                row = model(pk=pk)
                for name in fields:
                    setattr(row, name, when)
                rows.append(row)
        model.objects.bulk_update(rows, fields, batch_size=500)

    # Uploads happen up front; date them just before their note (avatars: at joining).
    rows = []
    joined = {u.person.username: clock.now - timedelta(seconds=u.joined_ago) for u in plan.users}
    for key, ids in media.items():
        kind, ref = key
        when = (
            joined[ref]
            if kind == "avatar"
            else clock.now - timedelta(seconds=plan.notes[ref].ago + 120)
        )
        for pk in ids:
            rows.append(Media(pk=pk, created_at=when, processed_at=when + timedelta(seconds=20)))
    Media.objects.bulk_update(rows, ["created_at", "processed_at"], batch_size=500)


def new_password() -> str:
    """A password for the demo accounts, printed once by the command (never a fixed one:
    a site seeded by ``make run`` must not open with a publicly known password)."""
    return "demo-" + secrets.token_urlsafe(9)
