"""Uploads that must be refused (or fail in processing) with a clear error, never a 500."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest
from django.core.files.storage import storages
from django.test.client import MULTIPART_CONTENT
from PIL import Image

from vermilion.core.models import Job
from vermilion.media import services
from vermilion.media.models import Media

from . import factories as f

pytestmark = pytest.mark.django_db

SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b"<script>alert(1)</script></svg>"
)
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"


@functools.cache
def bomb() -> bytes:
    return f.png_bomb(30_000, 30_000)


def _nothing_stored():
    assert not Media.objects.exists()
    assert not Job.objects.exists()
    root = Path(storages["private"].location)
    assert not [p for p in root.rglob("*") if p.is_file()] if root.exists() else True


@pytest.mark.parametrize(
    ("data", "name", "content_type"),
    [
        (b"just some text, honestly a photo", "photo.jpg", "image/jpeg"),
        (HTML, "photo.jpg", "image/jpeg"),
        (SVG, "drawing.svg", "image/svg+xml"),
        (SVG, "drawing.png", "image/png"),
        (PDF, "scan.jpg", "image/jpeg"),
        (f.png()[:20], "cut.png", "image/png"),  # the header itself is cut short
        (f.jpeg()[:3], "cut.jpg", "image/jpeg"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 50, "fake.png", "image/png"),  # magic, no header
        (b"GIF89a" + HTML, "fake.gif", "image/gif"),
        (f.encode(f.solid(), "TIFF"), "photo.tiff", "image/tiff"),
        (f.encode(f.solid(), "BMP"), "photo.bmp", "image/bmp"),
        (f.encode(f.solid(), "AVIF"), "photo.avif", "image/avif"),
        (bytes(range(256)) * 4, "random.jpg", "image/jpeg"),
    ],
    ids=[
        "text-as-jpg",
        "html-as-jpg",
        "svg",
        "svg-as-png",
        "pdf-as-jpg",
        "truncated-png-header",
        "jpeg-magic-only",
        "png-magic-only",
        "gif-magic-then-html",
        "tiff",
        "bmp",
        "avif",
        "binary-junk",
    ],
)
def test_not_an_accepted_image_is_415(data, name, content_type, make_user, client_for, upload):
    client = client_for(make_user())
    response = upload(client, data, name=name, content_type=content_type)
    assert response.status_code == 415, response.content
    error = response.json()["error"]
    assert error["code"] == "unsupported_media_type"
    assert error["field"] == "file"
    assert error["message"] in {
        "This file is not an image we can use. Upload a JPEG, PNG, WebP, HEIC or GIF photo.",
        "This image is damaged or incomplete.",
    }
    _nothing_stored()


def test_declared_name_and_content_type_are_ignored(make_user, client_for, upload, run_jobs):
    client = client_for(make_user())
    response = upload(client, f.png(), name="notes.txt", content_type="text/plain")
    assert response.status_code == 201, response.content
    media = Media.objects.get(pk=int(response.json()["id"]))
    assert media.original_format == "PNG"
    assert media.original_path.endswith(".png")
    assert "notes" not in media.original_path
    run_jobs()
    media.refresh_from_db()
    assert media.status == "ready"


def test_empty_file_is_400(make_user, client_for, upload):
    client = client_for(make_user())
    response = upload(client, b"", name="empty.jpg")
    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "invalid",
        "message": "The file is empty.",
        "field": "file",
    }
    _nothing_stored()


def test_over_the_size_limit_is_413(settings, make_user, client_for, upload):
    data = f.encode(f.noise((64, 64)), "PNG")
    settings.MAX_IMAGE_UPLOAD_BYTES = len(data) - 1
    client = client_for(make_user())
    response = upload(client, data, name="big.png")
    assert response.status_code == 413
    error = response.json()["error"]
    assert error["code"] == "too_large"
    assert error["message"].startswith("This file is too large. The limit is ")
    _nothing_stored()

    settings.MAX_IMAGE_UPLOAD_BYTES = len(data)  # exactly at the limit is fine
    assert upload(client, data, name="big.png").status_code == 201


def test_announced_oversized_body_is_refused_before_parsing(
    settings, make_user, client_for, upload, monkeypatch
):
    settings.MAX_IMAGE_UPLOAD_BYTES = 1000
    client = client_for(make_user())

    def must_not_run(*args, **kwargs):
        raise AssertionError("the body should not have been parsed")

    monkeypatch.setattr(services, "create_image_upload", must_not_run)
    response = upload(client, f.encode(f.noise((200, 200)), "PNG"), name="huge.png")
    assert response.status_code == 413
    assert response.json()["error"] == {
        "code": "too_large",
        "message": "This file is too large. The limit is 1000 bytes.",
        "field": "file",
    }


def test_size_limit_holds_whatever_size_is_claimed(settings, make_user):
    """The service counts the bytes it reads; a file object's claimed size does not matter."""

    class Lying:
        size = 10

        def __init__(self, data):
            self.data = data

        def chunks(self, chunk_size=None):
            yield from (self.data[i : i + 100] for i in range(0, len(self.data), 100))

    settings.MAX_IMAGE_UPLOAD_BYTES = 1000
    from vermilion.core.errors import TooLarge

    with pytest.raises(TooLarge):
        services.create_image_upload(make_user(), Lying(f.encode(f.noise((64, 64)), "PNG")))
    _nothing_stored()


