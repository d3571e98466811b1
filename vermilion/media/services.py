"""Every write to media goes through here: uploads and edits.

An upload is validated on the request (size, real format from the bytes, pixel count from the
header), stored privately, and acknowledged only once the original, the ``Media`` row and its
processing job are all durable. The expensive decoding happens later in ``tasks.py``.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO

from django.conf import settings
from django.core.files import File
from django.core.files.storage import storages
from django.db import transaction
from django.utils.translation import gettext as _

from vermilion.core import jobs, ratelimit
from vermilion.core.errors import Forbidden, Invalid, TooLarge, UnsupportedMedia
from vermilion.core.ids import new_id
from vermilion.core.text import clean, grapheme_len

from . import edits, images, tasks, video
from .models import Media

MAX_ALT_TEXT_CHARS = 500


def create_image_upload(owner, uploaded_file: IO[bytes] | File, *, alt_text: str = "") -> Media:
    """Accept an image upload from ``owner`` and queue its processing.

    The file's name and declared content type are ignored: only its bytes decide what it is.
    """
    ratelimit.hit("upload", str(owner.pk))
    alt_text = _clean_alt_text(alt_text)
    with _bounded_copy(uploaded_file) as (spool, size):
        info = images.inspect(spool)
        media_id = new_id()
        private = storages["private"]
        spool.seek(0)
        # Named after the id (never the client's file name), in the private storage only.
        stored_path = private.save(original_path(media_id, info.format), File(spool))
        media = _record(
            tasks.PROCESS_IMAGE,
            id=media_id,
            owner=owner,
            kind=Media.Kind.IMAGE,
            original_path=stored_path,
            original_format=info.format,
            original_bytes=size,
            alt_text=alt_text,
        )
    return media


def create_upload(owner, uploaded_file: IO[bytes] | File, *, alt_text: str = "") -> Media:
    """The plain ``POST /media``: an image, or a video small enough for one request
    (larger ones take the resumable upload, ``uploads.py``). What it is is read from the
    bytes: a photo's signature, else a video container's."""
    head = _peek(uploaded_file)
    unknown = head and images.sniff(head) is None and not video.looks_like_video(head)
    if unknown and _announced_as_video(uploaded_file):
        # Neither a photo nor a video by its bytes; the name only picks the wording.
        raise UnsupportedMedia(video.NOT_A_VIDEO, field="file")
    if images.sniff(head) is not None or not video.looks_like_video(head):
        return create_image_upload(owner, uploaded_file, alt_text=alt_text)
    ratelimit.hit("upload", str(owner.pk))
    alt_text = _clean_alt_text(alt_text)
    with _bounded_copy(uploaded_file) as (spool, size), tempfile.NamedTemporaryFile() as tmp:
        for chunk in iter(lambda: spool.read(1024 * 1024), b""):
            tmp.write(chunk)
        tmp.flush()
        return create_video(owner, tmp.name, size, alt_text=alt_text)


def _announced_as_video(uploaded_file) -> bool:
    name = str(getattr(uploaded_file, "name", "") or "").lower()
    content_type = str(getattr(uploaded_file, "content_type", "") or "").lower()
    return content_type.startswith("video/") or name.endswith((".mp4", ".m4v", ".mov", ".webm"))


def _peek(uploaded_file) -> bytes:
    source = uploaded_file if hasattr(uploaded_file, "chunks") else File(uploaded_file)
    source.seek(0)
    head = source.read(64)
    source.seek(0)
    return head


def create_video(owner, path: str, size: int, *, alt_text: str = "") -> Media:
    """A complete video file at ``path`` (a temporary file the caller removes): probed,
    stored privately as it is, and queued for processing. ``UnsupportedMedia`` (415) or
    ``TooLarge`` (413) when it is not a usable video."""
    info = video.inspect(path)
    media_id = new_id()
    private = storages["private"]
    with open(path, "rb") as fh:
        stored_path = private.save(f"originals/{media_id}.{info.container}", File(fh))
    return _record(
        tasks.PROCESS_VIDEO,
        max_attempts=3,
        id=media_id,
        owner=owner,
        kind=Media.Kind.VIDEO,
        original_path=stored_path,
        original_format=info.container,
        original_bytes=size,
        width=info.width,
        height=info.height,
        duration_ms=info.duration_ms,
        source_info={
            "width": info.width,
            "height": info.height,
            "duration_ms": info.duration_ms,
            "fps": info.fps,
            "has_audio": info.has_audio,
        },
        alt_text=alt_text,
    )


def _record(job: str, *, max_attempts: int | None = None, **fields) -> Media:
    """The ``Media`` row (processing) and its job in one transaction, for an original
    already stored privately; if that fails, the original is removed (nothing points at
    it)."""
    try:
        with transaction.atomic():
            media = Media.objects.create(status=Media.Status.PROCESSING, **fields)
            jobs.enqueue(job, max_attempts=max_attempts, media_id=media.id)
    except BaseException:
        storages["private"].delete(fields["original_path"])
        raise
    return media


def original_path(media_id: int, fmt: str) -> str:
    return f"originals/{media_id}.{images.EXTENSIONS[fmt]}"


UNSET = object()


def update_media(
    actor, media: Media, *, alt_text: str | None = None, edit=UNSET, cover_ms=UNSET
) -> Media:
    """Owner-only changes: the alt text; for a video also its edit list and cover frame
    (``edit_video``). An image's pixels never change after upload."""
    if actor is None or actor.pk != media.owner_id:
        raise Forbidden(_("Only the owner can edit this media."))
    if edit is not UNSET or cover_ms is not UNSET:
        edit_video(media, edit=edit, cover_ms=cover_ms)
    if alt_text is not None:
        media.alt_text = _clean_alt_text(alt_text)
        media.save(update_fields=["alt_text"])
    return media


