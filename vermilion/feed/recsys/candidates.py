"""Candidate generation: a few hundred notes per request, from several sources, tagged.

Every source reads structures that jobs precomputed (``CandidateIndex``) by key: neighbour
lists of the user's recent items, the user's stored ALS top-N, the trending list, interest
pools, followed authors' recent notes. Each source is capped (``SourceLimits``) so that no
single one crowds out the rest, and every candidate keeps the score and rank it had in each
source that proposed it: the ranker learns how far to trust each source.

Fresh notes that still need exposure are not a source here: ``exploration`` gives them a
bounded share of slots after ranking, so they are not judged by signals they cannot have yet.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from .interactions import History
from .itemknn import NeighbourIndex

#: Every source, in a fixed order (the ranker's features are laid out by it).
SOURCES: tuple[str, ...] = ("followed", "pool", "knn", "embedding", "als", "trending")


@dataclass(frozen=True)
class SourceLimits:
    """How many candidates each source may add, and how the recent history is weighed."""

    followed: int = 100
    pool: int = 100
    knn: int = 200
    embedding: int = 100
    als: int = 200
    trending: int = 100
    #: Recent engagements whose neighbour lists are read ("more like what you just liked").
    recent_items: int = 50
    #: Engagements back at which an item's neighbours count half as much as the newest's.
    recency_half_life_items: float = 25.0

    def of(self, source: str) -> int:
        return int(getattr(self, source))


@dataclass
class CandidateIndex:
    """The precomputed structures candidate generation reads; any of them may be absent."""

    knn: NeighbourIndex | None = None
    embedding: NeighbourIndex | None = None
    #: Trending items best first, with their scores.
    trending_items: np.ndarray | None = None
    trending_scores: np.ndarray | None = None
    #: Topic -> that topic's best items, best first (an "interest pool").
    pools: Mapping[int, np.ndarray] = field(default_factory=dict)
    #: Author -> their recent items, newest first.
    author_items: Mapping[int, np.ndarray] = field(default_factory=dict)


@dataclass
class UserRequest:
    """What is known about the user at request time (each part read by key)."""

    history: History
    #: The user's stored ALS top-N (items best first, and scores), if a job computed one.
    als_items: np.ndarray | None = None
    als_scores: np.ndarray | None = None
    #: Interest weights by topic (declared interests and engagement), any scale.
    topic_weights: Mapping[int, float] = field(default_factory=dict)
    followed_authors: Sequence[int] = ()
    #: Items never to propose besides the history's: hidden, or shown recently.
    exclude: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))


@dataclass
class CandidateSet:
    """Unique candidate items with, per source, a score (0 if absent) and a rank (-1 if absent)."""

    items: np.ndarray
    scores: dict[str, np.ndarray]
    ranks: dict[str, np.ndarray]

    def __len__(self) -> int:
        return len(self.items)

    def sources_of(self, position: int) -> list[str]:
        """The sources that proposed the candidate at ``position``."""
        return [s for s in SOURCES if self.ranks[s][position] >= 0]

    def subset(self, keep: np.ndarray) -> CandidateSet:
        """The candidates where ``keep`` (boolean per candidate) holds, with their tags.

        The platform drops candidates the precomputed structures cannot know about (hidden
        authors or topics, another channel's notes) after gathering."""
        keep = np.asarray(keep, bool)
        return CandidateSet(
            self.items[keep],
            {s: v[keep] for s, v in self.scores.items()},
            {s: v[keep] for s, v in self.ranks.items()},
        )


def merge(*sets: CandidateSet) -> CandidateSet:
    """One candidate set from several over the same item ids (e.g. the snapshot's sources
    and followed creators' notes read live): per source, the best score and rank any set
    gave an item."""
    items = np.unique(np.concatenate([c.items for c in sets] + [np.empty(0, np.int64)]))
    scores = {s: np.zeros(len(items), np.float32) for s in SOURCES}
    ranks = {s: np.full(len(items), -1, np.int32) for s in SOURCES}
    for c in sets:
        pos = np.searchsorted(items, c.items)
        for s in SOURCES:
            np.maximum.at(scores[s], pos, c.scores[s])
            r = c.ranks[s]
            hit = r >= 0
            current = ranks[s][pos[hit]]
            ranks[s][pos[hit]] = np.where(current >= 0, np.minimum(current, r[hit]), r[hit])
    return CandidateSet(items.astype(np.int64), scores, ranks)


def _best(items: np.ndarray, scores: np.ndarray, limit: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``limit`` best by score, best first (ties: lower item), dropping scores <= 0."""
    keep = scores > 0
    items, scores = items[keep], scores[keep]
    order = np.lexsort((items, -scores))[:limit]
    return items[order], scores[order]


def recency_weights(history: History, limits: SourceLimits) -> History:
    """The recent part of the history, each engagement's weight halved every
    ``recency_half_life_items`` engagements back, so the feed follows a shift in interest."""
    recent = history.recent(limits.recent_items)
    age = np.arange(len(recent.items))[::-1]
    decay = np.power(0.5, age / limits.recency_half_life_items).astype(np.float32)
    return History(recent.items, recent.weights * decay, recent.ts)


def _from_source(
    source: str, request: UserRequest, index: CandidateIndex, recent: History
) -> tuple[np.ndarray, np.ndarray]:
    """One source's proposals for this user, unfiltered, with source-specific scores."""
    empty = (np.empty(0, np.int64), np.empty(0, np.float32))
    if source in ("knn", "embedding"):
        nbrs = index.knn if source == "knn" else index.embedding
        if nbrs is None or len(recent.items) == 0:
            return empty
        return nbrs.score_history(recent.items, recent.weights)
    if source == "als":
        if request.als_items is None:
            return empty
        scores = request.als_scores
        if scores is None:  # rank order is all we know
            scores = 1.0 / (1.0 + np.arange(len(request.als_items), dtype=np.float32))
        items = np.asarray(request.als_items, np.int64)
        keep = items >= 0  # -1 pads a short list
        items, scores = items[keep], np.asarray(scores, np.float32)[keep]
        # Shifted so every stored item scores above zero: ALS scores may be negative.
        shifted = scores - scores.min() + 1e-3 if len(scores) else scores
        return items, shifted.astype(np.float32)
    if source == "trending":
        if index.trending_items is None:
            return empty
        scores = index.trending_scores
        if scores is None:
            scores = 1.0 / (1.0 + np.arange(len(index.trending_items), dtype=np.float32))
        return np.asarray(index.trending_items, np.int64), np.asarray(scores, np.float32)
    if source == "pool":
        return _pool_candidates(request.topic_weights, index.pools)
    if source == "followed":
        return _followed_candidates(request.followed_authors, index.author_items)
    raise ValueError(f"unknown source {source!r}")


def _pool_candidates(
    topic_weights: Mapping[int, float], pools: Mapping[int, np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """Items of the user's topics: score = topic weight share * a rank discount in the pool,
    so a strong interest's top items come before a weak interest's."""
    total = sum(w for t, w in topic_weights.items() if w > 0 and t in pools)
    parts_i, parts_s = [], []
    for topic, weight in topic_weights.items():
        pool = pools.get(topic)
        if weight <= 0 or pool is None or len(pool) == 0:
            continue
        discount = 1.0 / np.log2(np.arange(len(pool), dtype=np.float32) + 2.0)
        parts_i.append(np.asarray(pool, np.int64))
        parts_s.append((weight / total) * discount)
    if not parts_i:
        return np.empty(0, np.int64), np.empty(0, np.float32)
    items = np.concatenate(parts_i)
    unique, inverse = np.unique(items, return_inverse=True)
    return unique, np.bincount(inverse, weights=np.concatenate(parts_s)).astype(np.float32)


def _followed_candidates(
    authors: Sequence[int], author_items: Mapping[int, np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """Followed authors' recent items, interleaved by recency rank so that one prolific
    author does not fill the source."""
    parts_i, parts_s = [], []
    for author in authors:
        recent = author_items.get(author)
        if recent is None or len(recent) == 0:
            continue
        parts_i.append(np.asarray(recent, np.int64))
        parts_s.append(1.0 / (1.0 + np.arange(len(recent), dtype=np.float32)))
    if not parts_i:
        return np.empty(0, np.int64), np.empty(0, np.float32)
    items = np.concatenate(parts_i)
    unique, inverse = np.unique(items, return_inverse=True)
    scores = np.zeros(len(unique), np.float32)
    np.maximum.at(scores, inverse, np.concatenate(parts_s))
    return unique, scores


def gather(
    request: UserRequest,
    index: CandidateIndex,
    limits: SourceLimits = SourceLimits(),
    sources: Sequence[str] = SOURCES,
) -> CandidateSet:
    """Up to ``limits.of(source)`` candidates from each source, merged and tagged; items in
    the history or ``request.exclude`` are never proposed."""
    exclude = np.union1d(np.asarray(request.exclude, np.int64), request.history.items)
    recent = recency_weights(request.history, limits)
    chosen: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for source in sources:
        items, scores = _from_source(source, request, index, recent)
        unseen = ~np.isin(items, exclude)
        chosen[source] = _best(items[unseen], scores[unseen], limits.of(source))
    all_items = np.unique(np.concatenate([v[0] for v in chosen.values()] + [np.empty(0, np.int64)]))
    scores_out: dict[str, np.ndarray] = {}
    ranks_out: dict[str, np.ndarray] = {}
    for source in SOURCES:
        s = np.zeros(len(all_items), np.float32)
        r = np.full(len(all_items), -1, np.int32)
        if source in chosen:
            items, scores = chosen[source]
            pos = np.searchsorted(all_items, items)
            s[pos] = scores
            r[pos] = np.arange(len(items), dtype=np.int32)
        scores_out[source], ranks_out[source] = s, r
    return CandidateSet(all_items, scores_out, ranks_out)
