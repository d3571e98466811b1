from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from vermilion.core.ids import new_id


class Notification(models.Model):
    class Verb(models.TextChoices):
        LIKE = "like"
        COLLECT = "collect"
        COMMENT = "comment"
        REPLY = "reply"
        MENTION = "mention"
        FOLLOW = "follow"
        COMMENT_LIKE = "comment_like"

    id = models.BigIntegerField(primary_key=True, default=new_id, editable=False)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    verb = models.CharField(max_length=20, choices=Verb.choices)
    note = models.ForeignKey("notes.Note", null=True, blank=True, on_delete=models.CASCADE)
    comment = models.ForeignKey(
        "engagement.Comment", null=True, blank=True, on_delete=models.CASCADE
    )
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["recipient", "-id"], name="notif_recipient_idx"),
            models.Index(
                fields=["recipient"],
                condition=models.Q(read_at__isnull=True),
                name="notif_unread_idx",
            ),
        ]
