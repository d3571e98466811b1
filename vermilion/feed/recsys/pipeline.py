"""The whole discover pipeline wired together: what a job builds, what a request reads.

``build_snapshot`` is the periodic job: from the event log it fits every precomputed
structure (neighbour lists, ALS factors and per-user top-N, popularity, trending, interest
pools, item statistics). ``recommend`` is the request: it reads the snapshot by key for one
user, gathers candidates, ranks them and applies the feed's rules. ``replay_examples``
builds the ranker's training rows by replaying requests at a cutoff and labelling what the
user engaged with afterwards; the platform does the same from logged impressions.

The offline benchmark calls exactly these functions, so its numbers describe this code.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from .als import ALSConfig, ALSModel
from .candidates import (
    CandidateIndex,
    CandidateSet,
    SourceLimits,
    UserRequest,
    gather,
    recency_weights,
)
from .exploration import insert_exploration, thompson_pick
from .interactions import History, build_matrix
from .itemknn import cosine_neighbours, embedding_neighbours
from .popularity import TrendingTimeline, decayed_counts, top_items
from .ranker import (
    FEATURES,
    ItemStats,
    Ranker,
    UserContext,
    build_features,
    embedding_profile,
    topic_matrix,
    topic_profile,
)
from .rerank import rerank


@dataclass(frozen=True)
class PipelineConfig:
    """Every knob of the pipeline, with the defaults the benchmark reports."""

    knn_neighbours: int = 100
    knn_shrink: float = 10.0
    embedding_neighbours: int = 50
    als: ALSConfig = ALSConfig()
    #: How many ALS recommendations a job stores per user.
    als_top_n: int = 200
    trending_half_life_seconds: float = 7 * 86_400
    trending_top_n: int = 200
    pool_size: int = 200
    #: Topics of the user's profile that feed interest pools.
    pool_topics: int = 3
    #: Recent items stored per author for the followed-creators source.
    author_recent_n: int = 50
    limits: SourceLimits = SourceLimits()
    author_window: int = 6
    #: Genre/topic spread in re-ranking (``rerank``); costs ~0.002 NDCG@10 offline.
    topic_penalty: float = 0.1
    #: Largest share of a page that exploration of fresh notes may take.
    explore_share: float = 0.1


@dataclass(frozen=True)
class FreshPool:
    """Notes still needing exposure, with their impression and engagement counts
    (kept by the platform as counters and read per request)."""

    items: np.ndarray
    impressions: np.ndarray
    engagements: np.ndarray


@dataclass
class Snapshot:
    """Everything a job precomputes; requests only index into it."""

    n_users: int
    n_items: int
    config: PipelineConfig
    index: CandidateIndex
    als: ALSModel
    als_top_items: np.ndarray
    als_top_scores: np.ndarray
    stats: ItemStats
    #: Trending as of the build; ``timeline`` (offline replay only) answers "as of t".
    timeline: TrendingTimeline | None = None
    item_topics: Sequence[Sequence[int]] | None = None

    def trending_as_of(self, now: float) -> np.ndarray:
        if self.timeline is not None:
            return self.timeline.at(now)
        assert self.stats.trending is not None
        return self.stats.trending


def build_snapshot(
    users: np.ndarray,
    items: np.ndarray,
    weights: np.ndarray,
    ts: np.ndarray,
    *,
    n_users: int,
    n_items: int,
    now: float,
    config: PipelineConfig = PipelineConfig(),
    item_topics: Sequence[Sequence[int]] | None = None,
    n_topics: int = 0,
    item_authors: np.ndarray | None = None,
    created_at: np.ndarray | None = None,
    rates: Mapping[str, np.ndarray] | None = None,
    replay_bucket_seconds: float | None = None,
    seed: int = 0,
    content_embeddings: np.ndarray | None = None,
    embedding_rows: np.ndarray | None = None,
    pool_scores: np.ndarray | None = None,
) -> Snapshot:
    """Fit every precomputed structure from events ``(user, item, weight, ts)``.

    ``replay_bucket_seconds`` keeps a trending timeline for offline replay at many "nows"
    instead of a single trending vector at ``now``.

    ``content_embeddings`` (one vector per item, zeros when unknown) replace the ALS item
    factors as the items' embeddings: the embedding neighbours and the ``embedding_sim``
    feature then come from what the items say, which also reaches items nobody engaged
    with yet. ``embedding_rows`` limits the embedding neighbour lists (content or ALS) to
    some items (``itemknn.embedding_neighbours``). ``pool_scores`` orders the interest pools instead
    of all-time popularity; items scoring 0 stay out of them.
    """
    matrix = build_matrix(users, items, weights, ts, n_users=n_users, n_items=n_items)
    knn = cosine_neighbours(matrix, k=config.knn_neighbours, shrink=config.knn_shrink)
    als = ALSModel.fit(matrix, config.als, seed=seed)
    engaged = np.asarray((matrix > 0).sum(axis=0)).ravel() > 0
    if content_embeddings is None:
        emb = embedding_neighbours(
            als.item_factors, k=config.embedding_neighbours, valid=engaged, rows=embedding_rows
        )
    else:
        emb = embedding_neighbours(
            content_embeddings, k=config.embedding_neighbours, rows=embedding_rows
        )
    als_items, als_scores = als.recommend_all(matrix, config.als_top_n, allowed=engaged)
    popularity = np.asarray(matrix.sum(axis=0)).ravel().astype(np.float32)
    trending = decayed_counts(
        items,
        ts,
        n_items=n_items,
        now=now,
        half_life_seconds=config.trending_half_life_seconds,
        weights=weights,
    )
    timeline = None
    if replay_bucket_seconds is not None:
        timeline = TrendingTimeline.build(
            items,
            ts,
            n_items=n_items,
            bucket_seconds=replay_bucket_seconds,
            half_life_seconds=config.trending_half_life_seconds,
            weights=weights,
        )
    topics = topic_matrix(item_topics, n_topics) if item_topics is not None else None
    pools: dict[int, np.ndarray] = {}
    if item_topics is not None:
        order_by = popularity if pool_scores is None else np.asarray(pool_scores, np.float64)
        pools = _interest_pools(item_topics, n_topics, order_by, config.pool_size)
    trend_items, trend_scores = top_items(trending, config.trending_top_n)
    vectors = als.item_factors if content_embeddings is None else content_embeddings
    vectors = np.asarray(vectors, np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    unit = np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)
    stats = ItemStats(
        popularity=popularity,
        trending=trending,
        created_at=created_at,
        topics=topics,
        authors=item_authors,
        embeddings=unit,
        factors=als.item_factors,
        rates=dict(rates or {}),
    )
    author_items: dict[int, np.ndarray] = {}
    if item_authors is not None and created_at is not None:
        author_items = _author_recent(item_authors, created_at, config.author_recent_n)
    index = CandidateIndex(
        knn=knn,
        embedding=emb,
        trending_items=trend_items,
        trending_scores=trend_scores,
        pools=pools,
        author_items=author_items,
    )
    return Snapshot(
        n_users=n_users,
        n_items=n_items,
        config=config,
        index=index,
        als=als,
        als_top_items=als_items,
        als_top_scores=als_scores,
        stats=stats,
        timeline=timeline,
        item_topics=item_topics,
    )


def _interest_pools(
    item_topics: Sequence[Sequence[int]], n_topics: int, popularity: np.ndarray, size: int
) -> dict[int, np.ndarray]:
    """Each topic's ``size`` most engaged-with items, best first."""
    by_topic: list[list[int]] = [[] for _ in range(n_topics)]
    for item, topics in enumerate(item_topics):
        for t in topics:
            by_topic[t].append(item)
    pools = {}
    for t, members in enumerate(by_topic):
        arr = np.asarray(members, np.int64)
        arr = arr[popularity[arr] > 0]
        pools[t] = arr[np.lexsort((arr, -popularity[arr]))][:size]
    return pools


