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
import os
import socket

from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy

from vermilion.core.errors import ServiceError
from vermilion.core.jobs import PermanentError, job, periodic
from vermilion.core.models import Job

from . import images, video
from .models import Media

log = logging.getLogger("vermilion.media")

PROCESS_IMAGE = "media.process_image"
PROCESS_VIDEO = "media.process_video"
GIVE_UP_MESSAGE = gettext_lazy("We could not process this image. Please try uploading it again.")
GIVE_UP_VIDEO = gettext_lazy("We could not process this video. Please try uploading it again.")
#: Share of the progress bar the transcode takes; the rest is storing the outputs.
TRANSCODE_SHARE = 0.9
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
    """Mark the media failed with a readable reason. A video that an edit sent back to
    processing keeps playing its previous rendering: it is ready again, with the reason the
    edit could not be rendered in ``error``."""
    log.info("media %s failed: %s", media.pk, message)
    status = Media.Status.READY if media.renditions else Media.Status.FAILED
    Media.objects.filter(pk=media.pk, status=Media.Status.PROCESSING).update(
        status=status,
        error=str(message)[:300],
        progress=0 if status == Media.Status.FAILED else 100,
        processed_at=timezone.now(),
    )


def _on_last_attempt(media_id: int, name: str = PROCESS_IMAGE) -> bool:
    """Whether the queue will give up on this job if the current attempt fails."""
    running = (
        Job.objects.filter(name=name, state=Job.State.RUNNING, payload__media_id=media_id)
        .order_by("-id")
        .first()
    )
    return running is not None and running.attempts >= running.max_attempts


# --- videos ---------------------------------------------------------------------------------
#
# ``media.process_video``: the original is copied to a scratch folder, transcoded there in one
# pass (``video.transcode``: the HLS ladder, the MP4 fallback, poster and preview) and the
# outputs stored under ``videos/<id>/<revision>/``. Progress goes to the row about once a
# second, which also renews the job's lease, so a long transcode is never taken over by a
# second worker; a worker killed mid-way lets the lease run out and the next attempt starts
# the transcode again from the original (nothing half-made is ever marked ready).


@job(PROCESS_VIDEO)
def process_video(media_id: int) -> None:
    with translation.override(None):
        _process_video(media_id)


class Superseded(Exception):
    """The video was edited again while this render ran: the newer edit's job renders."""


def _process_video(media_id: int) -> None:
    import tempfile
    from pathlib import Path

    from django.conf import settings

    from vermilion.core import jobs

    media = Media.objects.filter(pk=media_id, kind=Media.Kind.VIDEO).first()
    if media is None or media.status != Media.Status.PROCESSING:
        return
    version = media.edit_version
    current = Media.objects.filter(
        pk=media.pk, status=Media.Status.PROCESSING, edit_version=version
    )

    def progress(fraction: float) -> None:
        if not current.update(progress=min(99, int(fraction * TRANSCODE_SHARE * 100))):
            raise Superseded
        jobs.heartbeat()

    scratch = Path(settings.DATA_DIR) / "scratch"
    scratch.mkdir(parents=True, exist_ok=True)
    _remove_dead_scratch(scratch, media.pk)
    revision = version + 1
    prefix = f"video-{media.pk}-{socket.gethostname()}-{os.getpid()}-"
    try:
        with tempfile.TemporaryDirectory(dir=scratch, prefix=prefix) as work:
            source = Path(work) / f"source.{media.original_format or 'mp4'}"
            _copy_original(media, source)
            info = video.inspect(source)
            out = Path(work) / "out"
            out.mkdir()
            result = video.transcode(
                source,
                out,
                info,
                edit=media.edit_list or {},
                cover_ms=media.cover_ms,
                progress=progress,
            )
            renditions = _store_video(media, out, result, revision)
    except Superseded:
        log.info("media %s: render of edit %s superseded", media.pk, version)
        return
    except ServiceError as exc:
        _fail(media, exc.message)
        raise PermanentError(exc.message) from exc
    except Exception:
        if _on_last_attempt(media.pk, PROCESS_VIDEO):
            _fail(media, GIVE_UP_VIDEO)
        raise
    sample = result.poster_image
    done = current.update(
        status=Media.Status.READY,
        width=result.width,
        height=result.height,
        duration_ms=result.duration_ms,
        blurhash=images.blurhash_of(sample),
        dominant_color=images.dominant_color_of(sample),
        renditions=renditions,
        revision=revision,
        error="",
        progress=100,
        processed_at=timezone.now(),
    )
    if not done:  # edited again while the files were stored: these are not wanted
        _remove_revision(media, revision)
    elif media.revision and media.revision != revision:
        _remove_revision(media, media.revision)  # the rendering this one replaces


