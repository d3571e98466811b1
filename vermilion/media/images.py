"""Reading untrusted image bytes safely and turning them into web renditions.

Two halves, used at two moments:

- ``inspect`` at upload time: recognise the format from the bytes alone (never the file name
  or the declared content type) and read the dimensions from the header without decoding any
  pixels, so a hostile or oversized file is refused cheaply on the request thread;
- ``render`` in the background job: decode, apply the EXIF orientation, bring colours to
  sRGB, drop every piece of metadata and encode the WebP renditions.

Pillow parses hostile input here, and its plugins raise many different exception types on
malformed data; both halves turn any such failure into a ``ServiceError`` with a message a
person can read (``UnsupportedMedia`` for bytes that are not a usable image, ``TooLarge`` for
too many pixels), so callers only ever deal with those.

Animated GIF and WebP files become still images of their first frame: notes carry photos, and
a moving picture belongs in the video pipeline.
"""

from __future__ import annotations

import io
import logging
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import IO

import blurhash
import pillow_heif
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from PIL import ExifTags, Image, ImageCms, ImageOps

from vermilion.core.errors import ServiceError, TooLarge, UnsupportedMedia

pillow_heif.register_heif_opener()

log = logging.getLogger("vermilion.media")

# Pillow format name -> file extension of the stored original.
EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif", "HEIF": "heic"}
ACCEPTED_FORMATS = tuple(EXTENSIONS)

# (name, max width, max height). "thumb" fills a masonry card; "display" is the full view.
# Never upscaled: a small photo keeps its own size.
RENDITIONS = (("thumb", 540, 1440), ("display", 1440, 1440))
DISPLAY_MAX_PX = 1440
WEBP_QUALITY = {"thumb": 80, "display": 85}
RENDITION_CONTENT_TYPE = "image/webp"

NOT_AN_IMAGE = gettext_lazy(
    "This file is not an image we can use. Upload a JPEG, PNG, WebP, HEIC or GIF photo."
)
DAMAGED = gettext_lazy("This image is damaged or incomplete.")

_HEADER_BYTES = 64
_HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs"}
_HEIF_GENERIC_BRANDS = {b"mif1", b"msf1"}  # generic; AVIF files carry them too
_ORIENTATION_SWAPS_SIDES = {5, 6, 7, 8}
_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
# Which colour conversions the ICC step can do, by source mode -> output mode.
_ICC_OUTPUT_MODE = {"RGB": "RGB", "RGBA": "RGBA", "CMYK": "RGB", "L": "RGB"}
_SIXTEEN_BIT_GREY = {"I", "I;16", "I;16B", "I;16L", "I;16N"}


@dataclass(frozen=True)
class ImageInfo:
    format: str  # one of ACCEPTED_FORMATS
    width: int  # as stored in the file, before any EXIF orientation
    height: int


@dataclass(frozen=True)
class Rendition:
    data: bytes
    width: int
    height: int
    content_type: str = RENDITION_CONTENT_TYPE


@dataclass
class Rendered:
    width: int  # of the whole image, after orientation
    height: int
    blurhash: str
    dominant_color: str  # "#rrggbb"
    renditions: dict[str, Rendition] = field(default_factory=dict)


