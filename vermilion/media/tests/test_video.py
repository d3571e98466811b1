"""Video notes' media: probing at upload, the transcode job, and what bad files become.

Every clip is made here with PyAV (``clips.py``) and small, so real transcodes stay fast.
"""

from __future__ import annotations

import tempfile
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.storage import storages
from django.utils import timezone

from vermilion.core.models import Job
from vermilion.media import tasks, video
from vermilion.media.models import Media

from .clips import frame_index, make_clip, probe

pytestmark = pytest.mark.django_db


@pytest.fixture
def workdir():
    with tempfile.TemporaryDirectory() as path:
        yield Path(path)


def _stored(path: str, workdir: Path) -> Path:
    """A public rendition copied out of the storage, for PyAV to open."""
    target = workdir / Path(path).name
    with storages["default"].open(path, "rb") as fh:
        target.write_bytes(fh.read())
    return target


def _post(client, upload, data: bytes, name="clip.mp4"):
    return upload(client, data, name=name, content_type="video/mp4")


# --- probing --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "kwargs", "container", "size"),
    [
        ("a.mp4", {}, "mp4", (320, 180)),
        ("a.mov", {"width": 180, "height": 320}, "mp4", (180, 320)),
        ("a.webm", {"codec": "libvpx-vp9", "fmt": "webm"}, "webm", (320, 180)),
    ],
)
def test_inspect_reads_what_the_file_holds(workdir, name, kwargs, container, size):
    path = make_clip(workdir / name, seconds=1.0, **kwargs)
    info = video.inspect(path)
    assert info.container == container
    assert (info.width, info.height) == size
    assert info.fps == 25 and info.has_audio
    assert abs(info.duration_ms - 1000) <= 60


def test_a_small_video_goes_through_the_plain_upload(make_user, client_for, upload, workdir):
    client = client_for(make_user())
    data = make_clip(workdir / "a.mov", seconds=1.0).read_bytes()
    response = _post(client, upload, data, name="holiday.jpg")  # the name is ignored
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["kind"] == "video" and body["status"] == "processing"
    assert body["width"] == 320 and body["height"] == 180 and body["urls"] == {}
    assert Job.objects.filter(name=tasks.PROCESS_VIDEO, payload__media_id=int(body["id"])).exists()


def _refused(client, upload, data: bytes, status: int, needle: str):
    response = _post(client, upload, data)
    assert response.status_code == status, response.content
    error = response.json()["error"]
    assert error["field"] == "file"
    assert needle in error["message"], error["message"]
    assert not Media.objects.exists()
    return error


