"""The discover feed's precomputed structures: how jobs build them, how they are stored,
and how a process reads them (by key, from memory).

``rebuild`` (the ``feed.rebuild`` job) turns database rows into arrays, runs the library's
``build_snapshot`` (co-engagement and content-embedding neighbour lists, ALS factors,
trending, interest pools, per-note statistics) and stores:

* one ``FeedArtifact`` "snapshot": a compressed npz of per-note arrays indexed densely by
  the position of the note id in ``note_ids`` (sorted), plus JSON metadata;
* one ``UserRecs`` row per person in the fit (their ALS vector and top notes), read by
  primary key per request;

``train_ranker`` (the ``feed.train_ranker`` job) fits the multi-outcome ranker on logged
impressions and stores it as a JSON ``FeedArtifact`` "ranker"; without enough data there
is none and requests use the library's heuristic weights.

``current()`` returns the newest snapshot and ranker, kept in process memory and reloaded
when a newer version appears (one small indexed query per request checks). Nothing here
scans notes or events at request time.
"""

from __future__ import annotations

import dataclasses
import functools
import io
import itertools
import json
import logging
import threading
import time
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
import scipy.sparse as sp
from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils import timezone

from vermilion.core import memory
from vermilion.core.ids import new_id

from . import understanding
from .models import Event, FeedArtifact, FeedPreference, Hide, NoteFeatures, UserRecs
from .recsys.als import ALSModel
from .recsys.candidates import CandidateIndex, CandidateSet, merge
from .recsys.interactions import History
from .recsys.itemknn import NeighbourIndex
from .recsys.pipeline import PipelineConfig, Snapshot, build_snapshot
from .recsys.popularity import decayed_counts
from .recsys.ranker import OUTCOMES, ItemStats, observed_rate

log = logging.getLogger("vermilion.feed")

SNAPSHOT = "snapshot"
RANKER = "ranker"
#: Versions of each artifact kept in the database (the newest is served).
KEEP_VERSIONS = 2
#: A process looks for newer versions at most this often (a build every half hour is seen
#: within seconds; requests in between skip the query).
VERSION_CHECK_SECONDS = 2.0
FORMAT = 1
DAY = 86_400.0

#: The platform's pipeline settings (the library's defaults are MovieLens's): shorter
#: neighbour lists (memory per note), faster-moving trending, deeper interest pools
#: (a channel is read from one).
CONFIG = PipelineConfig(
    knn_neighbours=50,
    embedding_neighbours=30,
    als_top_n=100,
    trending_half_life_seconds=2 * DAY,
    trending_top_n=300,
    pool_size=500,
)

#: What each signal says about interest. A hide cancels a like and more: the pair's summed
#: weight decides whether the note counts as engaged with.
SIGNAL_WEIGHTS: Mapping[str, float] = {
    "like": 2.0,
    "comment": 3.0,
    "collect": 4.0,
    "share": 4.0,
    "long_dwell": 1.0,
    "hide": -8.0,
}
KINDS: tuple[str, ...] = tuple(SIGNAL_WEIGHTS)
#: A dwell on an opened note at least this long counts as interest.
LONG_DWELL_MS = 8_000
#: Signals older than this are not read (the matrix decays them anyway).
WINDOW_DAYS = 180
#: Bounds that keep a rebuild's time and memory in check on a large instance.
MAX_SIGNALS_PER_KIND = 2_000_000
#: Notes a snapshot covers (the newest): the catalogue the discover feed ranks.
MAX_ITEMS = 200_000
#: Content-embedding neighbour lists are computed for at most this many notes (recently
#: engaged-with first: theirs are the lists requests read), each against every note.
MAX_EMBEDDING_ROWS = 10_000
#: Note embeddings kept in memory for the ``embedding_sim`` feature are projected to this
#: many dimensions (PCA), float16: 128 bytes per note instead of 2 KiB.
PROJECTED_DIMS = 64
#: Observed rates start at the site-wide rate and trust a note's own numbers after about
#: this many impressions; they are left out until the site has logged a few hundred.
RATE_STRENGTH = 50.0
MIN_IMPRESSIONS_FOR_RATES = 200
#: Interest pools: engaged-with notes first (by decayed engagement), then the others
#: newest first, so a new instance still fills pools for new readers.
POOL_FRESHNESS_HALF_LIFE = 7 * DAY

#: Ranker training: impressions of the last days, bounded rows and people per run.
RANKER_WINDOW_DAYS = 14
RANKER_MAX_IMPRESSIONS = 200_000
RANKER_MAX_USERS = 5_000
#: Fewer logged impressions than this: keep the heuristic.
RANKER_MIN_IMPRESSIONS = 500


def epoch(value: datetime) -> float:
    return value.timestamp()


# --- the snapshot a process serves from -----------------------------------------------------


