"""Uploads through the API, processed by the job, as a client and a browser meet them."""

from __future__ import annotations

import io
import re

import blurhash
import pytest
from django.core.files.storage import storages
from PIL import Image

from vermilion.core.models import Job
from vermilion.media.models import Media

from . import factories as f

pytestmark = pytest.mark.django_db


def _distance(pixel, color) -> int:
    return sum(abs(a - b) for a, b in zip(pixel[:3], color, strict=True))


def test_upload_is_processing_then_ready(make_user, client_for, upload, run_jobs, fetch_image):
    owner = make_user()
    client = client_for(owner)

    response = upload(client, f.jpeg((300, 200), f.RED), alt_text="A red card")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "processing"
    assert body["kind"] == "image"
    assert body["urls"] == {}
    assert body["alt_text"] == "A red card"
    media_id = body["id"]
    assert media_id.isdigit()

    # The job is durable before the response: a queued row, nothing processed yet.
    assert Job.objects.filter(name="media.process_image", payload__media_id=int(media_id)).exists()
    assert client.get(f"/api/v1/media/{media_id}").json()["status"] == "processing"

    assert run_jobs() == 1

    body = client.get(f"/api/v1/media/{media_id}").json()
    assert body["status"] == "ready"
    assert body["progress"] == 100
    assert body["error"] is None
    assert (body["width"], body["height"]) == (300, 200)
    assert body["aspect_ratio"] == 1.5
    assert blurhash.is_valid_blurhash(body["blurhash"])
    assert re.fullmatch(r"#[0-9a-f]{6}", body["dominant_color"])
    assert _distance(Image.new("RGB", (1, 1), body["dominant_color"]).getpixel((0, 0)), f.RED) < 40
    assert set(body["urls"]) == {"thumb", "display"}

    media = Media.objects.get(pk=int(media_id))
    assert media.processed_at is not None
    assert media.original_format == "JPEG"
    assert media.original_path == f"originals/{media_id}.jpg"
    assert storages["private"].exists(media.original_path)

    display, _ = fetch_image(body["urls"]["display"])
    assert display.format == "WEBP"
    assert display.size == (300, 200)


@pytest.mark.parametrize(
    ("make", "fmt", "size"),
    [
        (lambda: f.jpeg((120, 80)), "JPEG", (120, 80)),
        (lambda: f.png((120, 80)), "PNG", (120, 80)),
        (lambda: f.webp((120, 80)), "WEBP", (120, 80)),
        (lambda: f.heic((128, 96)), "HEIF", (128, 96)),
        (lambda: f.animated_gif((64, 48)), "GIF", (64, 48)),
        (lambda: f.mpo((96, 64)), "JPEG", (96, 64)),
    ],
    ids=["jpeg", "png", "webp", "heic", "gif", "mpo"],
)
def test_each_accepted_format(
    make, fmt, size, make_user, client_for, upload, run_jobs, fetch_image
):
    client = client_for(make_user())
    response = upload(client, make(), name="upload.bin", content_type="application/octet-stream")
    assert response.status_code == 201, response.content
    run_jobs()
    body = client.get(f"/api/v1/media/{response.json()['id']}").json()
    assert body["status"] == "ready", body
    assert (body["width"], body["height"]) == size
    assert Media.objects.get(pk=int(body["id"])).original_format == fmt
    for name in ("thumb", "display"):
        img, _ = fetch_image(body["urls"][name])
        assert img.format == "WEBP"
        assert img.size == size  # small originals are never upscaled


def test_animated_gif_keeps_its_first_frame(make_user, client_for, upload, run_jobs, fetch_image):
    client = client_for(make_user())
    media_id = upload(client, f.animated_gif(), name="a.gif").json()["id"]
    run_jobs()
    body = client.get(f"/api/v1/media/{media_id}").json()
    display, _ = fetch_image(body["urls"]["display"])
    assert getattr(display, "n_frames", 1) == 1
    pixel = display.convert("RGB").getpixel((10, 10))  # GIF palettes shift colours a little
    assert _distance(pixel, f.RED) < 80 < _distance(pixel, f.BLUE)


def test_transparency_is_kept(make_user, client_for, upload, run_jobs, fetch_image):
    client = client_for(make_user())
    media_id = upload(client, f.png_with_alpha((120, 80)), name="a.png").json()["id"]
    run_jobs()
    body = client.get(f"/api/v1/media/{media_id}").json()
    display, _ = fetch_image(body["urls"]["display"])
    assert display.mode == "RGBA"
    assert display.getpixel((110, 40))[3] == 0  # the transparent half
    assert display.getpixel((10, 40))[3] == 255


def test_exif_orientation_is_applied(make_user, client_for, upload, run_jobs, fetch_image):
    """Orientation 6: stored landscape, shown turned 90° clockwise (portrait)."""
    client = client_for(make_user())
    data = f.jpeg_with_metadata((300, 200), orientation=6)
    media_id = upload(client, data).json()["id"]
    run_jobs()
    body = client.get(f"/api/v1/media/{media_id}").json()
    assert (body["width"], body["height"]) == (200, 300)
    display, _ = fetch_image(body["urls"]["display"])
    assert display.size == (200, 300)
    rgb = display.convert("RGB")
    # Turned clockwise, the stored left half (red) ends on top, the right half (blue) below.
    assert _distance(rgb.getpixel((100, 20)), f.RED) < 60
    assert _distance(rgb.getpixel((100, 280)), f.BLUE) < 60


