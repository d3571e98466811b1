"""What the discover feed learns from and keeps: events, "not interested", note features.

Likes, collects, comments and follows are already rows of their own apps; the rows here are
the signals only the feed needs. Request-time structures (neighbour lists, pools, factors,
the ranker) are built by jobs from these and read by key; see docs/feed.md.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from vermilion.core.ids import new_id


class Event(models.Model):
    """One thing a person did with a note that is not a like/collect/comment row."""

    class Type(models.TextChoices):
        IMPRESSION = "impression"  # the card was on screen
        VIEW = "view"  # the note was opened (or a video started)
        DWELL = "dwell"  # time spent on the opened note, in ms
        SHARE = "share"
        HIDE = "hide"  # "not interested" (see Hide for the scope)
        PROGRESS_50 = "progress_50"  # a video watched to half way
        COMPLETE = "complete"  # a video watched to the end

    id = models.BigIntegerField(primary_key=True, default=new_id, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="feed_events"
    )
    note = models.ForeignKey("notes.Note", on_delete=models.CASCADE, related_name="feed_events")
    type = models.CharField(max_length=12, choices=Type.choices)
    ms = models.PositiveIntegerField(null=True, blank=True)  # dwell time
    # Where the card was shown (discover, channel:<slug>, following, search...) and which
    # candidate source put it there: the ranker trains on what people actually saw.
    surface = models.CharField(max_length=40, blank=True)
    source = models.CharField(max_length=20, blank=True)
    # Repeated sends (retries, double-fired observers) collapse on this key.
    dedupe_key = models.CharField(max_length=120, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["user", "-id"], name="event_user_idx"),
            models.Index(fields=["note", "type"], name="event_note_type_idx"),
        ]


class Hide(models.Model):
    """ "Not interested": in one note, in an author, or in a topic (an interest slug)."""

    class Scope(models.TextChoices):
        NOTE = "note"
        AUTHOR = "author"
        TOPIC = "topic"

    id = models.BigIntegerField(primary_key=True, default=new_id, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="feed_hides"
    )
    scope = models.CharField(max_length=10, choices=Scope.choices)
    note = models.ForeignKey("notes.Note", null=True, blank=True, on_delete=models.CASCADE)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    topic = models.ForeignKey(
        "accounts.Interest", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "note"], condition=models.Q(scope="note"), name="hide_note_unique"
            ),
            models.UniqueConstraint(
                fields=["user", "author"],
                condition=models.Q(scope="author"),
                name="hide_author_unique",
            ),
            models.UniqueConstraint(
                fields=["user", "topic"],
                condition=models.Q(scope="topic"),
                name="hide_topic_unique",
            ),
        ]


class NoteFeatures(models.Model):
    """What the feed understands of a note, computed by a background job."""

    note = models.OneToOneField(
        "notes.Note", primary_key=True, on_delete=models.CASCADE, related_name="features"
    )
    # 512 float16 values (1 KiB) from the multilingual sentence encoder, L2-normalised.
    embedding = models.BinaryField(null=True, blank=True)
    embedding_model = models.CharField(max_length=40, blank=True)
    topics = models.JSONField(default=dict, blank=True)  # {interest slug: weight 0..1}
    computed_at = models.DateTimeField(default=timezone.now)


class FeedPreference(models.Model):
    """A person's feed settings: ranked or plain latest, and when they last reset it."""

    class Mode(models.TextChoices):
        RANKED = "ranked"
        LATEST = "latest"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="feed_preference",
    )
    mode = models.CharField(max_length=10, choices=Mode.choices, default=Mode.RANKED)
    # Signals from before this moment are ignored ("reset my recommendations").
    reset_at = models.DateTimeField(null=True, blank=True)


# --- precomputed structures and per-person feed state (discover serving) --------------------


class FeedArtifact(models.Model):
    """A structure the discover feed's jobs precompute and requests read by key: the
    snapshot (neighbour lists, factors, pools, trending, per-note statistics) as a
    compressed npz, the ranker as JSON. Each build is a new ``version``; processes keep the
    newest in memory and reload when the version moves (see ``feed.artifacts``)."""

    id = models.BigIntegerField(primary_key=True, default=new_id, editable=False)
    name = models.CharField(max_length=40)
    version = models.BigIntegerField()
    blob = models.BinaryField()
    meta = models.JSONField(default=dict, blank=True)  # counts, timings, format
    built_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["name", "version"], name="feedartifact_version_unique")
        ]
        indexes = [models.Index(fields=["name", "-version"], name="feedartifact_name_idx")]


class UserRecs(models.Model):
    """One person's part of a snapshot, read by key per request: their ALS vector and the
    notes ALS ranks highest for them (note ids, best first). Kept out of the in-memory
    snapshot so that a process's memory grows with the catalogue, not with the people."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    version = models.BigIntegerField()  # the snapshot these came from
    factor = models.BinaryField()  # float32 vector
    items = models.BinaryField()  # int64 note ids
    scores = models.BinaryField()  # float32, one per item


class FeedState(models.Model):
    """Feed state kept between requests: a person's seen set and open sessions ("u:<id>"),
    or an anonymous session's served notes ("a:<session>"). Stored in the cache when it is
    shared (Redis, scaled mode) and here always for people, here only for anonymous
    sessions in the embedded mode, where the cache is per process."""

    key = models.CharField(max_length=40, primary_key=True)
    data = models.BinaryField()  # zlib-compressed JSON
    updated_at = models.DateTimeField(default=timezone.now, db_index=True)
