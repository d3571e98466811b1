"""Small helpers for the few hand-written statements on hot paths.

Some reads of a page are several small indexed lookups (a reader's hides, blocks and
follows; a page's hashtags, mentions and the viewer's likes). Built and sent as separate
ORM queries, building them cost more than running them, and on PostgreSQL each was a round
trip; sent as one ``UNION ALL`` they are one statement (``union_all``). The SQL is the
portable subset SQLite and PostgreSQL share.
"""

from __future__ import annotations

from datetime import UTC

from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime


def table(model) -> str:
    """``model``'s table, quoted for the database in use."""
    return connection.ops.quote_name(model._meta.db_table)


def union_all(parts: list[tuple[str, list]]) -> list[tuple]:
    """The rows of the ``(sql, params)`` parts run as one ``UNION ALL`` statement. Columns
    take their types from the first part (PostgreSQL resolves ``NULL`` in later parts by
    it), so the first part should name every column's type."""
    with connection.cursor() as cursor:
        cursor.execute(
            " UNION ALL ".join(sql for sql, _params in parts),
            [p for _sql, params in parts for p in params],
        )
        return cursor.fetchall()


def timestamp_of(value) -> float:
    """A datetime column read by a raw statement, as a timestamp: a datetime on
    PostgreSQL, text (UTC) on SQLite."""
    if isinstance(value, str):
        value = parse_datetime(value)
        if timezone.is_naive(value):
            value = value.replace(tzinfo=UTC)
    return value.timestamp()
