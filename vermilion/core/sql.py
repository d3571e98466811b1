"""Small helpers for the few hand-written statements on hot paths.

Some reads of a page are several small indexed lookups (a reader's hides, blocks and
follows; a page's hashtags, mentions and the viewer's likes). Built and sent as separate
ORM queries, building them cost more than running them, and on PostgreSQL each was a round
trip; sent as one ``UNION ALL`` they are one statement (``union_all``). The SQL is the
portable subset SQLite and PostgreSQL share.

Each is sent the same text every time (a list of ids is one parameter, ``in_ids``, not a
placeholder per id), and on PostgreSQL with its parameters bound by the server
(``fetch``), so that a connection prepares it once and then neither parses nor plans it
again (``settings.DATABASES``' ``prepare_threshold``). Planning them was a third of their
time: several look up a recent range of ids, for which the planner reads the index to
find where its values end, every time.

Rows that become model instances (``select_list`` and ``loader``) are converted as the
ORM converts them: building and compiling the same query through the ORM cost more than
running it, at every page of the feed.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime

from django.db import connection
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper
from django.utils import timezone
from django.utils.dateparse import parse_datetime


def table(model) -> str:
    """``model``'s table, quoted for the database in use."""
    return connection.ops.quote_name(model._meta.db_table)


def fetch(statement: str, params: Sequence) -> list[tuple]:
    """The rows of a hand-written statement. On PostgreSQL its parameters are bound by the
    server (the ORM's cursors bind them into the text), so that it can be prepared."""
    with _cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall()


def _cursor():
    if connection.vendor != "postgresql":
        return connection.cursor()
    from django.db.backends.postgresql.base import ServerBindingCursor

    connection.ensure_connection()
    connection.validate_thread_sharing()
    raw = ServerBindingCursor(connection.connection)
    # Wrapped as ``connection.cursor()`` wraps its own: execute wrappers, query logging.
    if connection.queries_logged:
        return _DebugCursor(raw, connection)
    return connection.make_cursor(raw)


class _DebugCursor(CursorDebugWrapper):
    """Logs a statement bound by the server as its text with placeholders: Django asks
    the cursor for the text it sent, and a server-binding one answers None (the query
    log, ``CaptureQueriesContext`` and the debug toolbar would show nothing)."""

    def execute(self, sql, params=None):
        with self.debug_sql(sql, params):
            return CursorWrapper.execute(self, sql, params)


def union_all(parts: list[tuple[str, list]]) -> list[tuple]:
    """The rows of the ``(sql, params)`` parts run as one ``UNION ALL`` statement. Columns
    take their types from the first part (PostgreSQL resolves ``NULL`` in later parts by
    it), so the first part should name every column's type."""
    return fetch(
        " UNION ALL ".join(sql for sql, _params in parts),
        [p for _sql, params in parts for p in params],
    )


def in_ids(column: str, ids: Iterable[int]) -> tuple[str, list]:
    """``column`` is one of ``ids``, as a condition and its one parameter: an array on
    PostgreSQL, a JSON list on SQLite (the statement's text does not change with their
    number, so it is prepared once)."""
    ids = [int(i) for i in ids]
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s::bigint[])", [ids]
    return f"{column} IN (SELECT value FROM json_each(%s))", [json.dumps(ids)]


def select_list(model, alias: str, fields: Sequence[str] | None = None) -> str:
    """The columns of ``model``'s ``fields`` (attribute names; default: all), as ``loader``
    reads them, qualified by ``alias`` (made once per model, alias and fields)."""
    key = (model, alias, tuple(fields) if fields is not None else None, connection.vendor)
    made = _select_lists.get(key)
    if made is None:
        quote = connection.ops.quote_name
        made = ", ".join(f"{alias}.{quote(f.column)}" for f in _fields(model, fields))
        _select_lists[key] = made
    return made


_select_lists: dict[tuple, str] = {}


def loader(model, fields: Sequence[str] | None = None) -> Callable[[Sequence], object]:
    """A function making a ``model`` instance from the values of ``select_list(model, ...,
    fields)`` (the others are deferred, loaded if ever read), converted as the ORM would."""
    key = (model, tuple(fields) if fields is not None else None, connection.vendor)
    made = _loaders.get(key)
    if made is None:
        made = _loaders[key] = _loader(model, fields)
    return made


_loaders: dict[tuple, Callable[[Sequence], object]] = {}


def _loader(model, fields: Sequence[str] | None) -> Callable[[Sequence], object]:
    chosen = _fields(model, fields)
    names = [f.attname for f in chosen]
    converters = []  # (position, column, its converters), for the columns that have any
    for position, field in enumerate(chosen):
        column = field.get_col(model._meta.db_table)
        found = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
        if found:
            converters.append((position, column, found))
    db = connection.alias

    def make(values: Sequence):
        if len(values) != len(names):
            raise ValueError(f"{model.__name__}: {len(values)} values for {len(names)} fields")
        values = list(values)
        for position, column, found in converters:
            value = values[position]
            for convert in found:
                value = convert(value, column, connection)
            values[position] = value
        return model.from_db(db, names, values)

    return make


def _fields(model, fields: Sequence[str] | None) -> list:
    concrete = model._meta.concrete_fields
    if fields is None:
        return list(concrete)
    by_name = {f.attname: f for f in concrete} | {f.name: f for f in concrete}
    chosen = [by_name[name] for name in fields]
    pk = model._meta.pk
    return chosen if pk in chosen else [pk, *chosen]


def timestamp_of(value) -> float:
    """A datetime column read by a raw statement, as a timestamp: a datetime on
    PostgreSQL, text (UTC) on SQLite."""
    return datetime_of(value).timestamp()


def datetime_of(value):
    """A datetime column read by a raw statement as an aware datetime (None stays None):
    PostgreSQL gives it so; SQLite gives UTC without its zone, as a naive datetime where
    the column is one (Django's converters by declared type) or as text where it is an
    expression's."""
    if isinstance(value, str):
        try:  # (Django's own format: ISO 8601, which the C parser reads 20 times faster)
            value = datetime.fromisoformat(value)
        except ValueError:
            value = parse_datetime(value)
    if value is not None and timezone.is_naive(value):
        value = value.replace(tzinfo=UTC)
    return value
