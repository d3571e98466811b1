"""Search's own writes: what people searched (their history, the query log, popular
queries) and the hot searches list.

Hot searches compare a query's volume in the last ``HOT_WINDOW_SECONDS`` with its usual
level, the mean volume per window over the ``HOT_BASELINE_DAYS`` before: a query searched
every day does not trend; one that suddenly doubles does. A query counts once per person
(or anonymous session) per window, so nobody can push it up alone, and it needs
``HOT_MIN_PEOPLE`` different searchers.
"""

from __future__ import annotations

import math
from datetime import timedelta

from django.db import transaction
from django.db.models import Count, F, Q
from django.db.models.functions import TruncHour
from django.utils import timezone
from django.utils.translation import gettext as _

from vermilion.core.errors import NotFound

from .models import HotSearch, PopularQuery, QueryLog, SearchHistory

HISTORY_MAX = 50
HOT_WINDOW_SECONDS = 3600  # one hour (the windows are clock hours: ``TruncHour``)
HOT_BASELINE_DAYS = 7
HOT_MIN_PEOPLE = 3
HOT_SIZE = 10
#: The usual level is never taken below this (a brand-new query is not infinitely hot).
HOT_BASELINE_FLOOR = 1.0


def record_search(user, typed: str, *, found: bool) -> None:
    """Log a search: the person's history (as they typed it, newest first, ``HISTORY_MAX``
    kept), the query log behind hot searches and the popular queries behind suggestions
    (both normalised, so 火鍋 and 火锅 count together; popular only when it found
    something: a typo should not be suggested to others)."""
    from .queries import log_key

    now = timezone.now()
    query = log_key(typed)
    typed = typed[:100]
    with transaction.atomic():
        QueryLog.objects.create(query=query, user=user, created_at=now)
        if found:
            PopularQuery.objects.bulk_create(
                [PopularQuery(query=query, count=0, last_at=now)], ignore_conflicts=True
            )
            PopularQuery.objects.filter(query=query).update(count=F("count") + 1, last_at=now)
        if user is None:
            return
        SearchHistory.objects.bulk_create(
            [SearchHistory(user=user, query=typed, key=query, searched_at=now)],
            update_conflicts=True,
            unique_fields=["user", "key"],
            update_fields=["query", "searched_at"],
        )
        old = SearchHistory.objects.filter(user=user).order_by("-searched_at", "-id")[HISTORY_MAX:]
        SearchHistory.objects.filter(pk__in=list(old.values_list("pk", flat=True))).delete()


def clear_history(user) -> int:
    deleted, _by_model = SearchHistory.objects.filter(user=user).delete()
    return deleted


def delete_history_entry(user, entry_id: int) -> None:
    deleted, _by_model = SearchHistory.objects.filter(user=user, pk=entry_id).delete()
    if not deleted:
        raise NotFound(_("That search is not in your history."))


def compute_hot_searches(now=None) -> list[HotSearch]:
    """Rank queries by recent volume against their usual level; store the top list."""
    now = now or timezone.now()
    window = timedelta(seconds=HOT_WINDOW_SECONDS)
    recent_start = now - window
    baseline_start = recent_start - timedelta(days=HOT_BASELINE_DAYS)
    windows = HOT_BASELINE_DAYS * 86_400 / HOT_WINDOW_SECONDS

    def searchers(since, until, queries=None):
        """People per query and window (each anonymous search counts as one), summed."""
        rows = QueryLog.objects.filter(created_at__gte=since, created_at__lt=until)
        if queries is not None:
            rows = rows.filter(query__in=queries)
        totals: dict[str, int] = {}
        for row in (
            rows.annotate(window=TruncHour("created_at"))
            .values("query", "window")
            .annotate(
                people=Count("user", distinct=True) + Count("id", filter=Q(user__isnull=True))
            )
        ):
            totals[row["query"]] = totals.get(row["query"], 0) + row["people"]
        return totals

    recent = {q: n for q, n in searchers(recent_start, now).items() if n >= HOT_MIN_PEOPLE}
    usual = {
        q: n / windows for q, n in searchers(baseline_start, recent_start, list(recent)).items()
    }
    scored = []
    for query, n in recent.items():
        level = max(usual.get(query, 0.0), HOT_BASELINE_FLOOR)
        ratio = n / level
        scored.append((ratio * math.log1p(n), ratio, n, query))
    scored.sort(key=lambda s: (-s[0], s[3]))
    rows = [
        HotSearch(position=i, query=q, recent=n, score=round(ratio, 3), computed_at=now)
        for i, (_s, ratio, n, q) in enumerate(scored[:HOT_SIZE])
    ]
    with transaction.atomic():
        HotSearch.objects.all().delete()
        HotSearch.objects.bulk_create(rows)
    return rows


def purge_query_logs(now=None) -> int:
    """Query logs older than the baseline are no longer needed."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=HOT_BASELINE_DAYS, seconds=2 * HOT_WINDOW_SECONDS)
    deleted, _by_model = QueryLog.objects.filter(created_at__lt=cutoff).delete()
    return deleted
