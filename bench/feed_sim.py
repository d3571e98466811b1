"""Simulated people scrolling the discover feed, against random and popularity baselines.

    .venv/bin/python bench/feed_sim.py                 # 60 readers, 5 days (~15 minutes)
    .venv/bin/python bench/feed_sim.py --readers 20 --days 3 --notes 600     # quick

One seeded world (SQLite, var/bench/feed-sim/world/), built through the services as people
would build it: creators register, post notes (text from the demo's bilingual voices, one
ready image each) in the one or two topics they care about, and a crowd of background
accounts follows them (a few creators are big, most are small) and likes their notes (a
better note, and a bigger creator, draws more likes). The queued jobs run as a worker
would run them (each note's multilingual embedding and topics), then ``feed.rebuild``.

Then each policy gets its own copy of that world and a fresh process:

- ``vermilion``: ``feed.discover.discover_page``, pages continued by their cursors;
- ``random``: visible public notes the reader has not been shown, in random order;
- ``popularity``: the same, most liked first (live counts).

In each, ``--readers`` new people sign up and pick two or three interests, as on the
onboarding page: the two they care most about and, for some, one they only think they do.
Each has hidden interests (weights over the 18 topics) that drift: every night, with
probability ``DRIFT_CHANCE``, part of their attention moves to a topic they had not cared
about. Every day each reader scrolls ``--pages`` pages. A card is seen (an impression);
the reader opens and likes it with a probability that grows with their hidden interest in
its topic and the note's hidden quality, collects some of those, reads the rest for a few
seconds or skips, and now and then says "not interested" in a note of a topic they do not
care about. Everything goes through ``feed.services.record_events`` and the engagement
services, exactly what the API calls. Creators post new notes every day (fresh notes with
no audience yet). Every night the feed's jobs run (``understand_note``, ``feed.rebuild``,
and ``feed.train_ranker`` from the second night on).

Reported for each policy, in one table:

- first-page precision: of a brand-new reader's very first page, the share of notes whose
  topic is one of their three strongest hidden interests (what onboarding should buy);
- engagement rate: likes per impression, on the first day, the last day and overall;
- small-creator share: the share of impressions that went to creators in the lower half
  by followers when the world was built (their share of the catalogue is shown beside);
- diversity: distinct topics and distinct authors in a page of 20 (means).

Everything is seeded (``--seed``): the world, the readers, their choices. The feed itself
draws exploration at random, so its figures move a little from run to run.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from api_latency import bench_env  # noqa: E402  (shared helpers)

ROOT = Path(__file__).resolve().parent.parent
SIM_DIR = ROOT / "var" / "bench" / "feed-sim"
POLICIES = ("vermilion", "random", "popularity")
PAGE = 20
PASSWORD = "sim-password-1"
#: A night's chance that part of a reader's attention moves to a new topic, and how much.
DRIFT_CHANCE = 0.35
DRIFT_SHARE = 0.3
#: How much a reader engages: the chance to like grows with interest (0..1, relative to
#: their strongest topic) and the note's quality (0..1).
LIKE_BASE = 0.02
LIKE_INTEREST = 0.55
COLLECT_SHARE = 0.3
HIDE_CHANCE = 0.04  # of cards in a topic the reader does not care about
#: New notes a day, as a share of the starting catalogue.
DAILY_NEW_SHARE = 0.04


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--creators", type=int, default=120)
    parser.add_argument("--crowd", type=int, default=300, help="background accounts")
    parser.add_argument("--notes", type=int, default=3000, help="starting catalogue")
    parser.add_argument("--readers", type=int, default=60, help="simulated new readers")
    parser.add_argument("--days", type=int, default=5)
    parser.add_argument("--pages", type=int, default=2, help="pages per reader per day")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--policies", default=",".join(POLICIES))
    parser.add_argument("--json", default=str(SIM_DIR / "feed_sim.json"))
    parser.add_argument(
        "--reuse-world", action="store_true", help="keep a world built with the same sizes"
    )
    parser.add_argument("--build-world", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--policy", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.build_world:
        setup_django()
        build_world(args)
        return
    if args.policy:
        setup_django()
        print(json.dumps(simulate(args)))
        return

    started = time.monotonic()
    world = SIM_DIR / "world"
    built = world / "built.json"
    sizes = {k: getattr(args, k) for k in SIZES}
    if args.reuse_world and built.exists() and json.loads(built.read_text()) == sizes:
        print(f"reusing the world in {world}", flush=True)
    else:
        shutil.rmtree(SIM_DIR, ignore_errors=True)
        world.mkdir(parents=True)
        child(args, world, "--build-world")
        built.write_text(json.dumps(sizes))
        print(f"world built in {time.monotonic() - started:.0f} s", flush=True)
    results = {}
    for policy in [p.strip() for p in args.policies.split(",") if p.strip()]:
        if policy not in POLICIES:
            raise SystemExit(f"unknown policy {policy!r}")
        copy = SIM_DIR / policy
        shutil.rmtree(copy, ignore_errors=True)
        shutil.copytree(world, copy)
        t = time.monotonic()
        results[policy] = json.loads(child(args, copy, "--policy", policy).splitlines()[-1])
        print(f"{policy}: simulated in {time.monotonic() - t:.0f} s", flush=True)
    report = {"config": {k: v for k, v in vars(args).items() if k not in ("policy",)}}
    report["results"] = results
    Path(args.json).write_text(json.dumps(report, indent=2))
    print_table(results)
    print(f"\nwritten: {args.json}")


def child(args, data_dir: Path, *extra: str) -> str:
    env = bench_env(data_dir)
    flags = [f"--{k.replace('_', '-')}={v}" for k, v in vars(args).items() if k in SIZES]
    result = subprocess.run(
        [sys.executable, __file__, *flags, *extra],
        env=env,
        cwd=ROOT,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
        timeout=3 * 3600,
    )
    return result.stdout.strip()


SIZES = ("creators", "crowd", "notes", "readers", "days", "pages", "seed")


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vermilion.settings")
    import django

    django.setup()
    from django.conf import settings

    # Thousands of sign-ups: the bench is not about password hashing.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Pages put together as they are asked for: the simulation measures what the ranking
    # chooses, and a prepared page is the same ranking run a page earlier (its queue would
    # only wait for the nightly jobs here).
    settings.FEED_PREPARED_PAGES = False


# --- the world ----------------------------------------------------------------------------------


def topic_list() -> list[str]:
    from vermilion.accounts.models import Interest

    return list(Interest.objects.order_by("position", "slug").values_list("slug", flat=True))


def ready_image(owner):
    """A ready image as the media pipeline leaves one (the feed never looks at pixels)."""
    from vermilion.media.models import Media

    media = Media(owner=owner, kind="image", status="ready", width=1080, height=1440)
    media.blurhash = "LEHV6nWB2yk8pyo0adR*.7kCMdnj"
    media.dominant_color = "#aa3322"
    media.renditions = {
        name: {
            "path": f"sim/{media.id}/{name}.webp",
            "width": width,
            "height": width * 4 // 3,
            "content_type": "image/webp",
        }
        for name, width in (("thumb", 360), ("display", 1080))
    }
    media.save()
    return media


def post(rng: random.Random, creator, topic: str, lang: str):
    from vermilion.demo import content
    from vermilion.notes.services import create_note

    text = content.compose_note(rng, topic, lang)
    return create_note(
        creator,
        title=text.title,
        body=text.body,
        media_ids=[str(ready_image(creator).id)],
        place=text.place,
    )


def run_jobs() -> None:
    """What a worker does with the queue: every queued job, until none is left."""
    from vermilion.core.jobs import run_pending

    while run_pending(max_jobs=500):
        pass


def build_world(args) -> None:
    from django.core.management import call_command

    from vermilion.accounts.services import follow, register
    from vermilion.engagement.services import like
    from vermilion.feed import artifacts

    call_command("migrate", verbosity=0)
    rng = random.Random(args.seed)
    topics = topic_list()
    creators, world = [], {"creators": {}, "notes": {}}
    for i in range(args.creators):
        user = register(username=f"creator_{i}", password=PASSWORD)
        specialties = rng.sample(topics, rng.choice((1, 1, 2)))
        lang = rng.choice(("zh", "en"))
        popularity = rng.paretovariate(1.2)
        creators.append((user, specialties, lang, popularity))
        world["creators"][str(user.pk)] = {"topics": specialties, "lang": lang}
    weights = [c[3] for c in creators]
    for i in range(args.crowd):
        fan = register(username=f"crowd_{i}", password=PASSWORD)
        for j in set(rng.choices(range(len(creators)), weights=weights, k=rng.randint(2, 12))):
            follow(fan, creators[j][0])
        world.setdefault("crowd", []).append(fan.pk)

    notes = []
    for _n in range(args.notes):
        user, specialties, lang, popularity = rng.choices(creators, weights=weights)[0]
        topic = rng.choice(specialties)
        note = post(rng, user, topic, lang)
        quality = rng.betavariate(2, 3)
        notes.append((note, popularity, quality))
        world["notes"][str(note.pk)] = {"topic": topic, "quality": quality, "author": user.pk}
    # The crowd likes what it sees of its followees and of the popular: better and bigger
    # draws more.
    from vermilion.accounts.models import User

    crowd = list(User.objects.filter(pk__in=world["crowd"]))
    like_weights = [math.sqrt(p) * q for _n, p, q in notes]
    for fan in crowd:
        for k in set(rng.choices(range(len(notes)), weights=like_weights, k=rng.randint(3, 15))):
            if notes[k][0].author_id != fan.pk:
                like(fan, notes[k][0])
    run_jobs()
    artifacts.rebuild()
    followers = dict(
        User.objects.filter(pk__in=[c[0].pk for c in creators]).values_list("pk", "followers_count")
    )
    median = statistics.median(followers.values())
    world["small_creators"] = [pk for pk, n in followers.items() if n <= median]
    (Path(os.environ["VERMILION_DATA_DIR"]) / "world.json").write_text(json.dumps(world))


# --- one policy -------------------------------------------------------------------------------


class Reader:
    """A simulated new person: hidden interests (drifting), what they picked at sign-up."""

    def __init__(self, rng: random.Random, user, topics: list[str]):
        self.user = user
        self.rng = rng
        strong = rng.sample(topics, 3)
        self.weights = {t: 0.02 for t in topics}
        for t, w in zip(strong, (1.0, 0.7, 0.45), strict=True):
            self.weights[t] = w
        picked = strong[:2]
        if rng.random() < 0.5:  # some pick one they only think they care about
            picked.append(rng.choice([t for t in topics if t not in strong]))
        self.picked = picked
        self.cursor: str | None = None
        self.shown: set[int] = set()

    def top(self, k: int = 3) -> set[str]:
        return set(sorted(self.weights, key=lambda t: -self.weights[t])[:k])

    def interest(self, topic: str) -> float:
        return self.weights.get(topic, 0.0) / max(self.weights.values())

    def drift(self, topics: list[str]) -> None:
        if self.rng.random() >= DRIFT_CHANCE:
            return
        new = self.rng.choice([t for t in topics if t not in self.top()])
        for t in self.weights:
            self.weights[t] *= 1 - DRIFT_SHARE
        self.weights[new] += DRIFT_SHARE * max(self.weights.values()) / (1 - DRIFT_SHARE)


class Policy:
    """Where a page of notes comes from."""

    def __init__(self, name: str, rng: random.Random):
        self.name = name
        self.rng = rng

    def page(self, reader: Reader) -> list[int]:
        from vermilion.feed.discover import browsable_notes, discover_page

        if self.name == "vermilion":
            notes, _reasons, reader.cursor = discover_page(reader.user, None, reader.cursor)
            return [n.id for n in notes]
        qs = browsable_notes(reader.user).exclude(id__in=reader.shown)
        if self.name == "random":
            ids = list(qs.values_list("id", flat=True))
            return self.rng.sample(ids, min(PAGE, len(ids)))
        return list(qs.order_by("-likes_count", "-id").values_list("id", flat=True)[:PAGE])


def simulate(args) -> dict:
    from django.core.management import call_command

    from vermilion.accounts.services import register, set_interests
    from vermilion.engagement.services import collect, like
    from vermilion.feed import artifacts
    from vermilion.feed.services import record_events
    from vermilion.feed.training import train_ranker
    from vermilion.notes.models import Note

    call_command("migrate", verbosity=0)  # a world kept from an older checkout
    world = json.loads((Path(os.environ["VERMILION_DATA_DIR"]) / "world.json").read_text())
    notes = {int(k): v for k, v in world["notes"].items()}
    small = set(world["small_creators"])
    rng = random.Random(args.seed * 7919 + 1)  # the same readers and choices for every policy
    policy = Policy(args.policy, random.Random(args.seed * 31 + 7))
    topics = topic_list()
    readers = []
    for i in range(args.readers):
        user = register(username=f"reader_{i}", password=PASSWORD)
        reader = Reader(random.Random(rng.random()), user, topics)
        set_interests(user, reader.picked)
        readers.append(reader)
    creators = {int(k): v for k, v in world["creators"].items()}
    from vermilion.accounts.models import User

    creator_users = User.objects.in_bulk(list(creators))
    post_rng = random.Random(args.seed * 104_729 + 3)
    new_per_day = max(1, round(args.notes * DAILY_NEW_SHARE))

    first_page_precision = []
    days = []
    pages_topics, pages_authors = [], []
    impressions = small_impressions = 0
    for day in range(args.days):
        shown = liked = 0
        for reader in readers:
            reader.cursor = None  # a new session each day
            for page_no in range(args.pages):
                ids = policy.page(reader)
                if not ids:
                    break
                info = [notes[i] for i in ids if i in notes]
                if day == 0 and page_no == 0:
                    top = reader.top()
                    first_page_precision.append(sum(n["topic"] in top for n in info) / len(ids))
                pages_topics.append(len({n["topic"] for n in info}))
                pages_authors.append(len({n["author"] for n in info}))
                reader.shown.update(ids)
                events, to_like, to_collect = [], [], []
                for note_id in ids:
                    note = notes.get(note_id)
                    if note is None:
                        continue
                    events.append(
                        {"type": "impression", "note_id": str(note_id), "surface": "discover"}
                    )
                    impressions += 1
                    small_impressions += note["author"] in small
                    shown += 1
                    interest = reader.interest(note["topic"])
                    p = LIKE_BASE + LIKE_INTEREST * interest * (0.4 + 1.2 * note["quality"])
                    r = reader.rng.random()
                    if r < min(p, 0.9):
                        events.append({"type": "view", "note_id": str(note_id)})
                        ms = int(reader.rng.uniform(9_000, 40_000))
                        events.append({"type": "dwell", "note_id": str(note_id), "ms": ms})
                        to_like.append(note_id)
                        if reader.rng.random() < COLLECT_SHARE:
                            to_collect.append(note_id)
                    elif interest < 0.1 and reader.rng.random() < HIDE_CHANCE:
                        events.append({"type": "hide", "note_id": str(note_id), "scope": "note"})
                    elif reader.rng.random() < 0.15:
                        events.append({"type": "view", "note_id": str(note_id)})
                        ms = int(reader.rng.uniform(1_000, 5_000))
                        events.append({"type": "dwell", "note_id": str(note_id), "ms": ms})
                for start in range(0, len(events), 100):
                    record_events(reader.user, events[start : start + 100])
                rows = Note.objects.in_bulk(to_like + to_collect)
                for note_id in to_like:
                    like(reader.user, rows[note_id])
                    liked += 1
                for note_id in to_collect:
                    collect(reader.user, rows[note_id])
        days.append({"impressions": shown, "likes": liked, "rate": liked / max(1, shown)})
        # Overnight: creators post, people drift, the jobs run.
        for _n in range(new_per_day):
            author_id = post_rng.choice(list(creators))
            topic = post_rng.choice(creators[author_id]["topics"])
            note = post(post_rng, creator_users[author_id], topic, creators[author_id]["lang"])
            notes[note.pk] = {
                "topic": topic,
                "quality": post_rng.betavariate(2, 3),
                "author": author_id,
            }
        for reader in readers:
            reader.drift(topics)
        run_jobs()
        artifacts.rebuild()
        if day >= 1:
            train_ranker()
    catalogue_small = sum(n["author"] in small for n in notes.values()) / len(notes)
    total_likes = sum(d["likes"] for d in days)
    return {
        "first_page_precision": statistics.mean(first_page_precision),
        "engagement_first_day": days[0]["rate"],
        "engagement_last_day": days[-1]["rate"],
        "engagement_overall": total_likes / max(1, impressions),
        "days": days,
        "small_creator_share": small_impressions / max(1, impressions),
        "small_creator_catalogue_share": catalogue_small,
        "topics_per_page": statistics.mean(pages_topics),
        "authors_per_page": statistics.mean(pages_authors),
        "impressions": impressions,
    }


def print_table(results: dict) -> None:
    rows = [
        ("first-page precision (new reader)", "first_page_precision", "{:.3f}"),
        ("engagement rate, day 1", "engagement_first_day", "{:.3f}"),
        ("engagement rate, last day", "engagement_last_day", "{:.3f}"),
        ("engagement rate, overall", "engagement_overall", "{:.3f}"),
        ("small-creator impression share", "small_creator_share", "{:.3f}"),
        ("  (their share of the catalogue)", "small_creator_catalogue_share", "{:.3f}"),
        ("distinct topics per page", "topics_per_page", "{:.2f}"),
        ("distinct authors per page", "authors_per_page", "{:.2f}"),
        ("impressions", "impressions", "{:d}"),
    ]
    names = list(results)
    print(f"\n{'':36}" + "".join(f"{n:>12}" for n in names))
    for label, key, fmt in rows:
        print(f"{label:36}" + "".join(f"{fmt.format(results[n][key]):>12}" for n in names))


if __name__ == "__main__":
    main()
