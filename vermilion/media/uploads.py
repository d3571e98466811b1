"""Resumable uploads (the tus 1.0 protocol's core, with creation, termination and
expiration): a video from a phone on a shaky connection goes up in pieces, and a dropped
connection costs the piece in flight, not the whole file.

    POST   /api/v1/uploads          Upload-Length, Upload-Metadata  -> 201 Location
    HEAD   /api/v1/uploads/{id}     -> Upload-Offset: where to go on from
    PATCH  /api/v1/uploads/{id}     Upload-Offset, application/offset+octet-stream
    DELETE /api/v1/uploads/{id}     -> gone
    GET    /api/v1/uploads/{id}     -> JSON: offset, length, the media once complete

The bytes so far live in ``VERMILION_DATA_DIR/uploads/<id>.part`` on the web server that
took them; ``offset`` in the database says how many are good. With several web servers,
that folder is shared between them (or uploads are routed to one). A PATCH holds an
exclusive lock on the file, so two requests never write one upload at once. When the last
byte is in, the file is probed (``video.inspect``) and becomes a ``Media`` being processed;
a file that is not a usable video is refused then, with the reason, and removed.
"""

from __future__ import annotations

import base64
import binascii
import fcntl
import os
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from vermilion.core import ratelimit
from vermilion.core.errors import Conflict, Invalid, NotFound, ServiceError, TooLarge

from . import services
from .models import Media, Upload

TUS_VERSION = "1.0.0"
EXTENSIONS = "creation,termination,expiration"
READ_CHUNK = 1024 * 1024


def upload_dir() -> Path:
    path = Path(settings.DATA_DIR) / "uploads"
    path.mkdir(parents=True, exist_ok=True)
    return path


def part_path(upload: Upload) -> Path:
    return upload_dir() / f"{upload.pk}.part"


def max_bytes() -> int:
    return settings.MAX_VIDEO_UPLOAD_BYTES


def _too_large() -> TooLarge:
    return TooLarge(
        _("This file is too large. The limit is %(limit)s.")
        % {"limit": services._human_bytes(max_bytes())},
        field="Upload-Length",
    )


def parse_metadata(header: str | None) -> dict[str, str]:
    """``Upload-Metadata``: comma-separated ``key base64value`` pairs."""
    out: dict[str, str] = {}
    if not header:
        return out
    for pair in header.split(","):
        parts = pair.strip().split(" ")
        if not parts[0] or len(parts) > 2:
            raise Invalid(_("Upload-Metadata is not valid."), field="Upload-Metadata")
        value = ""
        if len(parts) == 2:
            try:
                value = base64.b64decode(parts[1], validate=True).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError):
                raise Invalid(_("Upload-Metadata is not valid."), field="Upload-Metadata")
        out[parts[0]] = value
    return out


def parse_length(value: str | None, field: str) -> int:
    if value is None or not value.isdigit() or len(value) > 18:
        raise Invalid(
            _("%(field)s must be a whole number of bytes.") % {"field": field}, field=field
        )
    return int(value)


def create(owner, length: int, metadata: dict[str, str]) -> Upload:
    ratelimit.hit("upload", str(owner.pk))
    if length == 0:
        raise Invalid(_("The file is empty."), field="Upload-Length")
    if length > max_bytes():
        raise _too_large()
    filename = (metadata.get("filename") or metadata.get("name") or "")[:200]
    upload = Upload.objects.create(
        owner=owner,
        length=length,
        filename=filename,
        expires_at=timezone.now() + timedelta(hours=settings.UPLOAD_EXPIRY_HOURS),
    )
    part_path(upload).touch()
    return upload


def get_own(owner, upload_id: str) -> Upload:
    """The owner's unexpired upload; anyone else's is "not found"."""
    try:
        pk = int(upload_id)
    except (TypeError, ValueError):
        pk = None
    upload = (
        Upload.objects.filter(pk=pk, owner=owner).select_related("media").first() if pk else None
    )
    if upload is None or (upload.media_id is None and upload.expires_at <= timezone.now()):
        raise NotFound(_("No such upload."), code="not_found")
    return upload


def append(upload: Upload, offset: int, body) -> Upload:
    """Write the request ``body`` (a file-like object) at ``offset``; when the upload is then
    complete, turn it into a ``Media``. Returns the upload as it now is."""
    if upload.media_id is not None:
        raise Conflict(_("This upload is already complete."), code="upload_complete")
    path = part_path(upload)
    try:
        fh = open(path, "r+b")  # noqa: SIM115 (closed by the with below)
    except FileNotFoundError:
        raise NotFound(_("No such upload."), code="not_found")
    with fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise Conflict(
                _("Another request is sending this upload; wait for it to end."),
                code="upload_busy",
            )
        upload.refresh_from_db(fields=["offset", "media"])
        if offset != upload.offset:
            raise Conflict(
                _("Upload-Offset is %(sent)s but %(have)s bytes are here: go on from there.")
                % {"sent": offset, "have": upload.offset},
                code="offset_mismatch",
                field="Upload-Offset",
            )
        # Bytes past the last good offset (a request that broke off after writing and
        # before recording) are not trusted: start again from the recorded offset.
        fh.seek(upload.offset)
        fh.truncate()
        written = upload.offset
        refused = None
        while True:
            chunk = body.read(READ_CHUNK)
            if not chunk:
                break
            if written + len(chunk) > upload.length:
                refused = Invalid(
                    _("More bytes were sent than Upload-Length announced."),
                    code="too_many_bytes",
                    field="Upload-Offset",
                )
                break
            fh.write(chunk)
            written += len(chunk)
        fh.flush()
        os.fsync(fh.fileno())
        if refused is not None:
            fh.seek(upload.offset)
            fh.truncate()
            raise refused
        Upload.objects.filter(pk=upload.pk).update(offset=written)
        upload.offset = written
        if written == upload.length:
            return _complete(upload, path)
    return upload


def _complete(upload: Upload, path: Path) -> Upload:
    try:
        media = services.create_video(upload.owner, str(path), upload.length)
    except ServiceError:
        # Not a usable video: nothing to go on with. The reason goes to the client.
        remove(upload)
        raise
    with transaction.atomic():
        Upload.objects.filter(pk=upload.pk).update(media=media)
    upload.media = media
    path.unlink(missing_ok=True)
    return upload


def remove(upload: Upload) -> None:
    part_path(upload).unlink(missing_ok=True)
    Upload.objects.filter(pk=upload.pk).delete()


def purge_expired(limit: int = 1000) -> int:
    """Unfinished uploads past their expiry, and their bytes."""
    expired = list(
        Upload.objects.filter(media__isnull=True, expires_at__lte=timezone.now())[:limit]
    )
    for upload in expired:
        remove(upload)
    # Finished ones are kept a while for clients asking how it went, then forgotten.
    old = timezone.now() - timedelta(hours=settings.UPLOAD_EXPIRY_HOURS)
    Upload.objects.filter(media__isnull=False, created_at__lte=old).delete()
    return len(expired)


def media_of(upload: Upload) -> Media | None:
    return upload.media