def _author_recent(
    item_authors: np.ndarray, created_at: np.ndarray, size: int
) -> dict[int, np.ndarray]:
    """Each author's ``size`` newest items, newest first."""
    authors = np.asarray(item_authors, np.int64)
    order = np.lexsort((-created_at, authors))  # by author, newest first within
    bounds = np.flatnonzero(np.diff(authors[order])) + 1
    return {int(authors[group[0]]): group[:size] for group in np.split(order, bounds) if len(group)}


def request_inputs(
    snapshot: Snapshot,
    user: int,
    history: History,
    *,
    now: float,
    exclude: Collection[int] | np.ndarray = (),
    followed_authors: Sequence[int] = (),
    author_affinity: Mapping[int, float] | None = None,
    interests: Mapping[int, float] | None = None,
    user_vector: np.ndarray | None = None,
) -> tuple[UserRequest, UserContext, ItemStats, CandidateIndex]:
    """Everything one request reads for ``user`` (all by key).

    ``interests`` (topic -> weight, e.g. the topics picked at sign-up) adds to the topics
    learned from the history, so a new user gets interest pools before engaging.
    ``user_vector`` replaces the stored ALS vector, e.g. by ``ALSModel.fold_in`` for a user
    who joined after the last fit; a user outside the fit has no ALS source at all.
    """
    limits = snapshot.config.limits
    stats, index = snapshot.stats, snapshot.index
    if snapshot.timeline is not None:
        # Offline replay: trending as of this request's time. (Ranking the whole catalogue
        # here is a replay cost only; the platform's job stores the top list.)
        trending = snapshot.trending_as_of(now)
        trend_items, trend_scores = top_items(trending, snapshot.config.trending_top_n)
        index = replace(index, trending_items=trend_items, trending_scores=trend_scores)
        stats = replace(stats, trending=trending)
    recent = recency_weights(history, limits)
    profile = topic_profile(recent, stats.topics) if stats.topics is not None else None
    topic_weights: dict[int, float] = {}
    if profile is not None:
        top = np.argsort(-profile, kind="stable")[: snapshot.config.pool_topics]
        topic_weights = {int(t): float(profile[t]) for t in top if profile[t] > 0}
    for topic, weight in (interests or {}).items():
        topic_weights[int(topic)] = topic_weights.get(int(topic), 0.0) + float(weight)
    in_model = 0 <= user < snapshot.als.user_factors.shape[0]
    if user_vector is None and in_model:
        user_vector = snapshot.als.user_factors[user]
    request = UserRequest(
        history=history,
        als_items=snapshot.als_top_items[user] if in_model else None,
        als_scores=snapshot.als_top_scores[user] if in_model else None,
        topic_weights=topic_weights,
        followed_authors=followed_authors,
        exclude=np.asarray(list(exclude), np.int64),
    )
    context = UserContext(
        now=now,
        topic_profile=profile,
        embedding_profile=(
            embedding_profile(recent, stats.embeddings) if stats.embeddings is not None else None
        ),
        als_vector=user_vector,
        author_affinity=author_affinity or {},
    )
    return request, context, stats, index


