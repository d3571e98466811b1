"""Fixtures for notes, reusable by other apps' tests.

Other test packages can use them by importing them into their own conftest::

    from vermilion.notes.tests.conftest import make_media, make_note  # noqa: F401
"""

from __future__ import annotations

import pytest


@pytest.fixture
def make_media(db):
    """``make_media(owner, kind="image", status="ready", **fields)``: a Media row as the media
    pipeline would leave it (renditions listed, no files written), without running it."""
    from vermilion.media.models import Media

    def make(owner, kind: str = "image", status: str = "ready", **fields):
        media = Media(owner=owner, kind=kind, status=status)
        if status == "ready":
            fields.setdefault("width", 1080)
            fields.setdefault("height", 1440)
            fields.setdefault("blurhash", "LEHV6nWB2yk8pyo0adR*.7kCMdnj")
            fields.setdefault("dominant_color", "#aa3322")
            fields.setdefault(
                "renditions",
                {
                    name: {
                        "path": f"images/{media.id}/{name}.webp",
                        "width": width,
                        "height": width * 4 // 3,
                        "content_type": "image/webp",
                    }
                    for name, width in (("thumb", 360), ("display", 1080))
                },
            )
        if status == "failed":
            fields.setdefault("error", "This file is not an image we can read.")
        for key, value in fields.items():
            setattr(media, key, value)
        media.save()
        return media

    return make


@pytest.fixture
def make_note(make_media):
    """``make_note(author, images=1, **create_note_kwargs)``: a published note (through
    ``notes.services.create_note``) with ``images`` fresh ready images unless ``media_ids``
    is given. Title defaults to "A note"."""
    from vermilion.notes.services import create_note

    def make(author, images: int = 1, **kwargs):
        kwargs.setdefault("title", "A note")
        if "media_ids" not in kwargs:
            kwargs["media_ids"] = [str(make_media(author).id) for _ in range(images)]
        return create_note(author, **kwargs)

    return make
