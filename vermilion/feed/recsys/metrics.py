"""Offline ranking measures, averaged over users who have something to find.

Definitions (binary relevance, ``hits`` = recommended items in the user's test set):

* Recall@K = hits in the top K / number of test items;
* NDCG@K = sum over hits of 1/log2(position + 1), divided by the same sum for a perfect
  list (``min(K, number of test items)`` hits at the top);
* HR@K = 1 if any of the top K is a test item, else 0;
* catalogue coverage = distinct items recommended to anyone in a top K / catalogue size.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import numpy as np


def _discounts(k: int) -> np.ndarray:
    return 1.0 / np.log2(np.arange(2, k + 2))


def user_metrics(recommended: Sequence[int], relevant: Collection[int], k: int) -> dict:
    """Recall, NDCG and hit for one user's ranked list (only the first k count)."""
    if not relevant:
        raise ValueError("a user without relevant items has no recall")
    top = list(recommended)[:k]
    rel = set(relevant)
    gains = np.array([1.0 if item in rel else 0.0 for item in top])
    hits = float(gains.sum())
    disc = _discounts(k)
    dcg = float(gains @ disc[: len(gains)])
    idcg = float(disc[: min(k, len(rel))].sum())
    return {"recall": hits / len(rel), "ndcg": dcg / idcg, "hr": float(hits > 0)}


def catalogue_coverage(recommendations: Sequence[Sequence[int]], n_items: int, k: int) -> float:
    """Share of the catalogue that appears in at least one user's top k."""
    seen: set[int] = set()
    for recs in recommendations:
        seen.update(int(i) for i in list(recs)[:k])
    return len(seen) / n_items


def evaluate(
    recommendations: Sequence[Sequence[int]],
    relevant: Sequence[Collection[int]],
    *,
    n_items: int,
    k: int = 10,
) -> dict[str, float]:
    """Mean Recall@k, NDCG@k, HR@k over users with relevant items, and coverage@k.

    ``recommendations[u]`` and ``relevant[u]`` are user u's ranked list and test set.
    """
    if len(recommendations) != len(relevant):
        raise ValueError("one ranked list per user is needed")
    per_user = [
        user_metrics(recs, rel, k)
        for recs, rel in zip(recommendations, relevant, strict=True)
        if rel
    ]
    if not per_user:
        raise ValueError("no user has relevant items")
    out = {m: float(np.mean([u[m] for u in per_user])) for m in ("recall", "ndcg", "hr")}
    out["coverage"] = catalogue_coverage(recommendations, n_items, k)
    return out
