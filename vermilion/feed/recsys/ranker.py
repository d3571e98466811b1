"""Ranking: features for each (user, candidate), a model per outcome, one blended score.

The feed cares about more than one outcome: a like, a collect, a comment, a long dwell are
good in different degrees, a hide is bad. ``Ranker`` keeps one logistic-regression head per
outcome, each trained on logged outcomes by a background job (``fit``), and blends their
probabilities with weights (``OUTCOME_WEIGHTS``: a hide costs more than a like earns). A
head with no data yet is left out of the blend; with no trained head at all the ranker falls
back to hand-set weights over the same features (``HEURISTIC_WEIGHTS``), so a new instance
ranks sensibly before it has logged anything.

Features are built to lie roughly in [0, 1] and to mean the same for every user (scores are
divided by the user's best candidate's), so one model serves light and heavy users alike and
the heuristic weights are comparable. A trained ranker is a small JSON-able dict
(``to_dict``), which the platform stores and loads without pickles.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.optimize
import scipy.sparse as sp

from .candidates import SOURCES, CandidateSet
from .interactions import SECONDS_PER_DAY, History

#: The outcomes a head predicts, and how much each is worth when blending.
OUTCOMES: tuple[str, ...] = ("like", "collect", "comment", "long_dwell", "hide")
OUTCOME_WEIGHTS: Mapping[str, float] = {
    "like": 1.0,
    "collect": 2.0,
    "comment": 2.0,
    "long_dwell": 0.5,
    "hide": -4.0,
}

#: L2 penalty of every head. Strong on purpose: the ranker is trained on one period and
#: serves the next, and a lightly regularised model fits the old period's quirks. Chosen by
#: replaying two earlier periods of the training data (bench/recsys_README.md).
DEFAULT_L2 = 0.03

#: A note's "freshness" halves every this many seconds after it is posted.
FRESHNESS_HALF_LIFE_SECONDS = 3 * SECONDS_PER_DAY

FEATURES: tuple[str, ...] = (
    *(f"{s}_score" for s in SOURCES),
    *(f"{s}_rank" for s in SOURCES),
    "n_sources",
    "als_dot",
    "popularity",
    "trending",
    "trending_share",
    "topic_match",
    "embedding_sim",
    "author_affinity",
    "freshness",
    *(f"rate_{o}" for o in OUTCOMES),
)

#: The untrained ranker's score: a weighted sum of features. Agreement between sources, the
#: user's own neighbourhood and interests count most; raw popularity least.
HEURISTIC_WEIGHTS: Mapping[str, float] = {
    "followed_rank": 0.8,
    "pool_score": 0.3,
    "knn_score": 1.0,
    "knn_rank": 0.5,
    "embedding_score": 0.4,
    "als_rank": 0.8,
    "trending_rank": 0.2,
    "n_sources": 0.6,
    "popularity": 0.2,
    "trending_share": 0.3,
    "topic_match": 0.5,
    "embedding_sim": 0.4,
    "author_affinity": 0.6,
    "freshness": 0.3,
    "rate_like": 1.0,
    "rate_collect": 1.0,
    "rate_comment": 0.5,
    "rate_long_dwell": 0.5,
    "rate_hide": -3.0,
}


@dataclass
class ItemStats:
    """Per-item data read by key for the candidates; any part may be missing (feature = 0)."""

    #: All-time engagement counts (or weights).
    popularity: np.ndarray
    #: Trending scores now (``popularity.decayed_counts``).
    trending: np.ndarray | None = None
    #: When each item was posted (seconds).
    created_at: np.ndarray | None = None
    #: Item x topic matrix (rows are normalised by ``topic_matrix``).
    topics: sp.csr_matrix | None = None
    authors: np.ndarray | None = None
    #: Unit-length item vectors (content embeddings or factors).
    embeddings: np.ndarray | None = None
    #: ALS item factors, for the dot product with the user's vector.
    factors: np.ndarray | None = None
    #: Observed, smoothed per-impression rates per outcome (``observed_rate``).
    rates: Mapping[str, np.ndarray] = field(default_factory=dict)
    #: Catalogue-wide maxima of ``popularity`` and ``trending``. Set them when these
    #: arrays hold only a request's candidates (a slice of the catalogue), so the
    #: features keep the scale the ranker was trained on; by default the arrays' own maxima.
    popularity_top: float | None = None
    trending_top: float | None = None


@dataclass
class UserContext:
    """Per-user inputs of the features (all read by key, or derived from the recent history)."""

    now: float
    topic_profile: np.ndarray | None = None
    embedding_profile: np.ndarray | None = None
    als_vector: np.ndarray | None = None
    author_affinity: Mapping[int, float] = field(default_factory=dict)


def topic_matrix(item_topics: Sequence[Sequence[int]], n_topics: int) -> sp.csr_matrix:
    """Item x topic matrix with L2-normalised rows, from each item's topic list."""
    rows = np.repeat(np.arange(len(item_topics)), [len(t) for t in item_topics])
    cols = np.fromiter((t for ts in item_topics for t in ts), dtype=np.int64, count=len(rows))
    m = sp.csr_matrix(
        (np.ones(len(rows), np.float32), (rows, cols)), shape=(len(item_topics), n_topics)
    )
    norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sp.csr_matrix(sp.diags(1.0 / norms) @ m, dtype=np.float32)


