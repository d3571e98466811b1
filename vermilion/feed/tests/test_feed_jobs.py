"""The discover feed's jobs: note understanding, the snapshot, the ranker; and the library
extensions they rely on."""

# ruff: noqa: F811

from __future__ import annotations

import json

import numpy as np
import pytest
from django.utils import timezone

from vermilion.accounts.models import Interest
from vermilion.core.models import Job
from vermilion.engagement.services import add_comment, collect, like
from vermilion.feed import artifacts, understanding
from vermilion.feed.models import (
    Event,
    FeedArtifact,
    FeedPreference,
    FeedState,
    Hide,
    NoteFeatures,
    UserRecs,
)
from vermilion.feed.recsys.candidates import SOURCES, CandidateSet, merge
from vermilion.feed.recsys.exploration import insert_exploration
from vermilion.feed.recsys.itemknn import embedding_neighbours
from vermilion.feed.recsys.ranker import ItemStats, build_features
from vermilion.feed.recsys.rerank import rerank
from vermilion.feed.tasks import backfill_features, understand_notes
from vermilion.feed.training import train_ranker
from vermilion.notes.services import update_note

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_artifacts():
    artifacts.forget()
    yield
    artifacts.forget()


@pytest.fixture(scope="session")
def sentence_encoder():
    """The multilingual encoder (~30 MB, seconds to load): loaded once per test session,
    by the tests that name this fixture; every other test runs without it."""
    return understanding.encoder()


def interests():
    return list(Interest.objects.values_list("slug", "name_en", "name_zh"))


# --- note understanding ---------------------------------------------------------------------


def test_publishing_or_rewriting_a_note_queues_its_understanding(make_user, make_note):
    note = make_note(make_user(), title="hello")
    queued = Job.objects.filter(name="feed.understand_note")
    assert list(queued.values_list("payload", flat=True)) == [{"note_id": note.id}]
    update_note(note.author, note, visibility="followers")
    assert queued.count() == 1  # nothing the embedding reads changed
    update_note(note.author, note, title="hello again")
    assert queued.count() == 2


def test_hashtags_naming_an_interest_are_its_topics():
    found = understanding.hashtag_topics(["美食", "weekend", "travel"], interests())
    assert found == {"food": 1.0, "travel": 1.0}
    assert understanding.hashtag_topics(["foodie"], interests()) == {}


def test_a_chinese_and_an_english_hotpot_note_are_neighbours(
    sentence_encoder, make_user, make_note, run_jobs
):
    author = make_user()
    zh = make_note(author, title="成都火锅", body="牛油锅底，毛肚鸭肠，麻辣过瘾")
    en = make_note(author, title="Chengdu hotpot", body="Beef tallow broth, tripe, numbing spice")
    others = [
        make_note(author, title="Morning run", body="10k along the river before work"),
        make_note(author, title="新买的相机", body="拍夜景的效果"),
        make_note(author, title="考研复习计划", body="数学和英语每天的安排"),
        make_note(author, title="My cat", body="She learned to open doors"),
    ]
    run_jobs()
    features = {f.note_id: f for f in NoteFeatures.objects.all()}
    assert set(features) == {zh.id, en.id, *(n.id for n in others)}
    vectors = {i: understanding.from_bytes(f.embedding) for i, f in features.items()}
    assert all(f.embedding_model == "use-m3" for f in features.values())
    assert all(abs(np.linalg.norm(v) - 1) < 1e-2 for v in vectors.values())
    sims = {i: float(vectors[zh.id] @ v) for i, v in vectors.items() if i != zh.id}
    assert max(sims, key=sims.get) == en.id
    assert features[zh.id].topics.get("food", 0) > 0 and features[en.id].topics.get("food", 0) > 0
    assert "study" in features[others[2].id].topics and "pets" in features[others[3].id].topics

    # Idempotent: running the job again stores the same thing (up to float rounding,
    # which depends on the batch the encoder saw).
    understand_notes(list(features))
    again = {f.note_id: f for f in NoteFeatures.objects.all()}
    assert {i: f.topics for i, f in again.items()} == {i: f.topics for i, f in features.items()}
    for i, f in again.items():
        assert np.allclose(understanding.from_bytes(f.embedding), vectors[i], atol=2e-3)

    # The snapshot's embedding neighbours: the English note first for the Chinese one.
    artifacts.rebuild()
    snap, _ranker = artifacts.current()
    d = snap.dense([zh.id, en.id])
    nbrs, _sims = snap.lib.index.embedding.of(int(d[0]))
    assert nbrs[0] == d[1]


def test_topics_from_text_and_hashtags_together(sentence_encoder, make_user, make_note):
    note = make_note(make_user(), title="考研数学", body="每天的复习计划 #photography")
    understand_notes([note.id])
    topics = NoteFeatures.objects.get(note=note).topics
    assert topics["photography"] == 1.0 and "study" in topics and len(topics) <= 3