def _remove_dead_scratch(scratch, media_id: int) -> None:
    """The scratch folders of this video left by a worker of this machine that died (a
    SIGKILL or a power cut skips the clean-up); a live worker's are left alone."""
    import shutil

    host = socket.gethostname()
    for folder in scratch.glob(f"video-{media_id}-*"):
        rest = folder.name[len(f"video-{media_id}-") :]
        parts = rest.rsplit("-", 2)  # <host>-<pid>-<random>; the host may hold dashes
        if len(parts) != 3 or parts[0] != host or not parts[1].isdigit():
            continue
        if not _alive(int(parts[1])):
            shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove_revision(media: Media, revision: int) -> None:
    """A rendering's files, once nothing points at them (best effort: a leftover file is
    only unused space)."""
    public = storages["default"]
    stack = [video_prefix(media, revision)]
    try:
        while stack:
            folder = stack.pop()
            folders, files = public.listdir(folder)
            for name in files:
                public.delete(f"{folder}/{name}")
            stack.extend(f"{folder}/{name}" for name in folders)
    except (FileNotFoundError, OSError) as exc:
        log.info("media %s: could not remove revision %s: %s", media.pk, revision, exc)


def _copy_original(media: Media, target) -> None:
    private = storages["private"]
    try:
        with private.open(media.original_path, "rb") as fh, open(target, "wb") as out:
            for chunk in iter(lambda: fh.read(1024 * 1024), b""):
                out.write(chunk)
    except Exception:
        if media.original_path and private.exists(media.original_path):
            raise
        raise ServiceError(MISSING_MESSAGE, code="missing")


VIDEO_CONTENT_TYPES = {
    ".m3u8": "application/vnd.apple.mpegurl",
    ".ts": "video/mp2t",
    ".mp4": "video/mp4",
    ".webp": "image/webp",
}


def video_prefix(media: Media, revision: int) -> str:
    return f"videos/{media.pk}/{revision}"


def _store_video(media: Media, out, result: video.Output, revision: int) -> dict[str, dict]:
    """Every output file into the public storage under the revision's folder (playlists
    name their segments relatively, so the folder can move to any storage or CDN)."""
    public = storages["default"]
    prefix = video_prefix(media, revision)
    for path in sorted(p for p in out.rglob("*") if p.is_file()):
        name = f"{prefix}/{path.relative_to(out).as_posix()}"
        public.delete(name)  # a re-run after a crash lands on the same names
        with open(path, "rb") as fh:
            public.save(name, File(fh))

    def entry(item: dict, content_type: str) -> dict:
        return {
            "path": f"{prefix}/{item['path']}",
            "width": item["width"],
            "height": item["height"],
            "content_type": content_type,
        }

    return {
        "hls": {
            "path": f"{prefix}/{result.master}",
            "width": result.width,
            "height": result.height,
            "content_type": VIDEO_CONTENT_TYPES[".m3u8"],
            "ladder": [
                {k: rung[k] for k in ("name", "width", "height", "bandwidth")}
                for rung in result.rungs
            ],
        },
        "mp4": entry(result.mp4, "video/mp4"),
        "poster": entry(result.poster, "image/webp"),
        "preview": entry(result.preview, "video/mp4"),
    }


@periodic("media.purge_uploads", every_seconds=3600)
def purge_uploads() -> None:
    """Resumable uploads left unfinished past their expiry, and their bytes."""
    from .uploads import purge_expired

    purge_expired()
