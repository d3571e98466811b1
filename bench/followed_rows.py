"""Followed creators' newest notes (``discover.followed_rows``) by number of followees.

    .venv/bin/python bench/feed_latency.py --configs ""     # the data set, once (or --reuse)
    .venv/bin/python bench/followed_rows.py                 # SQLite and PostgreSQL

On the data set ``feed_latency.py`` leaves in var/bench/feed-<mode>/ (1M notes by
default), for 20, 50, 150 and 300 authors drawn at random (``--seed``) among those with
notes: the median time of ``followed_rows(authors, 10, 100)``, as the feed calls it, and
of the same read written as one UNION ALL with a walk of the author index per author (the
form it had before, kept here as the baseline), which must return the same rows. Each
draw is timed ``--reps`` times, alternating the two; the data set is read into memory
and held in memory (as ``feed_latency.py`` does). Results go to var/bench/followed_rows.json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from feed_latency import (  # noqa: E402
    child_result,
    data_set_arguments,
    data_sets,
    mode_env,
    write_json,
)

SIZES = (20, 50, 150, 300)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    data_set_arguments(parser, "followed_rows.json")
    parser.add_argument("--draws", type=int, default=10, help="author sets per size")
    parser.add_argument("--reps", type=int, default=5, help="timings of each set")
    args = parser.parse_args()
    if args.child:
        measure(args)
        return
    out = {}
    for mode, data_dir in data_sets(args):
        command = [sys.executable, __file__, "--child", "--seed", str(args.seed)]
        command += ["--draws", str(args.draws), "--reps", str(args.reps)]
        out[mode] = child_result(mode, args, data_dir, command, mode_env(mode, args, data_dir))
        print(f"{'authors':>8} {'followed_rows ms':>17} {'UNION ALL ms':>13} {'ratio':>6}")
        for n, row in out[mode].items():
            print(
                f"{n:>8} {row['followed_rows_ms']:>17.2f} {row['union_all_ms']:>13.2f} "
                f"{row['ratio']:>6.2f}"
            )
    write_json(args.json, out)


def measure(args) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vermilion.settings")
    import django

    django.setup()
    from vermilion.feed.discover import followed_rows
    from vermilion.notes.models import Note

    rng = random.Random(args.seed)
    # Authors with notes, every 500th note's, in id order: the same list every run.
    authors = list(
        dict.fromkeys(Note.objects.order_by("id").values_list("author_id", flat=True)[::500])
    )
    out = {}
    for n in SIZES:
        new, old = [], []
        for _ in range(args.draws):
            chosen = rng.sample(authors, min(n, len(authors)))
            if followed_rows(chosen, 10, 100) != union_all_rows(chosen, 10, 100):
                raise SystemExit(f"different rows for {n} authors")
            for _ in range(args.reps):
                for fn, times in ((followed_rows, new), (union_all_rows, old)):
                    started = time.perf_counter()
                    fn(chosen, 10, 100)
                    times.append((time.perf_counter() - started) * 1000)
        a, b = statistics.median(new), statistics.median(old)
        out[n] = {"followed_rows_ms": round(a, 3), "union_all_ms": round(b, 3)}
        out[n]["ratio"] = round(a / b, 3)
    print(json.dumps(out))


def union_all_rows(authors: list[int], per_author: int, limit: int):
    """The baseline: ``followed_rows`` as one UNION ALL of a walk per author, joined to
    the notes' authors and features before the newest ``limit`` are kept."""
    from django.db import connection

    from vermilion.accounts.models import User
    from vermilion.core import sql
    from vermilion.feed.discover import live_rows_of
    from vermilion.feed.models import NoteFeatures
    from vermilion.notes.models import Note, Visibility

    notes = sql.table(Note)
    one = (
        f"SELECT id FROM (SELECT id FROM {notes} WHERE author_id = %s AND visibility <> %s "
        "AND visibility <> %s ORDER BY id DESC LIMIT %s) AS t"
    )
    hidden = (Visibility.PRIVATE.value, Visibility.FOLLOWERS.value)
    statement = (
        "SELECT n.id, n.author_id, n.created_at, n.likes_count, n.collects_count, "
        "n.comments_count, f.topics, CASE WHEN f.computed_at >= n.updated_at THEN 1 ELSE 0 END "
        f"FROM ({' UNION ALL '.join([one] * len(authors))}) AS ids "
        f"JOIN {notes} n ON n.id = ids.id "
        f"JOIN {sql.table(User)} u ON u.id = n.author_id AND u.is_active = %s "
        f"LEFT JOIN {sql.table(NoteFeatures)} f ON f.note_id = n.id "
        "ORDER BY n.id DESC LIMIT %s"
    )
    params = [p for a in authors for p in (int(a), *hidden, int(per_author))]
    with connection.cursor() as cursor:
        cursor.execute(statement, [*params, True, int(limit)])
        return live_rows_of(cursor.fetchall())


if __name__ == "__main__":
    main()