def test_backfill_computes_missing_features_in_bounded_batches(
    sentence_encoder, make_user, make_note, monkeypatch
):
    monkeypatch.setattr("vermilion.feed.tasks.BACKFILL_BATCH", 2)
    notes = [make_note(make_user(), title=f"note {i}") for i in range(3)]
    NoteFeatures.objects.create(note=notes[0], embedding_model="older-model")
    backfill_features()
    done = set(NoteFeatures.objects.filter(embedding_model="use-m3").values_list("note", flat=True))
    assert done == {notes[2].id, notes[1].id}  # newest first, two per run
    backfill_features()
    assert NoteFeatures.objects.filter(embedding_model="use-m3").count() == 3


def test_understanding_a_deleted_note_is_a_no_op():
    assert understand_notes([12345]) == 0


# --- the snapshot ---------------------------------------------------------------------------


def test_rebuild_stores_artifacts_and_is_idempotent(make_user, make_note):
    authors = [make_user() for _ in range(4)]
    notes = [make_note(authors[i % 4], title=f"n{i}") for i in range(12)]
    fans = [make_user() for _ in range(3)]
    for fan in fans:
        like(fan, notes[0])
        collect(fan, notes[1])
    add_comment(fans[0], notes[2], body="nice")
    for note in notes:
        NoteFeatures.objects.create(note=note, topics={"food": 1.0})
    first = artifacts.rebuild()
    assert first.version and first.notes == 12 and first.people == 3
    assert set(UserRecs.objects.values_list("user_id", flat=True)) == {f.id for f in fans}
    snap, _ranker = artifacts.current()
    assert snap.version == first.version
    d = snap.dense([notes[0].id, notes[1].id])
    knn, _ = snap.lib.index.knn.of(int(d[0]))
    assert int(d[1]) in knn.tolist()  # co-engaged
    food = snap.topic_index("food")
    assert len(snap.lib.index.pools[food]) == 12  # unengaged notes too, engaged first
    assert set(snap.lib.index.pools[food][:3].tolist()) == set(
        snap.dense([n.id for n in notes[:3]])
    )
    assert snap.lib.index.trending_items[0] == d[1]  # collects weigh most

    second = artifacts.rebuild()
    assert second.version != first.version
    assert FeedArtifact.objects.filter(name="snapshot").count() == 2
    again, _ranker = artifacts.current()
    assert again.version == second.version
    assert np.array_equal(again.note_ids, snap.note_ids)
    assert np.array_equal(again.lib.index.knn.neighbours, snap.lib.index.knn.neighbours)
    assert np.array_equal(again.lib.index.trending_items, snap.lib.index.trending_items)
    assert UserRecs.objects.exclude(version=second.version).count() == 0
    artifacts.rebuild()
    assert FeedArtifact.objects.filter(name="snapshot").count() == artifacts.KEEP_VERSIONS


def test_rebuild_on_an_empty_site_stores_nothing():
    assert artifacts.rebuild().version is None
    assert artifacts.current() == (None, None)


def test_hides_cancel_likes_and_resets_erase_earlier_signals(make_user, make_note):
    author, fan, resetter = make_user(), make_user(), make_user()
    a, b = make_note(author, title="a"), make_note(author, title="b")
    like(fan, a)
    like(fan, b)
    Hide.objects.create(user=fan, scope="note", note=b)
    like(resetter, a)
    FeedPreference.objects.create(user=resetter, reset_at=timezone.now())
    report = artifacts.rebuild()
    assert report.people == 1  # the resetter's like is gone
    snap, _ranker = artifacts.current()
    popularity = snap.lib.stats.popularity[snap.dense([a.id, b.id])]
    assert popularity[0] > 0 and popularity[1] == 0  # the hide outweighs the like


def test_long_dwells_count_and_own_notes_do_not(make_user, make_note):
    author, reader = make_user(), make_user()
    note = make_note(author, title="long read")
    like(author, note)
    Event.objects.create(user=reader, note=note, type="dwell", ms=20_000, dedupe_key="d1")
    Event.objects.create(user=reader, note=note, type="dwell", ms=500, dedupe_key="d2")
    report = artifacts.rebuild()
    assert report.people == 1 and report.signals == 1


def test_train_ranker_keeps_the_heuristic_until_there_is_data(make_user, make_note):
    make_note(make_user())
    artifacts.rebuild()
    summary = train_ranker()
    assert summary["heads"] == [] and "too few" in summary["reason"]
    assert not FeedArtifact.objects.filter(name="ranker").exists()


def test_train_ranker_learns_from_impressions(make_user, make_note, monkeypatch):
    monkeypatch.setattr("vermilion.feed.training.RANKER_MIN_IMPRESSIONS", 50)
    authors = [make_user() for _ in range(5)]
    notes = [make_note(authors[i % 5], title=f"n{i}") for i in range(30)]
    for note in notes:
        NoteFeatures.objects.create(note=note, topics={"food" if note.id % 2 else "pets": 1.0})
    readers = [make_user() for _ in range(8)]
    for r in readers:
        like(r, notes[0])
    artifacts.rebuild()
    k = 0
    for r in readers:
        for note in notes[1:]:
            k += 1
            Event.objects.create(user=r, note=note, type="impression", dedupe_key=f"i{k}")
            if note.id % 2:  # "food" notes get liked after being shown
                like(r, note)
    summary = train_ranker()
    assert summary["heads"] == ["like"] and summary["rows"] == 8 * 29
    stored = FeedArtifact.objects.get(name="ranker")
    assert "like" in json.loads(bytes(stored.blob))["heads"]
    _snap, ranker = artifacts.current()
    assert ranker.trained


