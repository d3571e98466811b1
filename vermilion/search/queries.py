"""Searching notes, people and hashtags; suggestions; hot searches; history.

Notes (``search_notes``), one page at a time:

1. The query's terms (``analysis.query_terms``). A query with no letters or digits is
   refused (``empty_query``), one over ``QUERY_MAX_CHARS`` too (``query_too_long``).
2. Candidates from the engine (``engines``), newest first, at most ``CANDIDATES`` of each
   kind and ``MAX_CANDIDATES`` in all:
   notes with every term (*exact*); when those are few, notes with some (*partial*); for a
   Latin word the vocabulary does not know, the closest known words by trigram similarity
   stand in (*fuzzy*: "hotpt" finds "hotpot"); and, ranked below all of those, notes whose
   multilingual embedding is close to the query's (*semantic*: "hotpot" finds a note
   written only in Chinese about 火锅). Filters (kind, time range) apply in the engine.
3. Only what the searcher may see (``visible_notes_for``: private notes, followers-only
   notes of people they do not follow, blocked people either way, inactive authors).
4. Ranking: ``sort=relevance`` blends BM25 over the fields (title and hashtags weigh most),
   the share of the query's terms matched, engagement and freshness; ``latest`` is newest
   first, ``popular`` most engaged first (semantic matches only under relevance).
5. Snippets: title and an excerpt of the body around the first match, HTML-escaped, with
   the matched words in ``<mark>``.

Relevance is computed here, from the ``NoteDoc`` rows, not by the engines, so SQLite and
PostgreSQL rank alike. The cursor is the position in that order (pages of a stable
catalogue never repeat or skip).
"""

from __future__ import annotations

import hashlib
import html
import math
import time
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import regex
from django.core.cache import cache
from django.utils.translation import gettext as _

from vermilion.core import cursors
from vermilion.core.errors import Invalid
from vermilion.core.text import grapheme_len, normalize_tag

from . import analysis
from .engines import NOTE_FIELDS, NoteFilters, engine
from .models import HashtagDoc, HotSearch, NoteDoc, PopularQuery, SearchHistory, Term

PAGE_SIZE = 20
QUERY_MAX_CHARS = 100
#: Engine matches read per kind of match (the newest), and in all: relevance ranks these.
#: The bound keeps a query's cost flat however many notes match (at a million notes a
#: common word matches a third of them); the newest matches are the ones people want.
CANDIDATES = 200
MAX_CANDIDATES = 400
#: Partial matches are read only when fewer exact ones than this were found.
PARTIAL_BELOW = 60
#: A misspelt word is replaced by up to this many known words at least this similar.
FUZZY_WORDS = 3
FUZZY_MIN_SIMILARITY = 0.4
FUZZY_MIN_LENGTH = 4
#: Semantic matches: the closest notes by embedding, at least this similar.
SEMANTIC_CANDIDATES = 40
SEMANTIC_MIN_SIMILARITY = 0.3  # cosine of full 512-d embeddings (search_eval.py)
QUERY_EMBEDDING_TTL_SECONDS = 7 * 86_400
#: BM25 and the blend.
BM25_K1 = 1.2
BM25_B = 0.75
FIELD_WEIGHTS = {"title": 3.0, "tags": 2.5, "author": 1.5, "place": 1.0, "body": 1.0}
TAG_QUERY_WEIGHTS = {**FIELD_WEIGHTS, "tags": 6.0}
TEXT_WEIGHT = 1.0
ENGAGEMENT_WEIGHT = 0.25
FRESHNESS_WEIGHT = 0.15
FRESHNESS_HALF_LIFE_SECONDS = 30 * 86_400
SNIPPET_CHARS = 120
SORTS = ("relevance", "latest", "popular")
KINDS = ("image", "video")
MATCH_ORDER = {"exact": 0, "fuzzy": 1, "partial": 2, "semantic": 3}
SUGGESTIONS = 5
DOC_COUNT_TTL_SECONDS = 60


def check_query(q) -> str:
    """The query as searched (trimmed), or ``Invalid``."""
    if not isinstance(q, str):
        raise Invalid(_("Type something to search for."), code="empty_query", field="q")
    text = " ".join(q.split())
    if grapheme_len(text[: QUERY_MAX_CHARS * 8]) > QUERY_MAX_CHARS:
        raise Invalid(
            _("A search is at most %(max)s characters.") % {"max": QUERY_MAX_CHARS},
            code="query_too_long",
            field="q",
        )
    if not analysis.words(text):
        raise Invalid(
            _("Type a word, a name or a #tag to search for."), code="empty_query", field="q"
        )
    return text


