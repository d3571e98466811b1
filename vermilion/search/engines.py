"""The two search engines behind one interface: SQLite FTS5 and PostgreSQL full-text.

Both index the same pre-analysed tokens (``analysis``) kept in ``NoteDoc`` / ``UserDoc``,
and both answer the same three questions; everything else (relevance, blending, snippets,
visibility) is shared Python code, so the modes differ only in speed:

- ``match_notes(terms, require_all, ...)``: ids of notes containing all (or any) of the
  terms, newest first, at most ``limit``, after the filters (kind, time, not someone
  else's private note);
- ``match_users(terms, limit)``: ids of people having a token that starts with each term;
- ``similar_terms(word)``: vocabulary words sharing a trigram with ``word`` (the
  candidates of a typo correction; ``ranking`` measures the similarity itself).

SQLite: FTS5 tables ``search_note_fts`` (a column per field, rowid = note id),
``search_user_fts``, and ``search_term_trgm`` (the trigram tokenizer over the
vocabulary). PostgreSQL: ``tsv tsvector`` columns on ``search_notedoc`` and
``search_userdoc`` made with ``array_to_tsvector`` (our tokens as lexemes, no parser in
the way), GIN indexes, and a pg_trgm GIN index on ``search_term.term``. The migration
``0002`` creates whichever the database needs.

Query text never reaches either engine's syntax: terms are letters and digits only
(``analysis``), and each is quoted.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import connection

#: Vocabulary words proposed per misspelt word (before the similarity cut).
SIMILAR_CANDIDATES = 200

NOTE_FIELDS = ("title", "body", "tags", "place", "author")


@dataclass(frozen=True)
class NoteFilters:
    """What narrows a note search: kind, time range, and whose private notes may show."""

    kind: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    viewer_id: int | None = None


def _filter_sql(filters: NoteFilters) -> tuple[str, list]:
    where, params = ["(n.visibility <> 'private' OR n.author_id = %s)"], [filters.viewer_id or 0]
    if filters.kind:
        where.append("n.kind = %s")
        params.append(filters.kind)
    if filters.since is not None:
        where.append("n.created_at >= %s")
        params.append(filters.since)
    if filters.until is not None:
        where.append("n.created_at < %s")
        params.append(filters.until)
    return " AND ".join(where), params


def _quoted(term: str) -> str:
    # Terms are letters and digits (analysis); the quotes make each a plain string anyway.
    return '"' + term.replace('"', "") + '"'


class Engine:
    vendor = ""

    def index_notes(self, docs: Sequence[tuple[int, dict[str, str]]]) -> None:
        raise NotImplementedError

    def delete_notes(self, note_ids: Iterable[int]) -> None:
        raise NotImplementedError

    def index_users(self, docs: Sequence[tuple[int, str, str]]) -> None:
        raise NotImplementedError

    def delete_users(self, user_ids: Iterable[int]) -> None:
        raise NotImplementedError

    def terms_added(self, terms: Iterable[str]) -> None:
        """New vocabulary words (the trigram index follows the ``Term`` table)."""

    def terms_removed(self, terms: Iterable[str]) -> None:
        """Words no note contains any more."""

    def clear(self) -> None:
        raise NotImplementedError

    def match_notes(
        self, terms: Sequence[str], *, require_all: bool, filters: NoteFilters, limit: int
    ) -> list[int]:
        raise NotImplementedError

    def match_users(self, terms: Sequence[str], *, limit: int) -> list[int]:
        raise NotImplementedError

    def similar_terms(self, word: str) -> list[tuple[str, int]]:
        raise NotImplementedError

    def _rows(self, sql: str, params: Sequence) -> list[tuple]:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()


class SqliteEngine(Engine):
    vendor = "sqlite"

    def index_notes(self, docs):
        if not docs:
            return
        self.delete_notes([note_id for note_id, _ in docs])
        columns = ", ".join(NOTE_FIELDS)
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO search_note_fts (rowid, {columns}) VALUES (%s, %s, %s, %s, %s, %s)",
                [(note_id, *(fields[f] for f in NOTE_FIELDS)) for note_id, fields in docs],
            )

    def delete_notes(self, note_ids):
        ids = [(int(i),) for i in note_ids]
        if ids:
            with connection.cursor() as cursor:
                cursor.executemany("DELETE FROM search_note_fts WHERE rowid = %s", ids)

    def index_users(self, docs):
        if not docs:
            return
        self.delete_users([user_id for user_id, _n, _p in docs])
        with connection.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO search_user_fts (rowid, names, pinyin) VALUES (%s, %s, %s)", docs
            )

    def delete_users(self, user_ids):
        ids = [(int(i),) for i in user_ids]
        if ids:
            with connection.cursor() as cursor:
                cursor.executemany("DELETE FROM search_user_fts WHERE rowid = %s", ids)

    def terms_added(self, terms):
        rows = [(t,) for t in terms if len(t) >= 3 and t.isascii()]
        if rows:
            with connection.cursor() as cursor:
                cursor.executemany("INSERT INTO search_term_trgm (term) VALUES (%s)", rows)

    def terms_removed(self, terms):
        rows = [(t,) for t in terms if len(t) >= 3 and t.isascii()]
        if rows:
            with connection.cursor() as cursor:
                cursor.executemany("DELETE FROM search_term_trgm WHERE term = %s", rows)

    def clear(self):
        with connection.cursor() as cursor:
            for table in ("search_note_fts", "search_user_fts", "search_term_trgm"):
                cursor.execute(f"DELETE FROM {table}")

    def match_notes(self, terms, *, require_all, filters, limit):
        if not terms:
            return []
        expression = (" AND " if require_all else " OR ").join(_quoted(t) for t in terms)
        where, params = _filter_sql(filters)
        sql = (
            "SELECT n.id FROM search_note_fts f JOIN notes_note n ON n.id = f.rowid "
            f"WHERE search_note_fts MATCH %s AND {where} ORDER BY f.rowid DESC LIMIT %s"
        )
        return [r[0] for r in self._rows(sql, [expression, *params, limit])]

    def match_users(self, terms, *, limit):
        if not terms:
            return []
        expression = " AND ".join(_quoted(t) + "*" for t in terms)
        sql = (
            "SELECT rowid FROM search_user_fts WHERE search_user_fts MATCH %s "
            "ORDER BY rowid DESC LIMIT %s"
        )
        return [r[0] for r in self._rows(sql, [expression, limit])]

    def similar_terms(self, word):
        grams = sorted({word[i : i + 3] for i in range(len(word) - 2)})
        if not grams:
            return []
        expression = " OR ".join(_quoted(g) for g in grams)
        sql = (
            "SELECT t.term, t.df FROM search_term_trgm g JOIN search_term t ON t.term = g.term "
            "WHERE search_term_trgm MATCH %s LIMIT %s"
        )
        return list(self._rows(sql, [expression, SIMILAR_CANDIDATES]))


def _tsv_sql(column_params: int) -> str:
    parts = " || ' ' || ".join(["%s"] * column_params)
    return f"array_to_tsvector(array_remove(string_to_array({parts}, ' '), ''))"


class PostgresEngine(Engine):
    vendor = "postgresql"

    def index_notes(self, docs):
        if not docs:
            return
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE search_notedoc SET tsv = {_tsv_sql(len(NOTE_FIELDS))} WHERE note_id = %s",
                [(*(fields[f] for f in NOTE_FIELDS), note_id) for note_id, fields in docs],
            )

    def delete_notes(self, note_ids):
        """The ``NoteDoc`` row carries the index: deleting it is enough."""

    def index_users(self, docs):
        if not docs:
            return
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE search_userdoc SET tsv = {_tsv_sql(2)} WHERE user_id = %s",
                [(names, pinyin, user_id) for user_id, names, pinyin in docs],
            )

    def delete_users(self, user_ids):
        """The ``UserDoc`` row carries the index."""

    def clear(self):
        """The docs' rows carry the indexes."""

    def match_notes(self, terms, *, require_all, filters, limit):
        if not terms:
            return []
        query = (" & " if require_all else " | ").join(f"'{t}'" for t in terms)
        where, params = _filter_sql(filters)
        sql = (
            "SELECT n.id FROM search_notedoc d JOIN notes_note n ON n.id = d.note_id "
            f"WHERE d.tsv @@ %s::tsquery AND {where} ORDER BY n.id DESC LIMIT %s"
        )
        return [r[0] for r in self._rows(sql, [query, *params, limit])]

    def match_users(self, terms, *, limit):
        if not terms:
            return []
        query = " & ".join(f"'{t}':*" for t in terms)
        sql = (
            "SELECT user_id FROM search_userdoc WHERE tsv @@ %s::tsquery "
            "ORDER BY user_id DESC LIMIT %s"
        )
        return [r[0] for r in self._rows(sql, [query, limit])]

    def similar_terms(self, word):
        grams = sorted({word[i : i + 3] for i in range(len(word) - 2)})
        if not grams:
            return []
        likes = " OR ".join(["term LIKE %s"] * len(grams))
        sql = f"SELECT term, df FROM search_term WHERE ({likes}) AND df > 0 LIMIT %s"
        return list(self._rows(sql, [*(f"%{g}%" for g in grams), SIMILAR_CANDIDATES]))


