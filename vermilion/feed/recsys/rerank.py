"""The feed's rules, applied to a scored candidate list.

* Nothing twice: items in ``seen`` (engaged with, hidden, already shown) and repeats are out.
* Author spacing: an author appears at most once in any ``author_window`` consecutive slots
  (six by default), so one prolific creator cannot take over a screen.
* Topic spread: a candidate loses ``topic_penalty`` (in units of the list's score range) in
  proportion to how much of the list so far shares its topics (a greedy MMR), and
  ``max_per_topic`` optionally caps any topic outright.

Selection is greedy: each slot takes the best remaining candidate that breaks no rule. When
none qualifies the list ends early rather than break a rule; the caller asks for more
candidates. Cost is ``O(n * len(candidates))``.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

import numpy as np
import scipy.sparse as sp


def _topic_incidence(
    items: np.ndarray, topics: Sequence[Sequence[int]] | Mapping[int, Sequence[int]]
) -> sp.csr_matrix:
    """Candidate x topic 0/1 matrix over the topics the candidates actually have."""
    lists = [list(topics[int(i)]) if int(i) in _keys(topics) else [] for i in items]
    vocab = {t: j for j, t in enumerate(sorted({t for ts in lists for t in ts}))}
    rows = np.repeat(np.arange(len(lists)), [len(ts) for ts in lists])
    cols = np.array([vocab[t] for ts in lists for t in ts], dtype=np.int64)
    return sp.csr_matrix(
        (np.ones(len(rows), np.float32), (rows, cols)), shape=(len(lists), max(1, len(vocab)))
    )


def _keys(topics: Sequence[Sequence[int]] | Mapping[int, Sequence[int]]) -> Collection[int]:
    return topics.keys() if isinstance(topics, Mapping) else range(len(topics))


def rerank(
    items: np.ndarray,
    scores: np.ndarray,
    *,
    n: int,
    seen: Collection[int] = (),
    authors: np.ndarray | Mapping[int, int] | None = None,
    topics: Sequence[Sequence[int]] | Mapping[int, Sequence[int]] | None = None,
    author_window: int = 6,
    topic_penalty: float = 0.0,
    max_per_topic: int | None = None,
    recent_authors: Sequence[int] = (),
) -> list[int]:
    """Up to ``n`` items, best first, obeying the rules above.

    ``authors`` maps item -> author (an array indexed by item, or a mapping); without it
    every item counts as its own author. ``topics`` maps item -> its topic ids.
    ``recent_authors`` are the authors of the slots just before this list, oldest first
    (the previous page of a feed), so the author rule holds across the page boundary.
    """
    items = np.asarray(items, np.int64)
    scores = np.asarray(scores, np.float64)
    order = np.lexsort((items, -scores))
    items, scores = items[order], scores[order]
    _, first = np.unique(items, return_index=True)
    keep = np.zeros(len(items), bool)
    keep[first] = True
    if len(seen):
        keep &= ~np.isin(items, np.fromiter((int(s) for s in seen), np.int64))
    items, scores = items[keep], scores[keep]
    if len(items) == 0 or n <= 0:
        return []

    span = scores.max() - scores.min()
    norm = (scores - scores.min()) / span if span > 0 else np.zeros_like(scores)
    if authors is None:
        author_of = items  # each item its own author: spacing holds trivially
    elif isinstance(authors, Mapping):
        author_of = np.array([authors.get(int(i), -1 - int(i)) for i in items], np.int64)
    else:
        author_of = np.asarray(authors, np.int64)[items]
    use_topics = topics is not None and (topic_penalty > 0 or max_per_topic is not None)
    if use_topics:
        # Dense: a page's candidates times the topics is small, and row picks of a sparse
        # matrix cost more than the arithmetic.
        incidence = _topic_incidence(items, topics).toarray().astype(np.float64)
        n_topics_of = np.maximum(1.0, incidence.sum(axis=1))
        topic_counts = np.zeros(incidence.shape[1], np.float64)

    # Authors as small codes: "not among the last few authors" is then a lookup per slot
    # (``np.isin`` sorted both sides every slot).
    author_ids, author_code = np.unique(author_of, return_inverse=True)
    code_of = {int(a): j for j, a in enumerate(author_ids)}
    available = np.ones(len(items), bool)
    chosen: list[int] = []
    chosen_authors: list[int] = [int(a) for a in recent_authors]
    while len(chosen) < n:
        eligible = available.copy()
        if author_window > 1 and chosen_authors:
            recent = np.zeros(len(author_ids), bool)
            for author in chosen_authors[-(author_window - 1) :]:
                if (code := code_of.get(author)) is not None:
                    recent[code] = True
            eligible &= ~recent[author_code]
        adjusted = norm
        if use_topics:
            shared = incidence @ topic_counts
            if max_per_topic is not None:
                full = (topic_counts >= max_per_topic).astype(np.float64)
                eligible &= (incidence @ full) == 0
            if topic_penalty > 0 and chosen:
                adjusted = norm - topic_penalty * shared / (n_topics_of * len(chosen))
        candidates = np.flatnonzero(eligible)
        if len(candidates) == 0:
            break
        # argmax keeps the first (higher original score, then lower item id) among ties.
        pick = candidates[np.argmax(adjusted[candidates])]
        available[pick] = False
        chosen.append(int(items[pick]))
        chosen_authors.append(int(author_of[pick]))
        if use_topics:
            topic_counts += incidence[pick]
    return chosen
