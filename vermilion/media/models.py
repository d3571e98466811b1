from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from vermilion.core.ids import new_id


class Media(models.Model):
    """An uploaded image or video and what the pipeline made of it.

    ``original`` is kept in the private storage and never served; ``renditions`` maps a
    rendition name (``thumb``, ``display``; videos later add ``poster``, ``hls``, ``mp4``) to a
    dict ``{"path", "width", "height", "content_type"}`` in the public storage.
    """

    class Kind(models.TextChoices):
        IMAGE = "image"
        VIDEO = "video"

    class Status(models.TextChoices):
        PROCESSING = "processing"
        READY = "ready"
        FAILED = "failed"

    id = models.BigIntegerField(primary_key=True, default=new_id, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="media"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PROCESSING)
    error = models.CharField(max_length=300, blank=True)
    original_path = models.CharField(max_length=300, blank=True)  # in the "private" storage
    original_format = models.CharField(max_length=20, blank=True)  # e.g. JPEG, PNG, HEIF
    original_bytes = models.PositiveBigIntegerField(default=0)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)  # videos
    blurhash = models.CharField(max_length=100, blank=True)
    dominant_color = models.CharField(max_length=7, blank=True)  # "#rrggbb"
    renditions = models.JSONField(default=dict, blank=True)
    alt_text = models.CharField(max_length=500, blank=True)
    progress = models.PositiveSmallIntegerField(default=0)  # percent, for long jobs
    created_at = models.DateTimeField(default=timezone.now)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["owner", "-id"], name="media_owner_idx")]

    @property
    def aspect_ratio(self) -> float | None:
        if self.width and self.height:
            return round(self.width / self.height, 4)
        return None
