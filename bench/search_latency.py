"""Search speed at a million notes: query latency and indexing throughput, on SQLite (FTS5)
and PostgreSQL (full-text), next to a naive LIKE/ILIKE scan measured in the same run.

    .venv/bin/python bench/search_latency.py                    # 1M notes, both modes
    .venv/bin/python bench/search_latency.py --reuse            # measure again, same data
    .venv/bin/python bench/search_latency.py --users 5000 --notes 100000 --rounds 2   # quick

For each mode, in a fresh data dir ``var/bench/search-<mode>/`` (PostgreSQL: the database
of ``--pg-url`` is dropped and recreated):

1. migrate; ``vermilion seed --users N --notes M --features`` (bulk notes in Chinese and
   English from the demo's voices, hashtags, likes; feed features so that semantic
   matching has note vectors); the discover feed's snapshot (``feed.rebuild``).
2. ``vermilion reindex``: every note analysed (jieba, OpenCC, stemming) and indexed; its
   notes per second is the indexing throughput.
3. The queries: the 46 labelled queries of ``search_corpus.py`` (Chinese, Traditional,
   English, mixed, pinyin, misspelt) and ``--vocabulary`` words drawn (seeded) from the
   index's vocabulary, weighted towards common words (the expensive case).
4. In one process, for each query, ``search.queries.search_notes`` (the whole path:
   analysis, engine matches, fuzzy and semantic parts, visibility, BM25 and the blend,
   snippets, the notes themselves) and the naive scan (public notes whose title or body
   contains the query, ``icontains``: LIKE on SQLite, ILIKE-equivalent UPPER LIKE on
   PostgreSQL, newest 20), ``--rounds`` times after one untimed round (query embeddings
   are cached after their first use, as in service). p50/p95 per round, median of rounds,
   and the ratio engine/naive.

Results: ``var/bench/search_latency.json``. Target: engine p95 under 30 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from api_latency import (  # noqa: E402  (shared helpers)
    answers,
    bench_env,
    kept_timings,
    percentile,
    recreate_database,
)
from search_corpus import QUERIES  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "var" / "bench"
VERMILION = [sys.executable, "-m", "vermilion.cli"]
PG_URL = "postgres://postgres@127.0.0.1:5432/vermilion_search_bench"
TARGET_P95_MS = 30.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--notes", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--vocabulary", type=int, default=54, help="words drawn from the index")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--modes", default="sqlite,postgres")
    parser.add_argument("--pg-url", default=PG_URL, help="its database is dropped and recreated")
    parser.add_argument("--reuse", action="store_true", help="keep a completed data set")
    parser.add_argument("--json", default=str(BENCH_DIR / "search_latency.json"))
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args)))
        return
    report = {"config": {k: v for k, v in vars(args).items() if k != "measure"}, "modes": {}}
    for mode in [m.strip() for m in args.modes.split(",") if m.strip()]:
        if mode == "postgres" and not answers("127.0.0.1", 5432):
            print("\npostgres: skipped, nothing answers on 127.0.0.1:5432")
            continue
        print(f"\n== {mode} ==", flush=True)
        report["modes"][mode] = run_mode(mode, args)
        print_table(mode, report["modes"][mode])
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(report, indent=2, ensure_ascii=False))
    print(f"\nwritten: {args.json}")


def run_mode(mode: str, args) -> dict:
    data_dir = BENCH_DIR / f"search-{mode}"
    env = bench_env(data_dir)  # rate limits off too: the naive scan is not rate limited
    if mode == "postgres":
        env["VERMILION_DATABASE_URL"] = args.pg_url
    sizes = {k: getattr(args, k) for k in ("users", "notes", "seed")}
    marker = data_dir / "indexed.json"
    timings = kept_timings(marker, sizes, args.reuse)
    if timings is None:
        shutil.rmtree(data_dir, ignore_errors=True)
        data_dir.mkdir(parents=True)
        if mode == "postgres":
            recreate_database(args.pg_url)
        timings = {}
        started = time.monotonic()
        run(env, "migrate", "--noinput", "-v", "0")
        run(
            env,
            "seed",
            *("--users", str(args.users), "--notes", str(args.notes), "--seed", str(args.seed)),
            *("--features", "--password", "bench-password-1"),
        )
        timings["seed_seconds"] = round(time.monotonic() - started, 1)
        started = time.monotonic()
        run(env, "shell", "-c", "from vermilion.feed.artifacts import rebuild; rebuild()")
        timings["feed_rebuild_seconds"] = round(time.monotonic() - started, 1)
        report = json.loads(run(env, "reindex", "--json", capture=True))
        timings["reindex"] = report
        marker.write_text(json.dumps({"sizes": sizes, "timings": timings}))
        print(f"indexed: {json.dumps(report)}", flush=True)
    load_before = os.getloadavg()[0]
    measured = json.loads(
        subprocess.run(
            [sys.executable, __file__, "--measure", *flags(args)],
            env={**env, "DJANGO_SETTINGS_MODULE": "vermilion.settings"},
            cwd=ROOT,
            check=True,
            stdout=subprocess.PIPE,
            text=True,
            timeout=3600,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    load = [round(load_before, 2), round(os.getloadavg()[0], 2)]
    return {**timings, **measured, "load_average": load}


def flags(args) -> list[str]:
    return [
        "--seed",
        str(args.seed),
        "--vocabulary",
        str(args.vocabulary),
        "--rounds",
        str(args.rounds),
    ]


def run(env: dict, *command: str, capture: bool = False) -> str:
    result = subprocess.run(
        [*VERMILION, *command],
        env=env,
        cwd=ROOT,
        check=True,
        timeout=4 * 3600,
        capture_output=capture,
        text=True,
    )
    return result.stdout.strip().splitlines()[-1] if capture else ""


# --- in the mode's environment ----------------------------------------------------------------


def measure(args) -> dict:
    import django

    django.setup()
    from django.db.models import Q

    from vermilion.notes.models import Note
    from vermilion.search import analysis, queries
    from vermilion.search.models import Term

    analysis.warm_up()
    rng = random.Random(args.seed)
    words = list(Term.objects.filter(df__gte=2).order_by("-df").values_list("term", "df")[:5000])
    drawn = rng.choices([w for w, _ in words], weights=[d for _, d in words], k=args.vocabulary)
    query_list = [q for q, _c, _k in QUERIES] + drawn

    def engine(q: str) -> int:
        return len(queries.search_notes(None, q).hits)

    def naive(q: str) -> int:
        qs = Note.objects.filter(visibility="public", author__is_active=True).filter(
            Q(title__icontains=q) | Q(body__icontains=q)
        )
        return len(list(qs.select_related("author").order_by("-id")[:20]))

    out = {"queries": len(query_list), "hits": {}}
    for name, fn in (("engine", engine), ("naive", naive)):
        for q in query_list:  # untimed: caches (query embeddings, snapshot) as in service
            fn(q)
        rounds, found = [], 0
        for _ in range(args.rounds):
            samples = []
            for q in query_list:
                started = time.perf_counter()
                found += fn(q) > 0
                samples.append((time.perf_counter() - started) * 1000)
            rounds.append({"p50_ms": percentile(samples, 50), "p95_ms": percentile(samples, 95)})
        out[name] = {
            "p50_ms": round(statistics.median(r["p50_ms"] for r in rounds), 2),
            "p95_ms": round(statistics.median(r["p95_ms"] for r in rounds), 2),
            "rounds": rounds,
        }
        out["hits"][name] = round(found / (args.rounds * len(query_list)), 3)
    return out


def print_table(mode: str, r: dict) -> None:
    idx = r["reindex"]
    print(
        f"\n{mode}: {idx['notes']} notes indexed at {idx['notes_per_second']} notes/s "
        f"({idx['terms']} words); seed {r['seed_seconds']} s; load {r['load_average']}"
    )
    print(f"{'':10}{'p50 ms':>10}{'p95 ms':>10}{'queries with hits':>20}")
    for name in ("engine", "naive"):
        print(f"{name:10}{r[name]['p50_ms']:10.2f}{r[name]['p95_ms']:10.2f}{r['hits'][name]:20.3f}")
    ratio = r["engine"]["p95_ms"] / r["naive"]["p95_ms"]
    verdict = "met" if r["engine"]["p95_ms"] < TARGET_P95_MS else "NOT met"
    print(f"engine/naive p95: {ratio:.2f}; target p95 < {TARGET_P95_MS:.0f} ms: {verdict}")


if __name__ == "__main__":
    main()
