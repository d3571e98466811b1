"""The media endpoints: upload an image, follow its processing, edit its alt text."""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.utils.http import http_date
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Status, UploadedFile
from ninja.decorators import decorate_view

from vermilion.api.auth import OPTIONAL_AUTH, viewer
from vermilion.api.main import Error
from vermilion.core.errors import Invalid, ServiceError, UnsupportedMedia

from . import music, services, uploads
from .presenters import media_dict, rendition_url
from .queries import get_visible_media
from .schemas import MediaOut, MediaPatchIn, MusicOut

router = Router(tags=["media"])

READ_ERRORS = {400: Error, 401: Error, 404: Error, 422: Error}
WRITE_ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 422: Error, 429: Error}
UPLOAD_ERRORS = {**WRITE_ERRORS, 413: Error, 415: Error}
# Room for the multipart boundaries, part headers and the alt_text field around the file.
MULTIPART_OVERHEAD_BYTES = 64 * 1024


def _refuse_oversized_body(run):
    """Answer 413 from the declared Content-Length alone, before the body is parsed.

    The service enforces the limit on the bytes it actually reads; this only spares the
    server from parsing (and spooling to disk) a body that is announced too big anyway.
    """

    @wraps(run)
    def checked(request, *args, **kwargs):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.MAX_IMAGE_UPLOAD_BYTES + MULTIPART_OVERHEAD_BYTES:
            error = services.file_too_large()
            return JsonResponse(error.as_dict(), status=error.status)
        return run(request, *args, **kwargs)

    return checked


@router.post("/media", response={201: MediaOut, **UPLOAD_ERRORS})
@decorate_view(_refuse_oversized_body)
def upload_media(
    request,
    file: File[UploadedFile] = None,
    alt_text: Form[str] = "",
):
    """Upload an image (multipart field `file`: JPEG, PNG, WebP, HEIC or GIF), or a short
    video (MP4, MOV or WebM) within the same size limit; larger videos take the resumable
    upload (`/uploads`, the tus protocol).

    Returns at once with `status: processing`; poll `GET /media/{id}` until it is `ready`
    (renditions in `urls`; `progress` in percent meanwhile) or `failed` (reason in
    `error`). 413 past the size, pixel or length limit, 415 for anything that is not one of
    those formats (judged by content).
    """
    if file is None:
        raise Invalid(_("Attach the file as the multipart form field 'file'."), field="file")
    media = services.create_upload(request.user, file, alt_text=alt_text)
    return Status(201, media_dict(media))


@router.get("/media/{media_id}", auth=OPTIONAL_AUTH, response={200: MediaOut, **READ_ERRORS})
def get_media(request, media_id: str):
    """A media item and its processing state.

    The owner always sees it; others only while it is attached to a note they may see.
    """
    media = get_visible_media(viewer(request), media_id)
    return media_dict(media, owner_view=_owns(request, media))


def _owns(request, media) -> bool:
    user = viewer(request)
    return user is not None and user.pk == media.owner_id


@router.patch("/media/{media_id}", response={200: MediaOut, **WRITE_ERRORS})
def patch_media(request, media_id: str, payload: MediaPatchIn):
    """Change the alt text (at most 500 characters); for a video, its `edit` list (trim,
    crop, rotate, speed, filter, texts, music, mute: see the API guide; `null` undoes every
    edit) and `cover_ms` (the cover frame, in ms of the edited video). An edit is rendered
    by a job from the untouched original: the video is `processing` with `progress` until
    it is done, and keeps playing as it was meanwhile. Owner only."""
    media = get_visible_media(request.user, media_id)
    changes = payload.dict(exclude_unset=True)
    if "edit" in changes and changes["edit"] is None:
        changes["edit"] = {}
    services.update_media(request.user, media, **changes)
    return media_dict(media, owner_view=True)


@router.get("/music", auth=None, response={200: MusicOut})
def list_music(request):
    """The background-music library of the video editor: tracks the project synthesises
    itself (no third-party recordings). `url` plays the loop; put a track's `slug` in an
    edit's `music.track`."""
    from django.utils.translation import get_language

    chinese = (get_language() or "").startswith("zh")
    items = []
    for track in music.LIBRARY:
        items.append(
            {
                "slug": track.slug,
                "name": track.name_zh if chinese else track.name,
                "name_en": track.name,
                "name_zh": track.name_zh,
                "mood": str(track.mood),
                "bpm": track.bpm,
                "loop_ms": int(track.seconds * 1000),
                "url": rendition_url(music.audio_file(track)),
            }
        )
    return {"items": items}


# --- resumable uploads (tus 1.0: core, creation, termination, expiration) ----------------------


def _tus(response: HttpResponse) -> HttpResponse:
    response["Tus-Resumable"] = uploads.TUS_VERSION
    response["Cache-Control"] = "no-store"
    return response


