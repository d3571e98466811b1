"""The media endpoints: upload an image, follow its processing, edit its alt text."""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.http import JsonResponse
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Status, UploadedFile
from ninja.decorators import decorate_view

from vermilion.api.auth import OPTIONAL_AUTH, viewer
from vermilion.api.main import Error
from vermilion.core.errors import Invalid

from . import services
from .presenters import media_dict
from .queries import get_visible_media
from .schemas import MediaOut, MediaPatchIn

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
    """Upload an image (multipart field `file`: JPEG, PNG, WebP, HEIC or GIF).

    Returns at once with `status: processing`; poll `GET /media/{id}` until it is `ready`
    (renditions in `urls`) or `failed` (reason in `error`). 413 past the size or pixel
    limit, 415 for anything that is not one of those image formats (judged by content).
    """
    if file is None:
        raise Invalid(_("Attach the image as the multipart form field 'file'."), field="file")
    media = services.create_image_upload(request.user, file, alt_text=alt_text)
    return Status(201, media_dict(media))


@router.get("/media/{media_id}", auth=OPTIONAL_AUTH, response={200: MediaOut, **READ_ERRORS})
def get_media(request, media_id: str):
    """A media item and its processing state.

    The owner always sees it; others only while it is attached to a note they may see.
    """
    return media_dict(get_visible_media(viewer(request), media_id))


@router.patch("/media/{media_id}", response={200: MediaOut, **WRITE_ERRORS})
def patch_media(request, media_id: str, payload: MediaPatchIn):
    """Change the alt text (at most 500 characters). Owner only."""
    media = get_visible_media(request.user, media_id)
    services.update_media(request.user, media, **payload.dict(exclude_unset=True))
    return media_dict(media)