def ranges(starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """The positions ``starts[i] .. starts[i] + counts[i] - 1`` of every ``i``, one range
    after the other (the rows of CSR arrays gathered at once)."""
    counts = np.asarray(counts, np.int64)
    ends = np.cumsum(counts)
    # Each position: its range's start plus its offset within the range.
    offsets = np.arange(ends[-1] if len(ends) else 0) - np.repeat(ends - counts, counts)
    return np.repeat(np.asarray(starts, np.int64), counts) + offsets


class TopicLists(Sequence):
    """Each note's topic indices, read from CSR arrays (no list per note in memory)."""

    def __init__(self, indptr: np.ndarray, indices: np.ndarray):
        self.indptr = np.asarray(indptr, np.int64)
        self.indices = np.asarray(indices, np.int32)

    def __len__(self) -> int:
        return len(self.indptr) - 1

    def __getitem__(self, item: int) -> list[int]:  # type: ignore[override]
        return self.indices[self.indptr[item] : self.indptr[item + 1]].tolist()

    def take(self, rows: np.ndarray) -> TopicLists:
        """The lists of ``rows`` (indices into these), in that order, gathered at once."""
        rows = np.asarray(rows, np.int64)
        starts = self.indptr[rows]
        counts = self.indptr[rows + 1] - starts
        indptr = np.zeros(len(rows) + 1, np.int64)
        np.cumsum(counts, out=indptr[1:])
        return TopicLists(indptr, self.indices[ranges(starts, counts)])

    def rows_with(self, topics: Collection[int]) -> np.ndarray:
        """Mask of the lists holding any of ``topics``."""
        out = np.zeros(len(self), bool)
        if len(topics) and len(self.indices):
            hit = np.isin(self.indices, np.fromiter(topics, np.int64, len(topics)))
            rows = np.repeat(np.arange(len(self)), np.diff(self.indptr))
            out[rows[hit]] = True
        return out

    @classmethod
    def joined(cls, parts: Sequence[TopicLists]) -> TopicLists:
        """One after the other."""
        indptr = [np.zeros(1, np.int64)]
        total = 0
        for part in parts:
            indptr.append(part.indptr[1:] + total)
            total += int(part.indptr[-1])
        indices = [p.indices for p in parts] + [np.empty(0, np.int32)]
        return cls(np.concatenate(indptr), np.concatenate(indices))

    @classmethod
    def from_lists(cls, lists: Sequence[Sequence[int]]) -> TopicLists:
        indptr = np.zeros(len(lists) + 1, np.int64)
        indptr[1:] = np.cumsum([len(t) for t in lists])
        flat = [t for ts in lists for t in ts]
        return cls(indptr, np.asarray(flat, np.int32))

    def matrix(self, n_topics: int) -> sp.csr_matrix:
        """Note x topic with L2-normalised rows (as ``ranker.topic_matrix`` builds it)."""
        counts = np.diff(self.indptr)
        data = np.repeat(1.0 / np.sqrt(np.maximum(counts, 1)), counts).astype(np.float32)
        return sp.csr_matrix((data, self.indices, self.indptr), shape=(len(self), max(1, n_topics)))


@dataclass
class FeedSnapshot:
    """A stored snapshot, loaded: the library's ``Snapshot`` (dense note indices) plus what
    the platform needs around it. ``lib`` is None for the empty snapshot served before
    the first build."""

    version: int
    built_at: float
    note_ids: np.ndarray  # int64, sorted: dense index = position
    lib: Snapshot | None
    topic_slugs: list[str]
    topic_names: dict[str, tuple[str, str]]  # slug -> (English, Chinese)
    impressions: np.ndarray  # logged impressions per note (exploration's Beta priors)
    projection: np.ndarray | None  # (512, PROJECTED_DIMS) or None: embeddings kept as is
    rate_priors: dict[str, float] = field(default_factory=dict)
    meta: dict = field(default_factory=dict)

    @property
    def n_items(self) -> int:
        return len(self.note_ids)

    def dense(self, note_ids: Sequence[int] | np.ndarray) -> np.ndarray:
        """Dense indices of note ids; -1 for notes the snapshot does not know."""
        ids = np.asarray(note_ids, np.int64)
        if self.n_items == 0 or len(ids) == 0:
            return np.full(len(ids), -1, np.int64)
        pos = np.searchsorted(self.note_ids, ids)
        pos = np.minimum(pos, self.n_items - 1)
        return np.where(self.note_ids[pos] == ids, pos, -1).astype(np.int64)

    @functools.cached_property
    def by_author(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Each author's notes, newest first, as CSR arrays: ``(authors ascending,
        indptr, dense indices)`` (made once per snapshot: ``unpack`` does)."""
        if self.lib is None or self.n_items == 0:
            return np.empty(0, np.int64), np.zeros(1, np.int64), np.empty(0, np.int64)
        authors = np.asarray(self.lib.stats.authors, np.int64)
        # By author, then newest (highest dense index) first.
        order = np.lexsort((-np.arange(len(authors)), authors))
        keys, starts = np.unique(authors[order], return_index=True)
        return keys, np.append(starts, len(order)).astype(np.int64), order

    def newest_by(self, authors: Sequence[int], per_author: int) -> np.ndarray:
        """Dense indices of the newest ``per_author`` notes of each of ``authors`` that
        the snapshot knows, author by author (newest first within each)."""
        keys, indptr, order = self.by_author
        wanted = np.asarray(authors, np.int64)
        if len(keys) == 0 or len(wanted) == 0:
            return np.empty(0, np.int64)
        pos = np.minimum(np.searchsorted(keys, wanted), len(keys) - 1)
        pos = pos[keys[pos] == wanted]
        starts = indptr[pos]
        return order[ranges(starts, np.minimum(indptr[pos + 1] - starts, per_author))]

    def topics_of(self, dense: np.ndarray) -> TopicLists:
        """The topic lists of notes the snapshot knows (dense indices), in that order."""
        source = self.lib.item_topics
        if not isinstance(source, TopicLists):  # (a snapshot built in this process)
            source = TopicLists.from_lists(source)
        return source.take(dense)

    def topic_index(self, slug: str) -> int | None:
        try:
            return self.topic_slugs.index(slug)
        except ValueError:
            return None

    def project(self, vectors: np.ndarray) -> np.ndarray:
        """Full note embeddings as the snapshot keeps them (projected, unit length)."""
        v = np.asarray(vectors, np.float32)
        if self.projection is not None:
            v = v @ self.projection
        norms = np.linalg.norm(v, axis=-1, keepdims=True)
        return np.divide(v, norms, out=np.zeros_like(v), where=norms > 0)

    @classmethod
    def empty(cls, interests: Sequence[tuple[str, str, str]]) -> FeedSnapshot:
        return cls(
            version=0,
            built_at=0.0,
            note_ids=np.empty(0, np.int64),
            lib=None,
            topic_slugs=[i[0] for i in interests],
            topic_names={i[0]: (i[1], i[2]) for i in interests},
            impressions=np.empty(0, np.int32),
            projection=None,
        )


def _pack_neighbours(prefix: str, index: NeighbourIndex | None, out: dict) -> None:
    if index is not None:
        out[f"{prefix}_nbrs"] = index.neighbours.astype(np.int32)
        out[f"{prefix}_scores"] = index.scores.astype(np.float16)


def _unpack_neighbours(prefix: str, arrays: Mapping[str, np.ndarray]) -> NeighbourIndex | None:
    if f"{prefix}_nbrs" not in arrays:
        return None
    return NeighbourIndex(arrays[f"{prefix}_nbrs"], arrays[f"{prefix}_scores"].astype(np.float32))


def pack(snap: FeedSnapshot) -> tuple[bytes, dict]:
    """The stored form: npz bytes and JSON metadata."""
    lib = snap.lib
    assert lib is not None
    stats, index = lib.stats, lib.index
    topics = lib.item_topics
    assert isinstance(topics, TopicLists)
    arrays: dict[str, np.ndarray] = {
        "note_ids": snap.note_ids,
        "authors": np.asarray(stats.authors, np.int64),
        "created_at": np.asarray(stats.created_at, np.float64),
        "popularity": stats.popularity.astype(np.float32),
        "trending": np.asarray(stats.trending, np.float32),
        "impressions": snap.impressions.astype(np.int32),
        "topic_indptr": topics.indptr,
        "topic_indices": topics.indices,
        "item_factors": lib.als.item_factors.astype(np.float32),
        "trend_items": np.asarray(index.trending_items, np.int64),
        "trend_scores": np.asarray(index.trending_scores, np.float32),
    }
    if stats.embeddings is not None:
        arrays["embeddings"] = np.asarray(stats.embeddings, np.float16)
    if snap.projection is not None:
        arrays["projection"] = snap.projection.astype(np.float32)
    for outcome, rate in stats.rates.items():
        arrays[f"rate_{outcome}"] = np.asarray(rate, np.float32)
    _pack_neighbours("knn", index.knn, arrays)
    _pack_neighbours("emb", index.embedding, arrays)
    pool_topics = sorted(index.pools)
    pool_lists = [np.asarray(index.pools[t], np.int64) for t in pool_topics]
    arrays["pool_topics"] = np.asarray(pool_topics, np.int64)
    arrays["pool_indptr"] = np.concatenate([[0], np.cumsum([len(p) for p in pool_lists])]).astype(
        np.int64
    )
    arrays["pool_items"] = (
        np.concatenate(pool_lists) if pool_lists else np.empty(0, np.int64)
    ).astype(np.int64)
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    meta = {
        **snap.meta,
        "format": FORMAT,
        "built_at": snap.built_at,
        "topic_slugs": snap.topic_slugs,
        "topic_names": {k: list(v) for k, v in snap.topic_names.items()},
        "rate_priors": snap.rate_priors,
        "als": {"factors": lib.als.config.factors},
    }
    return buf.getvalue(), meta


def unpack(version: int, blob: bytes, meta: Mapping) -> FeedSnapshot:
    with np.load(io.BytesIO(bytes(blob)), allow_pickle=False) as npz:
        arrays = {name: npz[name] for name in npz.files}
    slugs = list(meta["topic_slugs"])
    topics = TopicLists(arrays["topic_indptr"], arrays["topic_indices"])
    pools = {}
    indptr, pool_items = arrays["pool_indptr"], arrays["pool_items"]
    for j, t in enumerate(arrays["pool_topics"].tolist()):
        pools[int(t)] = pool_items[indptr[j] : indptr[j + 1]]
    rates = {o: arrays[f"rate_{o}"] for o in OUTCOMES if f"rate_{o}" in arrays}
    factors = arrays["item_factors"]
    embeddings = arrays.get("embeddings")
    stats = ItemStats(
        popularity=arrays["popularity"],
        trending=arrays["trending"],
        created_at=arrays["created_at"],
        topics=topics.matrix(len(slugs)),
        authors=arrays["authors"],
        embeddings=embeddings,
        factors=factors,
        rates=rates,
    )
    index = CandidateIndex(
        knn=_unpack_neighbours("knn", arrays),
        embedding=_unpack_neighbours("emb", arrays),
        trending_items=arrays["trend_items"],
        trending_scores=arrays["trend_scores"],
        pools=pools,
    )
    als = ALSModel(np.zeros((0, factors.shape[1]), np.float32), factors, CONFIG.als)
    lib = Snapshot(
        n_users=0,
        n_items=len(arrays["note_ids"]),
        config=CONFIG,
        index=index,
        als=als,
        als_top_items=np.zeros((0, 0), np.int64),
        als_top_scores=np.zeros((0, 0), np.float32),
        stats=stats,
        item_topics=topics,
    )
    snap = FeedSnapshot(
        version=version,
        built_at=float(meta.get("built_at", 0.0)),
        note_ids=arrays["note_ids"],
        lib=lib,
        topic_slugs=slugs,
        topic_names={k: (v[0], v[1]) for k, v in meta.get("topic_names", {}).items()},
        impressions=arrays["impressions"],
        projection=arrays.get("projection"),
        rate_priors=dict(meta.get("rate_priors", {})),
        meta=dict(meta),
    )
    snap.by_author  # noqa: B018  (made now, not by the first request to follow someone)
    return snap


# --- storage and the in-process cache -------------------------------------------------------

_lock = threading.Lock()
_loaded: dict[str, tuple[int, object]] = {}
_versions_checked: list = [-VERSION_CHECK_SECONDS, {}]  # [monotonic time, {name: version}]


def store(name: str, blob: bytes, meta: dict, version: int | None = None) -> int:
    """Save a new version of an artifact and drop all but the newest ``KEEP_VERSIONS``."""
    version = version or new_id()
    with transaction.atomic():
        FeedArtifact.objects.create(name=name, version=version, blob=blob, meta=meta)
        old = FeedArtifact.objects.filter(name=name).order_by("-version")[KEEP_VERSIONS:]
        FeedArtifact.objects.filter(pk__in=[a.pk for a in old]).delete()
    _versions_checked[0] = -VERSION_CHECK_SECONDS  # this process sees it at once
    return version


def latest_versions() -> dict[str, int]:
    """The newest version of each artifact (one indexed query on a tiny table)."""
    return dict(
        FeedArtifact.objects.values("name").annotate(v=Max("version")).values_list("name", "v")
    )


def _load(name: str, version: int):
    row = FeedArtifact.objects.filter(name=name, version=version).values("blob", "meta").first()
    if row is None:
        return None
    if name == SNAPSHOT:
        return unpack(version, row["blob"], row["meta"])
    from .recsys.ranker import Ranker

    try:
        return Ranker.from_dict(json.loads(bytes(row["blob"])))
    except (ValueError, KeyError):
        log.warning("stored ranker %s does not fit this code: using the heuristic", version)
        return None


def current() -> tuple[FeedSnapshot | None, object | None]:
    """The newest snapshot and ranker (None when never built), from memory when their
    versions have not moved since they were loaded."""
    now = time.monotonic()
    if now - _versions_checked[0] >= VERSION_CHECK_SECONDS:
        _versions_checked[:] = [now, latest_versions()]
    versions = _versions_checked[1]
    out = []
    for name in (SNAPSHOT, RANKER):
        version = versions.get(name)
        cached = _loaded.get(name)
        if version is None:
            _loaded.pop(name, None)
            out.append(None)
        elif cached is not None and cached[0] == version:
            out.append(cached[1])
        else:
            with _lock:
                cached = _loaded.get(name)
                if cached is None or cached[0] != version:
                    started = time.monotonic()
                    cached = (version, _load(name, version))
                    _loaded[name] = cached
                    memory.settle_again()  # kept until the next build: out of GC walks
                    log.info("loaded %s %s in %.2fs", name, version, time.monotonic() - started)
            out.append(cached[1])
    return out[0], out[1]


def forget() -> None:
    """Drop what this process holds (tests; a build in this process)."""
    _loaded.clear()
    _versions_checked[:] = [-VERSION_CHECK_SECONDS, {}]


# --- reading the database for a build -------------------------------------------------------


@dataclass
class Signals:
    """Engagement signals as parallel arrays (database ids, kind index into ``KINDS``)."""

    users: np.ndarray
    notes: np.ndarray
    kinds: np.ndarray
    ts: np.ndarray

    def __len__(self) -> int:
        return len(self.users)


def load_signals(since: datetime, *, limit: int = MAX_SIGNALS_PER_KIND) -> Signals:
    """Likes, collects, comments, long dwells, shares and hides since ``since``, newest
    ``limit`` of each kind, minus what a person's "reset my recommendations" erased."""
    from vermilion.engagement.models import Collect, Comment, Like

    users: list[int] = []
    notes: list[int] = []
    kinds: list[int] = []
    ts: list[float] = []

    def add(kind: str, rows) -> None:
        k = KINDS.index(kind)
        for user, note, created in rows:
            users.append(user)
            notes.append(note)
            kinds.append(k)
            ts.append(created.timestamp())

    columns = ("user_id", "note_id", "created_at")
    recent = {"created_at__gte": since}
    add("like", Like.objects.filter(**recent).order_by("-id").values_list(*columns)[:limit])
    add("collect", Collect.objects.filter(**recent).order_by("-id").values_list(*columns)[:limit])
    add(
        "comment",
        Comment.objects.filter(**recent)
        .order_by("-id")
        .values_list("author_id", "note_id", "created_at")[:limit],
    )
    add(
        "hide",
        Hide.objects.filter(scope=Hide.Scope.NOTE, note__isnull=False, **recent)
        .order_by("-id")
        .values_list(*columns)[:limit],
    )
    event_kind = {
        Event.Type.DWELL: "long_dwell",
        Event.Type.COMPLETE: "long_dwell",
        Event.Type.SHARE: "share",
        Event.Type.HIDE: "hide",
    }
    events = (
        Event.objects.filter(**recent)
        .filter(
            Q(type=Event.Type.DWELL, ms__gte=LONG_DWELL_MS)
            | Q(type__in=[Event.Type.COMPLETE, Event.Type.SHARE, Event.Type.HIDE])
        )
        .order_by("-id")
        .values_list("user_id", "note_id", "type", "created_at")[:limit]
    )
    for user, note, kind, created in events:
        users.append(user)
        notes.append(note)
        kinds.append(KINDS.index(event_kind[kind]))
        ts.append(created.timestamp())

    out = Signals(
        np.asarray(users, np.int64),
        np.asarray(notes, np.int64),
        np.asarray(kinds, np.int8),
        np.asarray(ts, np.float64),
    )
    resets = dict(
        FeedPreference.objects.filter(reset_at__isnull=False).values_list("user_id", "reset_at")
    )
    if resets and len(out):
        cut = np.array([resets[u].timestamp() if u in resets else -np.inf for u in out.users])
        keep = out.ts >= cut
        out = Signals(out.users[keep], out.notes[keep], out.kinds[keep], out.ts[keep])
    return out


def _catalogue(limit: int | None = None):
    """The notes the snapshot covers: the newest ``limit`` (``MAX_ITEMS``) public notes of
    active people, as ``(ids ascending, authors, created_at)``."""
    limit = MAX_ITEMS if limit is None else limit
    from vermilion.notes.models import Note, Visibility

    rows = list(
        Note.objects.filter(visibility=Visibility.PUBLIC, author__is_active=True)
        .order_by("-id")
        .values_list("id", "author_id", "created_at")[:limit]
    )
    rows.reverse()
    ids = np.fromiter((r[0] for r in rows), np.int64, len(rows))
    authors = np.fromiter((r[1] for r in rows), np.int64, len(rows))
    created = np.fromiter((r[2].timestamp() for r in rows), np.float64, len(rows))
    return ids, authors, created


def _features(note_ids: np.ndarray, topic_of: Mapping[str, int]):
    """Content embeddings (zeros when missing) and topic lists, in ``note_ids`` order."""
    n = len(note_ids)
    embeddings = np.zeros((n, understanding.EMBEDDING_DIMS), np.float32)
    topics: list[list[int]] = [[] for _ in range(n)]
    if n == 0:
        return embeddings, topics
    rows = (
        NoteFeatures.objects.filter(note_id__gte=int(note_ids[0]))
        .values_list("note_id", "embedding", "embedding_model", "topics")
        .iterator(chunk_size=2000)
    )
    for note_id, blob, model, note_topics in rows:
        pos = int(np.searchsorted(note_ids, note_id))
        if pos >= n or note_ids[pos] != note_id:
            continue
        vector = understanding.from_bytes(blob) if model == understanding.EMBEDDING_MODEL else None
        if vector is not None:
            embeddings[pos] = vector
        topics[pos] = [topic_of[s] for s in (note_topics or {}) if s in topic_of]
    return embeddings, topics


def _impressions(since: datetime, note_ids: np.ndarray) -> np.ndarray:
    counts = np.zeros(len(note_ids), np.int64)
    rows = (
        Event.objects.filter(type=Event.Type.IMPRESSION, created_at__gte=since)
        .values("note_id")
        .annotate(n=Count("id"))
        .values_list("note_id", "n")
    )
    for note_id, n in rows:
        pos = np.searchsorted(note_ids, note_id)
        if pos < len(note_ids) and note_ids[pos] == note_id:
            counts[pos] = n
    return counts


def _projection(unit: np.ndarray, valid: np.ndarray, dims: int, seed: int = 0):
    """A PCA basis (512 x dims) of the notes' embeddings, or None when there are too few
    notes to fit one (their embeddings are then kept whole: a small catalogue)."""
    rows = np.flatnonzero(valid)
    if len(rows) < 4 * dims:
        return None
    rng = np.random.default_rng(seed)
    sample = unit[rng.choice(rows, size=min(len(rows), 20_000), replace=False)]
    _, _, vt = np.linalg.svd(sample, full_matrices=False)
    return np.ascontiguousarray(vt[:dims].T, np.float32)


def _aggregate_pairs(user_idx: np.ndarray, items: np.ndarray, w: np.ndarray, ts: np.ndarray, n):
    """One entry per (person, note): summed weights (a hide can cancel a like), last time."""
    key = user_idx * n + items
    uniq, inverse = np.unique(key, return_inverse=True)
    weight = np.bincount(inverse, weights=w).astype(np.float32)
    last = np.full(len(uniq), -np.inf)
    np.maximum.at(last, inverse, ts)
    return uniq // n, uniq % n, weight, last


@dataclass
class BuildReport:
    version: int | None
    notes: int = 0
    people: int = 0
    signals: int = 0
    seconds: dict[str, float] = field(default_factory=dict)


def rebuild(now: datetime | None = None) -> BuildReport:
    """Build and store a new snapshot and everyone's ALS part. Idempotent: a rerun on the
    same data stores an equivalent new version."""
    from vermilion.accounts.models import Interest

    started = time.monotonic()
    clock: dict[str, float] = {}
    last = [started]

    def lap(name: str) -> None:
        t = time.monotonic()
        clock[name] = round(t - last[0], 3)
        last[0] = t

    now = now or timezone.now()
    t_now = now.timestamp()
    interests = list(Interest.objects.values_list("slug", "name_en", "name_zh"))
    slugs = [i[0] for i in interests]
    topic_of = {s: j for j, s in enumerate(slugs)}
    note_ids, authors, created = _catalogue()
    n_items = len(note_ids)
    if n_items == 0:
        return BuildReport(version=None)
    signals = load_signals(now - timedelta(days=WINDOW_DAYS))
    lap("read_signals")

    pos = np.searchsorted(note_ids, signals.notes)
    pos = np.minimum(pos, n_items - 1)
    known = note_ids[pos] == signals.notes
    own = known & (authors[pos] == signals.users)  # engaging with your own notes says little
    keep = known & ~own
    items, sig_users, kinds, ts = (
        pos[keep],
        signals.users[keep],
        signals.kinds[keep],
        signals.ts[keep],
    )
    table = np.array([SIGNAL_WEIGHTS[k] for k in KINDS], np.float64)
    user_ids, user_idx = np.unique(sig_users, return_inverse=True)
    pu, pi, pw, pts = _aggregate_pairs(user_idx, items, table[kinds], ts, n_items)
    positive = pw > 0

    impressions = _impressions(now - timedelta(days=RANKER_WINDOW_DAYS), note_ids)
    rates: dict[str, np.ndarray] = {}
    priors: dict[str, float] = {}
    if impressions.sum() >= MIN_IMPRESSIONS_FOR_RATES:
        outcome_kind = {"like": "like", "collect": "collect", "comment": "comment"}
        outcome_kind |= {"long_dwell": "long_dwell", "hide": "hide"}
        for outcome in OUTCOMES:
            counts = np.bincount(
                items[kinds == KINDS.index(outcome_kind[outcome])], minlength=n_items
            ).astype(np.float64)
            prior = float(counts.sum() / impressions.sum())
            priors[outcome] = prior
            rates[outcome] = observed_rate(
                counts, impressions.astype(np.float64), prior=prior, strength=RATE_STRENGTH
            )
    embeddings, topic_lists = _features(note_ids, topic_of)
    lap("read_notes")

    valid = np.linalg.norm(embeddings, axis=1) > 0
    rows = None
    if n_items > MAX_EMBEDDING_ROWS:
        # Recently engaged-with notes first (theirs are the lists requests read), then the
        # newest notes.
        by_recency = pi[np.argsort(-pts, kind="stable")].tolist()
        picks = dict.fromkeys([*by_recency, *range(n_items - 1, -1, -1)])
        rows = np.fromiter(itertools.islice(picks, MAX_EMBEDDING_ROWS), np.int64)
    engagement = decayed_counts(
        pi[positive],
        pts[positive],
        n_items=n_items,
        now=t_now,
        half_life_seconds=CONFIG.trending_half_life_seconds,
        weights=pw[positive],
    ).astype(np.float64)
    freshness = np.maximum(np.power(0.5, (t_now - created) / POOL_FRESHNESS_HALF_LIFE), 1e-9)
    pool_scores = engagement + 1e-3 * freshness
    lib = build_snapshot(
        pu[positive],
        pi[positive],
        pw[positive],
        pts[positive],
        n_users=len(user_ids),
        n_items=n_items,
        now=t_now,
        config=CONFIG,
        item_topics=topic_lists,
        n_topics=len(slugs),
        item_authors=authors,
        created_at=created,
        rates=rates,
        content_embeddings=embeddings if valid.any() else None,
        embedding_rows=rows,
        pool_scores=pool_scores,
    )
    lap("fit")

    # Followed creators' notes are gathered per request (``FeedSnapshot.newest_by``).
    lib.index.author_items = {}
    projection = None
    if lib.stats.embeddings is not None and valid.any():
        projection = _projection(lib.stats.embeddings, valid, PROJECTED_DIMS)
    snap = FeedSnapshot(
        version=0,
        built_at=t_now,
        note_ids=note_ids,
        lib=lib,
        topic_slugs=slugs,
        topic_names={s: (en, zh) for s, en, zh in interests},
        impressions=impressions.astype(np.int32),
        projection=projection,
        rate_priors=priors,
    )
    if lib.stats.embeddings is not None:
        lib.stats.embeddings = snap.project(lib.stats.embeddings).astype(np.float16)
    lib.item_topics = TopicLists.from_lists(topic_lists)
    snap.meta = {
        "notes": n_items,
        "people": int(len(user_ids)),
        "signals": int(len(items)),
        "pairs": int(positive.sum()),
        "embedded_notes": int(valid.sum()),
    }
    blob, meta = pack(snap)
    lap("pack")

    version = new_id()
    recs = []
    for u, uid in enumerate(user_ids.tolist()):
        top = lib.als_top_items[u]
        ok = top >= 0
        recs.append(
            UserRecs(
                user_id=uid,
                version=version,
                factor=lib.als.user_factors[u].astype(np.float32).tobytes(),
                items=note_ids[top[ok]].astype(np.int64).tobytes(),
                scores=lib.als_top_scores[u][ok].astype(np.float32).tobytes(),
            )
        )
    with transaction.atomic():
        for start in range(0, len(recs), 1000):
            UserRecs.objects.bulk_create(
                recs[start : start + 1000],
                update_conflicts=True,
                unique_fields=["user"],
                update_fields=["version", "factor", "items", "scores"],
            )
        UserRecs.objects.exclude(version=version).delete()
        meta["seconds"] = dict(clock)
        store(SNAPSHOT, blob, meta, version=version)
    lap("store")
    forget()
    report = BuildReport(version, n_items, len(user_ids), len(items))
    report.seconds = {**clock, "total": round(time.monotonic() - started, 3)}
    log.info("feed snapshot %s: %s", version, report)
    return report


# --- request-time pieces shared with training -----------------------------------------------


@dataclass
class LiveNote:
    """A candidate read from the database rather than the snapshot (posted since the last
    build): what the features need to know about it."""

    author_id: int
    created_at: float
    engagement: float  # weighted like the matrix (likes, collects, comments)
    topics: list[int] = field(default_factory=list)
    embedding: np.ndarray | None = None


def live_engagement(likes: int, collects: int, comments: int) -> float:
    return (
        SIGNAL_WEIGHTS["like"] * likes
        + SIGNAL_WEIGHTS["collect"] * collects
        + SIGNAL_WEIGHTS["comment"] * comments
    )


def local_stats(
    snap: FeedSnapshot, note_ids: np.ndarray, live: Mapping[int, LiveNote]
) -> tuple[ItemStats, TopicLists, np.ndarray]:
    """Statistics of a request's candidates only (indexed 0..m-1 in ``note_ids`` order),
    from the snapshot for the notes it knows and from ``live`` for the others, keeping the
    catalogue-wide scales (``popularity_top``, ``trending_top``) the ranker learned on.

    Returns the stats, each candidate's topic indices and its author id.
    """
    m = len(note_ids)
    dense = snap.dense(note_ids)
    known = dense >= 0
    lib = snap.lib
    popularity = np.zeros(m, np.float32)
    trending = np.zeros(m, np.float32)
    created = np.zeros(m, np.float64)
    authors = np.zeros(m, np.int64)

    dims = (
        lib.stats.embeddings.shape[1]
        if lib is not None and lib.stats.embeddings is not None
        else understanding.EMBEDDING_DIMS
    )
    embeddings = np.zeros((m, dims), np.float32)
    n_factors = lib.als.item_factors.shape[1] if lib is not None else 0
    factors = np.zeros((m, n_factors), np.float32)
    rates = {o: np.full(m, p, np.float32) for o, p in snap.rate_priors.items()}
    if lib is not None and known.any():
        d = dense[known]
        st = lib.stats
        popularity[known] = st.popularity[d]
        trending[known] = st.trending[d]
        created[known] = st.created_at[d]
        authors[known] = st.authors[d]
        if st.embeddings is not None:
            embeddings[known] = st.embeddings[d]
        factors[known] = st.factors[d]
        for o in rates:
            if o in st.rates:
                rates[o][known] = st.rates[o][d]
    # Each candidate's topics: the snapshot's lists gathered at once, then the live ones'
    # (as CSR arrays, in candidate order).
    live_topics: list[list[int]] = []
    for j in np.flatnonzero(~known):
        note = live.get(int(note_ids[j]))
        live_topics.append(list(note.topics) if note is not None else [])
        if note is None:
            continue
        popularity[j] = trending[j] = note.engagement
        created[j] = note.created_at
        authors[j] = note.author_id
        if note.embedding is not None:
            embeddings[j] = snap.project(note.embedding)
    if lib is not None and known.any():
        gathered = TopicLists.joined(
            [snap.topics_of(dense[known]), TopicLists.from_lists(live_topics)]
        )
        order = np.argsort(np.concatenate([np.flatnonzero(known), np.flatnonzero(~known)]))
        topics = gathered.take(order)
    else:
        topics = TopicLists.from_lists(live_topics)
    topic_matrix = topics.matrix(len(snap.topic_slugs))
    has_embeddings = lib is not None and lib.stats.embeddings is not None
    stats = ItemStats(
        popularity=popularity,
        trending=trending,
        created_at=created,
        topics=topic_matrix,
        authors=authors,
        embeddings=embeddings if has_embeddings else None,
        factors=factors if lib is not None else None,
        rates=rates,
        popularity_top=float(lib.stats.popularity.max()) if lib is not None else None,
        trending_top=float(lib.stats.trending.max()) if lib is not None else None,
    )
    return stats, topics, authors


def subset_stats(stats: ItemStats, keep: np.ndarray) -> ItemStats:
    """``local_stats``'s result for the candidates ``keep`` (a boolean mask) selects."""

    def pick(value):
        return value[keep] if value is not None else None

    return dataclasses.replace(
        stats,
        popularity=stats.popularity[keep],
        trending=pick(stats.trending),
        created_at=pick(stats.created_at),
        topics=pick(stats.topics),
        authors=pick(stats.authors),
        embeddings=pick(stats.embeddings),
        factors=pick(stats.factors),
        rates={o: r[keep] for o, r in stats.rates.items()},
    )


def to_local(cands: CandidateSet, snap: FeedSnapshot) -> CandidateSet:
    """A candidate set over dense snapshot indices, re-keyed by note id."""
    return CandidateSet(snap.note_ids[cands.items], cands.scores, cands.ranks)


def with_items(cands: CandidateSet, note_ids: np.ndarray) -> CandidateSet:
    """``cands`` plus untagged ``note_ids`` (impressed or backfilled notes no source
    proposed), keyed by note id."""
    extra = CandidateSet(
        np.asarray(note_ids, np.int64),
        {s: np.zeros(len(note_ids), np.float32) for s in cands.scores},
        {s: np.full(len(note_ids), -1, np.int32) for s in cands.ranks},
    )
    return merge(cands, extra)


def history_of(snap: FeedSnapshot, notes, weights, ts) -> History:
    """A history over dense snapshot indices (notes it does not know are left out)."""
    dense = snap.dense(np.asarray(notes, np.int64))
    ok = dense >= 0
    return History(dense[ok], np.asarray(weights, np.float32)[ok], np.asarray(ts, np.float64)[ok])
