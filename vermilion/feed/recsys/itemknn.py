"""Item-to-item neighbour lists: "people who engaged with this also engaged with..."

A job computes, for every item, its top-K most similar items, and stores them as two
``(n_items, K)`` arrays (or per-item rows). At request time the feed reads the lists of the
user's recent items by key and adds them up: no scan over the catalogue or the event log.

Two kinds of similarity share one structure (``NeighbourIndex``):

* co-engagement cosine with shrinkage (``cosine_neighbours``): items engaged with by the same
  people; the shrinkage term keeps pairs seen together only once or twice from looking
  perfectly similar;
* embedding cosine (``embedding_neighbours``): items whose vectors are close (content
  embeddings, or matrix-factorisation item factors), which also reach items too new to have
  co-engagement.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

#: Floats of the item x item product held at once (128 MB): the job's memory stays bounded
#: whatever the catalogue size; a bigger catalogue just takes more, thinner blocks.
BLOCK_FLOATS = 32_000_000


def block_rows(n_cols: int) -> int:
    """How many rows of an ``n_cols``-wide dense product fit in ``BLOCK_FLOATS``."""
    return max(1, min(4096, BLOCK_FLOATS // max(1, n_cols)))


@dataclass(frozen=True)
class NeighbourIndex:
    """Top-K neighbours per item: ``neighbours[i]`` (padded with -1) and their ``scores``."""

    neighbours: np.ndarray  # (n_items, k) int32, most similar first, -1 = no neighbour
    scores: np.ndarray  # (n_items, k) float32, 0 where neighbours is -1

    @property
    def n_items(self) -> int:
        return int(self.neighbours.shape[0])

    def of(self, item: int) -> tuple[np.ndarray, np.ndarray]:
        """One item's neighbours and similarities (what a key-value store would return)."""
        row = self.neighbours[item]
        keep = row >= 0
        return row[keep].astype(np.int64), self.scores[item][keep]

    def score_history(
        self, items: np.ndarray, weights: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Candidates reached from ``items``: each scored by the weighted sum of similarities.

        Reads only the given items' lists, so the cost is ``len(items) * K``.
        Returns ``(candidate_items, scores)`` with candidates unique, in no particular order.
        """
        items = np.asarray(items, dtype=np.int64)
        if len(items) == 0:
            return np.empty(0, np.int64), np.empty(0, np.float32)
        w = np.ones(len(items), np.float32) if weights is None else np.asarray(weights, np.float32)
        nbrs = self.neighbours[items]
        sims = self.scores[items] * w[:, None]
        keep = nbrs >= 0
        flat_items, flat_scores = nbrs[keep], sims[keep]
        unique, inverse = np.unique(flat_items, return_inverse=True)
        return unique.astype(np.int64), np.bincount(inverse, weights=flat_scores).astype(np.float32)

    def to_csr(self) -> sp.csr_matrix:
        """The lists as a sparse item x item matrix (row i = neighbours of i), for batch scoring
        ``user_items @ to_csr()`` in offline jobs."""
        n, k = self.neighbours.shape
        rows = np.repeat(np.arange(n), k)
        cols = self.neighbours.ravel()
        vals = self.scores.ravel()
        keep = cols >= 0
        return sp.csr_matrix((vals[keep], (rows[keep], cols[keep])), shape=(n, n))

    def to_lists(self) -> dict[int, list[tuple[int, float]]]:
        """``{item: [(neighbour, similarity), ...]}``, the shape a job writes to a store."""
        out: dict[int, list[tuple[int, float]]] = {}
        for i in range(self.n_items):
            nbrs, sims = self.of(i)
            out[i] = [(int(j), float(s)) for j, s in zip(nbrs, sims, strict=True)]
        return out


def _top_k_rows(block: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Top-k columns of each row by value (ties by lower column), as padded arrays."""
    n_rows, n_cols = block.shape
    k_eff = min(k, n_cols)
    out_idx = np.full((n_rows, k), -1, np.int32)
    out_val = np.zeros((n_rows, k), np.float32)
    if k_eff == 0:
        return out_idx, out_val
    part = np.argpartition(-block, k_eff - 1, axis=1)[:, :k_eff]
    vals = np.take_along_axis(block, part, axis=1)
    order = np.lexsort((part, -vals), axis=1)
    idx = np.take_along_axis(part, order, axis=1)
    vals = np.take_along_axis(vals, order, axis=1)
    positive = vals > 0
    out_idx[:, :k_eff] = np.where(positive, idx, -1)
    out_val[:, :k_eff] = np.where(positive, vals, 0.0)
    return out_idx, out_val


#: A block of the co-engagement product with more nonzeros than this share is ranked as
#: dense rows (fast for small dense catalogues like MovieLens); sparser ones (a social
#: catalogue, where each note is co-engaged with a few hundred others) by their nonzeros
#: only, at a cost that follows the co-engaged pairs instead of ``n_items ** 2``.
DENSE_SHARE = 0.05


def _sparse_top_k(
    co: sp.coo_matrix,
    start: int,
    norms: np.ndarray,
    shrink: float,
    k: int,
    neighbours: np.ndarray,
    scores: np.ndarray,
) -> None:
    """``_top_k_rows`` for a sparse block (rows ``start``...): the same similarities and
    order (most similar first, ties by lower item), written into the output arrays."""
    rows, cols = co.row.astype(np.int64), co.col.astype(np.int64)
    denom = norms[start + rows] * norms[cols] + np.float32(shrink)
    sim = np.divide(
        co.data.astype(np.float32), denom, out=np.zeros(len(rows), np.float32), where=denom > 0
    )
    keep = (cols != start + rows) & (sim > 0)
    rows, cols, sim = rows[keep], cols[keep], sim[keep]
    order = np.lexsort((cols, -sim, rows))
    rows, cols, sim = rows[order], cols[order], sim[order]
    rank = np.arange(len(rows)) - np.searchsorted(rows, rows, side="left")
    top = rank < k
    neighbours[start + rows[top], rank[top]] = cols[top]
    scores[start + rows[top], rank[top]] = sim[top]


def cosine_neighbours(
    user_items: sp.csr_matrix, *, k: int = 100, shrink: float = 10.0, binary: bool = True
) -> NeighbourIndex:
    """Co-engagement cosine neighbours: ``c_ij / (sqrt(n_i) * sqrt(n_j) + shrink)``.

    ``c_ij`` counts users who engaged with both items (or sums weight products when
    ``binary`` is False). An item is never its own neighbour. Items with no engagement get
    no neighbours.
    """
    x = sp.csr_matrix(user_items, dtype=np.float32)
    if binary:
        x.data[:] = 1.0
    xt = x.T.tocsr()
    norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=0)).ravel()).astype(np.float32)
    n_items = x.shape[1]
    neighbours = np.full((n_items, k), -1, np.int32)
    scores = np.zeros((n_items, k), np.float32)
    step = block_rows(n_items)
    for start in range(0, n_items, step):
        stop = min(start + step, n_items)
        co = xt[start:stop] @ x
        if co.nnz > DENSE_SHARE * (stop - start) * n_items:
            dense = co.toarray()
            denom = norms[start:stop, None] * norms[None, :] + shrink
            sim = np.divide(dense, denom, out=np.zeros_like(dense), where=denom > 0)
            sim[np.arange(stop - start), np.arange(start, stop)] = 0.0
            neighbours[start:stop], scores[start:stop] = _top_k_rows(sim, k)
        else:
            _sparse_top_k(co.tocoo(), start, norms, shrink, k, neighbours, scores)
    return NeighbourIndex(neighbours, scores)


