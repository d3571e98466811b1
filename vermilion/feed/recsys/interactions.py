"""From logged engagement events to the matrices and histories the recommenders learn from.

Events arrive as parallel arrays ``(user, item, weight, ts)`` with dense integer indices
(``IdMap`` turns database ids into those). Stronger signals weigh more (a collect says more
than a like, a long dwell less) and old events fade with a half-life, so the matrix reflects
what people care about now.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

#: How much each kind of engagement says about interest. Hides are not positive evidence:
#: they weigh nothing here and are learned by the ranker's ``hide`` head instead.
DEFAULT_SIGNAL_WEIGHTS: Mapping[str, float] = {
    "impression": 0.0,
    "long_dwell": 1.0,
    "like": 2.0,
    "comment": 3.0,
    "collect": 4.0,
    "share": 4.0,
    "hide": 0.0,
}

SECONDS_PER_DAY = 86_400


@dataclass
class IdMap:
    """A stable two-way map between external ids (database keys) and dense indices 0..n-1.

    The matrices are indexed densely; the platform stores results under its own ids.
    """

    ids: list[Hashable] = field(default_factory=list)
    index: dict[Hashable, int] = field(default_factory=dict)

    @classmethod
    def from_ids(cls, ids: Iterable[Hashable]) -> IdMap:
        """Index ids in first-seen order, ignoring repeats."""
        out = cls()
        for value in ids:
            out.add(value)
        return out

    def add(self, value: Hashable) -> int:
        """The index of ``value``, assigning the next one if it is new."""
        found = self.index.get(value)
        if found is None:
            found = len(self.ids)
            self.index[value] = found
            self.ids.append(value)
        return found

    def encode(self, values: Iterable[Hashable]) -> np.ndarray:
        """Indices of known values (KeyError for unknown ones: a bug upstream)."""
        return np.fromiter((self.index[v] for v in values), dtype=np.int64)

    def decode(self, indices: Iterable[int]) -> list[Hashable]:
        return [self.ids[int(i)] for i in indices]

    def __len__(self) -> int:
        return len(self.ids)


def signal_weights(
    kinds: Sequence[str], table: Mapping[str, float] = DEFAULT_SIGNAL_WEIGHTS
) -> np.ndarray:
    """The weight of each event from its kind; unknown kinds are an error, not a silent 0."""
    try:
        return np.array([table[k] for k in kinds], dtype=np.float32)
    except KeyError as exc:
        raise ValueError(f"unknown signal kind {exc.args[0]!r}") from None


def time_decay(ts: np.ndarray, *, now: float, half_life_seconds: float) -> np.ndarray:
    """``0.5 ** (age / half_life)``; events from the future (clock skew) count as new."""
    age = np.maximum(0.0, now - np.asarray(ts, dtype=np.float64))
    return np.power(0.5, age / half_life_seconds).astype(np.float32)


def build_matrix(
    users: np.ndarray,
    items: np.ndarray,
    weights: np.ndarray | None = None,
    ts: np.ndarray | None = None,
    *,
    n_users: int,
    n_items: int,
    now: float | None = None,
    half_life_seconds: float | None = None,
) -> sp.csr_matrix:
    """A user x item CSR matrix of summed (optionally time-decayed) event weights.

    Repeated events on the same pair add up (liking and collecting a note is stronger than
    either). Zero-weight events (impressions, hides) leave no entry. Decay needs ``ts``,
    ``now`` and ``half_life_seconds`` together.
    """
    users = np.asarray(users, dtype=np.int64)
    items = np.asarray(items, dtype=np.int64)
    if users.shape != items.shape:
        raise ValueError("users and items must have the same length")
    w = (
        np.ones(len(users), dtype=np.float32)
        if weights is None
        else np.asarray(weights, dtype=np.float32)
    )
    if half_life_seconds is not None:
        if ts is None or now is None:
            raise ValueError("time decay needs ts and now")
        w = w * time_decay(ts, now=now, half_life_seconds=half_life_seconds)
    keep = w > 0
    matrix = sp.csr_matrix(
        (w[keep], (users[keep], items[keep])), shape=(n_users, n_items), dtype=np.float32
    )
    matrix.sum_duplicates()
    matrix.sort_indices()
    return matrix


@dataclass(frozen=True)
class History:
    """One user's engaged items, oldest first (the most recent ones drive "more like this")."""

    items: np.ndarray
    weights: np.ndarray
    ts: np.ndarray

    def recent(self, n: int) -> History:
        """The last ``n`` engagements."""
        return History(self.items[-n:], self.weights[-n:], self.ts[-n:])

    @property
    def last_ts(self) -> float:
        return float(self.ts[-1]) if len(self.ts) else 0.0


def histories(
    users: np.ndarray,
    items: np.ndarray,
    ts: np.ndarray,
    weights: np.ndarray | None = None,
    *,
    n_users: int,
) -> list[History]:
    """Every user's time-ordered history (ties broken by item index, for determinism)."""
    users = np.asarray(users, dtype=np.int64)
    items = np.asarray(items, dtype=np.int64)
    ts = np.asarray(ts, dtype=np.float64)
    w = np.ones(len(users), np.float32) if weights is None else np.asarray(weights, np.float32)
    order = np.lexsort((items, ts, users))
    users, items, ts, w = users[order], items[order], ts[order], w[order]
    bounds = np.searchsorted(users, np.arange(n_users + 1))
    return [
        History(items[a:b], w[a:b], ts[a:b]) for a, b in zip(bounds[:-1], bounds[1:], strict=True)
    ]
