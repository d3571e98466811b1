from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from vermilion.core.ids import new_id


class Like(models.Model):
    id = models.BigIntegerField(primary_key=True, default=new_id, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="likes"
    )
    note = models.ForeignKey("notes.Note", on_delete=models.CASCADE, related_name="likes")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "note"], name="like_unique")]
        indexes = [models.Index(fields=["user", "-id"], name="like_user_idx")]


class Board(models.Model):
    """A named collection of collected notes. Every user has one default board."""

    id = models.BigIntegerField(primary_key=True, default=new_id, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="boards"
    )
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    is_private = models.BooleanField(default=False)
    is_default = models.BooleanField(default=False)
    notes_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["owner"],
                condition=models.Q(is_default=True),
                name="board_one_default_per_owner",
            ),
            # Board names are unique per owner whatever their case (checked in services too;
            # this closes the race between two concurrent creates).
            models.UniqueConstraint(
                models.F("owner"), Lower("name"), name="board_name_ci_unique_per_owner"
            ),
        ]
        indexes = [models.Index(fields=["owner", "-id"], name="board_owner_idx")]


class Collect(models.Model):
    """A note saved by a user, into exactly one of their boards."""

    id = models.BigIntegerField(primary_key=True, default=new_id, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="collects"
    )
    note = models.ForeignKey("notes.Note", on_delete=models.CASCADE, related_name="collects")
    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="collects")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "note"], name="collect_unique")]
        indexes = [
            models.Index(fields=["user", "-id"], name="collect_user_idx"),
            models.Index(fields=["board", "-id"], name="collect_board_idx"),
        ]


class Comment(models.Model):
    """A comment on a note. Threads are one level deep: ``parent`` is always a top-level
    comment; a reply to a reply joins that thread and names who it answers (``reply_to``)."""

    id = models.BigIntegerField(primary_key=True, default=new_id, editable=False)
    note = models.ForeignKey("notes.Note", on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="comments"
    )
    body = models.TextField()
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies"
    )
    reply_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    likes_count = models.PositiveIntegerField(default=0)
    replies_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["note", "parent", "id"], name="comment_thread_idx"),
        ]


class CommentLike(models.Model):
    id = models.BigIntegerField(primary_key=True, default=new_id, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="comment_likes"
    )
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="likes")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "comment"], name="commentlike_unique")
        ]
