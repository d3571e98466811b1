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
vocabulary). PostgreSQL: ``tsv tsvector`` values in ``search_notetsv`` (one narrow row
per note) and on ``search_userdoc``, made with ``array_to_tsvector`` (our tokens as
lexemes, no parser in the way), GIN indexes, and a pg_trgm GIN index on
``search_term.term``. The migrations ``0002`` and ``0003`` create whichever the database
needs.

Query text never reaches either engine's syntax: terms are letters and digits only
(``analysis``), and each is quoted.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.core.cache import cache
from django.db import connection, transaction

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
        self,
        terms: Sequence[str],
        *,
        require_all: bool,
        filters: NoteFilters,
        limit: int,
        expected: int | None = None,
    ) -> list[int]:
        """``expected``: about how many notes match, from the vocabulary's document
        frequencies (an engine may choose its plan by it)."""
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

    def match_notes(self, terms, *, require_all, filters, limit, expected=None):
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
                "INSERT INTO search_notetsv (note_id, tsv) "
                f"VALUES (%s, {_tsv_sql(len(NOTE_FIELDS))}) "
                "ON CONFLICT (note_id) DO UPDATE SET tsv = EXCLUDED.tsv",
                [(note_id, *(fields[f] for f in NOTE_FIELDS)) for note_id, fields in docs],
            )

    def delete_notes(self, note_ids):
        ids = [int(i) for i in note_ids]
        if ids:
            with connection.cursor() as cursor:
                cursor.execute("DELETE FROM search_notetsv WHERE note_id = ANY(%s)", [ids])

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
        """The people's index lives in their ``UserDoc`` rows; the notes' has a table,
        truncated (a DELETE of every row would leave it twice its size, and walks that
        much slower, until a VACUUM FULL)."""
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE search_notetsv")

    def match_notes(self, terms, *, require_all, filters, limit, expected=None):
        """Two plans, chosen by how many notes match (the planner's own guess multiplies
        the terms' selectivities, so for the pieces of one Chinese word, 图书 & 书馆 &
        图书馆, it expects one match where there are thirty thousand, and the wrong plan
        costs a second at a million notes):

        - *walk*: the notes newest first, each tested, until ``limit`` match; the subquery's
          own LIMIT keeps the planner on that path and bounds the walk to ``window`` notes
          (enough when at least ``gather_below`` of all notes match). Cheap for common words.
        - *gather*: every match from the GIN index, then the newest (``MATERIALIZED`` keeps
          the planner from walking instead). Cheap for rare words; also what follows a walk
          that came up short.

        ``expected`` (at most this many match, from the vocabulary's document frequencies)
        decides for one word, or when even the rarest of several is rare. Words that are
        each common may be common together (topical words) or not: a short walk of
        ``PROBE`` notes measures how often they meet, and decides. With ``c`` the cost of
        testing a note and ``g`` of gathering one (0.3 and 4.4 µs here at a million
        notes), the plans cost the same at sqrt(c/g x limit x notes) matches."""
        if not terms:
            return []
        query = (" & " if require_all else " | ").join(f"'{t}'" for t in terms)
        where, params = _filter_sql(filters)
        gather_below, window, notes = self._plan_sizes(limit)

        def walk(size: int) -> list[int]:
            sql = (
                "SELECT n.id FROM (SELECT note_id FROM (SELECT note_id, tsv FROM "
                "search_notetsv ORDER BY note_id DESC LIMIT %s) AS r "
                "WHERE r.tsv @@ %s::tsquery) AS d JOIN notes_note n ON n.id = d.note_id "
                f"WHERE {where} ORDER BY d.note_id DESC LIMIT %s"
            )
            return [r[0] for r in self._rows(sql, [size, query, *params, limit])]

        def gather() -> list[int]:
            # Only the newest matches are joined to the notes for the filters; when the
            # filters leave too few of them (a kind, a time range) and there were more
            # matches than those, all of them are.
            top = limit * 2
            # (Two steps: asked for the newest matches in one, the planner walks.)
            sql = (
                "WITH g AS MATERIALIZED (SELECT note_id FROM search_notetsv "
                "WHERE tsv @@ %s::tsquery), "
                "m AS MATERIALIZED (SELECT note_id FROM g ORDER BY note_id DESC LIMIT %s) "
                "SELECT 0, count(*) FROM m UNION ALL (SELECT n.id, 0 FROM m "
                f"JOIN notes_note n ON n.id = m.note_id WHERE {where} "
                "ORDER BY n.id DESC LIMIT %s)"
            )
            rows = self._rows(sql, [query, top, *params, limit])
            gathered = next(c for i, c in rows if i == 0)
            found = sorted((i for i, _c in rows if i != 0), reverse=True)
            if len(found) >= limit or gathered < top:
                return found
            sql = (
                "WITH m AS MATERIALIZED (SELECT note_id FROM search_notetsv "
                "WHERE tsv @@ %s::tsquery) "
                "SELECT n.id FROM m JOIN notes_note n ON n.id = m.note_id "
                f"WHERE {where} ORDER BY n.id DESC LIMIT %s"
            )
            return [r[0] for r in self._rows(sql, [query, *params, limit])]

        if expected is not None and expected <= gather_below:
            return gather()
        if expected is not None and require_all and len(terms) > 1 and notes > self.PROBE:
            probed = walk(self.PROBE)
            if len(probed) >= limit:
                return probed
            if len(probed) * notes / self.PROBE < gather_below:
                return gather()
        found = walk(window)
        return found if len(found) >= limit else gather()

    #: Notes a probing walk tests (see match_notes).
    PROBE = 2000
    #: Testing a note in a walk against gathering one from the index (see match_notes).
    WALK_TO_GATHER_COST = 0.07

    def _plan_sizes(self, limit: int) -> tuple[float, int, int]:
        """(match count below which gathering is cheaper, the longest walk, notes)."""
        from .models import NoteDoc

        notes = cache.get("search:pg:notes")
        if notes is None:
            notes = NoteDoc.objects.count()  # one row per indexed note, as search_notetsv
            cache.set("search:pg:notes", notes, 60)
        notes = max(1, notes)
        gather_below = max(1000.0, (self.WALK_TO_GATHER_COST * limit * notes) ** 0.5)
        return gather_below, int(limit * notes / gather_below) + limit, notes

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
        """Words sharing a trigram with ``word``, from pg_trgm's GIN index (a bitmap of
        each trigram's words). Left to itself the planner reads the whole vocabulary
        instead (14 ms at 100k words, against 1-3), so that is switched off for the
        query."""
        grams = sorted({word[i : i + 3] for i in range(len(word) - 2)})
        if not grams:
            return []
        likes = " OR ".join(["term LIKE %s"] * len(grams))
        sql = f"SELECT term, df FROM search_term WHERE ({likes}) AND df > 0 LIMIT %s"
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
            try:
                cursor.execute(sql, [*(f"%{g}%" for g in grams), SIMILAR_CANDIDATES])
                return list(cursor.fetchall())
            finally:  # for this query only, even inside a caller's transaction
                cursor.execute("SET LOCAL enable_seqscan TO DEFAULT")


def engine() -> Engine:
    return PostgresEngine() if connection.vendor == "postgresql" else SqliteEngine()
