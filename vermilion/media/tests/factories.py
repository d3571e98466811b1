"""Real image files made with Pillow for the media tests (small, so the suite stays fast)."""

from __future__ import annotations

import io
import os
import struct
import zlib

import pillow_heif
from PIL import Image, ImageCms, ImageDraw

pillow_heif.register_heif_opener()

RED = (220, 20, 20)
BLUE = (20, 20, 220)
GREEN = (20, 180, 40)


def encode(img: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    img.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def solid(size=(120, 80), color=RED, mode="RGB") -> Image.Image:
    return Image.new(mode, size, color)


def halves(size=(300, 200), left=RED, right=BLUE) -> Image.Image:
    """Left half one colour, right half another: shows which way an image was turned."""
    img = Image.new("RGB", size, right)
    ImageDraw.Draw(img).rectangle((0, 0, size[0] // 2 - 1, size[1] - 1), fill=left)
    return img


def noise(size=(200, 200)) -> Image.Image:
    """Incompressible pixels, so a file of it is big and cutting it leaves real damage."""
    return Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))


def jpeg(size=(120, 80), color=RED, **options) -> bytes:
    return encode(solid(size, color), "JPEG", quality=90, **options)


def png(size=(120, 80), color=RED) -> bytes:
    return encode(solid(size, color), "PNG")


def png_with_alpha(size=(120, 80)) -> bytes:
    img = Image.new("RGBA", size, (0, 0, 0, 0))
    ImageDraw.Draw(img).rectangle((0, 0, size[0] // 2, size[1] - 1), fill=(*GREEN, 255))
    return encode(img, "PNG")


def webp(size=(120, 80), color=GREEN) -> bytes:
    return encode(solid(size, color), "WEBP", quality=90)


def heic(size=(128, 96), color=BLUE) -> bytes:
    return encode(solid(size, color), "HEIF", quality=90)


def animated_gif(size=(64, 48)) -> bytes:
    """Two frames, red then blue; processing keeps the first."""
    frames = [solid(size, RED).convert("P"), solid(size, BLUE).convert("P")]
    return encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100)


def mpo(size=(96, 64)) -> bytes:
    """A multi-picture JPEG, as many phone cameras write."""
    return encode(
        solid(size, RED), "MPO", save_all=True, append_images=[solid(size, BLUE)], quality=90
    )


def exif_with_gps(orientation: int = 1) -> Image.Exif:
    exif = Image.Exif()
    exif[0x0112] = orientation  # Orientation
    exif[0x010F] = "VermilionCam"  # Make
    exif[0x0110] = "Model 7"  # Model
    gps = exif.get_ifd(0x8825)  # GPSInfo
    gps[1] = "N"
    gps[2] = (31.0, 14.0, 2.5)
    gps[3] = "E"
    gps[4] = (121.0, 28.0, 45.0)
    return exif


def jpeg_with_metadata(size=(300, 200), orientation: int = 1) -> bytes:
    """Half red, half blue, with EXIF (orientation, camera, GPS), XMP and an ICC profile."""
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    return encode(
        halves(size),
        "JPEG",
        quality=92,
        exif=exif_with_gps(orientation),
        xmp=b'<x:xmpmeta xmlns:x="adobe:ns:meta/">secret place</x:xmpmeta>',
        icc_profile=srgb,
        comment=b"taken at home",
    )


def png_bomb(width: int = 30_000, height: int = 30_000) -> bytes:
    """A valid 1-bit PNG declaring ``width`` x ``height`` pixels, only ~100 KB on disk.

    Written by hand in compressed chunks so building it never holds the pixels in memory.
    """

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit greyscale
    row = b"\x00" * (1 + (width + 7) // 8)  # filter byte + packed bits
    compressor = zlib.compressobj(9)
    rows_per_step = 1000
    parts = []
    for start in range(0, height, rows_per_step):
        parts.append(compressor.compress(row * min(rows_per_step, height - start)))
    parts.append(compressor.flush())
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", b"".join(parts))
        + chunk(b"IEND", b"")
    )