def topic_profile(history: History, topics: sp.csr_matrix) -> np.ndarray:
    """The user's unit-length topic interest vector from the (recency-weighted) history."""
    if len(history.items) == 0:
        return np.zeros(topics.shape[1], np.float32)
    v = np.asarray(topics[history.items].T @ history.weights).ravel()
    n = np.linalg.norm(v)
    return (v / n if n > 0 else v).astype(np.float32)


def embedding_profile(history: History, embeddings: np.ndarray) -> np.ndarray | None:
    """The user's unit-length taste vector: the weighted mean of recent items' vectors."""
    if len(history.items) == 0:
        return None
    v = history.weights @ embeddings[history.items]
    n = np.linalg.norm(v)
    return (v / n).astype(np.float32) if n > 0 else None


def observed_rate(
    outcomes: np.ndarray, impressions: np.ndarray, *, prior: float, strength: float
) -> np.ndarray:
    """``(outcomes + prior * strength) / (impressions + strength)``: a rate that starts at the
    site-wide prior and trusts an item's own numbers as impressions accumulate."""
    return ((outcomes + prior * strength) / (impressions + strength)).astype(np.float32)


def _share_of_max(values: np.ndarray) -> np.ndarray:
    top = values.max() if len(values) else 0.0
    return values / top if top > 0 else np.zeros_like(values)


def _rank_discount(ranks: np.ndarray) -> np.ndarray:
    """1/log2(rank + 2) for proposed candidates (rank >= 0), 0 for the others."""
    out = np.zeros(len(ranks), np.float32)
    hit = ranks >= 0
    out[hit] = 1.0 / np.log2(ranks[hit] + 2.0)
    return out


def build_features(cands: CandidateSet, user: UserContext, stats: ItemStats) -> np.ndarray:
    """The ``(len(cands), len(FEATURES))`` feature matrix, columns in ``FEATURES`` order."""
    items = cands.items
    n = len(items)
    cols: dict[str, np.ndarray] = {}
    for s in SOURCES:
        cols[f"{s}_score"] = _share_of_max(cands.scores[s])
        cols[f"{s}_rank"] = _rank_discount(cands.ranks[s])
    cols["n_sources"] = sum((cands.ranks[s] >= 0).astype(np.float32) for s in SOURCES) / len(
        SOURCES
    )
    zeros = np.zeros(n, np.float32)
    if stats.factors is not None and user.als_vector is not None:
        cols["als_dot"] = stats.factors[items] @ user.als_vector
    else:
        cols["als_dot"] = zeros
    pop = np.log1p(np.maximum(stats.popularity, 0))
    if stats.popularity_top is not None:
        top_pop = float(np.log1p(max(stats.popularity_top, 0.0)))
    else:
        top_pop = float(pop.max()) if len(pop) else 0.0
    cols["popularity"] = np.minimum(pop[items] / top_pop, 1.0) if top_pop > 0 else zeros
    if stats.trending is not None:
        trend = np.log1p(np.maximum(stats.trending, 0))
        if stats.trending_top is not None:
            top_trend = float(np.log1p(max(stats.trending_top, 0.0)))
        else:
            top_trend = float(trend.max()) if len(trend) else 0.0
        cols["trending"] = np.minimum(trend[items] / top_trend, 1.0) if top_trend > 0 else zeros
        cols["trending_share"] = _share_of_max(stats.trending[items])
    else:
        cols["trending"] = cols["trending_share"] = zeros
    if stats.topics is not None and user.topic_profile is not None:
        cols["topic_match"] = np.asarray(stats.topics[items] @ user.topic_profile).ravel()
    else:
        cols["topic_match"] = zeros
    if stats.embeddings is not None and user.embedding_profile is not None:
        cols["embedding_sim"] = stats.embeddings[items] @ user.embedding_profile
    else:
        cols["embedding_sim"] = zeros
    if stats.authors is not None and user.author_affinity:
        aff = user.author_affinity
        cols["author_affinity"] = np.array(
            [aff.get(int(a), 0.0) for a in stats.authors[items]], np.float32
        )
    else:
        cols["author_affinity"] = zeros
    if stats.created_at is not None:
        age = np.maximum(0.0, user.now - stats.created_at[items])
        cols["freshness"] = np.power(0.5, age / FRESHNESS_HALF_LIFE_SECONDS)
    else:
        cols["freshness"] = zeros
    for o in OUTCOMES:
        rate = stats.rates.get(o)
        cols[f"rate_{o}"] = rate[items] if rate is not None else zeros
    return np.column_stack([np.asarray(cols[f], np.float32) for f in FEATURES])


