"""The discover-feed recommender library (vermilion.feed.recsys), on tiny synthetic data."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vermilion.feed.recsys import itemknn, metrics
from vermilion.feed.recsys.als import ALSConfig, ALSModel
from vermilion.feed.recsys.candidates import (
    CandidateIndex,
    SourceLimits,
    UserRequest,
    gather,
)
from vermilion.feed.recsys.exploration import (
    exploration_slots,
    insert_exploration,
    thompson_pick,
)
from vermilion.feed.recsys.interactions import (
    IdMap,
    build_matrix,
    histories,
    signal_weights,
)
from vermilion.feed.recsys.itemknn import cosine_neighbours, embedding_neighbours
from vermilion.feed.recsys.pipeline import (
    FreshPool,
    PipelineConfig,
    build_snapshot,
    candidates_with_features,
    recommend,
)
from vermilion.feed.recsys.popularity import TrendingTimeline, decayed_counts, top_items
from vermilion.feed.recsys.ranker import FEATURES, LogisticHead, Ranker, observed_rate
from vermilion.feed.recsys.rerank import rerank

DAY = 86_400.0


def block_data(n_users: int = 40, n_items: int = 20, seed: int = 0):
    """Two taste groups: users 0..n/2-1 engage with items 0..9, the others with 10..19."""
    rng = np.random.default_rng(seed)
    users, items, ts = [], [], []
    for u in range(n_users):
        block = 0 if u < n_users // 2 else 10
        chosen = rng.choice(np.arange(block, block + 10), size=6, replace=False)
        for j, i in enumerate(chosen):
            users.append(u)
            items.append(int(i))
            ts.append(1_000_000.0 + u * 100 + j)
    return np.array(users), np.array(items), np.array(ts)


# --- metrics ----------------------------------------------------------------------------


def test_metrics_by_hand():
    # One hit at position 2 of 3, two relevant items.
    m = metrics.user_metrics([1, 2, 3], {2, 5}, k=3)
    assert m["recall"] == 0.5
    assert m["hr"] == 1.0
    assert m["ndcg"] == pytest.approx((1 / math.log2(3)) / (1 + 1 / math.log2(3)))
    # Perfect list; a list with no hit.
    assert metrics.user_metrics([5, 2, 9], {2, 5}, k=3)["ndcg"] == pytest.approx(1.0)
    assert metrics.user_metrics([7, 8], {2}, k=2) == {"recall": 0.0, "ndcg": 0.0, "hr": 0.0}
    # Only the first k count, and the ideal uses min(k, relevant) hits.
    assert metrics.user_metrics([9, 1], {1, 2, 3}, k=1)["hr"] == 0.0
    assert metrics.user_metrics([1, 9], {1, 2, 3}, k=1)["ndcg"] == 1.0


def test_evaluate_averages_users_with_relevant_items_and_coverage():
    out = metrics.evaluate([[1, 2], [2, 3], [4, 5]], [{1}, {3}, set()], n_items=10, k=2)
    assert out["hr"] == 1.0
    assert out["recall"] == 1.0
    assert out["ndcg"] == pytest.approx((1.0 + 1 / math.log2(3)) / 2)
    assert out["coverage"] == 0.5  # items 1..5 of 10
    with pytest.raises(ValueError):
        metrics.evaluate([[1]], [set()], n_items=3)


# --- interactions & popularity ----------------------------------------------------------


def test_build_matrix_sums_signals_decays_and_drops_zero_weights():
    w = signal_weights(["like", "collect", "impression", "like"])
    m = build_matrix(
        [0, 0, 1, 1],
        [2, 2, 0, 1],
        w,
        [10.0, 10.0, 10.0, 10.0 - DAY],
        n_users=2,
        n_items=3,
        now=10.0,
        half_life_seconds=DAY,
    )
    assert m[0, 2] == pytest.approx(6.0)  # like + collect on one note
    assert m[1, 0] == 0 and m.nnz == 2  # impression leaves no entry
    assert m[1, 1] == pytest.approx(1.0)  # a like one half-life old counts half
    with pytest.raises(ValueError, match="unknown signal"):
        signal_weights(["poke"])


def test_histories_are_time_ordered_and_idmap_round_trips():
    ids = IdMap.from_ids(["n9", "n3", "n9", "n7"])
    assert len(ids) == 3 and ids.decode(ids.encode(["n7", "n9"])) == ["n7", "n9"]
    h = histories([1, 0, 1, 1], [5, 4, 3, 2], [30.0, 5.0, 10.0, 20.0], n_users=3)
    assert h[1].items.tolist() == [3, 2, 5]
    assert h[0].items.tolist() == [4] and len(h[2].items) == 0
    assert h[1].recent(2).items.tolist() == [2, 5] and h[1].last_ts == 30.0


def test_trending_timeline_matches_direct_counts_and_never_sees_the_future():
    rng = np.random.default_rng(1)
    items = rng.integers(0, 5, 200)
    ts = np.sort(rng.uniform(0, 10 * DAY, 200))
    timeline = TrendingTimeline.build(
        items, ts, n_items=5, bucket_seconds=DAY, half_life_seconds=2 * DAY
    )
    t = ts.min() + 6.5 * DAY  # buckets 0..5 are complete, bucket 6 is not
    done = ts < ts.min() + 6 * DAY
    expected = decayed_counts(items[done], ts[done], n_items=5, now=t, half_life_seconds=2 * DAY)
    np.testing.assert_allclose(timeline.at(t), expected, rtol=1e-4)
    assert not timeline.at(ts.min()).any()
    chosen, scores = top_items(np.array([0.0, 3.0, 1.0, 3.0]), 2, exclude=np.array([3]))
    assert chosen.tolist() == [1, 2] and scores.tolist() == [3.0, 1.0]


# --- neighbours & ALS ---------------------------------------------------------------------


def test_knn_neighbours_are_co_engaged_items():
    users, items, _ = block_data()
    m = build_matrix(users, items, n_users=40, n_items=21)  # item 20: nobody engaged
    knn = cosine_neighbours(m, k=5, shrink=1.0)
    for item in range(20):
        nbrs, sims = knn.of(item)
        assert item not in nbrs
        assert len(nbrs) == 5 and np.all(np.diff(sims) <= 0)
        same_block = (nbrs < 10) == (item < 10)
        assert same_block.all(), (item, nbrs)
    assert len(knn.of(20)[0]) == 0
    # Shrinkage pulls similarities of rarely co-engaged pairs down.
    assert cosine_neighbours(m, k=5, shrink=50.0).scores[0, 0] < knn.scores[0, 0]
    # Request-time aggregation over neighbour lists = the batch sparse product.
    got_items, got_scores = knn.score_history(np.array([0, 3]), np.array([1.0, 0.5]))
    dense = np.ravel(np.array([[1.0, 0, 0, 0.5] + [0] * 17]) @ knn.to_csr())
    np.testing.assert_allclose(got_scores, dense[got_items], rtol=1e-6)
    assert set(np.flatnonzero(dense)) == set(got_items.tolist())
    assert knn.to_lists()[0][0][0] == int(knn.neighbours[0, 0])


def test_neighbours_and_als_lists_do_not_depend_on_the_block_size(monkeypatch):
    users, items, _ = block_data()
    m = build_matrix(users, items, n_users=40, n_items=20)
    model = ALSModel.fit(m, ALSConfig(factors=2), seed=1, num_threads=1)
    emb = np.random.default_rng(0).normal(size=(20, 3))
    whole = (cosine_neighbours(m, k=4), embedding_neighbours(emb, k=4), model.recommend_all(m, 5))
    monkeypatch.setattr(itemknn, "BLOCK_FLOATS", 3 * 20)  # three rows at a time
    blocked = (cosine_neighbours(m, k=4), embedding_neighbours(emb, k=4), model.recommend_all(m, 5))
    for a, b in zip(whole[:2], blocked[:2], strict=True):
        np.testing.assert_array_equal(a.neighbours, b.neighbours)
        np.testing.assert_allclose(a.scores, b.scores, rtol=1e-6)
    np.testing.assert_array_equal(whole[2][0], blocked[2][0])


def test_embedding_neighbours_skip_invalid_items():
    e = np.array([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0], [1.0, 0.01]])
    nbrs = embedding_neighbours(e, k=2, valid=np.array([True, True, True, False]))
    assert nbrs.of(0)[0].tolist() == [1]  # 2 is orthogonal, 3 is not valid
    assert len(nbrs.of(3)[0]) == 0


def test_als_recommends_unseen_items_of_the_users_taste():
    users, items, _ = block_data()
    m = build_matrix(users, items, n_users=40, n_items=20)
    cfg = ALSConfig(factors=2, iterations=10, regularization=0.1)  # two tastes, two factors
    model = ALSModel.fit(m, cfg, seed=3, num_threads=1)
    again = ALSModel.fit(m, cfg, seed=3, num_threads=1)
    np.testing.assert_array_equal(model.item_factors, again.item_factors)  # seeded
    top, _ = model.recommend_all(m, 3)
    for u in range(40):
        seen = set(m[u].indices.tolist())
        assert not seen & set(top[u].tolist())
        assert all((i < 10) == (u < 20) for i in top[u]), (u, top[u])
    rec, scores = model.recommend(0, 3, exclude=m[0].indices)
    assert rec.tolist() == top[0].tolist() and np.all(np.diff(scores) <= 0)
    # Folding a user in against fixed item factors lands on the fitted user's vector.
    row = m[5]
    folded = model.fold_in(row.indices, row.data)
    cos = folded @ model.user_factors[5]
    cos /= np.linalg.norm(folded) * np.linalg.norm(model.user_factors[5])
    assert cos > 0.95


# --- candidates -----------------------------------------------------------------------------


def test_gather_tags_sources_respects_limits_and_excludes_seen():
    users, items, ts = block_data()
    m = build_matrix(users, items, n_users=40, n_items=20)
    knn = cosine_neighbours(m, k=5)
    hist = histories(users, items, ts, n_users=40)[0]
    index = CandidateIndex(
        knn=knn,
        trending_items=np.array([19, 3, 12, 7]),
        trending_scores=np.array([4.0, 3.0, 2.0, 1.0]),
        pools={0: np.array([1, 2, 15]), 1: np.array([16, 17])},
        author_items={7: np.array([18, 4])},
    )
    request = UserRequest(
        history=hist,
        topic_weights={0: 2.0, 1: 1.0},
        followed_authors=[7],
        exclude=np.array([19]),
    )
    limits = SourceLimits(knn=4, trending=2, pool=10, followed=10)
    cands = gather(request, index, limits)
    assert len(set(cands.items.tolist())) == len(cands)
    assert not set(cands.items.tolist()) & ({19} | set(hist.items.tolist()))
    assert (cands.ranks["knn"] >= 0).sum() <= 4
    assert (cands.ranks["trending"] >= 0).sum() <= 2
    pos = {int(i): p for p, i in enumerate(cands.items)}
    assert "followed" in cands.sources_of(pos[18])
    assert cands.scores["pool"][pos[1]] > cands.scores["pool"][pos[16]]  # stronger interest
    assert all((cands.ranks[s] >= 0).sum() == (cands.scores[s] > 0).sum() for s in cands.ranks)


# --- ranker ---------------------------------------------------------------------------------


def auc(scores: np.ndarray, labels: np.ndarray) -> float:
    pos, neg = scores[labels == 1], scores[labels == 0]
    return float((pos[:, None] > neg[None, :]).mean())


def test_ranker_learns_a_synthetic_signal_and_round_trips():
    rng = np.random.default_rng(0)
    x = rng.random((4000, len(FEATURES))).astype(np.float32)
    logit = 4 * x[:, FEATURES.index("knn_score")] - 3 * x[:, FEATURES.index("popularity")] - 1
    like = (rng.random(4000) < 1 / (1 + np.exp(-logit))).astype(np.float32)
    hide = (rng.random(4000) < 0.05 + 0.5 * x[:, FEATURES.index("topic_match")]).astype(float)
    train, held = slice(0, 3000), slice(3000, None)
    ranker = Ranker().fit(x[train], {"like": like[train], "hide": hide[train], "comment": None})
    assert set(ranker.heads) == {"like", "hide"}  # no labels, no head
    probs = ranker.predict(x[held])
    assert auc(probs["like"], like[held]) > 0.75  # chance is 0.5
    assert auc(probs["hide"], hide[held]) > 0.7
    # The blend counts hides against a note.
    blended = ranker.score(x[held])
    np.testing.assert_allclose(blended, probs["like"] - 4.0 * probs["hide"], rtol=1e-5)
    restored = Ranker.from_dict(ranker.to_dict())
    np.testing.assert_allclose(restored.score(x[held]), blended, rtol=1e-5)
    with pytest.raises(ValueError):
        Ranker.from_dict({**ranker.to_dict(), "features": ["other"]})


def test_untrained_ranker_uses_the_heuristic_and_skips_thin_outcomes():
    x = np.zeros((3, len(FEATURES)), np.float32)
    x[0, FEATURES.index("knn_score")] = 1.0
    x[2, FEATURES.index("rate_hide")] = 1.0
    ranker = Ranker().fit(x, {"like": np.array([1.0, 0.0, 0.0])})  # too few examples
    assert not ranker.trained
    s = ranker.score(x)
    assert s[0] > s[1] > s[2]
    with pytest.raises(ValueError):
        Ranker().fit(x, {"poke": np.zeros(3)})


def test_observed_rate_starts_at_the_prior_and_follows_the_data():
    rate = observed_rate(np.array([0, 50, 1]), np.array([0, 100, 1]), prior=0.1, strength=10)
    assert rate[0] == pytest.approx(0.1)
    assert rate[1] == pytest.approx(51 / 110)
    assert rate[2] < 0.2  # one like in one impression is not a 100% note


def test_logistic_head_is_deterministic():
    rng = np.random.default_rng(2)
    x, y = rng.random((300, 4)), (rng.random(300) < 0.3).astype(float)
    a, b = LogisticHead.fit(x, y), LogisticHead.fit(x, y)
    np.testing.assert_array_equal(a.coef, b.coef)


# --- re-ranking -----------------------------------------------------------------------------


def windows_ok(feed: list[int], author_of, window: int = 6) -> bool:
    authors = [author_of(i) for i in feed]
    return all(
        len(set(authors[s : s + window])) == len(authors[s : s + window])
        for s in range(len(authors))
    )


@settings(max_examples=150, deadline=None)
@given(
    n_items=st.integers(1, 60),
    n_authors=st.integers(1, 12),
    n=st.integers(0, 30),
    seed=st.integers(0, 10_000),
)
def test_rerank_rules_hold(n_items, n_authors, n, seed):
    rng = np.random.default_rng(seed)
    items = rng.integers(0, 80, n_items)  # repeats on purpose
    scores = rng.normal(size=n_items)
    authors = rng.integers(0, n_authors, 80)
    seen = set(rng.choice(80, size=10, replace=False).tolist())
    topics = [[int(t)] for t in rng.integers(0, 4, 80)]
    feed = rerank(items, scores, n=n, seen=seen, authors=authors, topics=topics, max_per_topic=3)
    assert len(feed) <= n and len(set(feed)) == len(feed)
    assert not set(feed) & seen and set(feed) <= set(items.tolist())
    assert windows_ok(feed, lambda i: authors[i])
    counts = np.bincount([topics[i][0] for i in feed], minlength=4)
    assert counts.max(initial=0) <= 3


def test_rerank_keeps_score_order_without_conflicts_and_spreads_topics():
    items = np.array([10, 11, 12, 13])
    scores = np.array([0.9, 0.8, 0.7, 0.1])
    assert rerank(items, scores, n=3) == [10, 11, 12]
    # Same author for 10 and 11: 11 must wait six slots, so 12 and 13 come first.
    assert rerank(items, scores, n=4, authors={10: 1, 11: 1, 12: 2, 13: 3}) == [10, 12, 13]
    topics = {10: [0], 11: [0], 12: [1], 13: [2]}
    assert rerank(items, scores, n=2, topics=topics, topic_penalty=0.5) == [10, 12]


# --- exploration ----------------------------------------------------------------------------


def test_thompson_sampling_favours_the_better_arm():
    rng = np.random.default_rng(7)
    wins = {1: 0, 2: 0}
    for _ in range(2000):
        pick = thompson_pick([1, 2], [100, 100], [30, 10], 1, rng)[0]
        wins[pick] += 1
    assert wins[1] > 0.95 * 2000
    # Unproven arms still get tried against a mediocre proven one.
    tried = sum(thompson_pick([1, 2], [200, 0], [20, 0], 1, rng) == [2] for _ in range(500))
    assert tried > 250
    first = thompson_pick([1, 2, 3], [5, 5, 5], [1, 2, 3], 2, np.random.default_rng(1))
    assert first == thompson_pick([1, 2, 3], [5, 5, 5], [1, 2, 3], 2, np.random.default_rng(1))


@settings(max_examples=100, deadline=None)
@given(
    n=st.integers(1, 30),
    share=st.sampled_from([0.0, 0.1, 0.2, 0.25, 0.5]),
    seed=st.integers(0, 10_000),
)
def test_exploration_share_is_bounded_and_keeps_the_rules(n, share, seed):
    rng = np.random.default_rng(seed)
    authors = rng.integers(0, 8, 200)
    ranked = rerank(np.arange(100), rng.normal(size=100), n=60, authors=authors)
    fresh = list(range(100, 200))
    feed = insert_exploration(ranked, fresh, n=n, max_share=share, seen={100, 101}, authors=authors)
    explored = [i for i in feed if i >= 100]
    assert len(explored) <= exploration_slots(n, share)
    assert not {100, 101} & set(feed) and len(set(feed)) == len(feed) <= n
    assert windows_ok(feed, lambda i: authors[i])


# --- the whole pipeline ---------------------------------------------------------------------


def test_pipeline_recommends_unseen_items_deterministically():
    users, items, ts = block_data(n_users=60, n_items=20)
    n_items = 30  # items 20..29: fresh, no engagement yet
    topics = [[0] if i < 10 else [1] for i in range(n_items)]
    authors = np.arange(n_items) % 7
    config = PipelineConfig(als=ALSConfig(factors=2, iterations=10), explore_share=0.2)

    def run() -> list[list[int]]:
        snap = build_snapshot(
            users,
            items,
            np.ones(len(users)),
            ts,
            n_users=60,
            n_items=n_items,
            now=float(ts.max()),
            config=config,
            item_topics=topics,
            n_topics=2,
            item_authors=authors,
            seed=5,
        )
        hists = histories(users, items, ts, n_users=60)
        fresh = FreshPool(np.arange(20, 30), np.full(10, 20), np.arange(10))
        rng = np.random.default_rng(0)
        return [
            recommend(snap, Ranker(), u, hists[u], n=10, now=hists[u].last_ts, fresh=fresh, rng=rng)
            for u in (0, 59)
        ]

    first = run()
    assert first == run()
    hists = histories(users, items, ts, n_users=60)
    for u, feed in zip((0, 59), first, strict=True):
        assert not set(feed) & set(hists[u].items.tolist())
        assert len(feed) == len(set(feed)) > 0
        assert sum(i >= 20 for i in feed) <= 2  # 20% of 10 slots
        assert windows_ok(feed, lambda i: authors[i])
        ranked = [i for i in feed if i < 20]
        own = range(0, 10) if u == 0 else range(10, 20)
        assert sum(i in own for i in ranked[:3]) >= 2, (u, feed)


def test_pipeline_serves_new_users_from_interests_and_follows():
    users, items, ts = block_data(n_users=40, n_items=20)
    topics = [[0] if i < 10 else [1] for i in range(20)]
    authors = np.arange(20) % 5
    snap = build_snapshot(
        users,
        items,
        np.ones(len(users)),
        ts,
        n_users=40,
        n_items=20,
        now=float(ts.max()),
        config=PipelineConfig(als=ALSConfig(factors=2)),
        item_topics=topics,
        n_topics=2,
        item_authors=authors,
        created_at=np.arange(20, dtype=float),
    )
    assert snap.index.author_items[3].tolist() == [18, 13, 8, 3]  # newest first
    empty = histories([], [], [], n_users=1)[0]
    newcomer = 10_000  # not in the fitted model: no ALS source, no error
    feed = recommend(snap, Ranker(), newcomer, empty, n=4, now=0.0, interests={1: 1.0})
    assert len(feed) == 4 and all(i >= 10 for i in feed)
    # Following an author brings their notes in as candidates, the newest scored highest.
    cands, _ = candidates_with_features(snap, newcomer, empty, now=0.0, followed_authors=[3])
    followed = cands.items[cands.ranks["followed"] >= 0]
    assert set(followed.tolist()) == {18, 13, 8, 3}
    assert followed[np.argmax(cands.scores["followed"][cands.ranks["followed"] >= 0])] == 18


# --- topic lists as CSR arrays (artifacts.TopicLists), gathered per request ----------------

topic_lists = st.lists(st.lists(st.integers(0, 12), max_size=5), max_size=30)


@settings(max_examples=150, deadline=None)
@given(lists=topic_lists, more=topic_lists, data=st.data())
def test_topic_lists_take_join_and_match_as_lists_would(lists, more, data):
    from vermilion.feed.artifacts import TopicLists

    csr = TopicLists.from_lists(lists)
    assert [csr[i] for i in range(len(csr))] == lists
    rows = data.draw(st.lists(st.integers(0, max(0, len(lists) - 1)), max_size=40))
    rows = rows if lists else []
    taken = csr.take(np.asarray(rows, np.int64))
    assert [taken[i] for i in range(len(taken))] == [lists[r] for r in rows]
    joined = TopicLists.joined([csr, TopicLists.from_lists(more)])
    assert [joined[i] for i in range(len(joined))] == lists + more
    wanted = data.draw(st.sets(st.integers(0, 12), max_size=3))
    assert joined.rows_with(wanted).tolist() == [bool(wanted & set(t)) for t in lists + more]


@settings(max_examples=150, deadline=None)
@given(
    authors=st.lists(st.integers(1, 8), max_size=40),
    wanted=st.lists(st.integers(0, 10), max_size=8, unique=True),
    per_author=st.integers(1, 5),
)
def test_newest_by_author_is_each_authors_newest_notes(authors, wanted, per_author):
    """``FeedSnapshot.newest_by``: for each wanted author in turn, their newest
    ``per_author`` notes the snapshot knows (dense index order is age order)."""
    from types import SimpleNamespace

    from vermilion.feed.artifacts import FeedSnapshot

    snap = FeedSnapshot.empty([("food", "Food", "美食")])
    snap.note_ids = np.arange(100, 100 + len(authors), dtype=np.int64)
    snap.lib = SimpleNamespace(stats=SimpleNamespace(authors=np.asarray(authors, np.int64)))
    expected = []
    for author in wanted:
        theirs = [i for i in range(len(authors) - 1, -1, -1) if authors[i] == author]
        expected += theirs[:per_author]
    assert snap.newest_by(wanted, per_author).tolist() == expected
