"""The pure image helpers: content sniffing and sizing."""

from __future__ import annotations

import pytest

from vermilion.media import images

from . import factories as f


def _ftyp(major: bytes, *compatible: bytes) -> bytes:
    body = b"ftyp" + major + b"\x00\x00\x00\x00" + b"".join(compatible)
    return (len(body) + 4).to_bytes(4, "big") + body + b"\x00" * 16


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (f.jpeg(), "JPEG"),
        (f.png(), "PNG"),
        (f.webp(), "WEBP"),
        (f.animated_gif(), "GIF"),
        (f.heic(), "HEIF"),
        (_ftyp(b"heic", b"mif1", b"heic"), "HEIF"),
        (_ftyp(b"mif1", b"mif1", b"heic"), "HEIF"),  # generic major brand, HEIC inside
        (_ftyp(b"mif1", b"mif1", b"avif"), None),  # same container, AV1 inside
        (_ftyp(b"avif", b"mif1", b"miaf"), None),
        (_ftyp(b"isom", b"mp41"), None),  # an MP4 video
        (b"RIFF\x00\x00\x00\x00WAVEfmt ", None),  # RIFF, but audio
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", None),
        (b"", None),
    ],
    ids=[
        "jpeg",
        "png",
        "webp",
        "gif",
        "heic-file",
        "heic",
        "mif1-heic",
        "mif1-avif",
        "avif",
        "mp4",
        "wav",
        "svg",
        "empty",
    ],
)
def test_sniff(head, expected):
    assert images.sniff(head[:64]) == expected


@pytest.mark.parametrize(
    ("size", "box", "expected"),
    [
        ((3000, 1500), (1440, 1440), (1440, 720)),
        ((100, 50), (1440, 1440), (100, 50)),  # never upscaled
        ((100_000, 10), (1440, 1440), (1440, 1)),  # never below one pixel
        ((600, 3000), (540, 1440), (288, 1440)),
    ],
)
def test_fit(size, box, expected):
    assert images.fit(*size, *box) == expected