def sniff(head: bytes) -> str | None:
    """The accepted format the leading bytes announce, or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "GIF"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    if head[4:8] == b"ftyp" and _is_heif_brand(head):
        return "HEIF"
    return None


def _is_heif_brand(head: bytes) -> bool:
    """HEIC/HEIF, told apart from AVIF (same container) by the ISO-BMFF ``ftyp`` brands."""
    box_size = int.from_bytes(head[:4], "big")
    major = head[8:12]
    end = min(max(box_size, 16), len(head))
    compatible = {head[i : i + 4] for i in range(16, end - 3, 4)}
    if major in _HEIF_BRANDS:
        return True
    return major in _HEIF_GENERIC_BRANDS and bool(compatible & _HEIF_BRANDS)


def check_pixels(width: int, height: int) -> None:
    """Refuse images whose decoded pixels would not fit comfortably in memory."""
    limit = settings.MAX_IMAGE_PIXELS
    if width * height > limit:
        raise TooLarge(
            _("This image is too large: %(width)s×%(height)s pixels. The limit is %(limit)s.")
            % {"width": width, "height": height, "limit": _pixels(limit)},
            field="file",
        )


def _pixels(count: int) -> str:
    millions = count / 1_000_000
    shown = f"{int(millions):,}" if millions.is_integer() else f"{millions:g}"
    return _("%(millions)s million pixels") % {"millions": shown}


@contextmanager
def _hostile_input() -> Iterator[None]:
    """Map anything Pillow raises on a bad file to a readable ServiceError.

    Pillow's own decompression-bomb guard (a warning past ``Image.MAX_IMAGE_PIXELS``, an error
    past twice that) is turned into a refusal as well, in case our limit is set higher.
    """
    # catch_warnings swaps process-wide state; under threads the filter may briefly leak or
    # lapse, which is harmless: check_pixels enforces our (lower) limit either way.
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            yield
        except ServiceError:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise TooLarge(
                _("This image is too large to process safely. The limit is %(limit)s.")
                % {"limit": _pixels(settings.MAX_IMAGE_PIXELS)},
                field="file",
            ) from exc
        except MemoryError:
            raise  # the machine's state, not the file's fault: let the job retry
        except Exception as exc:  # noqa: BLE001 - any parser failure means a bad file
            log.info("unreadable image: %r", exc)
            raise UnsupportedMedia(DAMAGED, field="file") from exc


def inspect(fp: IO[bytes]) -> ImageInfo:
    """Recognise an upload by its content and check its size from the header only."""
    fp.seek(0)
    head = fp.read(_HEADER_BYTES)
    fp.seek(0)
    expected = sniff(head)
    if expected is None:
        raise UnsupportedMedia(NOT_AN_IMAGE, field="file")
    with _hostile_input(), Image.open(fp, formats=[expected]) as img:
        width, height = img.size
    if width < 1 or height < 1:
        raise UnsupportedMedia(DAMAGED, field="file")
    check_pixels(width, height)
    return ImageInfo(format=expected, width=width, height=height)


def render(fp: IO[bytes], fmt: str) -> Rendered:
    """Decode the original and produce the renditions, blurhash and dominant colour."""
    fp.seek(0)
    with _hostile_input(), Image.open(fp, formats=[fmt]) as img:
        stored_width, stored_height = img.size
        check_pixels(stored_width, stored_height)
        img.seek(0)  # the first frame of an animation
        orientation = img.getexif().get(ExifTags.Base.Orientation, 1)
        if fmt == "JPEG":
            # Decode at a reduced scale when the file is far bigger than any rendition:
            # the JPEG decoder does this almost for free and it saves most of the memory.
            img.draft(None, (DISPLAY_MAX_PX, DISPLAY_MAX_PX))
        img.load()
        picture = _pixels_only(ImageOps.exif_transpose(img))
    if orientation in _ORIENTATION_SWAPS_SIDES:
        stored_width, stored_height = stored_height, stored_width
    renditions = {
        name: _encode(picture, name, max_width, max_height)
        for name, max_width, max_height in RENDITIONS
    }
    sample = _flattened(picture.copy())
    sample.thumbnail((64, 64), Image.Resampling.BILINEAR)
    return Rendered(
        width=stored_width,
        height=stored_height,
        blurhash=_blurhash(sample),
        dominant_color=_dominant_color(sample),
        renditions=renditions,
    )


def _pixels_only(img: Image.Image) -> Image.Image:
    """sRGB pixels in RGB or RGBA, with no metadata left attached (EXIF, GPS, XMP, ICC...)."""
    img = _to_srgb(img)
    img = _web_mode(img)
    # Everything past this point is pixels; the renditions are written from a clean slate.
    img.info = {}
    return img


def _to_srgb(img: Image.Image) -> Image.Image:
    """Apply an embedded ICC profile so colours survive its removal (best effort)."""
    icc = img.info.get("icc_profile")
    output_mode = _ICC_OUTPUT_MODE.get(img.mode)
    if not icc or output_mode is None:
        return img
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        converted = ImageCms.profileToProfile(img, source, _SRGB, outputMode=output_mode)
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError) as exc:
        # A broken profile is common in the wild; the pixels are still usable as they are.
        log.info("ignoring an unusable ICC profile: %r", exc)
        return img
    return converted if converted is not None else img


def _web_mode(img: Image.Image) -> Image.Image:
    """RGB, or RGBA when the image really has transparency."""
    if img.mode in _SIXTEEN_BIT_GREY:
        # convert("L") would clip 16-bit values to white; scale them down instead.
        img = img.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    has_alpha = img.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in img.info
    if has_alpha:
        img = img.convert("RGBA")
        if img.getchannel("A").getextrema()[0] == 255:
            return img.convert("RGB")  # fully opaque: the alpha channel is dead weight
        return img
    return img if img.mode == "RGB" else img.convert("RGB")


def fit(width: int, height: int, max_width: int, max_height: int) -> tuple[int, int]:
    """The size that fits the box, keeping the aspect ratio, never larger than the original."""
    scale = min(1.0, max_width / width, max_height / height)
    return max(1, round(width * scale)), max(1, round(height * scale))


def _encode(img: Image.Image, name: str, max_width: int, max_height: int) -> Rendition:
    size = fit(img.width, img.height, max_width, max_height)
    resized = img if size == img.size else img.resize(size, Image.Resampling.LANCZOS)
    resized.info = {}
    buffer = io.BytesIO()
    resized.save(buffer, format="WEBP", quality=WEBP_QUALITY[name], method=4)
    return Rendition(data=buffer.getvalue(), width=size[0], height=size[1])


def _flattened(img: Image.Image) -> Image.Image:
    """RGB on a white background (transparent areas read as the page they sit on)."""
    if img.mode != "RGBA":
        return img.convert("RGB")
    background = Image.new("RGB", img.size, (255, 255, 255))
    background.paste(img, mask=img.getchannel("A"))
    return background


def blurhash_of(image: Image.Image) -> str:
    """The blurhash of any picture (a video's poster too), from a small copy."""
    sample = image.convert("RGB")
    sample.thumbnail((64, 64))
    return _blurhash(sample)


def dominant_color_of(image: Image.Image) -> str:
    sample = image.convert("RGB")
    sample.thumbnail((64, 64))
    return _dominant_color(sample)


def _blurhash(sample: Image.Image) -> str:
    with warnings.catch_warnings():
        # blurhash-python 1.2 reads pixels with Image.getdata, deprecated for Pillow 14; the
        # tests check the hash, so an upgrade that breaks it cannot pass unnoticed.
        warnings.simplefilter("ignore", DeprecationWarning)
        # encode() closes the image it is given, hence the copy.
        return blurhash.encode(sample.copy(), x_components=4, y_components=3)


def _dominant_color(sample: Image.Image) -> str:
    """The most common colour after reducing the picture to a handful of colours."""
    quantized = sample.quantize(colors=5, method=Image.Quantize.MEDIANCUT)
    counts = quantized.getcolors() or [(1, 0)]
    _count, index = max(counts)
    palette = quantized.getpalette() or [0, 0, 0]
    red, green, blue = palette[index * 3 : index * 3 + 3]
    return f"#{red:02x}{green:02x}{blue:02x}"
