from __future__ import annotations

import hashlib

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from vermilion.core.ids import new_id


class VermilionUserManager(UserManager):
    def get_by_natural_key(self, username):
        # Usernames are unique case-insensitively, so sign-in is case-insensitive too.
        return self.get(username__iexact=username)


class Interest(models.Model):
    """One entry of the interest catalogue people pick at sign-up (and channels of the feed)."""

    slug = models.SlugField(primary_key=True, max_length=40)
    name_en = models.CharField(max_length=60)
    name_zh = models.CharField(max_length=60)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "slug"]

    def __str__(self) -> str:
        return self.slug


class User(AbstractUser):
    id = models.BigIntegerField(primary_key=True, default=new_id, editable=False)
    display_name = models.CharField(max_length=64, blank=True)
    bio = models.TextField(blank=True)
    avatar = models.ForeignKey(
        "media.Media", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    region = models.CharField(max_length=64, blank=True)
    languages = models.JSONField(default=list, blank=True)  # BCP 47 tags people speak
    language = models.CharField(max_length=10, blank=True)  # interface language, "" = browser
    interests = models.ManyToManyField(Interest, blank=True, related_name="users")

    # Denormalised counters, changed only with F() updates in services (see recount_counters).
    followers_count = models.PositiveIntegerField(default=0)
    following_count = models.PositiveIntegerField(default=0)
    notes_count = models.PositiveIntegerField(default=0)
    likes_received_count = models.PositiveIntegerField(default=0)

    objects = VermilionUserManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("username"), name="user_username_ci_unique"),
        ]

    @property
    def name(self) -> str:
        return self.display_name or self.username


class Follow(models.Model):
    id = models.BigIntegerField(primary_key=True, default=new_id, editable=False)
    follower = models.ForeignKey(User, on_delete=models.CASCADE, related_name="following_set")
    followee = models.ForeignKey(User, on_delete=models.CASCADE, related_name="follower_set")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["follower", "followee"], name="follow_unique"),
            models.CheckConstraint(
                condition=~models.Q(follower=models.F("followee")), name="follow_not_self"
            ),
        ]
        indexes = [models.Index(fields=["followee", "-id"], name="follow_followee_idx")]


class Block(models.Model):
    id = models.BigIntegerField(primary_key=True, default=new_id, editable=False)
    blocker = models.ForeignKey(User, on_delete=models.CASCADE, related_name="blocking_set")
    blocked = models.ForeignKey(User, on_delete=models.CASCADE, related_name="blocked_by_set")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["blocker", "blocked"], name="block_unique"),
            models.CheckConstraint(
                condition=~models.Q(blocker=models.F("blocked")), name="block_not_self"
            ),
        ]
        indexes = [models.Index(fields=["blocked", "blocker"], name="block_blocked_idx")]


class ApiToken(models.Model):
    """A bearer token. Only a SHA-256 of the secret is stored: tokens are 256-bit random,
    so a fast hash is enough (unlike passwords) and lookups stay a single indexed query."""

    id = models.BigIntegerField(primary_key=True, default=new_id, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()
