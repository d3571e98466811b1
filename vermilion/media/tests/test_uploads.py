"""Resumable uploads (tus 1.0): pieces, resuming after a drop, and every refusal."""

from __future__ import annotations

import base64
import io
import tempfile
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from vermilion.core.models import Job
from vermilion.media import tasks, uploads
from vermilion.media.models import Media, Upload

from .clips import make_clip

pytestmark = pytest.mark.django_db

TUS = {"Tus-Resumable": "1.0.0"}
OCTETS = "application/offset+octet-stream"


@pytest.fixture(autouse=True)
def own_upload_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path


@pytest.fixture
def clip() -> bytes:
    with tempfile.TemporaryDirectory() as path:
        return make_clip(Path(path) / "a.mp4", seconds=1.0).read_bytes()


def _auth(client) -> dict:
    return {"Authorization": f"Bearer {client.token}"} if client.token else {}


def create(client, length: int, metadata: str | None = None, **headers):
    headers = {**TUS, "Upload-Length": str(length), **headers}
    if metadata is not None:
        headers["Upload-Metadata"] = metadata
    return client.post("/api/v1/uploads", headers=headers)


def send(client, url: str, offset: int, data: bytes, content_type: str = OCTETS, **headers):
    return client.generic(
        "PATCH",
        url,
        data,
        content_type=content_type,
        headers={**_auth(client), **TUS, "Upload-Offset": str(offset), **headers},
    )


def head(client, url: str):
    return client.generic("HEAD", url, headers={**_auth(client), **TUS})


def test_an_upload_in_pieces_becomes_a_video(make_user, client_for, clip, run_jobs):
    client = client_for(make_user())
    options = client.options("/api/v1/uploads")
    assert options.status_code == 204 and options["Tus-Version"] == "1.0.0"
    assert "creation" in options["Tus-Extension"] and int(options["Tus-Max-Size"]) > 0

    name = base64.b64encode("假期.mp4".encode()).decode()
    created = create(client, len(clip), f"filename {name}")
    assert created.status_code == 201, created.content
    assert created["Tus-Resumable"] == "1.0.0" and created["Upload-Offset"] == "0"
    url = created["Location"]
    assert url.startswith("http://") and "/api/v1/uploads/" in url
    assert created.json()["filename"] == "假期.mp4"

    third = len(clip) // 3
    first = send(client, url, 0, clip[:third])
    assert first.status_code == 204 and first["Upload-Offset"] == str(third)
    assert "Vermilion-Media-Id" not in first
    probe = head(client, url)
    assert probe.status_code == 200 and probe["Upload-Offset"] == str(third)
    assert probe["Upload-Length"] == str(len(clip)) and probe["Cache-Control"] == "no-store"

    second = send(client, url, third, clip[third : 2 * third])
    assert second.status_code == 204
    last = send(client, url, 2 * third, clip[2 * third :])
    assert last.status_code == 204, last.content
    assert last["Upload-Offset"] == str(len(clip))
    media_id = last["Vermilion-Media-Id"]
    state = client.get(url).json()
    assert state["media"]["id"] == media_id and state["media"]["kind"] == "video"
    assert not uploads.part_path(Upload.objects.get()).exists()  # the bytes moved on
    run_jobs()
    assert client.get(f"/api/v1/media/{media_id}").json()["status"] == "ready"


def test_a_dropped_connection_resumes_where_the_server_stopped(make_user, client_for, clip):
    client = client_for(make_user())
    url = create(client, len(clip))["Location"]
    upload = Upload.objects.get()

    class Dropped(io.BytesIO):
        """A request body that breaks off half-way, as a phone losing its signal."""

        def read(self, size=-1):
            chunk = super().read(min(size, 1000) if size and size > 0 else 1000)
            if self.tell() > 2500:
                raise OSError("connection reset")
            return chunk

    with pytest.raises(OSError):
        uploads.append(upload, 0, Dropped(clip))
    # What reached the disk before the drop but was never recorded is not trusted.
    assert head(client, url)["Upload-Offset"] == "0"

    # A piece that does arrive is kept; the client asks where to go on from and does.
    assert send(client, url, 0, clip[:2000]).status_code == 204
    offset = int(head(client, url)["Upload-Offset"])
    assert offset == 2000
    stale = send(client, url, 0, clip)  # a client that lost count is told the offset
    assert stale.status_code == 409
    assert "2000" in stale.json()["error"]["message"]
    done = send(client, url, offset, clip[offset:])
    assert done.status_code == 204 and done["Vermilion-Media-Id"]
    media = Media.objects.get()
    assert media.original_bytes == len(clip)