def embedding_neighbours(
    embeddings: np.ndarray,
    *,
    k: int = 50,
    valid: np.ndarray | None = None,
    rows: np.ndarray | None = None,
) -> NeighbourIndex:
    """Cosine neighbours between item vectors; only positive similarities are kept.

    ``valid`` (boolean per item) excludes items whose vectors mean nothing (e.g. factors of
    items nobody engaged with) both as sources and as neighbours. ``rows`` (item indices)
    limits the work to those items' lists, the others staying empty: a job over a large
    catalogue computes lists only for the items whose lists requests read (recently
    engaged-with notes), at ``len(rows) * n_items`` instead of ``n_items ** 2``.
    """
    e = np.asarray(embeddings, dtype=np.float32)
    norms = np.linalg.norm(e, axis=1)
    ok = norms > 0 if valid is None else (norms > 0) & np.asarray(valid, bool)
    unit = np.divide(e, norms[:, None], out=np.zeros_like(e), where=ok[:, None])
    n_items = e.shape[0]
    neighbours = np.full((n_items, k), -1, np.int32)
    scores = np.zeros((n_items, k), np.float32)
    todo = np.arange(n_items) if rows is None else np.unique(np.asarray(rows, np.int64))
    step = block_rows(n_items)
    for start in range(0, len(todo), step):
        block = todo[start : start + step]
        sim = unit[block] @ unit.T
        sim[:, ~ok] = 0.0
        sim[np.arange(len(block)), block] = 0.0
        neighbours[block], scores[block] = _top_k_rows(sim, k)
    return NeighbourIndex(neighbours, scores)