def test_old_anonymous_feed_sessions_are_purged(make_user):
    from vermilion.feed.discover import purge_states

    old = timezone.now() - timezone.timedelta(days=2)
    FeedState.objects.create(key="a:1", data=b"", updated_at=old)
    FeedState.objects.create(key="a:2", data=b"")
    FeedState.objects.create(key=f"u:{make_user().pk}", data=b"", updated_at=old)
    assert purge_states() == 1
    assert set(FeedState.objects.values_list("key", flat=True)) >= {"a:2"}


# --- library extensions the platform uses --------------------------------------------------


def test_rerank_and_exploration_keep_the_author_rule_across_pages():
    authors = {i: i % 10 for i in range(40)}
    tail = [5, 4, 3, 2, 1]  # the previous page ended with these authors (1 last)
    assert rerank(np.arange(40), -np.arange(40.0), n=3, authors=authors)[:3] == [0, 1, 2]
    page = rerank(np.arange(40), -np.arange(40.0), n=10, authors=authors, recent_authors=tail)
    assert page[:3] == [0, 5, 4]  # authors 1-3 wait until the window has passed
    seq = tail + [authors[i] for i in page]
    assert all(len(set(seq[k : k + 6])) == 6 for k in range(len(seq) - 5))
    authors[40] = 10  # a new creator
    explored = insert_exploration(
        page, [21, 40], n=10, max_share=0.5, authors=authors, recent_authors=tail
    )
    seq = tail + [authors[i] for i in explored]
    assert 40 in explored and all(len(set(seq[k : k + 6])) == 6 for k in range(len(seq) - 5))
    assert 21 not in explored  # author 1 fits nowhere on this page


def test_candidate_sets_merge_and_subset():
    def one(items, source, scores):
        s = {x: np.zeros(len(items), np.float32) for x in SOURCES}
        r = {x: np.full(len(items), -1, np.int32) for x in SOURCES}
        s[source] = np.asarray(scores, np.float32)
        r[source] = np.arange(len(items), dtype=np.int32)
        return CandidateSet(np.asarray(items), s, r)

    merged = merge(one([5, 9], "knn", [0.5, 0.2]), one([9, 7], "followed", [1.0, 0.5]))
    assert merged.items.tolist() == [5, 7, 9]
    assert merged.sources_of(2) == ["followed", "knn"]
    assert merged.ranks["followed"].tolist() == [-1, 1, 0]
    sub = merged.subset(np.array([True, False, True]))
    assert sub.items.tolist() == [5, 9] and sub.scores["knn"] == pytest.approx([0.5, 0.2])


def test_embedding_neighbours_for_some_rows_only():
    e = np.eye(4, dtype=np.float32) + 0.1
    full = embedding_neighbours(e, k=2)
    part = embedding_neighbours(e, k=2, rows=np.array([2]))
    assert np.array_equal(part.neighbours[2], full.neighbours[2])
    assert (part.neighbours[[0, 1, 3]] == -1).all()


def test_features_of_a_slice_keep_the_catalogue_scale():
    cands = CandidateSet(
        np.array([0]),
        {s: np.zeros(1, np.float32) for s in SOURCES},
        {s: np.full(1, -1, np.int32) for s in SOURCES},
    )
    from vermilion.feed.recsys.ranker import FEATURES, UserContext

    stats = ItemStats(popularity=np.array([3.0], np.float32), popularity_top=15.0)
    x = build_features(cands, UserContext(now=0.0), stats)
    assert x[0, FEATURES.index("popularity")] == pytest.approx(np.log1p(3) / np.log1p(15))


def test_sparse_and_dense_cosine_neighbours_agree(monkeypatch):
    from vermilion.feed.recsys import itemknn
    from vermilion.feed.recsys.interactions import build_matrix

    rng = np.random.default_rng(3)
    users, items = rng.integers(0, 300, 900), rng.integers(0, 400, 900)
    matrix = build_matrix(users, items, n_users=300, n_items=400)
    monkeypatch.setattr(itemknn, "DENSE_SHARE", 1.1)  # every block sparse
    sparse = itemknn.cosine_neighbours(matrix, k=10)
    monkeypatch.setattr(itemknn, "DENSE_SHARE", -1.0)  # every block dense
    dense = itemknn.cosine_neighbours(matrix, k=10)
    assert np.array_equal(sparse.scores, dense.scores)
    assert (sparse.neighbours >= 0).sum() > 1000
    for row in range(400):
        # The same neighbours, except where ties at the k-th place leave a free choice.
        kth = dense.scores[row, -1]
        above = [
            set(zip(n[row][s[row] > kth], s[row][s[row] > kth], strict=True))
            for n, s in ((sparse.neighbours, sparse.scores), (dense.neighbours, dense.scores))
        ]
        assert above[0] == above[1]
