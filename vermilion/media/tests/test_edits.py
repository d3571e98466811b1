"""The video editor: edit lists checked on the request, rendered frame-accurately by the job.

Clips come from ``clips.py``: every frame shows its own number in its red level, so trims,
speed changes and crops can be checked frame by frame after a real encode.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import av
import numpy as np
import pytest
from django.core.files.storage import storages
from hypothesis import given, settings
from hypothesis import strategies as st

from vermilion.core.errors import Invalid
from vermilion.media import edits, music, video
from vermilion.media.models import Media

from .clips import frame_index, make_clip, probe

pytestmark = pytest.mark.django_db


@pytest.fixture
def workdir():
    with tempfile.TemporaryDirectory() as path:
        yield Path(path)


def _render(workdir: Path, edit: dict, *, cover_ms=None, **clip):
    clip = {"fps": 25, "seconds": 4.0, "width": 640, "height": 360, **clip}
    source = make_clip(workdir / "src.mp4", **clip)
    info = video.inspect(source)
    edit = edits.clean_edit(edit, duration_ms=info.duration_ms, has_audio=info.has_audio)
    out = workdir / "out"
    out.mkdir()
    result = video.transcode(source, out, info, edit=edit, cover_ms=cover_ms)
    return result, out


def _frames(path: Path) -> list:
    with av.open(str(path)) as container:
        return [frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)]


def _indexes(path: Path) -> list[int]:
    with av.open(str(path)) as container:
        return [frame_index(frame) for frame in container.decode(video=0)]


# --- validation -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("edit", "field"),
    [
        ([], "edit"),
        ({"blur": 3}, "edit.blur"),
        ({"trim": {"start_ms": 2000, "end_ms": 2100}}, "edit.trim"),
        ({"trim": {"start_ms": -5}}, "edit.trim.start_ms"),
        ({"trim": {"start_ms": 0, "end_ms": 99_000}}, "edit.trim.end_ms"),
        ({"trim": {"start_ms": "1s"}}, "edit.trim.start_ms"),
        ({"trim": "0-2"}, "edit.trim"),
        ({"crop": "16:10"}, "edit.crop"),
        ({"crop": "1:1", "crop_x": 1.5}, "edit.crop_x"),
        ({"rotate": 45}, "edit.rotate"),
        ({"rotate": True}, "edit.rotate"),
        ({"speed": 3}, "edit.speed"),
        ({"speed": 0.1}, "edit.speed"),
        ({"speed": float("nan")}, "edit.speed"),
        ({"filter": "sepia"}, "edit.filter"),
        ({"texts": "hi"}, "edit.texts"),
        ({"texts": [{"text": ""}]}, "edit.texts.0.text"),
        ({"texts": [{"text": "火" * 61}]}, "edit.texts.0.text"),
        ({"texts": [{"text": "a\nb\nc\nd"}]}, "edit.texts.0.text"),
        ({"texts": [{"text": "hi", "color": "red"}]}, "edit.texts.0.color"),
        ({"texts": [{"text": "hi", "size": 0.9}]}, "edit.texts.0.size"),
        ({"texts": [{"text": "hi", "style": "neon"}]}, "edit.texts.0.style"),
        ({"texts": [{"text": "hi", "font": "x"}]}, "edit.texts.0"),
        ({"texts": [{"text": "hi"}] * 6}, "edit.texts"),
        ({"music": {"track": "no-such-song"}}, "edit.music.track"),
        ({"music": {"track": "spark", "volume": 2}}, "edit.music.volume"),
        ({"mute": "yes"}, "edit.mute"),
    ],
)
def test_a_bad_edit_is_refused_naming_the_field(edit, field):
    with pytest.raises(Invalid) as caught:
        edits.clean_edit(edit, duration_ms=4000, has_audio=True)
    assert caught.value.field == field
    assert caught.value.message


def test_an_edit_is_stored_as_what_differs_from_the_original():
    edit = edits.clean_edit(
        {
            "trim": {"start_ms": 0, "end_ms": 4000},
            "crop": "original",
            "rotate": 0,
            "speed": 1,
            "filter": "none",
            "texts": [],
            "mute": False,
        },
        duration_ms=4000,
        has_audio=True,
    )
    assert edit == {}
    edit = edits.clean_edit(
        {"texts": [{"text": "  成都\r\n火锅 "}], "mute": True}, duration_ms=4000, has_audio=False
    )
    assert edit["texts"][0]["text"] == "成都\n火锅"
    assert "mute" not in edit  # nothing to mute


def test_a_slowed_video_may_not_pass_the_length_limit(settings):
    settings.MAX_VIDEO_SECONDS = 60
    with pytest.raises(Invalid) as caught:
        edits.clean_edit({"speed": 0.5}, duration_ms=40_000, has_audio=True)
    assert caught.value.field == "edit.speed"


@pytest.mark.parametrize(
    ("crop", "size"),
    [("9:16", (202, 360)), ("3:4", (270, 360)), ("1:1", (360, 360)), ("original", (640, 360))],
)
def test_crop_windows_keep_the_largest_picture_of_their_shape(crop, size):
    geometry = edits.geometry({"crop": crop}, 640, 360)
    assert geometry.size == size
    turned = edits.geometry({"crop": "9:16", "rotate": 90}, 640, 360)
    assert turned.turned == (360, 640) and turned.size == (360, 640)


# --- rendering ------------------------------------------------------------------------------


def test_trim_is_frame_accurate(workdir):
    result, out = _render(workdir, {"trim": {"start_ms": 1000, "end_ms": 2000}})
    assert _indexes(out / "video.mp4") == [i % 32 for i in range(25, 50)]
    assert result.duration_ms == 1000
    info = probe(out / "video.mp4")
    assert info["audio"]["codec"] == "aac" and info["frames"] == 25


def test_speed_drops_or_holds_frames_evenly(workdir):
    fast, out = _render(workdir, {"trim": {"start_ms": 0, "end_ms": 2000}, "speed": 2})
    assert _indexes(out / "video.mp4") == [i % 32 for i in range(0, 50, 2)]
    assert fast.duration_ms == 1000
    slow_dir = workdir / "slow"
    slow_dir.mkdir()
    slow, out = _render(slow_dir, {"trim": {"start_ms": 0, "end_ms": 1000}, "speed": 0.5})
    assert _indexes(out / "video.mp4") == [(i // 2) % 32 for i in range(50)]
    assert slow.duration_ms == 2000
    # The sound is stretched to the same length (atempo keeps its pitch).
    with av.open(str(out / "video.mp4")) as container:
        audio = container.streams.audio[0]
        seconds = float(audio.duration * audio.time_base)
    assert abs(seconds - 2.0) < 0.1


def test_crop_takes_the_window_asked_for(workdir):
    # The white bar at the top grows from the left by 4 px a frame: a window at the left
    # edge sees it from the first frames, one at the right edge only late.
    _result, left = _render(workdir, {"crop": "1:1", "crop_x": 0.0})
    frames = _frames(left / "video.mp4")
    assert frames[0].shape[:2] == (360, 360)
    assert frames[10][20, 20, 1] > 200  # the bar is 40 px long by frame 10
    right_dir = workdir / "right"
    right_dir.mkdir()
    _result, right = _render(right_dir, {"crop": "1:1", "crop_x": 1.0})
    frames = _frames(right / "video.mp4")
    assert frames[10][20, 20, 1] < 60  # the window starts at x=280
    assert frames[80][20, 20, 1] > 200  # by frame 80 the bar (320 px) reaches x=300
    assert frame_index(frames[10]) == 10


def test_rotate_turns_the_picture(workdir):
    result, out = _render(workdir, {"rotate": 90}, seconds=1.0)
    assert (result.width, result.height) == (360, 640)
    frames = _frames(out / "video.mp4")
    # Turned clockwise, the top half (the bar) is now the right half.
    assert frames[-1][40, 340, 1] > 200 and frames[-1][40, 20, 1] < 60


def test_a_colour_filter_changes_the_colours(workdir):
    _result, out = _render(workdir, {"filter": "mono"}, seconds=1.0)
    frame = _frames(out / "video.mp4")[20]  # red 160 in the source
    r, g, b = (float(np.median(frame[300:, :, c])) for c in range(3))
    assert abs(r - g) < 12 and abs(g - b) < 12


def test_texts_are_drawn_in_chinese_too(workdir):
    if edits.font_file() is None:
        pytest.skip("no CJK font installed (apt-get install fonts-noto-cjk)")
    text = {"text": "成都火锅", "x": 0.5, "y": 0.85, "size": 0.12, "color": "#00ff00"}
    _result, out = _render(workdir, {"texts": [{**text, "style": "box"}]}, seconds=1.0)
    frame = _frames(out / "video.mp4")[5]
    band = frame[int(0.85 * 360) - 20 : int(0.85 * 360) + 20, 320 - 60 : 320 + 60]
    green = (band[..., 1] > 180) & (band[..., 0] < 120)
    assert green.mean() > 0.3  # the box
    layer = np.asarray(edits.text_layer([{**text, "style": "plain"}], 640, 360))
    drawn = layer[..., 3] > 0
    # Four CJK glyphs, not four empty boxes: plenty of strokes inside the line.
    assert drawn.sum() > 1500
    assert edits.font_file() is not None


def test_music_plays_under_a_silent_video_and_mute_silences(workdir):
    """(A silent source's MP4 fallback was unreadable once: its codec headers were missing.)"""
    result, out = _render(
        workdir, {"music": {"track": "tea-house", "volume": 0.8}}, seconds=1.0, audio=False
    )
    with av.open(str(out / "video.mp4")) as container:
        assert container.streams.audio
        sound = np.concatenate([f.to_ndarray() for f in container.decode(audio=0)], axis=1)
    assert np.abs(sound).max() > 0.05
    muted_dir = workdir / "muted"
    muted_dir.mkdir()
    _result, out = _render(muted_dir, {"mute": True}, seconds=1.0)
    assert probe(out / "video.mp4")["audio"] is None
    assert "mp4a" not in (out / "master.m3u8").read_text()


def test_the_music_library_loops_seamlessly():
    for track in music.LIBRARY:
        loop = music.loop(track.slug)
        assert loop.dtype == np.float32 and loop.shape[0] == 2
        assert abs(loop.shape[1] / music.RATE - track.seconds) < 0.01
        assert 0.5 < np.abs(loop).max() <= 0.71
        joined = music.samples(track.slug, loop.shape[1] - 10, 20)
        assert np.array_equal(joined[:, 10:], loop[:, :10])  # it goes on from the start


def test_the_cover_and_preview_follow_the_edit(workdir):
    # Trimmed from 1 s, cover at 0.4 s of the edited video: source frame 35.
    edit = {"trim": {"start_ms": 1000, "end_ms": 5000}}
    result, out = _render(workdir, edit, cover_ms=400, seconds=6.0)
    red = float(np.median(np.asarray(result.poster_image)[150:, :, 0]))
    assert round(red / 8) % 32 == 35 % 32
    preview = _indexes(out / "preview.mp4")
    assert preview == [i % 32 for i in range(35, 35 + 75)]  # 3 s from the cover
    assert probe(out / "preview.mp4")["audio"] is None


# --- through the API ------------------------------------------------------------------------


def _uploaded(client, upload, run_jobs, workdir, **clip) -> dict:
    data = make_clip(workdir / "up.mp4", **{"width": 640, "height": 360, **clip}).read_bytes()
    response = upload(client, data, name="up.mp4", content_type="video/mp4")
    assert response.status_code == 201, response.content
    run_jobs()
    return client.get(f"/api/v1/media/{response.json()['id']}").json()


def _patch(client, media_id, body):
    return client.patch(f"/api/v1/media/{media_id}", body, content_type="application/json")


def test_an_edit_is_rendered_into_a_new_revision(
    make_user, client_for, upload, run_jobs, workdir, anon, attach
):
    client = client_for(make_user())
    body = _uploaded(client, upload, run_jobs, workdir, seconds=3.0)
    assert body["edit"] == {} and body["source"]["duration_ms"] == 3000
    before = body["urls"]["hls"]
    attach(body["id"])
    edit = {"trim": {"start_ms": 500, "end_ms": 2500}, "crop": "9:16", "filter": "warm"}
    response = _patch(client, body["id"], {"edit": edit, "cover_ms": 300})
    assert response.status_code == 200, response.content
    patched = response.json()
    assert patched["status"] == "processing" and patched["edit"]["crop"] == "9:16"
    assert patched["urls"]["hls"] == before  # still playing the previous rendering
    # Others see the note's video as it was meanwhile, never the edit list.
    seen = anon.get(f"/api/v1/media/{body['id']}").json()
    assert seen["urls"]["hls"] == before and seen.get("edit") is None
    assert run_jobs() == 1
    done = client.get(f"/api/v1/media/{body['id']}").json()
    assert done["status"] == "ready" and done["cover_ms"] == 300
    assert (done["width"], done["height"]) == (202, 360)
    assert abs(done["duration_ms"] - 2000) <= 40
    assert done["urls"]["hls"] != before and "/2/" in done["urls"]["hls"]
    # The replaced rendering's files are gone.
    media = Media.objects.get(pk=int(body["id"]))
    assert _files_under(f"videos/{media.pk}/1") == []
    assert len(_files_under(f"videos/{media.pk}/2")) > 4
    # Undo: the original again, in a third rendering.
    assert _patch(client, body["id"], {"edit": None}).json()["edit"] == {}
    run_jobs()
    undone = client.get(f"/api/v1/media/{body['id']}").json()
    assert (undone["width"], undone["height"]) == (640, 360)
    # The same edit again renders nothing.
    assert _patch(client, body["id"], {"edit": {}}).json()["status"] == "ready"


def _files_under(folder: str) -> list[str]:
    storage, found, stack = storages["default"], [], [folder]
    while stack:
        current = stack.pop()
        folders, files = storage.listdir(current)
        found += [f"{current}/{name}" for name in files]
        stack += [f"{current}/{name}" for name in folders]
    return found


def test_bad_edits_and_covers_are_400_and_change_nothing(
    make_user, client_for, upload, run_jobs, workdir
):
    client = client_for(make_user())
    body = _uploaded(client, upload, run_jobs, workdir, seconds=2.0)
    for payload, field in (
        ({"edit": {"speed": 9}}, "edit.speed"),
        ({"edit": "trim"}, "edit"),
        ({"cover_ms": 5000}, "cover_ms"),
        ({"edit": {"trim": {"start_ms": 0, "end_ms": 1000}}, "cover_ms": 1500}, "cover_ms"),
    ):
        response = _patch(client, body["id"], payload)
        assert response.status_code in (400, 422), (payload, response.content)
        if response.status_code == 400:
            assert response.json()["error"]["field"] == field
    media = Media.objects.get(pk=int(body["id"]))
    assert media.edit_list == {} and media.edit_version == 0 and media.status == "ready"


def test_only_the_owner_edits_a_video(
    make_user, client_for, anon, upload, run_jobs, workdir, attach
):
    owner = make_user()
    client = client_for(owner)
    body = _uploaded(client, upload, run_jobs, workdir, seconds=1.0)
    attach(body["id"])  # public: others can see it
    edit = {"edit": {"filter": "mono"}}
    assert _patch(client_for(make_user()), body["id"], edit).status_code == 403
    admin = make_user()
    type(admin).objects.filter(pk=admin.pk).update(is_staff=True)
    admin.refresh_from_db()
    assert _patch(client_for(admin), body["id"], edit).status_code == 403
    assert _patch(anon, body["id"], edit).status_code == 401
    blocked = make_user()
    from vermilion.accounts import services as accounts

    accounts.block(owner, blocked)
    assert _patch(client_for(blocked), body["id"], edit).status_code in (403, 404)
    assert Media.objects.get(pk=int(body["id"])).edit_list == {}


def test_images_have_no_edit_list(make_user, client_for, upload):
    from .factories import jpeg

    client = client_for(make_user())
    media = upload(client, jpeg()).json()
    response = _patch(client, media["id"], {"edit": {"filter": "mono"}})
    assert response.status_code == 400 and response.json()["error"]["field"] == "edit"


def test_an_edit_made_during_a_render_supersedes_it(
    make_user, client_for, upload, run_jobs, workdir, monkeypatch
):
    client = client_for(make_user())
    data = make_clip(workdir / "a.mp4", width=640, height=360, seconds=1.0).read_bytes()
    media_id = upload(client, data, name="a.mp4", content_type="video/mp4").json()["id"]
    real = video.transcode

    def edited_meanwhile(source, out, info, **kwargs):
        # The owner edits while the first render runs; its next progress report stops it.
        assert _patch(client, media_id, {"edit": {"crop": "1:1"}}).status_code == 200
        kwargs["progress"](0.3)
        raise AssertionError("not reached")

    monkeypatch.setattr(video, "transcode", edited_meanwhile)
    from vermilion.core import jobs

    jobs.run_pending(max_jobs=1)
    monkeypatch.setattr(video, "transcode", real)
    run_jobs()
    body = client.get(f"/api/v1/media/{media_id}").json()
    assert body["status"] == "ready" and (body["width"], body["height"]) == (360, 360)
    assert body["error"] is None


def test_a_failed_render_of_an_edit_keeps_the_video_playing(
    make_user, client_for, upload, run_jobs, workdir, monkeypatch
):
    from vermilion.core.errors import ServiceError

    client = client_for(make_user())
    body = _uploaded(client, upload, run_jobs, workdir, seconds=1.0)

    def broken(*args, **kwargs):
        raise ServiceError("This video is damaged or incomplete.")

    monkeypatch.setattr(video, "transcode", broken)
    _patch(client, body["id"], {"edit": {"filter": "vivid"}})
    run_jobs()
    after = client.get(f"/api/v1/media/{body['id']}").json()
    assert after["status"] == "ready" and after["urls"]["hls"] == body["urls"]["hls"]
    assert "damaged" in after["error"]


def test_the_music_library_is_listed_with_playable_loops(anon):
    response = anon.get("/api/v1/music")
    assert response.status_code == 200
    items = response.json()["items"]
    assert {item["slug"] for item in items} == set(music.BY_SLUG)
    first = items[0]
    assert first["name_zh"] and first["loop_ms"] > 5000
    served = anon.get(first["url"])
    assert served.status_code == 200
    path = Path(tempfile.mkdtemp()) / "loop.m4a"
    path.write_bytes(b"".join(served.streaming_content))
    with av.open(str(path)) as container:
        assert container.streams.audio[0].codec_context.name == "aac"
    # Made once: a second listing reuses the files.
    assert anon.get("/api/v1/music").json()["items"][0]["url"] == first["url"]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**6), 10**6) | st.floats() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=10,
)
edit_keys = st.sampled_from(sorted(edits.KEYS))


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(edit_keys, json_values, max_size=6) | json_values)
def test_any_json_is_an_edit_or_a_400(data):
    """Whatever a client sends: a clean edit list, or Invalid with a field; never a crash."""
    try:
        edit = edits.clean_edit(data, duration_ms=4000, has_audio=True)
    except Invalid as exc:
        assert exc.field and exc.field.startswith("edit")
        return
    assert set(edit) <= edits.KEYS
    assert edits.output_duration_ms(edit, 4000) >= 250