def test_bad_files_are_refused_with_a_reason(make_user, client_for, upload, workdir, settings):
    client = client_for(make_user())
    # Text named .mp4, an MP4 header followed by junk, audio only, zero bytes.
    _refused(client, upload, b"this is not a video at all\n" * 10, 415, "not a video")
    # Named as a photo, the same text is refused as a photo (the bytes decide; the name
    # only picks which reason is the helpful one).
    response = upload(client, b"this is not a photo\n" * 10, name="a.jpg")
    assert response.status_code == 415 and "not an image" in response.json()["error"]["message"]
    junk = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x07" * 4000
    _refused(client, upload, junk, 415, "not a video")
    audio = make_clip(workdir / "sound.mp4", video=False).read_bytes()
    _refused(client, upload, audio, 415, "no picture")
    response = _post(client, upload, b"")
    assert response.status_code == 400 and "empty" in response.json()["error"]["message"]
    # Cut in half: the index (at the end of this MP4) is gone.
    whole = make_clip(workdir / "whole.mp4", seconds=1.0).read_bytes()
    _refused(client, upload, whole[: len(whole) // 2], 415, "not a video")
    # Over the length limit.
    settings.MAX_VIDEO_SECONDS = 1
    long = make_clip(workdir / "long.mp4", seconds=2.0, audio=False).read_bytes()
    _refused(client, upload, long, 413, "too long")


def test_absurd_pictures_and_frame_rates_are_refused(workdir):
    from vermilion.core.errors import TooLarge, UnsupportedMedia

    tall = make_clip(workdir / "tall.mp4", width=64, height=4608, seconds=0.2, audio=False)
    with pytest.raises(TooLarge):
        video.inspect(tall)
    tiny = make_clip(workdir / "tiny.mp4", width=8, height=8, seconds=0.2, audio=False)
    with pytest.raises(UnsupportedMedia, match="too small"):
        video.inspect(tiny)
    fast = make_clip(workdir / "fast.mp4", fps=1000, seconds=0.05, audio=False)
    with pytest.raises(UnsupportedMedia, match="frame rate"):
        video.inspect(fast)


# --- the job --------------------------------------------------------------------------------


def _upload_and_process(client, upload, run_jobs, data: bytes) -> dict:
    response = _post(client, upload, data)
    assert response.status_code == 201, response.content
    run_jobs()
    answer = client.get(f"/api/v1/media/{response.json()['id']}")
    assert answer.status_code == 200
    return answer.json()


def test_a_video_becomes_a_ladder_a_fallback_a_poster_and_a_preview(
    make_user, client_for, upload, run_jobs, workdir, anon
):
    client = client_for(make_user())
    data = make_clip(workdir / "hd.mp4", width=1280, height=720, seconds=2.0).read_bytes()
    body = _upload_and_process(client, upload, run_jobs, data)
    assert body["status"] == "ready", body
    assert body["progress"] == 100 and body["error"] is None
    assert abs(body["duration_ms"] - 2000) <= 80
    assert (body["width"], body["height"]) == (1280, 720)
    assert body["blurhash"] and body["dominant_color"].startswith("#")
    assert set(body["urls"]) == {"hls", "mp4", "poster", "preview"}

    media = Media.objects.get(pk=int(body["id"]))
    hls = media.renditions["hls"]
    assert [(r["name"], r["width"], r["height"]) for r in hls["ladder"]] == [
        ("360p", 640, 360),
        ("720p", 1280, 720),
    ]
    # The master playlist lists each rung; each rung's playlist is a finished VOD list.
    master = anon.get(body["urls"]["hls"])
    assert master.status_code == 200
    assert master["Content-Type"] == "application/vnd.apple.mpegurl"
    text = b"".join(master.streaming_content).decode()
    assert text.startswith("#EXTM3U") and "RESOLUTION=640x360" in text
    assert "RESOLUTION=1280x720" in text and "360p/index.m3u8" in text
    prefix = hls["path"].rsplit("/", 1)[0]
    for rung, (width, height) in (("360p", (640, 360)), ("720p", (1280, 720))):
        with storages["default"].open(f"{prefix}/{rung}/index.m3u8") as fh:
            playlist = fh.read().decode()
        assert "#EXT-X-PLAYLIST-TYPE:VOD" in playlist and "#EXT-X-ENDLIST" in playlist
        segments = [line for line in playlist.splitlines() if line.endswith(".ts")]
        assert segments
        served = anon.get(storages["default"].url(f"{prefix}/{rung}/{segments[0]}"))
        assert served.status_code == 200 and served["Content-Type"] == "video/mp2t"
        first = probe(_stored(f"{prefix}/{rung}/{segments[0]}", workdir))
        assert first["video"] == {"codec": "h264", "width": width, "height": height}
        assert first["audio"]["codec"] == "aac"

    fallback = probe(_stored(media.renditions["mp4"]["path"], workdir))
    assert fallback["format"].startswith("mov")
    assert fallback["video"] == {"codec": "h264", "width": 1280, "height": 720}
    assert fallback["audio"]["codec"] == "aac"
    assert fallback["frames"] == 50 and abs(fallback["last_frame_at"] - 1.96) < 0.05
    preview = probe(_stored(media.renditions["preview"]["path"], workdir))
    assert preview["audio"] is None  # silent
    assert preview["video"]["height"] == 240 and preview["frames"] <= 75
    poster = media.renditions["poster"]
    assert poster["content_type"] == "image/webp" and poster["width"] == 1080


def test_vertical_and_small_videos_are_never_upscaled(
    make_user, client_for, upload, run_jobs, workdir
):
    client = client_for(make_user())
    vertical = make_clip(workdir / "v.mp4", width=360, height=640, seconds=0.5).read_bytes()
    body = _upload_and_process(client, upload, run_jobs, vertical)
    ladder = Media.objects.get(pk=int(body["id"])).renditions["hls"]["ladder"]
    assert [(r["name"], r["width"], r["height"]) for r in ladder] == [("360p", 360, 640)]
    small = make_clip(workdir / "s.mp4", width=160, height=120, seconds=0.5).read_bytes()
    body = _upload_and_process(client, upload, run_jobs, small)
    ladder = Media.objects.get(pk=int(body["id"])).renditions["hls"]["ladder"]
    assert [(r["width"], r["height"]) for r in ladder] == [(160, 120)]


def test_frames_come_out_in_order_and_none_is_lost(workdir):
    source = make_clip(workdir / "count.mp4", width=320, height=180, fps=25, seconds=1.0)
    info = video.inspect(source)
    out = workdir / "out"
    out.mkdir()
    video.transcode(source, out, info)
    import av

    with av.open(str(out / "video.mp4")) as container:
        seen = [frame_index(frame) for frame in container.decode(video=0)]
    assert seen == [i % 32 for i in range(25)]


def test_the_cover_frame_is_the_poster(workdir):
    source = make_clip(workdir / "count.mp4", width=320, height=180, fps=25, seconds=1.0)
    info = video.inspect(source)
    out = workdir / "out"
    out.mkdir()
    result = video.transcode(source, out, info, cover_ms=400)  # frame 10
    import numpy as np

    red = float(np.median(np.asarray(result.poster_image)[150:, :, 0]))
    assert round(red / 8) == 10


def test_a_video_that_ends_early_fails_with_a_reason(
    make_user, client_for, upload, run_jobs, workdir
):
    """An MP4 whose index is at the front but whose data is cut short: it opens, then
    the frames stop early. The media ends failed, readably; the worker goes on."""
    import av

    source = make_clip(workdir / "long.mp4", seconds=4.0)
    faststart = workdir / "fast.mp4"
    with (
        av.open(str(source)) as inp,
        av.open(str(faststart), "w", options={"movflags": "+faststart"}) as out,
    ):
        streams = {s.index: out.add_stream_from_template(s) for s in inp.streams}
        for packet in inp.demux():
            if packet.dts is None:
                continue
            packet.stream = streams[packet.stream.index]
            out.mux(packet)
    data = faststart.read_bytes()
    client = client_for(make_user())
    body = _upload_and_process(client, upload, run_jobs, data[: len(data) // 3])
    assert body["status"] == "failed", body
    assert "incomplete" in body["error"] or "damaged" in body["error"]
    assert body["urls"] == {}
    job = Job.objects.get(name=tasks.PROCESS_VIDEO)
    assert job.state == Job.State.FAILED and job.attempts == 1  # not retried: it cannot help


def test_a_worker_killed_mid_transcode_is_taken_over(
    make_user, client_for, upload, run_jobs, workdir, monkeypatch
):
    client = client_for(make_user())
    data = make_clip(workdir / "a.mp4", width=640, height=360, seconds=2.0).read_bytes()
    response = _post(client, upload, data)
    media_id = int(response.json()["id"])

    class Killed(BaseException):
        """Stands for SIGKILL: nothing in the worker catches it, nothing is cleaned up."""

    real = video.transcode

    def dies(source, out, info, **kwargs):
        kwargs["progress"](0.5)  # some progress is reported, then the process is gone
        raise Killed

    monkeypatch.setattr(video, "transcode", dies)
    with pytest.raises(Killed):
        run_jobs()
    job = Job.objects.get(name=tasks.PROCESS_VIDEO)
    media = Media.objects.get(pk=media_id)
    assert job.state == Job.State.RUNNING and media.status == "processing"
    assert media.progress == 45  # what the client saw meanwhile
    # Still leased: no other worker takes it yet.
    monkeypatch.setattr(video, "transcode", real)
    assert run_jobs() == 0
    # The lease runs out (the worker is dead): the next worker starts it again and finishes.
    Job.objects.filter(pk=job.pk).update(locked_until=timezone.now() - timedelta(seconds=1))
    assert run_jobs() == 1
    media.refresh_from_db()
    assert media.status == "ready" and media.progress == 100 and media.revision == 1
    job.refresh_from_db()
    assert job.state == Job.State.DONE and job.attempts == 2
