"""What search keeps beside the notes, people and hashtags it finds.

The analysed tokens live in ordinary tables (``NoteDoc``, ``UserDoc``, ``HashtagDoc``), the
same in both database modes; each engine adds its own index over them in the migrations
(``engines.py``): SQLite FTS5 virtual tables, or PostgreSQL ``tsvector`` values with GIN
indexes and a pg_trgm index on the vocabulary. Relevance is computed in Python from these
rows (BM25 over the fields, ``ranking.py``), so both modes rank alike.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from vermilion.core.ids import new_id


class NoteDoc(models.Model):
    """A note's analysed text, one space-separated token string per field."""

    note = models.OneToOneField(
        "notes.Note", primary_key=True, on_delete=models.CASCADE, related_name="search_doc"
    )
    title = models.TextField(blank=True)
    body = models.TextField(blank=True)
    tags = models.TextField(blank=True)
    place = models.TextField(blank=True)
    author = models.TextField(blank=True)  # the author's username and display name
    indexed_at = models.DateTimeField(default=timezone.now)


class Term(models.Model):
    """The vocabulary of indexed notes: how many notes contain each token (the IDF of
    BM25, and the words a misspelt query is matched against)."""

    term = models.CharField(max_length=40, primary_key=True)
    df = models.PositiveIntegerField(default=0)


class UserDoc(models.Model):
    """A person as search reads them: username and display name tokens, and the pinyin
    of the display name (full and initials), all lower case."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="search_doc",
    )
    names = models.TextField(blank=True)
    pinyin = models.TextField(blank=True)


class HashtagDoc(models.Model):
    """A hashtag's pinyin (火锅 -> huoguo, initials hg), matched by prefix."""

    hashtag = models.OneToOneField(
        "notes.Hashtag", primary_key=True, on_delete=models.CASCADE, related_name="search_doc"
    )
    pinyin = models.CharField(max_length=200, blank=True, db_index=True)
    initials = models.CharField(max_length=100, blank=True, db_index=True)


class QueryLog(models.Model):
    """One search somebody ran (normalised text), for hot searches and suggestions."""

    id = models.BigIntegerField(primary_key=True, default=new_id, editable=False)
    query = models.CharField(max_length=100)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["created_at"], name="querylog_created_idx"),
            models.Index(fields=["query", "created_at"], name="querylog_query_idx"),
        ]


class PopularQuery(models.Model):
    """Queries people ran, with how often (suggestions while typing). Only queries that
    found something are kept."""

    query = models.CharField(max_length=100, primary_key=True)
    count = models.PositiveIntegerField(default=0)
    last_at = models.DateTimeField(default=timezone.now)


class HotSearch(models.Model):
    """The "hot searches" list, recomputed by a job from recent volume against the usual
    level (``services.compute_hot_searches``)."""

    position = models.PositiveSmallIntegerField(primary_key=True)
    query = models.CharField(max_length=100)
    recent = models.PositiveIntegerField()  # searches in the last window
    score = models.FloatField()  # recent volume over the usual level
    computed_at = models.DateTimeField(default=timezone.now)


class SearchHistory(models.Model):
    """A person's own searches, newest first; they can remove one or clear all."""

    id = models.BigIntegerField(primary_key=True, default=new_id, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="search_history"
    )
    query = models.CharField(max_length=100)  # as last typed
    key = models.CharField(max_length=100)  # normalised: 火鍋 and 火锅, Hotpot and hotpot
    searched_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="searchhistory_unique")]
        indexes = [models.Index(fields=["user", "-searched_at"], name="searchhistory_user_idx")]
