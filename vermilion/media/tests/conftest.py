from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.client import MULTIPART_CONTENT
from PIL import Image


@pytest.fixture
def upload():
    """``upload(client, data, name=..., content_type=..., **fields)``: POST /api/v1/media."""

    def do(client, data: bytes, name="photo.jpg", content_type="image/jpeg", **fields):
        payload = {"file": SimpleUploadedFile(name, data, content_type=content_type), **fields}
        return client.post("/api/v1/media", payload, content_type=MULTIPART_CONTENT)

    return do


@pytest.fixture
def fetch_image(anon):
    """``fetch_image(url)``: GET a rendition URL from the app and open it with Pillow."""

    def do(url: str) -> tuple[Image.Image, bytes]:
        response = anon.get(url)
        assert response.status_code == 200, url
        data = b"".join(response.streaming_content)
        img = Image.open(io.BytesIO(data))
        img.load()
        return img, data

    return do


@pytest.fixture
def attach(db):
    """``attach(media_id, visibility="public")``: put the media on a note of its owner."""
    from vermilion.media.models import Media
    from vermilion.notes.models import Note, NoteMedia

    def do(media_id, visibility="public"):
        media = Media.objects.get(pk=int(media_id))
        note = Note.objects.create(author=media.owner, title="A note", visibility=visibility)
        NoteMedia.objects.create(note=note, media=media, position=0)
        return note

    return do
