from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from vermilion.core.ids import new_id


class Visibility(models.TextChoices):
    PUBLIC = "public"
    FOLLOWERS = "followers"
    PRIVATE = "private"


class Note(models.Model):
    class Kind(models.TextChoices):
        IMAGE = "image"  # 1-18 images, the first is the cover
        VIDEO = "video"  # exactly one video

    id = models.BigIntegerField(primary_key=True, default=new_id, editable=False)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notes"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.IMAGE)
    title = models.CharField(max_length=200)  # <= 20 graphemes, checked in services
    body = models.TextField(blank=True)  # <= 1000 graphemes
    visibility = models.CharField(
        max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    place_name = models.CharField(max_length=100, blank=True)
    place_lat = models.FloatField(null=True, blank=True)
    place_lon = models.FloatField(null=True, blank=True)
    hashtags = models.ManyToManyField("Hashtag", through="NoteHashtag", related_name="notes")
    mentions = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="mentioned_in"
    )

    likes_count = models.PositiveIntegerField(default=0)
    collects_count = models.PositiveIntegerField(default=0)
    comments_count = models.PositiveIntegerField(default=0)

    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["author", "-id"], name="note_author_idx"),
            models.Index(fields=["visibility", "-id"], name="note_visibility_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.id}: {self.title}"


class NoteMedia(models.Model):
    """The ordered attachments of a note; position 0 is the cover."""

    note = models.ForeignKey(Note, on_delete=models.CASCADE, related_name="attachments")
    media = models.OneToOneField("media.Media", on_delete=models.CASCADE, related_name="attachment")
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["note", "position"], name="notemedia_position_unique"),
        ]


class Hashtag(models.Model):
    id = models.BigIntegerField(primary_key=True, default=new_id, editable=False)
    key = models.CharField(max_length=100, unique=True)  # core.text.normalize_tag(name)
    name = models.CharField(max_length=100)  # first spelling seen
    notes_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"#{self.name}"


class NoteHashtag(models.Model):
    note = models.ForeignKey(Note, on_delete=models.CASCADE)
    hashtag = models.ForeignKey(Hashtag, on_delete=models.CASCADE)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["note", "hashtag"], name="notehashtag_unique"),
        ]
        indexes = [models.Index(fields=["hashtag", "-note"], name="notehashtag_tag_idx")]