def candidates_with_features(
    snapshot: Snapshot, user: int, history: History, *, now: float, **kwargs
) -> tuple[CandidateSet, np.ndarray]:
    """One user's tagged candidates and their ranker features."""
    request, context, stats, index = request_inputs(snapshot, user, history, now=now, **kwargs)
    cands = gather(request, index, snapshot.config.limits)
    return cands, build_features(cands, context, stats)


def recommend(
    snapshot: Snapshot,
    ranker: Ranker,
    user: int,
    history: History,
    *,
    n: int,
    now: float,
    exclude: Collection[int] | np.ndarray = (),
    fresh: FreshPool | None = None,
    rng: np.random.Generator | None = None,
    **kwargs,
) -> list[int]:
    """The user's next ``n`` items: candidates, ranked, the feed's rules applied, and up to
    ``config.explore_share`` of the slots given to fresh notes by Thompson sampling."""
    cands, x = candidates_with_features(snapshot, user, history, now=now, exclude=exclude, **kwargs)
    config = snapshot.config
    authors = snapshot.stats.authors
    feed = rerank(
        cands.items,
        ranker.score(x),
        n=n,
        authors=authors,
        topics=snapshot.item_topics,
        author_window=config.author_window,
        topic_penalty=config.topic_penalty,
    )
    if fresh is None or config.explore_share <= 0 or len(fresh.items) == 0:
        return feed
    if rng is None:
        raise ValueError("exploration needs a random generator")
    seen = np.union1d(np.asarray(list(exclude), np.int64), history.items)
    unseen = ~np.isin(fresh.items, seen)
    picks = thompson_pick(
        fresh.items[unseen],
        fresh.impressions[unseen],
        fresh.engagements[unseen],
        n,  # more than the slots: some may not fit the author rule
        rng,
    )
    return insert_exploration(
        feed,
        picks,
        n=n,
        max_share=config.explore_share,
        seen=seen.tolist(),
        authors=authors,
        author_window=config.author_window,
    )


def replay_examples(
    snapshot: Snapshot,
    histories: Sequence[History],
    future: Sequence[Collection[int]],
    *,
    users: Sequence[int] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Training rows for the ranker: each user's candidates as of the end of their history,
    labelled 1 if the user engaged with the item afterwards (``future[u]``).

    Returns ``(features, labels, user_of_row)``. Users with no future engagement are skipped:
    their rows carry no signal about what to put first.
    """
    xs, ys, us = [], [], []
    for u in users if users is not None else range(len(histories)):
        hist = histories[u]
        if not future[u] or len(hist.items) == 0:
            continue
        cands, x = candidates_with_features(snapshot, u, hist, now=hist.last_ts)
        xs.append(x)
        ys.append(np.isin(cands.items, np.fromiter(future[u], np.int64)).astype(np.float32))
        us.append(np.full(len(cands), u, np.int64))
    if not xs:
        return np.empty((0, len(FEATURES)), np.float32), np.empty(0, np.float32), np.empty(0)
    return np.vstack(xs), np.concatenate(ys), np.concatenate(us)