def edit_video(media: Media, *, edit=UNSET, cover_ms=UNSET) -> Media:
    """A new edit list and/or cover frame for a video, rendered by a job from the original.

    Until the render is done the video keeps playing as it was (its renditions stay); it is
    ``processing`` meanwhile, with progress. An edit made while an earlier one renders
    supersedes it (``edit_version``). The same edit again renders nothing."""
    if media.kind != Media.Kind.VIDEO:
        raise Invalid(_("Only videos can be edited."), field="edit")
    if media.status == Media.Status.FAILED and not media.renditions:
        raise Invalid(_("This video failed to process; upload it again."), field="edit")
    source = media.source_info or {}
    duration = source.get("duration_ms") or media.duration_ms or 0
    has_audio = source.get("has_audio", True)
    new_edit = (
        media.edit_list
        if edit is UNSET
        else edits.clean_edit(edit, duration_ms=duration, has_audio=has_audio)
    )
    new_cover = media.cover_ms if cover_ms is UNSET else cover_ms
    if new_cover is not None:
        length = edits.output_duration_ms(new_edit, duration)
        if isinstance(new_cover, bool) or not isinstance(new_cover, int):
            raise Invalid(_("cover_ms must be a whole number."), field="cover_ms")
        if not 0 <= new_cover <= length:
            raise Invalid(
                _("The cover must be a moment of the video (0 to %(max)s ms).") % {"max": length},
                field="cover_ms",
            )
    if new_edit == (media.edit_list or {}) and new_cover == media.cover_ms:
        return media
    with transaction.atomic():
        locked = Media.objects.select_for_update().get(pk=media.pk)
        locked.edit_list = new_edit
        locked.cover_ms = new_cover
        locked.edit_version += 1
        locked.status = Media.Status.PROCESSING
        locked.progress = 0
        locked.error = ""
        locked.save(
            update_fields=["edit_list", "cover_ms", "edit_version", "status", "progress", "error"]
        )
        jobs.enqueue(tasks.PROCESS_VIDEO, max_attempts=3, media_id=media.pk)
    for name in ("edit_list", "cover_ms", "edit_version", "status", "progress", "error"):
        setattr(media, name, getattr(locked, name))
    return media


def _clean_alt_text(text: str | None) -> str:
    text = clean(text or "")
    # The column holds 500 code points; counting graphemes alone would let a string of
    # combined emoji past the check and into a database error.
    if grapheme_len(text) > MAX_ALT_TEXT_CHARS or len(text) > MAX_ALT_TEXT_CHARS:
        raise Invalid(
            _("Alt text is at most %(max)s characters.") % {"max": MAX_ALT_TEXT_CHARS},
            field="alt_text",
        )
    return text


@contextmanager
def _bounded_copy(uploaded_file: IO[bytes] | File) -> Iterator[tuple[IO[bytes], int]]:
    """Copy an upload into a spooled temporary file, refusing it past the size limit.

    Reads at most one chunk beyond the limit whatever size the client claimed, so a lying
    or endless upload cannot fill memory or disk here.
    """
    source = uploaded_file if hasattr(uploaded_file, "chunks") else File(uploaded_file)
    limit = settings.MAX_IMAGE_UPLOAD_BYTES
    declared = getattr(source, "size", None)
    if isinstance(declared, int) and declared > limit:
        raise file_too_large()
    with tempfile.SpooledTemporaryFile(max_size=settings.FILE_UPLOAD_MAX_MEMORY_SIZE) as spool:
        size = 0
        for chunk in source.chunks():
            size += len(chunk)
            if size > limit:
                raise file_too_large()
            spool.write(chunk)
        if size == 0:
            raise Invalid(_("The file is empty."), field="file")
        spool.seek(0)
        yield spool, size


def file_too_large() -> TooLarge:
    limit = settings.MAX_IMAGE_UPLOAD_BYTES
    return TooLarge(
        _("This file is too large. The limit is %(limit)s.") % {"limit": _human_bytes(limit)},
        field="file",
    )


def _human_bytes(count: int) -> str:
    if count >= 1024 * 1024:
        return f"{count / (1024 * 1024):.3g} MB"
    if count >= 1024:
        return f"{count / 1024:.3g} KB"
    return _("%(count)s bytes") % {"count": count}