def log_key(query: str) -> str:
    """The form a query is logged and suggested in: normalised, single-spaced."""
    return " ".join(analysis.normalize(query).split())[:QUERY_MAX_CHARS]


# --- notes ------------------------------------------------------------------------------------


@dataclass
class NoteHit:
    note_id: int
    match: str  # exact | fuzzy | partial | semantic
    score: float = 0.0
    note: object = None
    snippet: dict = field(default_factory=dict)


@dataclass
class NoteResults:
    hits: list[NoteHit]
    next_cursor: str | None
    corrected: list[tuple[str, str]] = field(default_factory=list)  # (typed, used)
    total: int = 0


def _doc_count() -> int:
    found = cache.get("search:doc_count")
    if found is None:
        found = NoteDoc.objects.count()
        cache.set("search:doc_count", found, DOC_COUNT_TTL_SECONDS)
    return max(1, found)


def _corrections(terms: list[str], df: dict[str, int]) -> tuple[list[str], list[tuple[str, str]]]:
    """Known words for the misspelt Latin terms (those the vocabulary lacks: ``df``, the
    terms' document frequencies, has none for them)."""
    latin = [t for t in terms if t.isascii() and t.isalpha() and len(t) >= FUZZY_MIN_LENGTH]
    if not latin:
        return [], []
    known = {t for t in latin if df.get(t, 0) > 0}
    eng = engine()
    words, corrected = [], []
    # Pinyin of a hashtag ("huoguo") stands for the hashtag (火锅).
    spelled = {
        pinyin: name
        for pinyin, name in HashtagDoc.objects.filter(
            pinyin__in=[t for t in latin if t not in known], hashtag__notes_count__gt=0
        )
        .order_by("hashtag__notes_count")
        .values_list("pinyin", "hashtag__name")
    }
    for term in latin:
        if term in known:
            continue
        if term in spelled:
            tag_terms = analysis.query_terms(spelled[term])
            words.extend(tag_terms)
            corrected.append((term, spelled[term]))
            continue
        scored = sorted(
            (
                (analysis.similarity(term, word), count, word)
                for word, count in eng.similar_terms(term)
                if word != term
            ),
            key=lambda s: (-s[0], -s[1], s[2]),
        )
        best = [w for sim, _n, w in scored[:FUZZY_WORDS] if sim >= FUZZY_MIN_SIMILARITY]
        words.extend(best)
        if best:
            corrected.append((term, best[0]))
    return words, corrected


def _query_vector(query: str) -> np.ndarray | None:
    """The query's multilingual embedding (cached: encoding takes tens of milliseconds)."""
    from vermilion.feed import understanding

    key = "search:qvec:" + hashlib.sha1(log_key(query).encode()).hexdigest()
    blob = cache.get(key)
    if blob is None:
        vector = understanding.embed([query])[0]
        blob = understanding.to_bytes(vector)
        cache.set(key, blob, QUERY_EMBEDDING_TTL_SECONDS)
    return understanding.from_bytes(blob)


_matrices: dict[int, np.ndarray] = {}


def _note_matrix(snap) -> np.ndarray:
    """The snapshot's note embeddings as float32, converted once per snapshot (it keeps
    them as float16; converting 200k of them took longer than the product itself)."""
    found = _matrices.get(snap.version)
    if found is None:
        found = np.asarray(snap.lib.stats.embeddings, np.float32)
        _matrices.clear()
        _matrices[snap.version] = found
    return found