def engine() -> Engine:
    return PostgresEngine() if connection.vendor == "postgresql" else SqliteEngine()


# --- schema (migration 0002) ------------------------------------------------------------------

SQLITE_SCHEMA = (
    "CREATE VIRTUAL TABLE search_note_fts USING fts5("
    "title, body, tags, place, author, tokenize = 'unicode61 remove_diacritics 0')",
    "CREATE VIRTUAL TABLE search_user_fts USING fts5("
    "names, pinyin, tokenize = 'unicode61 remove_diacritics 0')",
    "CREATE VIRTUAL TABLE search_term_trgm USING fts5(term, tokenize = 'trigram')",
)
SQLITE_DROP = (
    "DROP TABLE search_note_fts",
    "DROP TABLE search_user_fts",
    "DROP TABLE search_term_trgm",
)
POSTGRES_SCHEMA = (
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "ALTER TABLE search_notedoc ADD COLUMN tsv tsvector",
    "CREATE INDEX search_notedoc_tsv_idx ON search_notedoc USING gin (tsv)",
    "ALTER TABLE search_userdoc ADD COLUMN tsv tsvector",
    "CREATE INDEX search_userdoc_tsv_idx ON search_userdoc USING gin (tsv)",
    "CREATE INDEX search_term_trgm_idx ON search_term USING gin (term gin_trgm_ops)",
)
POSTGRES_DROP = (
    "DROP INDEX search_term_trgm_idx",
    "ALTER TABLE search_userdoc DROP COLUMN tsv",
    "ALTER TABLE search_notedoc DROP COLUMN tsv",
)


def create_schema(schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    for statement in POSTGRES_SCHEMA if vendor == "postgresql" else SQLITE_SCHEMA:
        schema_editor.execute(statement)


def drop_schema(schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    for statement in POSTGRES_DROP if vendor == "postgresql" else SQLITE_DROP:
        schema_editor.execute(statement)
