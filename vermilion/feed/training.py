"""Training the discover feed's ranker from what people were shown and what they did.

Each logged impression becomes a row: the note's features for that person, built by the
same code that serves the feed (``discover.snapshot_candidates`` and
``artifacts.local_stats``) from their engagements before their first impression in the
window, labelled with what they did with the note afterwards (like, collect, comment, long
dwell, hide). One logistic head per outcome (``recsys.ranker.Ranker.fit``); outcomes with
too few positives get no head, and with too few impressions nothing is stored at all, so
the serving ranker stays the library's heuristic until there is data.
"""

from __future__ import annotations

import json
import logging
import time
from collections import defaultdict
from datetime import datetime, timedelta

import numpy as np
from django.utils import timezone

from . import artifacts
from .artifacts import (
    KINDS,
    RANKER,
    RANKER_MAX_IMPRESSIONS,
    RANKER_MAX_USERS,
    RANKER_MIN_IMPRESSIONS,
    RANKER_WINDOW_DAYS,
    WINDOW_DAYS,
)
from .discover import HISTORY_WEIGHTS, snapshot_candidates
from .models import Event, UserRecs
from .recsys.candidates import CandidateSet
from .recsys.ranker import FEATURES, OUTCOMES, Ranker, build_features

log = logging.getLogger("vermilion.feed")


def training_rows(now: datetime) -> tuple[np.ndarray, dict[str, np.ndarray], dict]:
    """Feature rows and per-outcome labels for the logged impressions (bounded)."""
    from vermilion.accounts.models import User

    snap, _ranker = artifacts.current()
    empty = np.empty((0, len(FEATURES)), np.float32)
    if snap is None or snap.lib is None:
        return empty, {}, {"reason": "no snapshot yet"}
    since = now - timedelta(days=RANKER_WINDOW_DAYS)
    impressions = list(
        Event.objects.filter(type=Event.Type.IMPRESSION, created_at__gte=since)
        .order_by("-id")
        .values_list("user_id", "note_id", "created_at")[:RANKER_MAX_IMPRESSIONS]
    )
    if len(impressions) < RANKER_MIN_IMPRESSIONS:
        return empty, {}, {"reason": "too few impressions", "impressions": len(impressions)}
    shown: dict[int, dict[int, float]] = defaultdict(dict)
    for user, note, created in impressions:
        t = created.timestamp()
        shown[user][note] = min(t, shown[user].get(note, t))
    # The people with the most impressions, up to the bound.
    people = sorted(shown, key=lambda u: -len(shown[u]))[:RANKER_MAX_USERS]

    signals = artifacts.load_signals(now - timedelta(days=WINDOW_DAYS))
    by_user: dict[int, list[tuple[int, str, float]]] = defaultdict(list)
    wanted = set(people)
    for u, n, k, t in zip(signals.users, signals.notes, signals.kinds, signals.ts, strict=True):
        if int(u) in wanted:
            by_user[int(u)].append((int(n), KINDS[k], float(t)))
    interests: dict[int, list[str]] = defaultdict(list)
    for user_id, slug in User.interests.through.objects.filter(user_id__in=people).values_list(
        "user_id", "interest_id"
    ):
        interests[user_id].append(slug)
    recs = {
        row[0]: row[1:]
        for row in UserRecs.objects.filter(user_id__in=people).values_list(
            "user_id", "version", "factor", "items", "scores"
        )
    }

    xs, ys, n_rows = [], {o: [] for o in OUTCOMES}, 0
    outcome_kind = {"like": "like", "collect": "collect", "comment": "comment"}
    outcome_kind |= {"long_dwell": "long_dwell", "hide": "hide"}
    for user in people:
        notes_shown = shown[user]
        t0 = min(notes_shown.values())
        events = sorted(by_user.get(user, []), key=lambda e: e[2])
        before = [e for e in events if e[2] < t0 and e[1] in HISTORY_WEIGHTS]
        before = before[-artifacts.CONFIG.limits.recent_items :]
        history = artifacts.history_of(
            snap,
            [e[0] for e in before],
            [HISTORY_WEIGHTS[e[1]] for e in before],
            [e[2] for e in before],
        )
        weights = {
            t: 1.0 for t in (snap.topic_index(s) for s in interests.get(user, [])) if t is not None
        }
        found = snapshot_candidates(
            snap,
            history,
            now=t0,
            exclude=set(),
            topic_weights=weights,
            channel=False,
            recs=recs.get(user),
        )
        impressed = np.asarray(sorted(notes_shown), np.int64)
        impressed = impressed[snap.dense(impressed) >= 0]
        if len(impressed) == 0:
            continue
        cands = artifacts.with_items(found.candidates, impressed)
        stats, _topics, _authors = artifacts.local_stats(snap, cands.items, {})
        local = CandidateSet(np.arange(len(cands), dtype=np.int64), cands.scores, cands.ranks)
        x = build_features(local, found.context, stats)
        rows = np.searchsorted(cands.items, impressed)
        xs.append(x[rows])
        after = defaultdict(set)
        for note, kind, t in events:
            if t >= notes_shown.get(note, np.inf):
                after[kind].add(note)
        for outcome in OUTCOMES:
            ys[outcome].append(np.isin(impressed, list(after[outcome_kind[outcome]])))
        n_rows += len(impressed)
    if not xs:
        return empty, {}, {"reason": "no impressed note is in the snapshot"}
    labels = {o: np.concatenate(v).astype(np.float32) for o, v in ys.items()}
    return np.vstack(xs), labels, {"rows": n_rows, "people": len(people)}


def train_ranker(now: datetime | None = None) -> dict:
    """Fit and store the ranker; returns a summary (what was trained, or why not)."""
    started = time.monotonic()
    now = now or timezone.now()
    x, labels, summary = training_rows(now)
    ranker = Ranker().fit(x, labels) if len(x) else Ranker()
    summary["positives"] = {o: int(y.sum()) for o, y in labels.items()}
    summary["heads"] = sorted(ranker.heads)
    summary["seconds"] = round(time.monotonic() - started, 3)
    if ranker.trained:
        summary["version"] = artifacts.store(
            RANKER, json.dumps(ranker.to_dict()).encode(), dict(summary)
        )
        artifacts.forget()
    log.info("feed ranker: %s", summary)
    return summary