def test_decompression_bomb_is_refused_at_upload(make_user, client_for, upload):
    client = client_for(make_user())
    response = upload(client, bomb(), name="bomb.png", content_type="image/png")
    assert response.status_code == 413, response.content
    error = response.json()["error"]
    assert error["code"] == "too_large"
    assert error["message"].startswith("This image is too large")
    assert error["message"].endswith("The limit is 50 million pixels.")
    _nothing_stored()


def test_pixel_limit_is_read_from_the_header(settings, make_user, client_for, upload):
    settings.MAX_IMAGE_PIXELS = 1_000_000
    client = client_for(make_user())
    response = upload(client, f.png_bomb(2000, 1000), name="wide.png", content_type="image/png")
    assert response.status_code == 413, response.content
    assert response.json()["error"]["message"] == (
        "This image is too large: 2000×1000 pixels. The limit is 1 million pixels."
    )
    assert upload(client, f.png_bomb(1000, 1000), name="ok.png").status_code == 201


def test_pillow_bomb_guard_also_refuses(settings, make_user, client_for, upload):
    """With our own limit set very high, Pillow's guard still stops the bomb (413, not 500)."""
    settings.MAX_IMAGE_PIXELS = 10**12
    assert 2 * Image.MAX_IMAGE_PIXELS < 30_000 * 30_000
    client = client_for(make_user())
    response = upload(client, bomb(), name="bomb.png", content_type="image/png")
    assert response.status_code == 413, response.content
    assert response.json()["error"]["message"] == (
        "This image is too large to process safely. The limit is 1,000,000 million pixels."
    )
    _nothing_stored()


def test_truncated_image_fails_in_processing_with_a_readable_error(
    make_user, client_for, upload, run_jobs
):
    client = client_for(make_user())
    whole = f.encode(f.noise((200, 200)), "JPEG", quality=95)
    cut = upload(client, whole[: len(whole) // 2], name="cut.jpg")
    # The header is intact, so the upload is accepted and the damage shows when decoding.
    assert cut.status_code == 201, cut.content
    good = upload(client, f.jpeg(), name="good.jpg")

    assert run_jobs() == 2  # the worker carries on past the bad file

    body = client.get(f"/api/v1/media/{cut.json()['id']}").json()
    assert body["status"] == "failed"
    assert body["error"] == "This image is damaged or incomplete."
    assert body["urls"] == {}
    job = Job.objects.get(payload__media_id=int(cut.json()["id"]))
    assert job.state == Job.State.FAILED
    assert job.attempts == 1  # permanent: not retried
    assert client.get(f"/api/v1/media/{good.json()['id']}").json()["status"] == "ready"


def test_too_many_pixels_found_in_processing_fails(
    settings, make_user, client_for, upload, run_jobs
):
    client = client_for(make_user())
    media_id = upload(client, f.jpeg((100, 100))).json()["id"]
    settings.MAX_IMAGE_PIXELS = 5000  # lowered between upload and processing
    run_jobs()
    body = client.get(f"/api/v1/media/{media_id}").json()
    assert body["status"] == "failed"
    assert body["error"] == (
        "This image is too large: 100×100 pixels. The limit is 0.005 million pixels."
    )


def test_missing_file_field(make_user, client_for):
    client = client_for(make_user())
    for response in (
        client.post("/api/v1/media", {"alt_text": "no file"}, content_type=MULTIPART_CONTENT),
        client.post("/api/v1/media", {"file": "not a file"}),  # JSON
        client.post("/api/v1/media", {"file": "a string"}, content_type=MULTIPART_CONTENT),
    ):
        assert response.status_code in (400, 422), response.content
        error = response.json()["error"]
        assert error["field"] == "file"
        assert "file" in error["message"]
    _nothing_stored()


def test_alt_text_on_upload(make_user, client_for, upload):
    client = client_for(make_user())
    ok = upload(client, f.jpeg(), alt_text="  火锅 🍲 with friends  ")
    assert ok.status_code == 201
    assert ok.json()["alt_text"] == "火锅 🍲 with friends"
    too_long = upload(client, f.jpeg(), alt_text="字" * 501)
    assert too_long.status_code == 400
    assert too_long.json()["error"]["field"] == "alt_text"
    assert Media.objects.count() == 1


def test_upload_needs_sign_in(anon, upload):
    response = upload(anon, f.jpeg())
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"
    assert not Media.objects.exists()


def test_upload_rate_limit(settings, make_user, client_for, upload):
    settings.RATE_LIMITS_ENABLED = True
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "upload": (2, 3600)}
    user = make_user()
    client = client_for(user)
    assert upload(client, f.jpeg()).status_code == 201
    assert upload(client, f.jpeg()).status_code == 201
    response = upload(client, f.jpeg())
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "rate_limited"
    assert 1 <= int(response["Retry-After"]) <= 3600
    assert Media.objects.filter(owner=user).count() == 2
    # Someone else has their own allowance.
    assert upload(client_for(make_user()), f.jpeg()).status_code == 201
