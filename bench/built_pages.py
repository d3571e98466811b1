"""Where a discover page put together on request spends its time, in-process.

    .venv/bin/python bench/feed_latency.py --configs ""     # the data set, once (or --reuse)
    .venv/bin/python bench/built_pages.py                   # SQLite and PostgreSQL+Redis
    .venv/bin/python bench/built_pages.py --modes postgres --cprofile /tmp/built.pstats

On the data set ``feed_latency.py`` leaves in var/bench/feed-<mode>/, ``--readers`` people
with events (drawn with ``--seed``) each ask for their first "for you" page with nothing
kept for them: no feed state, no cached profile, no followed creators' rows, no prepared
page (``VERMILION_FEED_PREPARED_PAGES=0``) -- the case ``feed_latency.py`` reports as
"built" first visits, which decides its p99. Shared rows (the newest and fresh notes, the
snapshot) are warm, as on a running server. Requests go through Django's test client
(token auth, middleware, the API handler, serialisation), one at a time, ``--rounds``
times over the readers (each round forgets what the one before kept).

Printed: p50/p90/p99 of the whole request (and without the work it leaves until after its
response, which the server sends first), of its SQL and its number of statements, and
the SQL by the function of ours that issued it (median ms per page). ``--cprofile`` also
writes the Python profile of all pages (``python -m pstats``). The data set is held in
memory, and PostgreSQL vacuumed first, as ``feed_latency.py`` does. Results go to
var/bench/built_pages.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from feed_latency import (  # noqa: E402
    child_result,
    data_set_arguments,
    data_sets,
    mode_env,
    pick_readers,
    vacuum,
    write_json,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    data_set_arguments(parser, "built_pages.json")
    parser.add_argument("--readers", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument(
        "--kind",
        choices=("built", "prepared"),
        default="built",
        help="prepared: each page is put together first (untimed), as the worker does",
    )
    parser.add_argument("--cprofile", default="", help="write the Python profile here")
    parser.add_argument(
        "--no-sections", action="store_true", help="do not time the steps (SECTIONS)"
    )
    args = parser.parse_args()
    if args.child:
        measure(args)
        return
    out = {}
    for mode, data_dir in data_sets(args):
        if mode == "postgres":
            vacuum(args.pg_url)
        command = [sys.executable, __file__, "--child", "--seed", str(args.seed)]
        command += ["--readers", str(args.readers), "--rounds", str(args.rounds)]
        command += ["--kind", args.kind]
        if args.cprofile:
            command += ["--cprofile", f"{args.cprofile}.{mode}"]
        if args.no_sections:
            command += ["--no-sections"]
        prepared = "1" if args.kind == "prepared" else "0"
        env = {**mode_env(mode, args, data_dir), "VERMILION_FEED_PREPARED_PAGES": prepared}
        out[mode] = child_result(mode, args, data_dir, command, env)
        print_report(out[mode])
    write_json(args.json, out)


def print_report(result: dict) -> None:
    print(f"{result['pages']} pages")
    for name in ("total_ms", "response_ms", "sql_ms", "statements"):
        row = result[name]
        print(f"  {name:12} p50 {row['p50']:7.2f}  p90 {row['p90']:7.2f}  p99 {row['p99']:7.2f}")
    print(f"  {'SQL issued by':44} {'ms/page':>8} {'statements/page':>16}")
    for caller, row in result["sql_by_caller"].items():
        print(f"  {caller:44} {row['ms']:8.2f} {row['statements']:16.2f}")
    if result.get("sections"):
        print(f"  {'step (inclusive of the steps it calls)':44} {'p50 ms':>8} {'mean ms':>8}")
        for name, row in result["sections"].items():
            print(f"  {name:44} {row['p50']:8.2f} {row['mean']:8.2f}")


def percentiles(samples: list[float]) -> dict:
    ordered = sorted(samples)

    def rank(p: float) -> float:  # nearest rank
        return ordered[max(0, min(len(ordered) - 1, -(-len(ordered) * p // 100) - 1))]

    return {"p50": round(rank(50), 2), "p90": round(rank(90), 2), "p99": round(rank(99), 2)}


def measure(args) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vermilion.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.cache import cache, caches
    from django.core.cache.backends.locmem import LocMemCache
    from django.db import connection
    from django.test import Client

    from vermilion.accounts.models import User
    from vermilion.accounts.services import issue_token
    from vermilion.core import deferred, memory
    from vermilion.feed.discover import forget_state, prepare

    settings.ALLOWED_HOSTS = ["*"]
    people = User.objects.in_bulk(pick_readers(args.readers, args.seed))
    tokens = {pk: issue_token(user, "built-pages-bench") for pk, user in people.items()}
    client = Client(HTTP_HOST="127.0.0.1")

    def forget(user) -> None:
        forget_state(user)
        cache.delete(f"feed:reader:{user.pk}")
        if isinstance(caches["default"], LocMemCache):  # one process's memory
            for key in [k for k in list(cache._cache) if ":feed:live:followed:" in k]:
                cache.delete(key.split(":", 2)[2])  # (kept as ":<version>:<key>")
        else:
            client_ = cache._cache.get_client(None, write=True)
            for key in client_.scan_iter(match="*feed:live:followed:*"):
                client_.delete(key)

    sql: list[tuple[str, float]] = []

    def timed_sql(execute, statement, params, many, context):
        started = time.perf_counter()
        try:
            return execute(statement, params, many, context)
        finally:
            sql.append((caller(), (time.perf_counter() - started) * 1000))

    # One untimed page first: imports, the snapshot, shared rows and connections warm.
    first = next(iter(people.values()))
    client.get("/api/v1/feed/discover", HTTP_AUTHORIZATION=f"Bearer {tokens[first.pk]}")
    memory.settle()  # what the server does once started (its GC walks only what requests make)
    profiler = None
    if args.cprofile:
        import cProfile

        profiler = cProfile.Profile()
    spent: dict[str, float] = defaultdict(float)
    if not args.no_sections:
        time_sections(spent)
    per_section: dict[str, list[float]] = defaultdict(list)
    totals, responses, sql_totals, counts = [], [], [], []
    after = [0.0]  # ms of work left until after the response (core.deferred), this page

    original_after_response = deferred.after_response

    running = [0]

    def timed_after_response(key, work):
        def timed_work():
            if running[0]:  # asked for by deferred work: counted in it
                return work()
            running[0] += 1
            started = time.perf_counter()
            try:
                return work()
            finally:
                after[0] += (time.perf_counter() - started) * 1000
                running[0] -= 1

        return original_after_response(key, timed_work)

    deferred.after_response = timed_after_response
    by_caller: dict[str, list[float]] = defaultdict(list)
    for _round in range(args.rounds):
        for user in people.values():
            forget(user)
            if args.kind == "prepared":
                prepare(user.pk)  # (what the worker does after the page before)
            sql.clear()
            spent.clear()
            after[0] = 0.0
            with connection.execute_wrapper(timed_sql):
                if profiler is not None:
                    profiler.enable()
                started = time.perf_counter()
                response = client.get(
                    "/api/v1/feed/discover", HTTP_AUTHORIZATION=f"Bearer {tokens[user.pk]}"
                )
                elapsed = (time.perf_counter() - started) * 1000
                if profiler is not None:
                    profiler.disable()
            if response.status_code != 200 or not response.json()["items"]:
                raise SystemExit(f"reader {user.pk}: {response.status_code} {response.content!r}")
            timing = response.headers.get("Server-Timing", "")
            if f'desc="{args.kind}"' not in timing:
                raise SystemExit(f"reader {user.pk}: the page was not {args.kind} ({timing})")
            totals.append(elapsed)
            responses.append(elapsed - after[0])
            sql_totals.append(sum(ms for _c, ms in sql))
            counts.append(len(sql))
            for name in SECTIONS:
                per_section[name].append(spent.get(name, 0.0))
            for name, ms in sql:
                by_caller[name].append(ms)
    pages = len(totals)
    if profiler is not None:
        profiler.dump_stats(args.cprofile)
    result = {
        "pages": pages,
        "total_ms": percentiles(totals),
        # Without the work left until after the response (the server sends it first).
        "response_ms": percentiles(responses),
        "sql_ms": percentiles(sql_totals),
        "statements": percentiles(counts),
        "sql_by_caller": {
            name: {"ms": round(sum(v) / pages, 2), "statements": round(len(v) / pages, 2)}
            for name, v in sorted(by_caller.items(), key=lambda kv: -sum(kv[1]))
        },
        "sections": {
            name.partition(":")[2]: {
                "p50": round(statistics.median(v), 2),
                "mean": round(statistics.fmean(v), 2),
            }
            for name, v in per_section.items()
        },
    }
    print(json.dumps(result))


#: Steps timed per page (wall time, inclusive), as ``module:attribute``.
SECTIONS = (
    "vermilion.api.auth:TokenAuth.authenticate",
    "vermilion.feed.api:discover_page",
    "vermilion.feed.discover:_Request.__init__",
    "vermilion.feed.discover:_read_reader",
    "vermilion.feed.discover:_Request._load_state",
    "vermilion.feed.discover:_Request.build",
    "vermilion.feed.discover:_Request.snapshot_candidates",
    "vermilion.feed.discover:_Request.followed_candidates",
    "vermilion.feed.discover:_Request.live_notes",
    "vermilion.feed.artifacts:local_stats",
    "vermilion.feed.discover:build_features",
    "vermilion.feed.discover:_Request.visible",
    "vermilion.feed.discover:_Request.backfill",
    "vermilion.feed.discover:arrange",
    "vermilion.feed.discover:_Request.explore",
    "vermilion.feed.discover:_fetch",
    "vermilion.feed.discover:_Request.reason",
    "vermilion.feed.discover:_Request.serve",
    "vermilion.feed.api:note_dicts",
    "vermilion.notes.presenters:prefetch_related_objects",
    "vermilion.notes.presenters:_page_rows",
    "vermilion.notes.presenters:media_dict",
    "vermilion.feed.api:presented",
)


def time_sections(spent: dict[str, float]) -> None:
    """Wrap each of ``SECTIONS`` so that its wall time adds up in ``spent`` (a call inside
    another of the same name counts once)."""
    import functools
    import importlib

    for name in SECTIONS:
        module_name, _colon, path = name.partition(":")
        owner = importlib.import_module(module_name)
        *parents, attribute = path.split(".")
        for part in parents:
            owner = getattr(owner, part)
        original = getattr(owner, attribute)
        if isinstance(owner, type) and isinstance(owner.__dict__.get(attribute), staticmethod):
            continue
        depth = [0]

        @functools.wraps(original)
        def wrapper(*a, __original=original, __name=name, __depth=depth, **kw):
            if __depth[0]:
                return __original(*a, **kw)
            __depth[0] += 1
            started = time.perf_counter()
            try:
                return __original(*a, **kw)
            finally:
                spent[__name] += (time.perf_counter() - started) * 1000
                __depth[0] -= 1

        setattr(owner, attribute, wrapper)


def caller() -> str:
    """The innermost function of ours (not Django's) on the stack: who issued a statement."""
    frame = sys._getframe(2)
    while frame is not None:
        path = frame.f_code.co_filename
        ours = "/vermilion/" in path and "/site-packages/" not in path
        if ours and not path.endswith("/core/sql.py"):  # (its helpers: who called them)
            return f"{Path(path).parent.name}/{Path(path).name}:{frame.f_code.co_name}"
        frame = frame.f_back
    return "(django)"


if __name__ == "__main__":
    main()