def _tus_errors(run):
    """Every answer carries ``Tus-Resumable``, errors (JSON, as everywhere) too; a client of
    another protocol version is told which one this is (412)."""

    @wraps(run)
    def wrapped(request, *args, **kwargs):
        tus_request = request.method not in ("OPTIONS", "GET")  # GET: JSON, ours
        if tus_request and request.headers.get("Tus-Resumable") != "1.0.0":
            response = JsonResponse(
                Invalid(_("Send Tus-Resumable: 1.0.0."), code="tus_version").as_dict(),
                status=412,
            )
            response["Tus-Version"] = uploads.TUS_VERSION
            return _tus(response)
        try:
            return _tus(run(request, *args, **kwargs))
        except ServiceError as exc:
            return _tus(JsonResponse(exc.as_dict(), status=exc.status))

    return wrapped


def _upload_state(request, upload) -> dict:
    return {
        "id": str(upload.pk),
        "offset": upload.offset,
        "length": upload.length,
        "filename": upload.filename,
        "expires_at": upload.expires_at.isoformat(),
        "media": media_dict(upload.media) if upload.media_id else None,
    }


@router.api_operation(["OPTIONS"], "/uploads", auth=None, include_in_schema=False)
@decorate_view(_tus_errors)
def upload_options(request):
    response = HttpResponse(status=204)
    response["Tus-Version"] = uploads.TUS_VERSION
    response["Tus-Extension"] = uploads.EXTENSIONS
    response["Tus-Max-Size"] = str(uploads.max_bytes())
    return response


@router.post("/uploads", response={201: None, **UPLOAD_ERRORS, 412: Error})
@decorate_view(_tus_errors)
def create_upload(request):
    """Start a resumable upload of a video (tus 1.0 `creation`): headers `Tus-Resumable:
    1.0.0`, `Upload-Length` (bytes; at most `VERMILION_MAX_VIDEO_UPLOAD_BYTES`) and
    optionally `Upload-Metadata` (`filename <base64>`). 201 with `Location`; send the bytes
    with `PATCH` to it."""
    length = uploads.parse_length(request.headers.get("Upload-Length"), "Upload-Length")
    metadata = uploads.parse_metadata(request.headers.get("Upload-Metadata"))
    upload = uploads.create(request.user, length, metadata)
    response = JsonResponse(_upload_state(request, upload), status=201)
    response["Location"] = request.build_absolute_uri(f"/api/v1/uploads/{upload.pk}")
    response["Upload-Offset"] = "0"
    response["Upload-Expires"] = http_date(upload.expires_at.timestamp())
    return response


@router.api_operation(["HEAD"], "/uploads/{upload_id}", response={200: None, **READ_ERRORS})
@decorate_view(_tus_errors)
def upload_offset(request, upload_id: str):
    """How many bytes of the upload are in (`Upload-Offset`): where to go on from."""
    upload = uploads.get_own(request.user, upload_id)
    response = HttpResponse(status=200)
    response["Upload-Offset"] = str(upload.offset)
    response["Upload-Length"] = str(upload.length)
    response["Upload-Expires"] = http_date(upload.expires_at.timestamp())
    return response


@router.get("/uploads/{upload_id}", response={200: None, **READ_ERRORS, 412: Error})
@decorate_view(_tus_errors)
def upload_state(request, upload_id: str):
    """The upload as JSON: `offset`, `length`, and `media` (being processed) once all
    bytes are in."""
    return JsonResponse(_upload_state(request, uploads.get_own(request.user, upload_id)))


@router.patch("/uploads/{upload_id}", response={204: None, **UPLOAD_ERRORS, 409: Error, 412: Error})
@decorate_view(_tus_errors)
def upload_append(request, upload_id: str):
    """Send bytes at `Upload-Offset` (`Content-Type: application/offset+octet-stream`).
    409 when the offset is not the one the server has (ask with `HEAD`). The last piece
    makes the video: `Vermilion-Media-Id` names it (`GET /media/{id}` for its progress);
    a file that is not a usable video is refused then (415/413) and the upload removed."""
    if request.content_type != "application/offset+octet-stream":
        raise UnsupportedMedia(
            _("Send the bytes as application/offset+octet-stream."), field="Content-Type"
        )
    upload = uploads.get_own(request.user, upload_id)
    offset = uploads.parse_length(request.headers.get("Upload-Offset"), "Upload-Offset")
    upload = uploads.append(upload, offset, request)
    response = HttpResponse(status=204)
    response["Upload-Offset"] = str(upload.offset)
    if upload.media_id:
        response["Vermilion-Media-Id"] = str(upload.media_id)
    return response


@router.delete("/uploads/{upload_id}", response={204: None, **WRITE_ERRORS, 412: Error})
@decorate_view(_tus_errors)
def upload_delete(request, upload_id: str):
    """Give up an upload (tus `termination`): its bytes are removed."""
    uploads.remove(uploads.get_own(request.user, upload_id))
    return HttpResponse(status=204)
