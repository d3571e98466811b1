"""Collaborative filtering by implicit-feedback ALS (the ``implicit`` library), kept thin.

A job fits the factors and precomputes each user's top-N (``recommend_all``); the request
path reads that list and dot products for a few hundred candidates (``score``), never the
whole catalogue. A user who engaged since the last fit gets a fresh vector by ``fold_in``
(one small linear solve against the fixed item factors) instead of waiting for the next fit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from threadpoolctl import threadpool_limits

from .itemknn import block_rows


@dataclass(frozen=True)
class ALSConfig:
    """Hyper-parameters; ``alpha`` scales the matrix's weights into confidences."""

    factors: int = 64
    regularization: float = 0.05
    alpha: float = 2.0
    iterations: int = 15


@dataclass
class ALSModel:
    """Fitted user and item factors (row ``u`` / ``i`` of each) plus the config they came from."""

    user_factors: np.ndarray
    item_factors: np.ndarray
    config: ALSConfig

    @classmethod
    def fit(
        cls,
        user_items: sp.csr_matrix,
        config: ALSConfig = ALSConfig(),
        *,
        seed: int = 0,
        num_threads: int = 0,
    ) -> ALSModel:
        """Fit on a user x item matrix of interaction weights (``interactions.build_matrix``).

        BLAS is pinned to one thread while ``implicit`` runs its own threads: nested thread
        pools oversubscribe the cores and slow the fit down many times over.
        """
        from implicit.cpu.als import AlternatingLeastSquares

        with threadpool_limits(limits=1, user_api="blas"):
            model = AlternatingLeastSquares(
                factors=config.factors,
                regularization=config.regularization,
                alpha=config.alpha,
                iterations=config.iterations,
                num_threads=num_threads,
                random_state=seed,
            )
            model.fit(sp.csr_matrix(user_items, dtype=np.float32), show_progress=False)
        return cls(
            np.ascontiguousarray(model.user_factors, dtype=np.float32),
            np.ascontiguousarray(model.item_factors, dtype=np.float32),
            config,
        )

    def score(self, user_vector: np.ndarray, items: np.ndarray) -> np.ndarray:
        """Predicted preference of one user (a factor vector) for the given items."""
        return self.item_factors[np.asarray(items, dtype=np.int64)] @ user_vector

    def recommend(
        self, user: int, n: int, exclude: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """One user's top-n over the whole catalogue, best first (a job-time operation)."""
        scores = self.item_factors @ self.user_factors[user]
        if exclude is not None and len(exclude):
            scores[np.asarray(exclude, dtype=np.int64)] = -np.inf
        return _top_n(scores, n)

    def recommend_all(
        self, exclude: sp.csr_matrix | None, n: int, allowed: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Every user's top-n, ``(n_users, n)`` items and scores, skipping each row's nonzeros
        of ``exclude`` (usually the training matrix); rows run out into item -1 when fewer
        than n remain. ``allowed`` (boolean per item) keeps items whose factors mean nothing,
        such as notes nobody engaged with yet, out of every list. This is what a job stores
        per user."""
        n_users = self.user_factors.shape[0]
        n = min(n, self.item_factors.shape[0])
        items = np.empty((n_users, n), np.int64)
        scores = np.empty((n_users, n), np.float32)
        step = block_rows(self.item_factors.shape[0])  # bounded memory, any catalogue
        for start in range(0, n_users, step):
            stop = min(start + step, n_users)
            block = self.user_factors[start:stop] @ self.item_factors.T
            if allowed is not None:
                block[:, ~np.asarray(allowed, bool)] = -np.inf
            if exclude is not None:
                seen = exclude[start:stop].tocoo()
                block[seen.row, seen.col] = -np.inf
            part = np.argpartition(-block, n - 1, axis=1)[:, :n]
            vals = np.take_along_axis(block, part, axis=1)
            order = np.lexsort((part, -vals), axis=1)
            block_items = np.take_along_axis(part, order, axis=1)
            block_scores = np.take_along_axis(vals, order, axis=1)
            # A user who has seen nearly everything has fewer than n left: pad, don't leak.
            missing = ~np.isfinite(block_scores)
            block_items[missing], block_scores[missing] = -1, 0.0
            items[start:stop], scores[start:stop] = block_items, block_scores
        return items, scores

    def fold_in(self, items: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """A user vector for this history against fixed item factors.

        Solves the same normal equations ``implicit`` solves for a user during a fit
        (confidence ``alpha * weight``), so a folded-in user is scored like a fitted one.
        """
        y = self.item_factors[np.asarray(items, dtype=np.int64)].astype(np.float64)
        conf = self.config.alpha * np.asarray(weights, dtype=np.float64)
        f = self.item_factors.shape[1]
        yty = self.item_factors.T.astype(np.float64) @ self.item_factors
        a = yty + self.config.regularization * np.eye(f) + (y.T * (conf - 1.0)) @ y
        b = y.T @ conf
        return np.linalg.solve(a, b).astype(np.float32)


def _top_n(scores: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices and values of the n largest finite scores, best first (ties: lower index)."""
    finite = np.flatnonzero(np.isfinite(scores))
    n = min(n, len(finite))
    if n == 0:
        return np.empty(0, np.int64), np.empty(0, np.float32)
    vals = scores[finite]
    part = np.argpartition(-vals, n - 1)[:n]
    order = np.lexsort((finite[part], -vals[part]))
    chosen = part[order]
    return finite[chosen].astype(np.int64), vals[chosen].astype(np.float32)