def _semantic(query: str, exclude: set[int], filters: NoteFilters) -> list[tuple[int, float]]:
    """Notes closest in meaning to the query, ``(note id, similarity)`` best first.

    The discover feed's snapshot keeps every recent note's embedding (projected to a few
    dimensions on a large catalogue): the closest of those are the candidates, then their
    full embeddings (``NoteFeatures``, one query) give the similarity that the threshold
    applies to, the same scale whatever the catalogue's size."""
    from vermilion.feed import artifacts, understanding
    from vermilion.feed.models import NoteFeatures

    snap, _ranker = artifacts.current()
    if snap is None or snap.lib is None or snap.lib.stats.embeddings is None:
        return []
    vector = _query_vector(query)
    if vector is None or not np.any(vector):
        return []
    q = snap.project(vector[None, :])[0].astype(np.float32)
    sims = _note_matrix(snap) @ q
    k = min(len(sims), SEMANTIC_CANDIDATES * 2)
    if k == 0:
        return []
    # The best k without sorting the catalogue (argpartition is linear), then those k.
    top = np.argpartition(-sims, k - 1)[:k]
    top = top[np.argsort(-sims[top], kind="stable")]
    created = snap.lib.stats.created_at
    candidates = {}
    for i in top:
        note_id = int(snap.note_ids[i])
        if note_id in exclude:
            continue
        if filters.since is not None and created[i] < filters.since.timestamp():
            continue
        if filters.until is not None and created[i] >= filters.until.timestamp():
            continue
        candidates[note_id] = i
    out = []
    for note_id, blob in NoteFeatures.objects.filter(
        note_id__in=list(candidates), embedding_model=understanding.EMBEDDING_MODEL
    ).values_list("note_id", "embedding"):
        full = understanding.from_bytes(blob)
        if full is None:
            continue
        sim = float(full @ vector)
        if sim >= SEMANTIC_MIN_SIMILARITY:
            out.append((note_id, sim))
    out.sort(key=lambda x: (-x[1], -x[0]))
    return out[:SEMANTIC_CANDIDATES]


def _bm25(
    docs: dict[int, dict[str, str]],
    terms: list[str],
    df: dict[str, int],
    weights: dict[str, float] = FIELD_WEIGHTS,
) -> dict:
    """BM25 over the weighted fields (BM25F with per-field length normalisation)."""
    n = _doc_count()
    idf = {t: math.log(1 + (n - df.get(t, 0) + 0.5) / (df.get(t, 0) + 0.5)) for t in terms}
    lengths = {f: [] for f in NOTE_FIELDS}
    counted = {}
    for note_id, fields in docs.items():
        per = {}
        for f in NOTE_FIELDS:
            text = fields[f]
            # Tokens are single-spaced (analysis.joined): the length without splitting.
            length = text.count(" ") + 1 if text else 0
            lengths[f].append(length)
            # Only the query's terms are ever looked up, and a field is split into tokens
            # only when one of them occurs in its text at all (most fields have none).
            present = [t for t in terms if t in text]
            if present:
                tokens = text.split()
                per[f] = ({t: tokens.count(t) for t in present}, length)
            else:
                per[f] = ({}, length)
        counted[note_id] = per
    average = {f: (sum(v) / len(v) if v else 0.0) or 1.0 for f, v in lengths.items()}
    scores, coverage = {}, {}
    for note_id, per in counted.items():
        score, hit = 0.0, 0
        for t in terms:
            tf = 0.0
            for f, weight in weights.items():
                counts, length = per[f]
                n = counts.get(t, 0)
                if n:
                    tf += weight * n / (1 - BM25_B + BM25_B * length / average[f])
            if tf:
                hit += 1
                score += idf[t] * tf / (BM25_K1 + tf)
        scores[note_id], coverage[note_id] = score, hit / len(terms)
    return {"score": scores, "coverage": coverage}


def _engagement(likes: int, collects: int, comments: int) -> float:
    return math.log1p(likes + 2 * collects + 3 * comments)


