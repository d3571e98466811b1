"""Search quality on a labelled bilingual corpus: MRR@10 and Recall@10, with and without
the semantic part, on SQLite and (where it answers) PostgreSQL.

    .venv/bin/python bench/search_eval.py                  # both modes (~1 minute each)
    .venv/bin/python bench/search_eval.py --modes sqlite --per-query

The corpus and the labels are in ``search_corpus.py``: 51 short notes on twelve concepts
(Chinese, a few in Traditional script, and English) and 46 queries, each after one
concept: Simplified and Traditional Chinese, English, mixed, pinyin and misspelt. A note is
relevant when it is about the query's concept in any language, so the cross-language
notes ("hotpot" -> 火锅) count: lexical matching alone cannot reach them.

In a fresh data dir (``var/bench/search-eval/<mode>/``) the notes are published through
``notes.services.create_note`` (indexed as they are), their embeddings computed by the
feed's job code (``feed.tasks.understand_notes``, the real multilingual encoder) and the
feed snapshot built (``feed.artifacts.rebuild``: the note vectors semantic matching reads).
Each query then runs through ``search.queries.search_notes`` as an anonymous reader, once
with semantic matches and once without. Reported per query kind and overall.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from api_latency import answers, recreate_database  # noqa: E402
from search_corpus import NOTES, QUERIES  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "var" / "bench" / "search-eval"
PG_URL = "postgres://postgres@127.0.0.1:5432/vermilion_search_eval"
K = 10
KINDS = ("zh", "traditional", "pinyin", "en", "typo", "mixed")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--modes", default="sqlite,postgres")
    parser.add_argument("--pg-url", default=PG_URL, help="its database is dropped and recreated")
    parser.add_argument("--per-query", action="store_true", help="print every query's ranks")
    parser.add_argument("--json", default=str(OUT / "search_eval.json"))
    parser.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inside:
        print(json.dumps(evaluate()))
        return
    report = {}
    for mode in [m.strip() for m in args.modes.split(",") if m.strip()]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("VERMILION_")}
        data_dir = OUT / mode
        shutil.rmtree(data_dir, ignore_errors=True)
        data_dir.mkdir(parents=True)
        env.update(VERMILION_DATA_DIR=str(data_dir), VERMILION_LOG_LEVEL="WARNING")
        if mode == "postgres":
            if not answers("127.0.0.1", 5432):
                print("postgres: skipped, nothing answers on 127.0.0.1:5432")
                continue
            recreate_database(args.pg_url)
            env["VERMILION_DATABASE_URL"] = args.pg_url
        out = subprocess.run(
            [sys.executable, __file__, "--inside"],
            env=env,
            cwd=ROOT,
            check=True,
            stdout=subprocess.PIPE,
            text=True,
            timeout=1800,
        ).stdout
        report[mode] = json.loads(out.strip().splitlines()[-1])
        print_report(mode, report[mode], args.per_query)
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(report, indent=2, ensure_ascii=False))
    print(f"\nwritten: {args.json}")


# --- inside the mode's environment ------------------------------------------------------------


def evaluate() -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vermilion.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("migrate", verbosity=0)

    from vermilion.accounts.services import register
    from vermilion.feed import artifacts
    from vermilion.feed.tasks import understand_notes
    from vermilion.media.models import Media
    from vermilion.notes.services import create_note
    from vermilion.search import queries

    writer = register(username="eval_writer", password="eval-password-1")
    concept_of: dict[int, str] = {}
    for concept, notes in NOTES.items():
        for title, body in notes:
            media = Media.objects.create(
                owner=writer,
                kind="image",
                status="ready",
                width=1080,
                height=1440,
                renditions={"thumb": {"path": "eval/thumb.webp", "width": 360, "height": 480}},
            )
            note = create_note(writer, title=title, body=body, media_ids=[str(media.id)])
            concept_of[note.id] = concept
    understand_notes(list(concept_of))
    artifacts.rebuild()

    runs = {}
    for semantic in (True, False):
        rows = []
        for query, concept, kind in QUERIES:
            results = queries.search_notes(None, query, page_size=K, semantic=semantic)
            ranked = [h.note_id for h in results.hits][:K]
            relevant = {i for i, c in concept_of.items() if c == concept}
            first = next((r for r, i in enumerate(ranked, 1) if i in relevant), None)
            rows.append(
                {
                    "query": query,
                    "kind": kind,
                    "rr": 1.0 / first if first else 0.0,
                    "recall": len(relevant & set(ranked)) / len(relevant),
                    "ranks": [r for r, i in enumerate(ranked, 1) if i in relevant],
                    "wrong": sum(1 for i in ranked if i not in relevant),
                    "matches": [h.match for h in results.hits][:K],
                }
            )
        runs["with_semantic" if semantic else "without_semantic"] = rows
    return {"notes": len(concept_of), "queries": len(QUERIES), "runs": runs}


def summary(rows: list[dict]) -> dict:
    return {
        "mrr": statistics.mean(r["rr"] for r in rows),
        "recall": statistics.mean(r["recall"] for r in rows),
        "n": len(rows),
    }


def print_report(mode: str, report: dict, per_query: bool) -> None:
    print(f"\n{mode}: {report['notes']} notes, {report['queries']} queries, @{K}")
    print(f"{'queries':14}{'n':>4}{'MRR':>9}{'Recall':>9}{'MRR':>9}{'Recall':>9}")
    print(f"{'':18}{'with semantic':>18}{'without':>18}")
    runs = report["runs"]
    for kind in (*KINDS, "all"):
        picked = {
            name: [r for r in rows if kind == "all" or r["kind"] == kind]
            for name, rows in runs.items()
        }
        a, b = summary(picked["with_semantic"]), summary(picked["without_semantic"])
        print(
            f"{kind:14}{a['n']:4d}{a['mrr']:9.3f}{a['recall']:9.3f}{b['mrr']:9.3f}{b['recall']:9.3f}"
        )
    if per_query:
        for r, s in zip(runs["with_semantic"], runs["without_semantic"], strict=True):
            print(
                f"  {r['query']:14} {r['kind']:12} ranks {r['ranks']} wrong {r['wrong']}"
                f" | without: ranks {s['ranks']} | {r['matches']}"
            )


if __name__ == "__main__":
    main()
