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
    # Videos: the frame shown before playing (ms into the video), the editor's edit list
    # (kept beside the untouched original, rendered by the job), and which rendering the
    # renditions are (each one under its own folder, so cached copies never go stale).
    cover_ms = models.PositiveIntegerField(null=True, blank=True)
    edit_list = models.JSONField(default=dict, blank=True)
    revision = models.PositiveIntegerField(default=0)
    # Bumped by every edit: a render of an older edit sees it changed and stops, and the
    # folder of a render is named by it (``tasks.video_prefix``).
    edit_version = models.PositiveIntegerField(default=0)
    # The original as probed at upload ({width, height, duration_ms, fps, has_audio}):
    # ``width``/``height``/``duration_ms`` above describe the edited video.
    source_info = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["owner", "-id"], name="media_owner_idx")]

    @property
    def aspect_ratio(self) -> float | None:
        if self.width and self.height:
            return round(self.width / self.height, 4)
        return None


class Upload(models.Model):
    """A resumable upload in progress (the tus protocol, ``media.uploads``).

    The bytes received so far are in ``VERMILION_DATA_DIR/uploads/<id>.part``; ``offset`` says
    how many, so a client whose connection dropped asks for it and sends the rest. Once all
    ``length`` bytes are in, the file is checked and becomes a ``Media`` (``media``).
    Unfinished uploads are removed after ``UPLOAD_EXPIRY_HOURS``.
    """

    id = models.BigIntegerField(primary_key=True, default=new_id, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="uploads"
    )
    length = models.PositiveBigIntegerField()
    offset = models.PositiveBigIntegerField(default=0)
    filename = models.CharField(max_length=200, blank=True)  # for the owner's eyes only
    media = models.OneToOneField(
        Media, null=True, blank=True, on_delete=models.SET_NULL, related_name="upload"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["expires_at"], name="upload_expiry_idx")]