def search_notes(
    viewer,
    q,
    *,
    sort: str = "relevance",
    kind: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    cursor: str | None = None,
    page_size: int = PAGE_SIZE,
    semantic: bool = True,
) -> NoteResults:
    """One page of notes for ``q`` as ``viewer`` may see them (see the module docstring).
    ``semantic=False`` leaves out matches by meaning (the quality benchmark compares)."""
    from vermilion.notes.queries import visible_notes_for

    query = check_query(q)
    if sort not in SORTS:
        raise Invalid(_("sort is relevance, latest or popular."), code="invalid_sort", field="sort")
    if kind is not None and kind not in KINDS:
        raise Invalid(_("kind is image or video."), code="invalid_kind", field="kind")
    if since is not None and until is not None and since >= until:
        raise Invalid(_("since must be before until."), code="invalid_range", field="since")
    offset = _offset(cursor)
    terms = analysis.query_terms(query)
    filters = NoteFilters(
        kind=kind, since=since, until=until, viewer_id=getattr(viewer, "pk", None)
    )
    eng = engine()
    # Document frequencies: which words are known, BM25's, and how many notes each match
    # can find (a word no note contains makes an exact match empty without asking).
    df = dict(Term.objects.filter(term__in=terms).values_list("term", "df"))
    fuzzy_words, corrected = _corrections(terms, df)
    if fuzzy_words:
        df.update(Term.objects.filter(term__in=fuzzy_words).values_list("term", "df"))

    def expected(words: list[str], require_all: bool) -> int:
        """At most how many notes match (all of the words: the rarest's count; any of
        them: the sum). Zero only when no note can match."""
        counts = [df.get(w, 0) for w in words]
        return min(counts) if require_all else sum(counts)

    def match(words: list[str], require_all: bool, limit: int) -> list[int]:
        found = expected(words, require_all)
        if found == 0:
            return []
        return eng.match_notes(
            words, require_all=require_all, filters=filters, limit=limit, expected=found
        )

    matched: dict[int, str] = {}
    for note_id in match(terms, True, CANDIDATES):
        matched[note_id] = "exact"

    def budget() -> int:
        return min(CANDIDATES, MAX_CANDIDATES - len(matched))

    if fuzzy_words:
        known = [t for t in terms if t not in {c[0] for c in corrected}]
        for word in fuzzy_words:
            if budget() <= 0:
                break
            for note_id in match([*known, word], True, budget()):
                matched.setdefault(note_id, "fuzzy")
    if len(terms) > 1 and len(matched) < PARTIAL_BELOW and budget() > 0:
        for note_id in match([*terms, *fuzzy_words], False, budget()):
            matched.setdefault(note_id, "partial")
    by_meaning: dict[int, float] = {}
    # Matches by meaning rank after every lexical one: they are needed only once the
    # lexical matches no longer fill the page asked for.
    if sort == "relevance" and semantic and len(matched) < offset + page_size + 1:
        # Meaning is read from the query as corrected ("hotpt" -> hotpot, "huoguo" -> 火锅).
        meant = query
        for typed, used in corrected:
            meant = regex.sub(rf"(?i)\b{regex.escape(typed)}\w*", used, meant)
        by_meaning = dict(_semantic(meant, set(matched), filters))
        if kind is not None and by_meaning:
            from vermilion.notes.models import Note

            of_kind = set(
                Note.objects.filter(pk__in=list(by_meaning), kind=kind).values_list("pk", flat=True)
            )  # one query for all of them
            by_meaning = {i: s for i, s in by_meaning.items() if i in of_kind}

    ids = [*matched, *by_meaning]
    counts = ("id", "likes_count", "collects_count", "comments_count", "created_at")
    # Relevance needs the lexical matches' tokens: read in the same query.
    doc_fields = [f"search_doc__{f}" for f in NOTE_FIELDS] if sort == "relevance" else []
    rows, docs = {}, {}
    for r in (
        visible_notes_for(viewer)
        .filter(pk__in=ids, author__is_active=True)
        .values_list(*counts, *doc_fields)
    ):
        rows[r[0]] = r[:5]
        if doc_fields and r[0] in matched:
            docs[r[0]] = dict(zip(NOTE_FIELDS, (v or "" for v in r[5:]), strict=True))
    hits = [NoteHit(i, matched.get(i, "semantic")) for i in ids if i in rows]
    now = time.time()
    if sort == "latest":
        hits = [h for h in hits if h.match != "semantic"]
        hits.sort(key=lambda h: -h.note_id)
    elif sort == "popular":
        hits = [h for h in hits if h.match != "semantic"]
        hits.sort(key=lambda h: (-_engagement(*rows[h.note_id][1:4]), -h.note_id))
    else:
        all_terms = [*terms, *fuzzy_words]
        # "#hotpot" asks for the hashtag first: its field outweighs the title then.
        weights = TAG_QUERY_WEIGHTS if query[:1] in "#＃" else FIELD_WEIGHTS
        text = _bm25(docs, all_terms, df, weights)
        top_text = max(text["score"].values(), default=0.0) or 1.0
        top_eng = max((_engagement(*rows[h.note_id][1:4]) for h in hits), default=0.0) or 1.0
        for h in hits:
            likes, collects, comments, created = rows[h.note_id][1:5]
            age = max(0.0, now - created.timestamp())
            fresh = 0.5 ** (age / FRESHNESS_HALF_LIFE_SECONDS)
            if h.match == "semantic":
                relevance = by_meaning[h.note_id]
            else:
                relevance = text["score"].get(h.note_id, 0.0) / top_text
                relevance *= text["coverage"].get(h.note_id, 0.0) ** 2
            h.score = (
                TEXT_WEIGHT * relevance
                + ENGAGEMENT_WEIGHT * _engagement(likes, collects, comments) / top_eng
                + FRESHNESS_WEIGHT * fresh
            )
        hits.sort(key=lambda h: (MATCH_ORDER[h.match] // 3, -h.score, -h.note_id))

    page = hits[offset : offset + page_size]
    next_cursor = cursors.encode(offset + page_size) if len(hits) > offset + page_size else None
    _attach_notes(page, viewer)
    highlight = set(terms) | set(fuzzy_words)
    for h in page:
        h.snippet = snippet(h.note, highlight)
    return NoteResults(page, next_cursor, corrected, len(hits))


def _offset(cursor: str | None) -> int:
    values = cursors.decode(cursor)
    if values is None:
        return 0
    if len(values) != 1 or not isinstance(values[0], int) or not 0 <= values[0] <= 10_000:
        raise Invalid(_("This cursor is not valid."), code="invalid_cursor", field="cursor")
    return values[0]


def _attach_notes(hits: list[NoteHit], viewer) -> None:
    from vermilion.notes.models import Note

    found = Note.objects.select_related("author__avatar").in_bulk([h.note_id for h in hits])
    for h in hits:
        h.note = found[h.note_id]


# --- snippets ---------------------------------------------------------------------------------

_WORDISH = regex.compile(r"[\p{L}\p{N}]+")
_PARTS = regex.compile(r"[A-Za-z]+|[0-9]+|[^\x00-\x7f]+")


def _marks(text: str, terms: set[str]) -> list[tuple[int, int]]:
    """Spans of ``text`` to highlight: words whose token is a term; Chinese terms found
    inside Han runs (compared in Simplified form)."""
    spans = []
    han_terms = [t for t in terms if analysis.has_han(t)]
    for m in _WORDISH.finditer(text):
        word = m.group()
        if analysis.has_han(word):
            simple = analysis.normalize(word)
            if len(simple) != len(word):
                continue
            for t in han_terms:
                start = simple.find(t)
                while start >= 0:
                    spans.append((m.start() + start, m.start() + start + len(t)))
                    start = simple.find(t, start + len(t))
        else:
            for part in _PARTS.finditer(word):
                text = part.group()
                token = analysis.stem(text.lower()) if text.isascii() else analysis.normalize(text)
                if token in terms:
                    spans.append((m.start() + part.start(), m.start() + part.end()))
    spans.sort()
    merged: list[tuple[int, int]] = []
    for a, b in spans:
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    return merged


def _marked(text: str, spans: list[tuple[int, int]]) -> str:
    out, last = [], 0
    for a, b in spans:
        out.append(html.escape(text[last:a]))
        out.append(f"<mark>{html.escape(text[a:b])}</mark>")
        last = b
    out.append(html.escape(text[last:]))
    return "".join(out)


def snippet(note, terms: set[str]) -> dict:
    """``{"title", "body"}`` as safe HTML: the title with its matches marked, and up to
    ``SNIPPET_CHARS`` of the body around its first match."""
    title_spans = _marks(note.title, terms)
    body = " ".join(note.body.split())
    spans = _marks(body, terms)
    start = 0
    if spans and spans[0][0] > SNIPPET_CHARS // 3:
        start = spans[0][0] - SNIPPET_CHARS // 3
    end = min(len(body), start + SNIPPET_CHARS)
    window = [
        (max(a, start) - start, min(b, end) - start) for a, b in spans if a < end and b > start
    ]
    excerpt = _marked(body[start:end], window)
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(body) else ""
    return {"title": _marked(note.title, title_spans), "body": prefix + excerpt + suffix}


# --- people and hashtags ----------------------------------------------------------------------


def _user_terms(query: str) -> list[str]:
    text = query.lstrip("@＠")
    out = []
    for word in analysis.normalize(text).split():
        if analysis.has_han(word):
            out.extend(analysis.query_terms(word))
        else:
            out.extend(analysis.words(word))
    return list(dict.fromkeys(out))


def search_users(viewer, q, *, cursor: str | None = None, page_size: int = PAGE_SIZE):
    """Active people matching every word of the query by prefix: username (whole or its
    parts), display name, or the display name's pinyin (``huoguo``, initials ``hg``).
    Exact usernames first, then by followers. Never someone blocked either way."""
    from vermilion.accounts.models import User
    from vermilion.accounts.queries import hidden_user_ids

    query = check_query(q)
    offset = _offset(cursor)
    ids = engine().match_users(_user_terms(query), limit=CANDIDATES)
    qs = User.objects.filter(pk__in=ids, is_active=True)
    if viewer is not None:
        qs = qs.exclude(hidden_user_ids(viewer))
    name = query.lstrip("@＠").casefold()
    people = list(qs.select_related("avatar"))
    people.sort(key=lambda u: (u.username.casefold() != name, -u.followers_count, -u.pk))
    page = people[offset : offset + page_size]
    next_cursor = cursors.encode(offset + page_size) if len(people) > offset + page_size else None
    return page, next_cursor


def _prefix_range(field_name: str, prefix: str) -> dict:
    return {f"{field_name}__gte": prefix, f"{field_name}__lt": prefix + "\U0010ffff"}


def search_hashtags(viewer, q, *, cursor: str | None = None, page_size: int = PAGE_SIZE):
    """Hashtags in use whose name, or pinyin, or pinyin initials start with the query
    (``#火锅``, ``火锅``, ``huoguo``, ``hg``; Traditional matches Simplified). The exact tag
    first, then by how many notes carry it."""
    from vermilion.notes.models import Hashtag

    query = check_query(q)
    offset = _offset(cursor)
    bare = query.lstrip("#＃").strip()
    keys = {normalize_tag(bare), normalize_tag(analysis.normalize(bare))} - {""}
    ids: set[int] = set()
    for key in keys:
        ids.update(
            Hashtag.objects.filter(notes_count__gt=0, **_prefix_range("key", key))
            .order_by("-notes_count")
            .values_list("pk", flat=True)[:CANDIDATES]
        )
    spelled = "".join(analysis.words(bare))
    if spelled.isascii() and spelled.isalpha():
        for column in ("pinyin", "initials"):
            ids.update(
                HashtagDoc.objects.filter(**_prefix_range(column, spelled)).values_list(
                    "hashtag_id", flat=True
                )[:CANDIDATES]
            )
    tags = list(Hashtag.objects.filter(pk__in=ids, notes_count__gt=0))
    tags.sort(key=lambda h: (h.key not in keys, -h.notes_count, h.key))
    page = tags[offset : offset + page_size]
    next_cursor = cursors.encode(offset + page_size) if len(tags) > offset + page_size else None
    return page, next_cursor


# --- around the box ---------------------------------------------------------------------------


def suggestions(viewer, q) -> dict:
    """As one types: hashtags, people and popular queries starting with the text."""
    from vermilion.accounts.presenters import user_dict

    try:
        query = check_query(q)
    except Invalid:
        return {"hashtags": [], "users": [], "queries": []}
    tags, _ = search_hashtags(viewer, query, page_size=SUGGESTIONS)
    users, _ = search_users(viewer, query, page_size=SUGGESTIONS)
    key = log_key(query)
    queries = list(
        PopularQuery.objects.filter(**_prefix_range("query", key))
        .order_by("-count", "query")
        .values_list("query", flat=True)[:SUGGESTIONS]
    )
    return {
        "hashtags": [{"name": h.name, "notes_count": h.notes_count} for h in tags],
        "users": [user_dict(u) for u in users],
        "queries": queries,
    }


def hot_searches() -> list[dict]:
    return [
        {"query": h.query, "recent": h.recent, "score": h.score}
        for h in HotSearch.objects.order_by("position")
    ]


def history(user, limit: int = 20) -> list[SearchHistory]:
    return list(SearchHistory.objects.filter(user=user).order_by("-searched_at", "-id")[:limit])
