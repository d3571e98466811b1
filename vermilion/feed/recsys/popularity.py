"""What is popular now: engagement counts that fade with a half-life.

A job recomputes the per-item trending scores every few minutes and stores them with the
top of the list; requests read both by key. ``TrendingTimeline`` replays the same scores as
of any past moment, which offline evaluation needs to ask "what was trending when this user
was active" without looking at later events.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def decayed_counts(
    items: np.ndarray,
    ts: np.ndarray,
    *,
    n_items: int,
    now: float,
    half_life_seconds: float,
    weights: np.ndarray | None = None,
) -> np.ndarray:
    """Per-item sum of ``weight * 0.5 ** (age / half_life)`` over events at or before ``now``."""
    items = np.asarray(items, dtype=np.int64)
    ts = np.asarray(ts, dtype=np.float64)
    w = np.ones(len(items)) if weights is None else np.asarray(weights, dtype=np.float64)
    past = ts <= now
    decay = np.power(0.5, (now - ts[past]) / half_life_seconds)
    return np.bincount(items[past], weights=w[past] * decay, minlength=n_items).astype(np.float32)


def top_items(
    scores: np.ndarray, n: int, exclude: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """The n highest-scoring items with positive scores, best first (ties: lower index)."""
    scores = np.asarray(scores, dtype=np.float32).copy()
    if exclude is not None and len(exclude):
        scores[np.asarray(exclude, dtype=np.int64)] = 0.0
    positive = np.flatnonzero(scores > 0)
    order = np.lexsort((positive, -scores[positive]))[:n]
    chosen = positive[order]
    return chosen.astype(np.int64), scores[chosen]


@dataclass(frozen=True)
class TrendingTimeline:
    """Decayed counts at the end of each time bucket, to answer "trending as of t" offline.

    ``at(t)`` uses only events from buckets that ended by ``t`` (decayed to ``t``), so a
    replay never sees the future. Memory is ``n_buckets * n_items`` floats.
    """

    start: float
    bucket_seconds: float
    half_life_seconds: float
    snapshots: np.ndarray  # (n_buckets, n_items): decayed counts at each bucket's end

    @classmethod
    def build(
        cls,
        items: np.ndarray,
        ts: np.ndarray,
        *,
        n_items: int,
        bucket_seconds: float,
        half_life_seconds: float,
        weights: np.ndarray | None = None,
    ) -> TrendingTimeline:
        items = np.asarray(items, dtype=np.int64)
        ts = np.asarray(ts, dtype=np.float64)
        w = np.ones(len(items)) if weights is None else np.asarray(weights, dtype=np.float64)
        start = float(ts.min()) if len(ts) else 0.0
        bucket = ((ts - start) // bucket_seconds).astype(np.int64)
        n_buckets = int(bucket.max()) + 1 if len(ts) else 1
        bucket_end = start + (bucket + 1) * bucket_seconds
        # Each event decayed to the end of its own bucket, then carried forward bucket by
        # bucket with one multiplication: O(events + buckets * items).
        w = w * np.power(0.5, (bucket_end - ts) / half_life_seconds)
        counts = np.zeros((n_buckets, n_items), np.float64)
        np.add.at(counts, (bucket, items), w)
        step = 0.5 ** (bucket_seconds / half_life_seconds)
        for b in range(1, n_buckets):
            counts[b] += counts[b - 1] * step
        return cls(start, bucket_seconds, half_life_seconds, counts.astype(np.float32))

    def at(self, t: float) -> np.ndarray:
        """Trending scores as of ``t`` from the buckets completed by then."""
        done = int((t - self.start) // self.bucket_seconds)  # buckets fully before t
        if done <= 0:
            return np.zeros(self.snapshots.shape[1], np.float32)
        done = min(done, self.snapshots.shape[0])
        end = self.start + done * self.bucket_seconds
        return self.snapshots[done - 1] * np.float32(0.5 ** ((t - end) / self.half_life_seconds))
