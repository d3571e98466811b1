"""Discover feed latency at scale, against the real server, on SQLite and PostgreSQL+Redis.

    .venv/bin/python bench/feed_latency.py            # 100k users, 1M notes, 10M events
    .venv/bin/python bench/feed_latency.py --users 5000 --notes 50000 --events 500000 \
        --requests 100                                # quick

For each mode (SQLite always; PostgreSQL with Redis where both answer on 127.0.0.1), in a
fresh data dir under var/bench/feed-<mode>/:

1. migrate, then ``vermilion seed --users N --notes M --events E --features`` (the bulk path:
   follows and likes lean towards popular people and notes; feed events over the last two
   weeks, mostly on notes of each person's first interest; every note has feed features with
   a synthetic embedding clustered by topic, since the real encoder would need hours for a
   million notes and a request's cost does not depend on the values). Timed.
2. The discover feed's jobs, as the workers run them: ``feed.rebuild`` (the snapshot:
   neighbour lists, ALS factors, pools, trending; everyone's ALS part) and
   ``feed.train_ranker`` (the ranker from logged impressions). Timed, per stage.
3. ``--readers`` people with at least one event are picked at random and given tokens;
   each run starts them with no feed state (their seen sets hold only the seeded events).
   The data set's files are then mapped into this process and read once, and stay mapped
   while the server runs, so the data set is in memory as on a server with memory to
   spare (``in_memory``: after seeding, part of it is still on disk, and this machine
   drops file pages unused for a minute; readers' first pages would measure the disk).
   ``--cold`` skips this. On PostgreSQL, the database is vacuumed first (``VACUUM
   (ANALYZE)``: what autovacuum does on a running server; this machine's runs without).
4. The real server (with ``VERMILION_REDIS_URL`` in the scaled mode, so the per-person
   feed state lives in Redis), twice:

   - *prepared*, as deployed: with a background worker beside it (``vermilion worker
     --no-periodic``), which puts each signed-in reader's next page together after every
     page served (``feed.prepare``, docs/feed.md);
   - *built*, the baseline: ``VERMILION_FEED_PREPARED_PAGES=0`` and no worker, so every
     page is put together when asked for.

   Each time, over one keep-alive connection, ``--rounds`` rounds of ``--requests``
   requests of each of the following, one every ``--interval`` seconds (with 100 readers
   in turn, each reader asks for a page every 20 s: a person scrolling, not a crawler;
   the worker has to keep up with that rate on the same two cores):

   | name | request |
   |---|---|
   | health | ``GET /api/health``: the baseline (routing, middleware, ``SELECT 1``) |
   | anonymous | ``GET /api/v1/feed/discover``, no token: trending and fresh notes |
   | first page | the same signed in, each request the next reader in turn (a new session) |
   | next page | each reader's following page (``cursor=``), readers in turn: deep scrolling |
   | own channel | a signed-in first page of one of the reader's own interest channels (the |
   |  | explore tabs that lead), their first three in turn: opening the app, then a tab |
   | channel | a signed-in first page of any interest channel, channels and readers in turn |
   | channel, next | each reader's next page in their channel (reader i: channel i mod n) |

   p50 and p99 are nearest-rank percentiles of each round; the table shows the median over
   rounds, each divided by health's (the cost beyond any request's), and prepared/built;
   "p99 all" is over every measured request at once (round 1 of "first page" holds each
   reader's first visit, with nothing prepared yet: the median over rounds would outvote
   it), and each kind is broken down by how its pages were made.

Everything goes to var/bench/feed_latency.json. ``--reuse`` skips steps 1-2 when the mode's
data dir was completed by an earlier run with the same sizes (seeding a million notes takes
a while). Any non-200 answer stops the run, so a broken feed cannot pass as fast.
"""

from __future__ import annotations

