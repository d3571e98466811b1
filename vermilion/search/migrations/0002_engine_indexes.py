"""The engine's own indexes over the token tables: FTS5 virtual tables on SQLite, tsvector
columns with GIN indexes (and pg_trgm on the vocabulary) on PostgreSQL (see engines.py)."""

from django.db import migrations


def forwards(apps, schema_editor):
    from vermilion.search.engines import create_schema

    create_schema(schema_editor)


def backwards(apps, schema_editor):
    from vermilion.search.engines import drop_schema

    drop_schema(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
