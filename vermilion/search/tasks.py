"""Background jobs of search.

- ``search.reindex_author`` (enqueued when someone changes their name): their notes'
  author field, a batch per run.
- ``search.hot_searches`` (every 10 minutes): the hot searches list
  (``services.compute_hot_searches``), and query logs older than the baseline purged.
"""

from __future__ import annotations

from vermilion.core import jobs
from vermilion.core.jobs import job, periodic

from . import indexing, services


@job("search.reindex_author")
def reindex_author(user_id: int, after_id: int = 0) -> None:
    last = indexing.reindex_author_batch(int(user_id), int(after_id))
    if last is not None:
        jobs.enqueue("search.reindex_author", user_id=user_id, after_id=last)


@periodic("search.hot_searches", every_seconds=600)
def hot_searches() -> None:
    services.compute_hot_searches()
    services.purge_query_logs()