import argparse
import http.client
import json
import mmap
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from api_latency import (  # noqa: E402  (shared server helpers)
    PASSWORD,
    answers,
    bench_env,
    kept_timings,
    percentile,
    recreate_database,
    server,
)

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "var" / "bench"
VERMILION = [sys.executable, "-m", "vermilion.cli"]
PG_URL = "postgres://postgres@127.0.0.1:5432/vermilion_feed_bench"
REDIS_URL = "redis://127.0.0.1:6379/13"
TARGET_P99_MS = 50.0
ENDPOINTS = ("health", "anonymous", "first", "next", "own_channel", "channel", "channel_next")
LABELS = {
    "health": "GET /api/health",
    "anonymous": "discover, anonymous",
    "first": "discover, first page",
    "next": "discover, next page",
    "own_channel": "discover, own channel",
    "channel": "discover, any channel",
    "channel_next": "discover, channel, next",
}
CONFIGS = ("prepared", "built")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--notes", type=int, default=1_000_000)
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--readers", type=int, default=100, help="signed-in readers in turn")
    parser.add_argument("--requests", type=int, default=200, help="requests per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=30, help="untimed requests first")
    parser.add_argument("--interval", type=float, default=0.2, help="seconds between requests")
    parser.add_argument("--configs", default=",".join(CONFIGS), help="prepared, built")
    parser.add_argument("--modes", default="sqlite,postgres", help="sqlite, postgres")
    parser.add_argument("--pg-url", default=PG_URL, help="its database is dropped and recreated")
    parser.add_argument("--redis-url", default=REDIS_URL, help="this Redis database is flushed")
    parser.add_argument("--reuse", action="store_true", help="keep a completed data set")
    parser.add_argument(
        "--worker-nice", type=int, default=None, help="the worker's VERMILION_WORKER_NICE"
    )
    parser.add_argument("--cold", action="store_true", help="do not hold the data set in memory")
    parser.add_argument("--json", default=str(BENCH_DIR / "feed_latency.json"))
    parser.add_argument("--data-root", default=str(BENCH_DIR), help="where feed-<mode>/ goes")
    parser.add_argument("--prepare", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.prepare:
        prepare(args)
        return

    config = {k: v for k, v in vars(args).items() if k != "prepare"}
    report = {"config": config, "modes": {}}
    out = Path(args.json)
    for mode in [m.strip() for m in args.modes.split(",") if m.strip()]:
        if mode == "postgres" and not (answers("127.0.0.1", 5432) and answers("127.0.0.1", 6379)):
            print("\npostgres: skipped, PostgreSQL or Redis does not answer on 127.0.0.1")
            continue
        print(f"\n== {mode} ==", flush=True)
        report["modes"][mode] = run_mode(mode, args)
        print_table(mode, report["modes"][mode])
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(report, indent=2))
    print(f"\nwritten: {out}")


def mode_env(mode: str, args, data_dir: Path) -> dict:
    env = bench_env(data_dir)
    if args.worker_nice is not None:
        env["VERMILION_WORKER_NICE"] = str(args.worker_nice)
    if mode == "postgres":
        env["VERMILION_DATABASE_URL"] = args.pg_url
        env["VERMILION_REDIS_URL"] = args.redis_url
    elif mode != "sqlite":
        raise SystemExit(f"unknown mode {mode!r}")
    return env


def run_mode(mode: str, args) -> dict:
    data_dir = Path(args.data_root) / f"feed-{mode}"
    env = mode_env(mode, args, data_dir)
    sizes = {k: getattr(args, k) for k in ("users", "notes", "events", "seed")}
    marker = data_dir / "seeded.json"
    timings = kept_timings(marker, sizes, args.reuse)
    if timings is None:
        timings = {}
        shutil.rmtree(data_dir, ignore_errors=True)
        data_dir.mkdir(parents=True)
        if mode == "postgres":
            recreate_database(args.pg_url)
        started = time.monotonic()
        run(env, *VERMILION, "migrate", "--noinput", "-v", "0")
        timings["migrate_seconds"] = round(time.monotonic() - started, 1)
        started = time.monotonic()
        run(
            env,
            *VERMILION,
            "seed",
            *("--users", str(args.users), "--notes", str(args.notes)),
            *("--events", str(args.events), "--features", "--seed", str(args.seed)),
            *("--password", PASSWORD),
        )
        timings["seed_seconds"] = round(time.monotonic() - started, 1)
        print(f"seeded in {timings['seed_seconds']} s", flush=True)
        jobs = json.loads(
            run(env, sys.executable, __file__, "--prepare", "--readers", "0", capture=True)
        )
        timings.update(jobs)
        marker.write_text(json.dumps({"sizes": sizes, "timings": timings}))
        print(f"jobs: {json.dumps(jobs)}", flush=True)
    else:
        # A kept data set gets the migrations added since it was made (no-op otherwise).
        run(env, *VERMILION, "migrate", "--noinput", "-v", "0")

    out = {**timings, "load_average": {}, "configs": {}}
    for config in [c.strip() for c in args.configs.split(",") if c.strip()]:
        if config not in CONFIGS:
            raise SystemExit(f"unknown configuration {config!r}")
        if mode == "postgres":
            import redis

            redis.Redis.from_url(args.redis_url).flushdb()  # no feed state from before
        # The same readers each time, with no prepared page, queued job or seen set left
        # over from an earlier run.
        setup = json.loads(
            run(
                env,
                *(sys.executable, __file__, "--prepare", "--readers", str(args.readers)),
                *("--seed", str(args.seed)),
                capture=True,
            )
        )
        print(
            f"{config}: {len(setup['tokens'])} readers "
            f"(median {setup['median_events']} events each)",
            flush=True,
        )
        if mode == "postgres":
            out.setdefault("vacuum_seconds", {})[config] = vacuum(args.pg_url)
        config_env = {**env, "VERMILION_FEED_PREPARED_PAGES": "1" if config == "prepared" else "0"}
        load_before = os.getloadavg()[0]
        log = data_dir / f"server-{config}.log"
        with (
            in_memory(mode, args, data_dir) as kept,
            server(config_env, log, worker=config == "prepared") as port,
        ):
            out["configs"][config] = measure(port, setup, args)
        out.setdefault("in_memory", {})[config] = kept
        out["load_average"][config] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
    return out


def vacuum(url: str) -> float:
    """``VACUUM (ANALYZE)`` the database, as autovacuum keeps a running server's tables.
    This machine's PostgreSQL runs with autovacuum off (to speed up tests), and a data
    set never vacuumed (earlier runs' writes, or a seed before the seeder vacuumed) has
    no visibility map and rows not yet known committed: the first read of each page marks
    them and writes the page back. Returns the seconds it took."""
    import psycopg

    started = time.monotonic()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")
    seconds = round(time.monotonic() - started, 1)
    print(f"  vacuumed in {seconds} s", flush=True)
    return seconds


@contextmanager
def in_memory(mode: str, args, data_dir: Path):
    """Hold the data set in memory while measuring, as a server with memory to spare
    does: every file of it mapped into this process, every page read once (the system
    keeps pages mapped by a running process). Yields what was kept, in bytes and seconds.

    Only reading the files is not enough everywhere: after seeding, part of the data set
    is still on disk, and some machines (this one: DAMON's ``pageout``) drop file pages
    that nobody has mapped after a minute unused, with gigabytes free. Each reader's first
    page then waits for the disk once per page of data it reads, and the figures measure
    the disk. ``--cold`` skips this (what a server that has just started sees)."""
    if args.cold:
        yield {"cold": True}
        return
    started = time.monotonic()
    paths = data_files(mode, args, data_dir)
    maps, size = [], 0
    try:
        for path in paths:
            try:
                with open(path, "rb") as f:
                    if os.fstat(f.fileno()).st_size == 0:
                        continue
                    kept = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
            except OSError as exc:  # a file the database removed since, or not ours to read
                print(f"  not kept: {path}: {exc.strerror}", flush=True)
                continue
            maps.append(kept)
            view = memoryview(kept)
            bytes(view[:: mmap.PAGESIZE])  # one byte of every page: each is read and mapped
            view.release()
            size += len(kept)
        seconds = round(time.monotonic() - started, 1)
        print(f"  in memory: {size / 1e9:.1f} GB of {len(maps)} files in {seconds} s", flush=True)
        yield {"bytes": size, "files": len(maps), "seconds": seconds}
    finally:
        for kept in maps:
            kept.close()


def data_files(mode: str, args, data_dir: Path) -> list[Path]:
    """The data set's files: SQLite's database (and its WAL), or every file of the
    PostgreSQL database's directory (the server must be on this machine, and its files
    readable by this user)."""
    if mode == "sqlite":
        return sorted(data_dir.glob("vermilion.sqlite3*"))
    import psycopg

    with psycopg.connect(args.pg_url) as conn:
        home = conn.execute("SHOW data_directory").fetchone()[0]
        oid = conn.execute(
            "SELECT oid FROM pg_database WHERE datname = current_database()"
        ).fetchone()[0]
    folder = Path(home) / "base" / str(oid)
    try:
        return sorted(p for p in folder.iterdir() if p.is_file())
    except OSError as exc:
        print(f"  not kept in memory: {folder}: {exc.strerror}", flush=True)
        return []


def run(env: dict, *command: str, capture: bool = False) -> str:
    result = subprocess.run(
        command,
        env=env,
        cwd=ROOT,
        check=True,
        timeout=4 * 3600,
        capture_output=capture,
        text=True,
    )
    return result.stdout.strip().splitlines()[-1] if capture else ""


# --- measuring ----------------------------------------------------------------------------------


def measure(port: int, setup: dict, args) -> dict:
    tokens = [{"Authorization": f"Bearer {t}"} for t in setup["tokens"]]
    channels = setup["channels"]
    cursors: dict[tuple[int, str], str | None] = {}

    def discover(headers: dict, query: str = "") -> tuple[str, str, dict]:
        return "GET", "/api/v1/feed/discover" + query, headers

    def next_page(i: int):
        r = i % len(tokens)
        cursor = cursors.get((r, ""))
        return discover(tokens[r], f"?cursor={cursor}" if cursor else ""), (r, "")

    def own_channel(i: int):
        r = i % len(tokens)
        mine = setup["reader_channels"][r] or channels
        return discover(tokens[r], f"?channel={mine[(i // len(tokens)) % len(mine)]}"), None

    def channel_next(i: int):
        r = i % len(tokens)
        channel = channels[r % len(channels)]
        query = f"?channel={channel}"
        if cursor := cursors.get((r, channel)):
            query += f"&cursor={cursor}"
        return discover(tokens[r], query), (r, channel)

    plans = {
        "health": lambda i: (("GET", "/api/health", {}), None),
        "anonymous": lambda i: (discover({}), None),
        "first": lambda i: (discover(tokens[i % len(tokens)]), None),
        "next": next_page,
        "own_channel": own_channel,
        "channel": lambda i: (
            discover(tokens[i % len(tokens)], f"?channel={channels[i % len(channels)]}"),
            None,
        ),
        "channel_next": channel_next,
    }
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    results = {}
    try:
        for name in ENDPOINTS:
            make, counter = plans[name], 0

            sources: dict[str, list[float]] = {}

            def one(name=name, make=make, sources=sources) -> float:
                nonlocal counter
                (method, path, headers), reader = make(counter)
                counter += 1
                time.sleep(args.interval)
                elapsed, body, source = timed(conn, method, path, headers)
                sources.setdefault(source, []).append(elapsed)
                if name != "health":
                    page = json.loads(body)
                    if not page["items"]:
                        raise SystemExit(f"{path} gave an empty page")
                    if reader is not None:
                        cursors[reader] = page["next_cursor"]
                return elapsed

            for _ in range(args.warmup):
                one()
            sources.clear()  # counted over the measured rounds
            rounds = []
            for _ in range(args.rounds):
                samples = [one() for _ in range(args.requests)]
                rounds.append(
                    {"p50_ms": percentile(samples, 50), "p99_ms": percentile(samples, 99)}
                )
            pooled = [ms for samples in sources.values() for ms in samples]
            results[name] = {
                "p50_ms": round(statistics.median(r["p50_ms"] for r in rounds), 3),
                "p99_ms": round(statistics.median(r["p99_ms"] for r in rounds), 3),
                # Every measured request at once: a slow round (each reader's first visit,
                # with nothing prepared yet) counts in full rather than being outvoted.
                "all_p99_ms": percentile(pooled, 99),
                "rounds": rounds,
                "served": {k: len(v) for k, v in sorted(sources.items())},
                "by_source": {
                    k: {"n": len(v), "p50_ms": percentile(v, 50), "p99_ms": percentile(v, 99)}
                    for k, v in sorted(sources.items())
                },
            }
            print(f"  {LABELS[name]:24} done {results[name]['served']}", flush=True)
    finally:
        conn.close()
    base = results["health"]
    for entry in results.values():
        entry["p50_ratio"] = round(entry["p50_ms"] / base["p50_ms"], 2)
        entry["p99_ratio"] = round(entry["p99_ms"] / base["p99_ms"], 2)
    return results


def timed(conn: http.client.HTTPConnection, method: str, path: str, headers: dict):
    """Milliseconds, the body, and how the server says the page was made (its
    ``Server-Timing: feed;desc=...``: prepared, built, shared or latest)."""
    started = time.perf_counter()
    conn.request(method, path, headers=headers or {})
    response = conn.getresponse()
    body = response.read()
    elapsed = (time.perf_counter() - started) * 1000
    if response.status != 200:
        raise SystemExit(f"{method} {path} answered {response.status}: {body[:300]!r}")
    timing = response.getheader("Server-Timing") or ""
    source = timing.partition('desc="')[2].rstrip('"') or "-"
    return elapsed, body, source


def print_table(mode: str, result: dict) -> None:
    jobs = {k: v for k, v in result.items() if k.endswith("_seconds")}
    print(f"\n{mode}: {jobs}, load average {result['load_average']} (before, after)")
    configs = result["configs"]
    for config, endpoints in configs.items():
        print(f"\n{config}")
        print(
            f"{'request':26}{'p50 ms':>9}{'p99 ms':>9}{'p50/health':>12}{'p99/health':>12}"
            f"{'p99 all':>9}"
        )
        for name in ENDPOINTS:
            e = endpoints[name]
            print(
                f"{LABELS[name]:26}{e['p50_ms']:9.2f}{e['p99_ms']:9.2f}"
                f"{e['p50_ratio']:12.2f}{e['p99_ratio']:12.2f}{e['all_p99_ms']:9.2f}"
            )
        print("by how the page was made (all rounds): n, p50 / p99 ms")
        for name in ENDPOINTS[1:]:
            parts = [
                f"{k} {v['n']}, {v['p50_ms']:.1f} / {v['p99_ms']:.1f}"
                for k, v in endpoints[name]["by_source"].items()
            ]
            print(f"  {LABELS[name]:24}{'; '.join(parts)}")
        for key, label in (("p99_ms", "median over rounds"), ("all_p99_ms", "all requests")):
            worst = max(endpoints[n][key] for n in ENDPOINTS if n != "health")
            verdict = "met" if worst < TARGET_P99_MS else "NOT met"
            print(
                f"target p99 < {TARGET_P99_MS:.0f} ms, {label}: {verdict} "
                f"(worst discover p99 {worst:.1f} ms)"
            )
    if len(configs) == 2:
        print("\nprepared / built")
        for name in ENDPOINTS[1:]:
            a, b = configs["prepared"][name], configs["built"][name]
            print(
                f"{LABELS[name]:26}{a['p50_ms'] / b['p50_ms']:9.2f}{a['p99_ms'] / b['p99_ms']:9.2f}"
            )


# --- inside the mode's environment (a child process with its settings) ------------------------


def prepare(args) -> None:
    """``--readers 0``: run the feed's jobs, print their timings as one JSON line.
    Otherwise: pick that many readers (people with events), give them tokens, print
    ``{tokens, median_events, channels}``."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vermilion.settings")
    import django

    django.setup()
    from django.db.models import Count

    from vermilion.accounts.models import Interest, User
    from vermilion.accounts.services import issue_token
    from vermilion.core.models import Job
    from vermilion.feed import artifacts, training
    from vermilion.feed.discover import PREPARED_CHANNELS
    from vermilion.feed.models import Event, FeedState

    if args.readers == 0:
        started = time.monotonic()
        report = artifacts.rebuild()
        rebuilt = time.monotonic() - started
        started = time.monotonic()
        ranker = training.train_ranker()
        trained = time.monotonic() - started
        print(
            json.dumps(
                {
                    "rebuild_seconds": round(rebuilt, 1),
                    "rebuild_stages": report.seconds,
                    "snapshot": {
                        "notes": report.notes,
                        "people": report.people,
                        "signals": report.signals,
                    },
                    "train_ranker_seconds": round(trained, 1),
                    "ranker": {k: v for k, v in ranker.items() if isinstance(v, int | float | str)},
                }
            )
        )
        return
    # Each configuration starts alike: no prepared page, no queued preparation.
    Job.objects.filter(name="feed.prepare").delete()
    FeedState.objects.filter(key__startswith="p:").delete()
    readers = pick_readers(args.readers, args.seed)
    # ... and the state of a reader who has not used the feed yet: runs compare only if
    # each starts from the seeded history, not from the seen sets earlier runs left.
    FeedState.objects.filter(key__in=[f"u:{r}" for r in readers]).delete()
    counts = dict(
        Event.objects.filter(user_id__in=readers)
        .values("user_id")
        .annotate(n=Count("id"))
        .values_list("user_id", "n")
    )
    people = User.objects.in_bulk(readers)
    tokens = [issue_token(people[r], "feed-bench") for r in readers]
    own = {r: [] for r in readers}
    for user_id, slug in (
        User.interests.through.objects.filter(user_id__in=readers)
        .order_by("interest__position", "interest__slug")
        .values_list("user_id", "interest_id")
    ):
        own[user_id].append(slug)
    print(
        json.dumps(
            {
                "tokens": tokens,
                "median_events": statistics.median(counts.get(r, 0) for r in readers),
                "channels": list(Interest.objects.order_by("slug").values_list("slug", flat=True)),
                # Each reader's own interests as their explore tabs lead them.
                "reader_channels": [own[r][:PREPARED_CHANNELS] for r in readers],
            }
        )
    )


def pick_readers(n: int, seed: int) -> list[int]:
    """``n`` people with feed events, drawn at random (``seed``): the benchmarks' readers
    (Django set up)."""
    from vermilion.accounts.models import User
    from vermilion.feed.models import Event

    rng = random.Random(seed)
    ids = list(User.objects.order_by("id").values_list("id", flat=True))
    rng.shuffle(ids)
    readers: list[int] = []
    for start in range(0, len(ids), 1000):
        chunk = ids[start : start + 1000]
        active = set(
            Event.objects.filter(user_id__in=chunk).values_list("user_id", flat=True).distinct()
        )
        readers += [i for i in chunk if i in active]
        if len(readers) >= n:
            break
    return readers[:n]


def data_set_arguments(parser: argparse.ArgumentParser, json_name: str) -> None:
    """The options of a script that measures on the data sets this one leaves
    (``data_sets``)."""
    parser.add_argument("--modes", default="sqlite,postgres")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--pg-url", default=PG_URL)
    parser.add_argument("--redis-url", default=REDIS_URL)
    parser.add_argument("--worker-nice", type=int, default=None)
    parser.add_argument("--cold", action="store_true", help="do not hold the data set in memory")
    parser.add_argument("--data-root", default=str(BENCH_DIR))
    parser.add_argument("--json", default=str(BENCH_DIR / json_name))
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)


def data_sets(args):
    """``(mode, data dir)`` of each of ``--modes`` whose data set this script completed."""
    for mode in [m.strip() for m in args.modes.split(",") if m.strip()]:
        data_dir = Path(args.data_root) / f"feed-{mode}"
        if not (data_dir / "seeded.json").exists():
            print(f"{mode}: no data set in {data_dir} (run feed_latency.py first)")
            continue
        print(f"== {mode} ==", flush=True)
        yield mode, data_dir


def child_result(mode: str, args, data_dir: Path, command: list[str], env: dict) -> dict:
    """Run ``command`` (a script measuring in a process of its own, as ``--child``) on the
    mode's data set held in memory; returns the JSON its last line printed."""
    with in_memory(mode, args, data_dir):
        result = subprocess.run(
            command, env=env, cwd=ROOT, check=True, stdout=subprocess.PIPE, text=True
        )
    return json.loads(result.stdout.strip().splitlines()[-1])


def write_json(path: str, out: dict) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(json.dumps(out, indent=2))
    print(f"\nwritten: {path}")


if __name__ == "__main__":
    main()
