"""Exploration: fresh notes get a bounded share of the feed, chosen by Thompson sampling.

A new note has no engagement history, so the ranker cannot rate it; if nothing ever shows
it, it never gets any. Each fresh note is an arm with a Beta(engagements + 1,
impressions - engagements + 1) belief about its engagement rate. Drawing one sample per arm
and taking the highest draws shows promising notes more often while still trying unproven
ones, and converges to the best as impressions accumulate.

At most ``floor(max_share * n)`` slots of an n-item page go to exploration, inserted at
evenly spaced positions, and never where they would break the author-spacing rule.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

import numpy as np


def exploration_slots(n: int, max_share: float) -> int:
    """How many of ``n`` slots exploration may take."""
    if not 0.0 <= max_share <= 1.0:
        raise ValueError("max_share must be within [0, 1]")
    return int(np.floor(n * max_share + 1e-9))


def thompson_pick(
    items: Sequence[int],
    impressions: Sequence[int] | np.ndarray,
    engagements: Sequence[int] | np.ndarray,
    k: int,
    rng: np.random.Generator,
) -> list[int]:
    """``k`` arms with the highest Beta(successes + 1, failures + 1) draws, best first.

    Engagements above impressions (double counting upstream) are capped rather than
    allowed to produce an invalid Beta.
    """
    items_arr = np.asarray(items, np.int64)
    if k <= 0 or len(items_arr) == 0:
        return []
    shown = np.maximum(np.asarray(impressions, np.float64), 0.0)
    wins = np.clip(np.asarray(engagements, np.float64), 0.0, shown)
    draws = rng.beta(wins + 1.0, shown - wins + 1.0)
    order = np.lexsort((items_arr, -draws))[:k]
    return items_arr[order].tolist()


def _author(authors: np.ndarray | Mapping[int, int] | None, item: int) -> int:
    if authors is None:
        return -1 - item  # its own author
    if isinstance(authors, Mapping):
        return int(authors.get(item, -1 - item))
    return int(authors[item])


def _fits(
    feed: list[int],
    pos: int,
    item: int,
    authors: np.ndarray | Mapping[int, int] | None,
    window: int,
    recent_authors: Sequence[int] = (),
) -> bool:
    """Whether ``item`` at ``pos`` keeps its author out of the window-1 slots on each side
    (before the feed: ``recent_authors``, the authors of the slots preceding it)."""
    mine = _author(authors, item)
    near = feed[max(0, pos - (window - 1)) : pos] + feed[pos : pos + window - 1]
    before = window - 1 - pos
    if before > 0 and mine in list(recent_authors)[-before:]:
        return False
    return all(_author(authors, other) != mine for other in near)


def insert_exploration(
    feed: Sequence[int],
    explore: Sequence[int],
    *,
    n: int,
    max_share: float,
    seen: Collection[int] = (),
    authors: np.ndarray | Mapping[int, int] | None = None,
    author_window: int = 6,
    recent_authors: Sequence[int] = (),
) -> list[int]:
    """The first ``n`` of ``feed`` with up to ``floor(max_share * n)`` of ``explore`` inserted.

    Explore items already in the feed or seen are skipped. Target positions are evenly
    spaced; an item that would sit too close to another by its author moves to the next
    position that fits, or is dropped. Inserting only widens the gaps between the other
    items, so a feed that obeyed the author rule still does. ``recent_authors`` (the
    authors just before the feed, oldest first) keep the rule across a page boundary.
    """
    feed = [int(i) for i in feed]
    slots = exploration_slots(n, max_share)
    seen_set = {int(s) for s in seen}
    picks = [int(i) for i in dict.fromkeys(explore) if int(i) not in seen_set]
    picks = [i for i in picks if i not in set(feed[:n])][:slots]
    if not picks:
        return feed[:n]
    out = feed[: n - len(picks)]
    taken = set(out) | seen_set
    for j, item in enumerate(picks):
        target = round((j + 1) * n / (len(picks) + 1))
        for pos in range(min(target, len(out)), len(out) + 1):
            if _fits(out, pos, item, authors, author_window, recent_authors):
                out.insert(pos, item)
                taken.add(item)
                break
    # Slots exploration could not use go back to the ranked feed.
    for item in feed[n - len(picks) :]:
        if len(out) >= n:
            break
        if item not in taken and _fits(out, len(out), item, authors, author_window, recent_authors):
            out.append(item)
            taken.add(item)
    return out[:n]
