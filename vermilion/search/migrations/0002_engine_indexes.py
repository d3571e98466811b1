"""The engine's own indexes over the token tables: FTS5 virtual tables on SQLite, tsvector
columns with GIN indexes (and pg_trgm on the vocabulary) on PostgreSQL (see engines.py;
0003 moves the notes' tsvector to a table of its own)."""

from django.db import migrations

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


def forwards(apps, schema_editor):
    postgres = schema_editor.connection.vendor == "postgresql"
    for statement in POSTGRES_SCHEMA if postgres else SQLITE_SCHEMA:
        schema_editor.execute(statement)


def backwards(apps, schema_editor):
    postgres = schema_editor.connection.vendor == "postgresql"
    for statement in POSTGRES_DROP if postgres else SQLITE_DROP:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