def test_metadata_is_stripped(make_user, client_for, upload, run_jobs, fetch_image):
    client = client_for(make_user())
    data = f.jpeg_with_metadata((300, 200), orientation=1)
    original = Image.open(io.BytesIO(data))
    assert original.getexif().get_ifd(0x8825)  # the test file really carries GPS

    media_id = upload(client, data).json()["id"]
    run_jobs()
    body = client.get(f"/api/v1/media/{media_id}").json()
    for name in ("thumb", "display"):
        img, raw = fetch_image(body["urls"][name])
        assert not img.getexif()
        assert not img.getexif().get_ifd(0x8825)
        for key in ("exif", "xmp", "icc_profile", "comment"):
            assert key not in img.info
        for secret in (b"VermilionCam", b"secret place", b"taken at home", b"Exif"):
            assert secret not in raw


@pytest.mark.parametrize(
    ("size", "thumb", "display"),
    [
        ((3000, 1500), (540, 270), (1440, 720)),
        ((600, 3000), (288, 1440), (288, 1440)),
        ((300, 200), (300, 200), (300, 200)),
        ((1000, 1000), (540, 540), (1000, 1000)),
    ],
    ids=["large-landscape", "tall", "small", "square"],
)
def test_rendition_sizes(size, thumb, display, make_user, client_for, upload, run_jobs):
    client = client_for(make_user())
    media_id = upload(client, f.jpeg(size)).json()["id"]
    run_jobs()
    media = Media.objects.get(pk=int(media_id))
    assert (media.width, media.height) == size
    renditions = media.renditions
    assert (renditions["thumb"]["width"], renditions["thumb"]["height"]) == thumb
    assert (renditions["display"]["width"], renditions["display"]["height"]) == display
    for name, expected in (("thumb", thumb), ("display", display)):
        assert renditions[name]["content_type"] == "image/webp"
        assert renditions[name]["path"] == f"images/{media_id}/{name}.webp"
        with storages["default"].open(renditions[name]["path"]) as fh:
            assert Image.open(fh).size == expected


def test_sixteen_bit_and_cmyk_images_are_converted(make_user, client_for, upload, run_jobs):
    client = client_for(make_user())
    grey16 = f.encode(Image.new("I;16", (40, 30), 32768), "PNG")  # mid grey, not white
    cmyk = f.encode(Image.new("CMYK", (40, 30), (0, 255, 255, 0)), "JPEG")  # red in CMYK
    ids = [upload(client, data).json()["id"] for data in (grey16, cmyk)]
    run_jobs()
    grey, red = (Media.objects.get(pk=int(i)) for i in ids)
    assert grey.status == red.status == "ready"
    grey_rgb = Image.new("RGB", (1, 1), grey.dominant_color).getpixel((0, 0))
    assert all(100 < channel < 160 for channel in grey_rgb)
    red_rgb = Image.new("RGB", (1, 1), red.dominant_color).getpixel((0, 0))
    assert red_rgb[0] > 200 and red_rgb[1] < 60 and red_rgb[2] < 60


def test_renditions_are_served_with_long_cache(make_user, client_for, upload, run_jobs, anon):
    client = client_for(make_user())
    media_id = upload(client, f.jpeg()).json()["id"]
    run_jobs()
    url = client.get(f"/api/v1/media/{media_id}").json()["urls"]["thumb"]
    response = anon.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/webp"
    assert "immutable" in response["Cache-Control"]
    assert response["X-Content-Type-Options"] == "nosniff"


def test_original_is_never_reachable(make_user, client_for, upload, run_jobs, anon):
    client = client_for(make_user())
    response = upload(client, f.jpeg())
    media_id = response.json()["id"]
    run_jobs()
    media = Media.objects.get(pk=int(media_id))
    assert storages["private"].exists(media.original_path)
    # Not under the public folder, whatever the path...
    assert anon.get(f"/media/{media.original_path}").status_code == 404
    # ...nor by climbing out of it.
    assert anon.get(f"/media/../private/{media.original_path}").status_code in (400, 404)
    # The API never names it either.
    body = client.get(f"/api/v1/media/{media_id}").content.decode()
    assert media.original_path not in body
    assert "originals" not in body


def test_openapi_documents_media_errors(anon):
    paths = anon.get("/api/openapi.json").json()["paths"]
    upload_responses = paths["/api/v1/media"]["post"]["responses"]
    assert {"201", "400", "401", "413", "415", "429"} <= set(upload_responses)
    item = paths["/api/v1/media/{media_id}"]
    assert {"200", "404"} <= set(item["get"]["responses"])
    assert {"200", "403", "404"} <= set(item["patch"]["responses"])