def test_refusals(make_user, client_for, anon, clip, settings):
    owner, other = make_user(), make_user()
    client = client_for(owner)
    # The protocol version, the length, the metadata.
    no_version = client.post("/api/v1/uploads", headers={"Upload-Length": "10"})
    assert no_version.status_code == 412 and no_version["Tus-Version"] == "1.0.0"
    assert create(client, 0).status_code == 400
    bad_length = client.post("/api/v1/uploads", headers={**TUS, "Upload-Length": "ten"})
    assert bad_length.status_code == 400
    assert bad_length.json()["error"]["field"] == "Upload-Length"
    assert create(client, 10, "filename ***").status_code == 400
    settings.MAX_VIDEO_UPLOAD_BYTES = 1000
    too_big = create(client, 1001)
    assert too_big.status_code == 413 and "limit" in too_big.json()["error"]["message"]
    settings.MAX_VIDEO_UPLOAD_BYTES = 10_000_000
    # Anonymous, someone else's, the content type, bytes past the length.
    assert create(anon, 10).status_code == 401
    url = create(client, len(clip))["Location"]
    intruder = client_for(other)
    assert head(intruder, url).status_code == 404
    assert send(intruder, url, 0, clip).status_code == 404
    assert send(client, url, 0, clip, content_type="video/mp4").status_code == 415
    over = send(client, url, 0, clip + b"more")
    assert over.status_code == 400 and head(client, url)["Upload-Offset"] == "0"
    assert send(client, url, 0, clip, **{"Upload-Offset": "-3"}).status_code == 400
    assert head(client, "/api/v1/uploads/not-a-number").status_code == 404
    assert Upload.objects.count() == 1 and not Media.objects.exists()


def test_a_finished_upload_that_is_not_a_video_is_refused_and_removed(make_user, client_for):
    client = client_for(make_user())
    junk = b"\x00\x00\x00\x18ftypmp42" + b"\x01" * 5000
    url = create(client, len(junk))["Location"]
    answer = send(client, url, 0, junk)
    assert answer.status_code == 415, answer.content
    assert answer["Tus-Resumable"] == "1.0.0"
    assert "not a video" in answer.json()["error"]["message"]
    assert not Upload.objects.exists() and not Media.objects.exists()
    assert not list(uploads.upload_dir().glob("*.part"))


def test_termination_and_expiry(make_user, client_for, clip):
    client = client_for(make_user())
    url = create(client, len(clip))["Location"]
    send(client, url, 0, clip[:100])
    path = uploads.part_path(Upload.objects.get())
    assert path.exists()
    gone = client.delete(url, headers=TUS)
    assert gone.status_code == 204
    assert head(client, url).status_code == 404 and not path.exists()

    url = create(client, len(clip))["Location"]
    upload = Upload.objects.get()
    Upload.objects.filter(pk=upload.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert head(client, url).status_code == 404  # expired: as good as gone
    tasks.purge_uploads()
    assert not Upload.objects.exists() and not uploads.part_path(upload).exists()


def test_two_writers_at_once_are_kept_apart(make_user, client_for, clip):
    import fcntl

    client = client_for(make_user())
    url = create(client, len(clip))["Location"]
    upload = Upload.objects.get()
    with open(uploads.part_path(upload), "r+b") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # another request is writing
        busy = send(client, url, 0, clip)
    assert busy.status_code == 409 and busy.json()["error"]["code"] == "upload_busy"
    assert send(client, url, 0, clip).status_code == 204
    assert Job.objects.filter(name=tasks.PROCESS_VIDEO).count() == 1
