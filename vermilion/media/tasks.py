"""Background processing of uploaded images (the ``media.process_image`` job).

The handler is idempotent: it does nothing for media that is already ready or failed, and a
run that crashed half-way (some renditions written, the row not updated) is simply done
again, overwriting the renditions at the same deterministic paths.

Failures come in two kinds. A file that cannot be decoded, or has too many pixels, will never
get better: the media is marked failed with a readable error and the job stops
(``PermanentError``). Anything else (the storage or database hiccuping) is retried by the
queue with backoff; if the last attempt fails too the media is marked failed, so clients
polling it are not left waiting forever.
"""

from __future__ import annotations

import io
import logging

from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy

from vermilion.core.errors import ServiceError
from vermilion.core.jobs import PermanentError, job
from vermilion.core.models import Job

from . import images
from .models import Media

log = logging.getLogger("vermilion.media")

PROCESS_IMAGE = "media.process_image"
GIVE_UP_MESSAGE = gettext_lazy("We could not process this image. Please try uploading it again.")
MISSING_MESSAGE = gettext_lazy("The uploaded file is missing. Please upload it again.")


@job(PROCESS_IMAGE)
def process_image(media_id: int) -> None:
    # With no language active, a failure is stored as the catalogue's English msgid whatever
    # language the worker runs in; ``media_dict`` translates it for each reader.
    with translation.override(None):
        _process_image(media_id)


def _process_image(media_id: int) -> None:
    media = Media.objects.filter(pk=media_id, kind=Media.Kind.IMAGE).first()
    if media is None or media.status != Media.Status.PROCESSING:
        return  # deleted meanwhile, or finished by an earlier run
    try:
        original = _read_original(media)
        rendered = images.render(original, media.original_format)
        renditions = _store_renditions(media, rendered)
    except ServiceError as exc:  # the file's own fault: retrying cannot help
        _fail(media, exc.message)
        raise PermanentError(exc.message) from exc
    except Exception:
        if _on_last_attempt(media.pk):
            _fail(media, GIVE_UP_MESSAGE)
        raise
    # Only a row still processing is completed, so a duplicate run cannot undo a failure.
    Media.objects.filter(pk=media.pk, status=Media.Status.PROCESSING).update(
        status=Media.Status.READY,
        width=rendered.width,
        height=rendered.height,
        blurhash=rendered.blurhash,
        dominant_color=rendered.dominant_color,
        renditions=renditions,
        error="",
        progress=100,
        processed_at=timezone.now(),
    )


def rendition_path(media: Media, name: str) -> str:
    return f"images/{media.pk}/{name}.webp"


def _read_original(media: Media) -> io.BytesIO:
    """The original's bytes; storage errors propagate (transient) unless the file is gone."""
    private = storages["private"]
    try:
        with private.open(media.original_path, "rb") as fh:
            return io.BytesIO(fh.read())
    except Exception:
        if media.original_path and private.exists(media.original_path):
            raise
        raise ServiceError(MISSING_MESSAGE, code="missing")


def _store_renditions(media: Media, rendered: images.Rendered) -> dict[str, dict]:
    public = storages["default"]
    stored = {}
    for name, rendition in rendered.renditions.items():
        path = rendition_path(media, name)
        # Storages never overwrite on save (they pick another name); a re-run after a crash
        # must land on the same path, so remove what an earlier run may have left.
        public.delete(path)
        saved = public.save(path, ContentFile(rendition.data))
        stored[name] = {
            "path": saved,
            "width": rendition.width,
            "height": rendition.height,
            "content_type": rendition.content_type,
        }
    return stored


def _fail(media: Media, message: str) -> None:
    log.info("media %s failed: %s", media.pk, message)
    Media.objects.filter(pk=media.pk, status=Media.Status.PROCESSING).update(
        status=Media.Status.FAILED,
        error=str(message)[:300],
        progress=0,
        processed_at=timezone.now(),
    )


def _on_last_attempt(media_id: int) -> bool:
    """Whether the queue will give up on this job if the current attempt fails."""
    running = (
        Job.objects.filter(name=PROCESS_IMAGE, state=Job.State.RUNNING, payload__media_id=media_id)
        .order_by("-id")
        .first()
    )
    return running is not None and running.attempts >= running.max_attempts
