from __future__ import annotations

from datetime import datetime

from ninja import Field, Schema


class MediaOut(Schema):
    """An uploaded image or video (``media.presenters.media_dict``).

    ``urls`` lists the public renditions (``thumb``, ``display``) once ``status`` is
    ``ready``; ``error`` says why when it is ``failed``. The original is never exposed.
    """

    id: str
    kind: str
    status: str
    width: int | None = None
    height: int | None = None
    aspect_ratio: float | None = None
    blurhash: str | None = None
    dominant_color: str | None = None
    alt_text: str = ""
    duration_ms: int | None = None
    progress: int = 0
    urls: dict[str, str] = {}
    error: str | None = None
    created_at: datetime
    # Videos, for their owner: the editor's edit list (``media.edits``), the cover frame
    # (ms into the edited video) and the original as probed.
    edit: dict | None = None
    cover_ms: int | None = None
    source: dict | None = None


class MediaPatchIn(Schema):
    alt_text: str | None = Field(None, max_length=5000)
    edit: dict | None = None
    cover_ms: int | None = None


class MusicTrackOut(Schema):
    """A track of the video editor's music library (``media.music``)."""

    slug: str
    name: str
    name_en: str
    name_zh: str
    mood: str
    bpm: int
    loop_ms: int
    url: str


class MusicOut(Schema):
    items: list[MusicTrackOut]
