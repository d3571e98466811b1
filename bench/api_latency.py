"""API latency against the real server, on SQLite and (where it answers) PostgreSQL.

For each database mode, in a fresh data dir under var/bench/<mode>/:

1. migrate, then bulk-seed (``vermilion seed --users N --notes M``; timed);
2. make one user follow ``--follows`` accounts and give it an API token;
3. start the real server (``vermilion serve --no-worker``) on a free port;
4. over HTTP/1.1 keep-alive (http.client, one request at a time), after a warm-up, time
   ``--rounds`` rounds of ``--requests`` requests of each endpoint:
   GET /api/health (the baseline: routing, middleware, one ``SELECT 1``),
   GET /api/v1/notes/{id} (random public notes), GET /api/v1/feed/following (that user's
   first page), POST /api/v1/notes/{id}/like (a different note every time);
5. stop the server, print p50/p99 per endpoint (the median over rounds) and their ratios to
   the health baseline, and write everything to var/bench/api_latency.json.

Usage (see bench/README.md):
    .venv/bin/python bench/api_latency.py                          # 10k users, 100k notes
    .venv/bin/python bench/api_latency.py --users 1000 --notes 10000 --requests 100

Reproducible: the data set, the note samples and the order of requests follow ``--seed``.
Bounded: a fixed number of requests, each with a timeout, and the server is always stopped.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "var" / "bench"
PASSWORD = "bench-password-1"
PG_ADDRESS = ("127.0.0.1", 5432)
PG_URL = "postgres://postgres@127.0.0.1:5432/vermilion_bench"
VERMILION = [sys.executable, "-m", "vermilion.cli"]  # run this script with the venv's python
ENDPOINTS = ("health", "note", "feed", "like")
LABELS = {
    "health": "GET  /api/health",
    "note": "GET  /api/v1/notes/{id}",
    "feed": "GET  /api/v1/feed/following",
    "like": "POST /api/v1/notes/{id}/like",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--notes", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--follows", type=int, default=200, help="accounts the reader follows")
    parser.add_argument("--requests", type=int, default=200, help="requests per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=30, help="untimed requests first")
    parser.add_argument(
        "--modes", default="sqlite,postgres", help="comma separated: sqlite, postgres"
    )
    parser.add_argument("--pg-url", default=PG_URL, help="its database is dropped and recreated")
    parser.add_argument("--json", default=str(BENCH_DIR / "api_latency.json"))
    parser.add_argument("--prepare", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--pick", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.prepare:
        prepare(args)
        return

    config = {k: v for k, v in vars(args).items() if k not in ("prepare", "pick")}
    report = {"config": config, "modes": {}}
    for mode in [m.strip() for m in args.modes.split(",") if m.strip()]:
        if mode == "postgres" and not answers(*PG_ADDRESS):
            print(f"\npostgres: skipped, nothing answers on {PG_ADDRESS[0]}:{PG_ADDRESS[1]}")
            continue
        print(f"\n== {mode} ==", flush=True)
        report["modes"][mode] = run_mode(mode, args)
        print_table(mode, report["modes"][mode])
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(report, indent=2))
    print(f"\nwritten: {args.json}")


# --- one database mode ------------------------------------------------------------------------


def run_mode(mode: str, args) -> dict:
    data_dir = BENCH_DIR / mode
    shutil.rmtree(data_dir, ignore_errors=True)
    data_dir.mkdir(parents=True)
    env = bench_env(data_dir)
    if mode == "postgres":
        recreate_database(args.pg_url)
        env["VERMILION_DATABASE_URL"] = args.pg_url
    elif mode != "sqlite":
        raise SystemExit(f"unknown mode {mode!r}")

    timings = {}
    started = time.monotonic()
    vermilion(env, "migrate", "--noinput", "-v", "0")
    timings["migrate_seconds"] = round(time.monotonic() - started, 1)
    started = time.monotonic()
    vermilion(
        env,
        "seed",
        "--users",
        str(args.users),
        "--notes",
        str(args.notes),
        "--seed",
        str(args.seed),
        "--password",
        PASSWORD,
    )
    timings["seed_seconds"] = round(time.monotonic() - started, 1)
    print(f"migrate {timings['migrate_seconds']} s, seed {timings['seed_seconds']} s", flush=True)

    count = args.warmup + args.rounds * args.requests
    setup = json.loads(
        subprocess.run(
            [
                sys.executable,
                __file__,
                "--prepare",
                "--seed",
                str(args.seed),
                "--follows",
                str(args.follows),
                "--pick",
                str(count),
            ],
            env=env,
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
            timeout=600,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    print(f"reader {setup['username']} follows {setup['following']} accounts", flush=True)

    load_before = os.getloadavg()[0]
    with server(env, data_dir / "server.log") as port:
        results = measure(port, setup, args)
    # Other work on the machine shows up in the latencies (p99 first): keep it on record.
    load = [round(load_before, 2), round(os.getloadavg()[0], 2)]
    return {**timings, "load_average": load, "reader": setup["username"], "endpoints": results}


def bench_env(data_dir: Path) -> dict:
    """A benchmark child's environment: this one without any VERMILION_ setting, plus the
    data dir, no rate limits, quiet logs, unbuffered output."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("VERMILION_")}
    env.update(
        VERMILION_DATA_DIR=str(data_dir),
        VERMILION_RATE_LIMITS="0",
        VERMILION_LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    return env


def kept_timings(marker: Path, sizes: dict, reuse: bool) -> dict | None:
    """With ``--reuse``, the timings of a data set an earlier run completed with the same
    sizes (its marker file); otherwise None: the caller builds the data set afresh."""
    if reuse and marker.exists():
        kept = json.loads(marker.read_text())
        if kept["sizes"] == sizes:
            print(f"reusing the data set in {marker.parent}", flush=True)
            return kept["timings"]
    return None


def vermilion(env: dict, *command: str) -> None:
    subprocess.run([*VERMILION, *command], env=env, cwd=ROOT, check=True, timeout=1800)


def answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


def recreate_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def server(env: dict, log_path: Path, *, worker: bool = False):
    """The real server in its own process group; always stopped on the way out. With
    ``worker``, a background worker beside it (queued jobs only: no periodic ones, so a
    scheduled rebuild cannot land in the middle of a measurement)."""
    port = free_port()
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [*VERMILION, "serve", "--no-worker", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        helper = None
        if worker:
            helper = subprocess.Popen(
                [*VERMILION, "worker", "--no-periodic"],
                env=env,
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            deadline = time.monotonic() + 60
            while True:
                if process.poll() is not None:
                    raise SystemExit(f"the server exited early; see {log_path}")
                try:
                    status, _ = request(
                        http.client.HTTPConnection("127.0.0.1", port, timeout=2),
                        "GET",
                        "/api/health",
                    )
                    if status == 200:
                        break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    raise SystemExit(f"the server did not answer within 60 s; see {log_path}")
                time.sleep(0.2)
            yield port
        finally:
            for child in (process, helper):
                if child is None:
                    continue
                os.killpg(child.pid, signal.SIGTERM)
                try:
                    child.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(child.pid, signal.SIGKILL)
                    child.wait()


# --- measuring ----------------------------------------------------------------------------------


def request(conn: http.client.HTTPConnection, method: str, path: str, headers=None):
    conn.request(method, path, headers=headers or {})
    response = conn.getresponse()
    return response.status, response.read()


def measure(port: int, setup: dict, args) -> dict:
    rng = random.Random(args.seed)
    auth = {"Authorization": f"Bearer {setup['token']}"}
    read_ids = list(setup["read_ids"])
    rng.shuffle(read_ids)
    like_ids = iter(setup["like_ids"])  # a note is liked once: every request is a real write
    plans = {
        "health": lambda i: ("GET", "/api/health", {}),
        "note": lambda i: ("GET", f"/api/v1/notes/{read_ids[i % len(read_ids)]}", auth),
        "feed": lambda i: ("GET", "/api/v1/feed/following", auth),
        "like": lambda i: ("POST", f"/api/v1/notes/{next(like_ids)}/like", auth),
    }
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    results = {}
    try:
        for name in ENDPOINTS:
            make = plans[name]
            counter = 0
            for _ in range(args.warmup):
                timed(conn, *make(counter))
                counter += 1
            rounds = []
            for _ in range(args.rounds):
                samples = []
                for _ in range(args.requests):
                    samples.append(timed(conn, *make(counter)))
                    counter += 1
                rounds.append(
                    {"p50_ms": percentile(samples, 50), "p99_ms": percentile(samples, 99)}
                )
            results[name] = {
                "p50_ms": round(statistics.median(r["p50_ms"] for r in rounds), 3),
                "p99_ms": round(statistics.median(r["p99_ms"] for r in rounds), 3),
                "rounds": rounds,
            }
            print(f"  {LABELS[name]:32} done", flush=True)
    finally:
        conn.close()
    base = results["health"]
    for entry in results.values():
        entry["p50_ratio"] = round(entry["p50_ms"] / base["p50_ms"], 2)
        entry["p99_ratio"] = round(entry["p99_ms"] / base["p99_ms"], 2)
    return results


def timed(conn: http.client.HTTPConnection, method: str, path: str, headers: dict) -> float:
    started = time.perf_counter()
    status, body = request(conn, method, path, headers)
    elapsed = (time.perf_counter() - started) * 1000
    if status != 200:
        raise SystemExit(f"{method} {path} answered {status}: {body[:300]!r}")
    return elapsed


def percentile(samples: list[float], pct: float) -> float:
    """Nearest-rank percentile (p99 of 200 samples is the 198th fastest)."""
    ordered = sorted(samples)
    return round(ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)], 3)


def print_table(mode: str, result: dict) -> None:
    print(
        f"\n{mode}: migrate {result['migrate_seconds']} s, seed {result['seed_seconds']} s, "
        f"reader {result['reader']}, load average {result['load_average']} (before, after)"
    )
    print(f"{'endpoint':34}{'p50 ms':>9}{'p99 ms':>9}{'p50/health':>12}{'p99/health':>12}")
    for name in ENDPOINTS:
        entry = result["endpoints"][name]
        print(
            f"{LABELS[name]:34}{entry['p50_ms']:9.2f}{entry['p99_ms']:9.2f}"
            f"{entry['p50_ratio']:12.2f}{entry['p99_ratio']:12.2f}"
        )


# --- inside the mode's environment (a child process with its settings) ------------------------


def prepare(args) -> None:
    """Make the reader follow ``--follows`` accounts in all, give it a token, and pick
    ``--pick`` notes to read and to like: prints one JSON line
    ``{username, token, following, read_ids, like_ids}``."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vermilion.settings")
    import django

    django.setup()
    from vermilion.accounts.models import Follow, User
    from vermilion.accounts.services import follow, issue_token
    from vermilion.engagement.models import Like
    from vermilion.notes.models import Note

    rng = random.Random(args.seed)
    reader = User.objects.order_by("id").first()
    followed = set(Follow.objects.filter(follower=reader).values_list("followee_id", flat=True))
    authors = list(
        Note.objects.filter(visibility="public")
        .exclude(author=reader)
        .exclude(author_id__in=followed)
        .values_list("author_id", flat=True)
        .distinct()
        .order_by("author_id")
    )
    wanted = max(0, min(args.follows - len(followed), len(authors)))
    for author in User.objects.filter(pk__in=rng.sample(authors, wanted)):
        follow(reader, author)
    public = list(
        Note.objects.filter(visibility="public")
        .exclude(author=reader)
        .order_by("id")
        .values_list("id", flat=True)
    )
    liked = set(Like.objects.filter(user=reader).values_list("note_id", flat=True))
    read_ids = rng.sample(public, min(args.pick, len(public)))
    likable = [i for i in public if i not in liked]
    like_ids = rng.sample(likable, min(args.pick, len(likable)))
    reader.refresh_from_db()
    print(
        json.dumps(
            {
                "username": reader.username,
                "token": issue_token(reader, "bench"),
                "following": reader.following_count,
                "read_ids": [str(i) for i in read_ids],
                "like_ids": [str(i) for i in like_ids],
            }
        )
    )


if __name__ == "__main__":
    main()