@dataclass
class LogisticHead:
    """One outcome's model: standardised features, L2-regularised logistic regression."""

    coef: np.ndarray
    intercept: float
    mean: np.ndarray
    scale: np.ndarray

    def logits(self, x: np.ndarray) -> np.ndarray:
        return ((x - self.mean) / self.scale) @ self.coef + self.intercept

    def predict(self, x: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-self.logits(x)))

    @classmethod
    def fit(
        cls,
        x: np.ndarray,
        y: np.ndarray,
        *,
        l2: float = DEFAULT_L2,
        sample_weight: np.ndarray | None = None,
        max_iter: int = 300,
    ) -> LogisticHead:
        """Minimise weighted mean log-loss + ``l2/2 * |coef|^2`` with L-BFGS (deterministic)."""
        x = np.asarray(x, np.float64)
        y = np.asarray(y, np.float64)
        sw = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, np.float64)
        sw = sw / sw.sum()
        mean = x.mean(axis=0)
        scale = x.std(axis=0)
        scale[scale < 1e-9] = 1.0  # a constant feature stays 0 instead of dividing by 0
        z = (x - mean) / scale
        d = z.shape[1]

        def loss(params: np.ndarray) -> tuple[float, np.ndarray]:
            w, b = params[:d], params[d]
            t = z @ w + b
            # log(1 + e^t) - y t, computed without overflow.
            val = np.sum(sw * (np.logaddexp(0.0, t) - y * t)) + 0.5 * l2 * w @ w
            g = sw * (1.0 / (1.0 + np.exp(-t)) - y)
            return float(val), np.concatenate([z.T @ g + l2 * w, [g.sum()]])

        res = scipy.optimize.minimize(
            loss, np.zeros(d + 1), jac=True, method="L-BFGS-B", options={"maxiter": max_iter}
        )
        return cls(res.x[:d].astype(np.float32), float(res.x[d]), mean, scale)

    def to_dict(self) -> dict[str, Any]:
        return {
            "coef": self.coef.tolist(),
            "intercept": self.intercept,
            "mean": self.mean.tolist(),
            "scale": self.scale.tolist(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LogisticHead:
        return cls(
            np.asarray(data["coef"], np.float32),
            float(data["intercept"]),
            np.asarray(data["mean"], np.float64),
            np.asarray(data["scale"], np.float64),
        )


@dataclass
class Ranker:
    """Outcome heads blended by ``weights``; the heuristic until at least one head is trained."""

    heads: dict[str, LogisticHead] = field(default_factory=dict)
    weights: Mapping[str, float] = field(default_factory=lambda: dict(OUTCOME_WEIGHTS))
    features: tuple[str, ...] = FEATURES

    @property
    def trained(self) -> bool:
        return bool(self.heads)

    def fit(
        self,
        x: np.ndarray,
        labels: Mapping[str, np.ndarray | None],
        *,
        l2: float = DEFAULT_L2,
        min_positives: int = 20,
        sample_weight: np.ndarray | None = None,
    ) -> Ranker:
        """Train a head for every outcome with enough positives and negatives in ``labels``.

        An outcome with too few examples keeps no head (rather than a noisy one): the blend
        then rests on the outcomes that have data.
        """
        for outcome, y in labels.items():
            if outcome not in self.weights:
                raise ValueError(f"unknown outcome {outcome!r}")
            if y is None:
                continue
            y = np.asarray(y)
            positives = int(y.sum())
            if positives < min_positives or len(y) - positives < min_positives:
                continue
            self.heads[outcome] = LogisticHead.fit(x, y, l2=l2, sample_weight=sample_weight)
        return self

    def predict(self, x: np.ndarray) -> dict[str, np.ndarray]:
        """Each trained head's probability per row."""
        return {o: head.predict(x) for o, head in self.heads.items()}

    def score(self, x: np.ndarray) -> np.ndarray:
        """The blended score per row (higher = show sooner)."""
        if not self.heads:
            w = np.array([HEURISTIC_WEIGHTS.get(f, 0.0) for f in self.features], np.float32)
            return np.asarray(x, np.float32) @ w
        return sum(self.weights[o] * p for o, p in self.predict(x).items())

    def to_dict(self) -> dict[str, Any]:
        return {
            "features": list(self.features),
            "weights": dict(self.weights),
            "heads": {o: h.to_dict() for o, h in self.heads.items()},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Ranker:
        """Load a stored ranker; one trained on other features is refused, not misapplied."""
        features = tuple(data["features"])
        if features != FEATURES:
            raise ValueError("stored ranker was trained on a different feature set")
        heads = {o: LogisticHead.from_dict(h) for o, h in data["heads"].items()}
        return cls(heads=heads, weights=dict(data["weights"]), features=features)
