"""Pillow illustrations for demo notes and avatars: a soft gradient, light bokeh, a simple
drawing per interest (a bowl for food, a camera for photography ...) and a big label.

No emoji and no system fonts: the label uses Pillow's built-in scalable font, so the images
look the same on every machine. The same ``seed`` gives the same bytes. Shapes are drawn at
twice the size and reduced, which anti-aliases them cheaply.
"""

from __future__ import annotations

import colorsys
import io
import math
import random
from collections.abc import Callable
from functools import cache

from PIL import Image, ImageDraw, ImageFont

from .content import INTERESTS

# Small enough that the media job is quick, large enough to look good on a phone.
ASPECTS: dict[str, tuple[int, int]] = {
    "3:4": (600, 800),
    "1:1": (640, 640),
    "4:3": (800, 600),
    "9:16": (504, 896),
}
ASPECT_WEIGHTS: dict[str, int] = {"3:4": 5, "1:1": 2, "4:3": 2, "9:16": 1}

RGB = tuple[int, int, int]

# interest -> (gradient start, gradient end, accent, ink)
PALETTES: dict[str, tuple[str, str, str, str]] = {
    "fashion": ("#f9c5d1", "#c3b1e1", "#e05780", "#3d2c4e"),
    "food": ("#ffd6a5", "#ff9f6b", "#e63946", "#5a2a12"),
    "travel": ("#a0e7e5", "#4ea8de", "#ffb703", "#023047"),
    "beauty": ("#ffe5ec", "#f4acb7", "#c9184a", "#590d22"),
    "home": ("#e9edc9", "#a3b18a", "#d4a373", "#344e41"),
    "fitness": ("#d8f3dc", "#52b788", "#ff6d00", "#1b4332"),
    "tech": ("#3a0ca3", "#4cc9f0", "#f72585", "#10002b"),
    "pets": ("#fff3b0", "#ffb4a2", "#e76f51", "#6d4c41"),
    "books": ("#f5ebe0", "#d5bdaf", "#9c6644", "#3e2723"),
    "music": ("#7b2cbf", "#ff70a6", "#ffd670", "#240046"),
    "movies": ("#2b2d42", "#8d0801", "#ffd60a", "#0b090a"),
    "career": ("#caf0f8", "#90a4d4", "#3d5a80", "#1d2d44"),
    "study": ("#d9f0e9", "#a9d6f5", "#ef476f", "#264653"),
    "photography": ("#ffb347", "#6a4c93", "#1982c4", "#1b1b1e"),
    "art": ("#fde2e4", "#bee1e6", "#ff595e", "#2d3142"),
    "outdoors": ("#b7e4c7", "#48cae4", "#2d6a4f", "#081c15"),
    "parenting": ("#cde7ff", "#ffd6e8", "#ff8fab", "#34495e"),
    "gaming": ("#5a189a", "#00f5d4", "#f15bb5", "#10002b"),
}
BRIGHTS: tuple[RGB, ...] = (
    (255, 89, 94),
    (255, 202, 58),
    (138, 201, 38),
    (25, 130, 196),
    (106, 76, 147),
    (255, 146, 76),
    (255, 255, 255),
)


def _rgb(value: str) -> RGB:
    value = value.lstrip("#")
    return tuple(int(value[i : i + 2], 16) for i in (0, 2, 4))  # type: ignore[return-value]


def _jitter(color: RGB, rng: random.Random, hue: float = 0.04, light: float = 0.06) -> RGB:
    """The same colour, nudged a little, so two images of one interest differ."""
    h, lightness, s = colorsys.rgb_to_hls(*(c / 255 for c in color))
    h = (h + rng.uniform(-hue, hue)) % 1.0
    lightness = min(0.95, max(0.05, lightness + rng.uniform(-light, light)))
    return tuple(round(c * 255) for c in colorsys.hls_to_rgb(h, lightness, s))  # type: ignore[return-value]


def _shade(color: RGB, factor: float) -> RGB:
    """Lighter (factor > 1, towards white) or darker (factor < 1)."""
    if factor >= 1:
        return tuple(round(c + (255 - c) * (factor - 1)) for c in color)  # type: ignore[return-value]
    return tuple(round(c * factor) for c in color)  # type: ignore[return-value]


def _gradient(size: tuple[int, int], start: RGB, end: RGB, angle: float) -> Image.Image:
    """A linear gradient at ``angle`` degrees: a small 256 px ramp is turned, then the
    largest centred box of the image's shape inside it is scaled up (smooth, and cheap)."""
    w, h = size
    ramp = Image.linear_gradient("L").rotate(angle, resample=Image.Resampling.BILINEAR)
    cos, sin = abs(math.cos(math.radians(angle))), abs(math.sin(math.radians(angle)))
    k = 256 / max(w * cos + h * sin, w * sin + h * cos)
    box = ((256 - w * k) / 2, (256 - h * k) / 2, (256 + w * k) / 2, (256 + h * k) / 2)
    mask = ramp.resize(size, Image.Resampling.BILINEAR, box=box)
    return Image.composite(Image.new("RGB", size, end), Image.new("RGB", size, start), mask)


@cache
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


# --- one drawing per interest (coordinates in the doubled canvas) ---------------------------

Motif = Callable[[ImageDraw.ImageDraw, float, float, float, RGB, RGB, random.Random], None]


def _box(cx: float, cy: float, left: float, top: float, right: float, bottom: float, s: float):
    return [cx + left * s, cy + top * s, cx + right * s, cy + bottom * s]


def _food(d, cx, cy, s, accent, ink, rng):
    white = (255, 255, 255, 210)
    for i in (-1, 0, 1):  # steam
        points = [
            (cx + i * s * 0.35 + math.sin(t / 3) * s * 0.07, cy - s * 0.25 - t * s * 0.05)
            for t in range(12)
        ]
        d.line(points, fill=white, width=max(2, int(s * 0.05)), joint="curve")
    d.chord(_box(cx, cy, -1, -0.8, 1, 0.8, s), 0, 180, fill=accent)
    d.ellipse(_box(cx, cy, -1, -0.14, 1, 0.14, s), fill=_shade(accent, 1.35))
    for _ in range(5):  # what's in the bowl
        x = cx + rng.uniform(-0.6, 0.6) * s
        r = s * rng.uniform(0.08, 0.13)
        d.ellipse([x - r, cy - r * 0.8, x + r, cy + r * 0.4], fill=rng.choice(BRIGHTS))
    d.rounded_rectangle(_box(cx, cy, -0.35, 0.78, 0.35, 0.9, s), radius=s * 0.05, fill=ink)
    for dx in (0.0, 0.12):  # chopsticks
        d.line(
            [(cx + (0.25 + dx) * s, cy - 0.05 * s), (cx + (0.95 + dx) * s, cy - 0.95 * s)],
            fill=ink,
            width=max(2, int(s * 0.05)),
        )


def _travel(d, cx, cy, s, accent, ink, rng):
    d.rounded_rectangle(
        _box(cx, cy, -0.3, -0.85, 0.3, -0.55, s), radius=s * 0.08, outline=ink, width=int(s * 0.07)
    )
    d.rounded_rectangle(_box(cx, cy, -0.8, -0.6, 0.8, 0.8, s), radius=s * 0.15, fill=accent)
    for x in (-0.4, 0.4):
        d.rectangle(_box(cx, cy, x - 0.05, -0.6, x + 0.05, 0.8, s), fill=_shade(accent, 0.75))
    for _ in range(3):  # stickers
        x, y = rng.uniform(-0.55, 0.55), rng.uniform(-0.35, 0.5)
        r = rng.uniform(0.1, 0.17)
        d.ellipse(_box(cx, cy, x - r, y - r, x + r, y + r, s), fill=rng.choice(BRIGHTS))
    for x in (-0.55, 0.55):
        d.ellipse(_box(cx, cy, x - 0.1, 0.8, x + 0.1, 1.0, s), fill=ink)


def _fashion(d, cx, cy, s, accent, ink, rng):
    d.line(
        [(cx - 0.55 * s, cy - 0.62 * s), (cx, cy - 0.95 * s), (cx + 0.55 * s, cy - 0.62 * s)],
        fill=ink,
        width=int(s * 0.05),
    )
    d.arc(_box(cx, cy, -0.1, -1.15, 0.1, -0.92, s), 180, 90, fill=ink, width=int(s * 0.05))
    dress = [(-0.28, -0.7), (0.28, -0.7), (0.36, -0.12), (0.85, 0.9), (-0.85, 0.9), (-0.36, -0.12)]
    d.polygon([(cx + x * s, cy + y * s) for x, y in dress], fill=accent)
    d.rectangle(_box(cx, cy, -0.37, -0.2, 0.37, -0.08, s), fill=ink)
    for _ in range(6):  # polka dots
        x, y = rng.uniform(-0.5, 0.5), rng.uniform(0.1, 0.75)
        d.ellipse(_box(cx, cy, x - 0.05, y - 0.05, x + 0.05, y + 0.05, s), fill=(255, 255, 255))


def _beauty(d, cx, cy, s, accent, ink, rng):
    d.rectangle(_box(cx, cy, -0.55, 0.0, -0.05, 0.95, s), fill=ink)
    d.rectangle(_box(cx, cy, -0.5, -0.25, -0.1, 0.0, s), fill=(212, 175, 55))
    bullet = [(-0.45, -0.25), (-0.45, -0.7), (-0.15, -0.92), (-0.15, -0.25)]
    d.polygon([(cx + x * s, cy + y * s) for x, y in bullet], fill=accent)
    d.ellipse(_box(cx, cy, 0.1, 0.15, 0.9, 0.95, s), fill=_shade(accent, 1.5))
    d.ellipse(_box(cx, cy, 0.22, 0.27, 0.78, 0.83, s), fill=_shade(accent, 1.2))
    d.ellipse(_box(cx, cy, 0.3, 0.35, 0.45, 0.5, s), fill=(255, 255, 255, 200))


def _home(d, cx, cy, s, accent, ink, rng):
    d.rectangle(_box(cx, cy, -0.7, -0.2, 0.5, 0.9, s), fill=(255, 255, 255))
    d.polygon(
        [
            (cx - 0.85 * s, cy - 0.15 * s),
            (cx - 0.1 * s, cy - 0.9 * s),
            (cx + 0.65 * s, cy - 0.15 * s),
        ],
        fill=accent,
    )
    d.rounded_rectangle(_box(cx, cy, -0.25, 0.3, 0.05, 0.9, s), radius=s * 0.06, fill=ink)
    d.rectangle(_box(cx, cy, -0.6, 0.05, -0.35, 0.3, s), fill=_shade(accent, 1.4))
    d.rectangle(_box(cx, cy, 0.15, 0.05, 0.4, 0.3, s), fill=_shade(accent, 1.4))
    d.polygon(  # a plant by the door
        [
            (cx + 0.6 * s, cy + 0.6 * s),
            (cx + 0.95 * s, cy + 0.6 * s),
            (cx + 0.88 * s, cy + 0.9 * s),
            (cx + 0.67 * s, cy + 0.9 * s),
        ],
        fill=ink,
    )
    for x, y in ((0.62, 0.3), (0.92, 0.3), (0.77, 0.15)):
        d.ellipse(_box(cx, cy, x - 0.12, y - 0.2, x + 0.12, y + 0.2, s), fill=(82, 183, 136))


def _fitness(d, cx, cy, s, accent, ink, rng):
    d.rounded_rectangle(_box(cx, cy, -0.85, -0.06, 0.85, 0.06, s), radius=s * 0.04, fill=ink)
    for side in (-1, 1):
        for offset, height, color in ((0.45, 0.55, accent), (0.65, 0.4, _shade(accent, 0.8))):
            x = side * offset
            d.rounded_rectangle(
                _box(cx, cy, x - 0.09, -height, x + 0.09, height, s), radius=s * 0.06, fill=color
            )


def _tech(d, cx, cy, s, accent, ink, rng):
    d.rounded_rectangle(_box(cx, cy, -0.5, -0.95, 0.5, 0.95, s), radius=s * 0.14, fill=ink)
    d.rounded_rectangle(
        _box(cx, cy, -0.42, -0.82, 0.42, 0.82, s), radius=s * 0.08, fill=(240, 240, 255)
    )
    y = -0.7
    while y < 0.6:  # cards on the screen
        height = rng.uniform(0.18, 0.35)
        d.rounded_rectangle(
            _box(cx, cy, -0.34, y, 0.34, y + height, s),
            radius=s * 0.04,
            fill=rng.choice((accent, _shade(accent, 1.5), (200, 200, 230))),
        )
        y += height + 0.07
    d.ellipse(_box(cx, cy, -0.04, -0.92, 0.04, -0.86, s), fill=(90, 90, 110))


def _pets(d, cx, cy, s, accent, ink, rng):
    d.ellipse(_box(cx, cy, -0.45, -0.05, 0.45, 0.7, s), fill=accent)
    for x, y in ((-0.62, -0.3), (-0.25, -0.62), (0.25, -0.62), (0.62, -0.3)):
        d.ellipse(_box(cx, cy, x - 0.18, y - 0.24, x + 0.18, y + 0.24, s), fill=accent)
    d.ellipse(_box(cx, cy, -0.2, 0.1, 0.2, 0.4, s), fill=_shade(accent, 1.3))


def _books(d, cx, cy, s, accent, ink, rng):
    y = 0.9
    for i in range(3):
        width = rng.uniform(0.65, 0.9)
        shift = rng.uniform(-0.1, 0.1)
        color = (accent, _shade(accent, 1.4), ink)[i]
        d.rounded_rectangle(
            _box(cx, cy, shift - width, y - 0.3, shift + width, y, s), radius=s * 0.05, fill=color
        )
        d.rectangle(
            _box(cx, cy, shift - width + 0.1, y - 0.2, shift - width + 0.16, y - 0.1, s),
            fill=(255, 255, 255),
        )
        y -= 0.32
    d.rounded_rectangle(
        _box(cx, cy, 0.2, -0.95, 0.55, y, s), radius=s * 0.05, fill=_shade(accent, 0.7)
    )
    d.rectangle(_box(cx, cy, 0.27, -0.8, 0.48, -0.7, s), fill=(255, 255, 255))


def _music(d, cx, cy, s, accent, ink, rng):
    width = int(s * 0.08)
    for x, y in ((-0.55, 0.55), (0.45, 0.4)):
        d.ellipse(_box(cx, cy, x - 0.25, y - 0.18, x + 0.25, y + 0.18, s), fill=accent)
        d.line(
            [(cx + (x + 0.22) * s, cy + y * s), (cx + (x + 0.22) * s, cy - 0.65 * s)],
            fill=accent,
            width=width,
        )
    d.polygon(
        [
            (cx - 0.37 * s, cy - 0.8 * s),
            (cx + 0.71 * s, cy - 0.95 * s),
            (cx + 0.71 * s, cy - 0.7 * s),
            (cx - 0.37 * s, cy - 0.55 * s),
        ],
        fill=accent,
    )
    for _ in range(4):
        x, y = rng.uniform(-0.9, 0.9), rng.uniform(-0.9, 0.9)
        d.ellipse(
            _box(cx, cy, x - 0.04, y - 0.04, x + 0.04, y + 0.04, s), fill=(255, 255, 255, 180)
        )


def _movies(d, cx, cy, s, accent, ink, rng):
    d.rectangle(_box(cx, cy, -0.85, -0.35, 0.85, 0.8, s), fill=ink)
    d.rectangle(_box(cx, cy, -0.85, -0.72, 0.85, -0.42, s), fill=(245, 245, 245))
    for i in range(6):  # clapper stripes
        x = -0.85 + i * 0.32
        d.polygon(
            [
                (cx + x * s, cy - 0.42 * s),
                (cx + (x + 0.16) * s, cy - 0.72 * s),
                (cx + (x + 0.3) * s, cy - 0.72 * s),
                (cx + (x + 0.14) * s, cy - 0.42 * s),
            ],
            fill=ink,
        )
    d.polygon(
        [
            (cx - 0.2 * s, cy - 0.05 * s),
            (cx - 0.2 * s, cy + 0.5 * s),
            (cx + 0.3 * s, cy + 0.22 * s),
        ],
        fill=accent,
    )


def _career(d, cx, cy, s, accent, ink, rng):
    d.rounded_rectangle(
        _box(cx, cy, -0.3, -0.75, 0.3, -0.4, s), radius=s * 0.1, outline=ink, width=int(s * 0.08)
    )
    d.rounded_rectangle(_box(cx, cy, -0.9, -0.5, 0.9, 0.8, s), radius=s * 0.14, fill=accent)
    d.rectangle(_box(cx, cy, -0.9, 0.02, 0.9, 0.1, s), fill=_shade(accent, 0.7))
    d.rounded_rectangle(
        _box(cx, cy, -0.14, -0.05, 0.14, 0.2, s), radius=s * 0.04, fill=(240, 200, 80)
    )


def _study(d, cx, cy, s, accent, ink, rng):
    d.rounded_rectangle(
        _box(cx, cy, -0.7, -0.85, 0.55, 0.9, s), radius=s * 0.06, fill=(255, 255, 255)
    )
    for i in range(8):
        y = -0.6 + i * 0.18
        d.line(
            [(cx - 0.45 * s, cy + y * s), (cx + 0.42 * s, cy + y * s)],
            fill=_shade(accent, 1.5),
            width=max(2, int(s * 0.02)),
        )
    for i in range(7):
        y = -0.7 + i * 0.25
        d.ellipse(_box(cx, cy, -0.78, y - 0.05, -0.62, y + 0.05, s), fill=ink)
    angle = math.radians(-55)  # a pencil across the page
    ux, uy = math.cos(angle), math.sin(angle)
    px, py = -uy * 0.09, ux * 0.09
    x0, y0, length = 0.05, 0.75, 1.3
    x1, y1 = x0 + ux * length, y0 + uy * length
    body = [(x0 + px, y0 + py), (x1 + px, y1 + py), (x1 - px, y1 - py), (x0 - px, y0 - py)]
    d.polygon([(cx + x * s, cy + y * s) for x, y in body], fill=accent)
    tip = [(x0 + px, y0 + py), (x0 - ux * 0.22, y0 - uy * 0.22), (x0 - px, y0 - py)]
    d.polygon([(cx + x * s, cy + y * s) for x, y in tip], fill=(245, 222, 179))


def _photography(d, cx, cy, s, accent, ink, rng):
    d.rounded_rectangle(_box(cx, cy, -0.45, -0.7, 0.05, -0.45, s), radius=s * 0.05, fill=ink)
    d.rounded_rectangle(_box(cx, cy, -0.95, -0.5, 0.95, 0.7, s), radius=s * 0.15, fill=ink)
    d.ellipse(_box(cx, cy, -0.5, -0.38, 0.5, 0.62, s), fill=(230, 230, 235))
    d.ellipse(_box(cx, cy, -0.38, -0.26, 0.38, 0.5, s), fill=accent)
    d.ellipse(_box(cx, cy, -0.22, -0.1, 0.22, 0.34, s), fill=_shade(accent, 0.4))
    d.ellipse(_box(cx, cy, -0.15, -0.05, -0.02, 0.08, s), fill=(255, 255, 255, 220))
    d.rectangle(_box(cx, cy, 0.6, -0.4, 0.82, -0.25, s), fill=(255, 255, 255))


def _art(d, cx, cy, s, accent, ink, rng):
    d.ellipse(_box(cx, cy, -0.95, -0.7, 0.95, 0.8, s), fill=(250, 240, 225))
    d.ellipse(_box(cx, cy, 0.35, 0.2, 0.65, 0.5, s), fill=(0, 0, 0, 0))  # the thumb hole
    for i, color in enumerate(rng.sample(BRIGHTS[:6], 5)):
        a = math.radians(200 + i * 45)
        x, y = math.cos(a) * 0.55, math.sin(a) * 0.42 + 0.05
        d.ellipse(_box(cx, cy, x - 0.15, y - 0.15, x + 0.15, y + 0.15, s), fill=color)
    d.line(
        [(cx + 0.1 * s, cy + 0.2 * s), (cx + 0.95 * s, cy - 0.95 * s)],
        fill=ink,
        width=int(s * 0.07),
    )
    d.ellipse(_box(cx, cy, 0.02, 0.12, 0.2, 0.3, s), fill=accent)


def _outdoors(d, cx, cy, s, accent, ink, rng):
    d.ellipse(_box(cx, cy, 0.3, -0.95, 0.75, -0.5, s), fill=(255, 214, 102))
    for x, height, color in ((-0.35, 1.4, _shade(accent, 1.5)), (0.35, 1.1, accent)):
        top = 0.85 - height
        d.polygon(
            [
                (cx + (x - 0.7) * s, cy + 0.85 * s),
                (cx + x * s, cy + top * s),
                (cx + (x + 0.7) * s, cy + 0.85 * s),
            ],
            fill=color,
        )
        d.polygon(
            [
                (cx + (x - 0.17) * s, cy + (top + 0.24) * s),
                (cx + x * s, cy + top * s),
                (cx + (x + 0.17) * s, cy + (top + 0.24) * s),
            ],
            fill=(255, 255, 255),
        )
    for x in (-0.8, -0.6, 0.75):  # pines
        for level in range(3):
            y = 0.85 - level * 0.13
            w = 0.14 - level * 0.03
            d.polygon(
                [
                    (cx + (x - w) * s, cy + y * s),
                    (cx + x * s, cy + (y - 0.22) * s),
                    (cx + (x + w) * s, cy + y * s),
                ],
                fill=ink,
            )


def _parenting(d, cx, cy, s, accent, ink, rng):
    colors = [accent, *rng.sample(BRIGHTS[:6], 2)]
    for (x, y), color in zip(((-0.45, -0.45), (0.05, -0.65), (0.5, -0.35)), colors, strict=True):
        d.line(
            [(cx + x * s, cy + (y + 0.32) * s), (cx + 0.05 * s, cy + 0.95 * s)],
            fill=ink,
            width=max(2, int(s * 0.02)),
        )
        d.ellipse(_box(cx, cy, x - 0.25, y - 0.32, x + 0.25, y + 0.32, s), fill=color)
        d.ellipse(_box(cx, cy, x - 0.14, y - 0.2, x - 0.04, y - 0.05, s), fill=(255, 255, 255, 170))
        d.polygon(
            [
                (cx + (x - 0.05) * s, cy + (y + 0.38) * s),
                (cx + x * s, cy + (y + 0.3) * s),
                (cx + (x + 0.05) * s, cy + (y + 0.38) * s),
            ],
            fill=color,
        )


def _gaming(d, cx, cy, s, accent, ink, rng):
    d.ellipse(_box(cx, cy, -0.95, -0.1, -0.35, 0.75, s), fill=ink)
    d.ellipse(_box(cx, cy, 0.35, -0.1, 0.95, 0.75, s), fill=ink)
    d.rounded_rectangle(_box(cx, cy, -0.85, -0.45, 0.85, 0.3, s), radius=s * 0.3, fill=ink)
    d.rectangle(_box(cx, cy, -0.62, -0.12, -0.32, -0.02, s), fill=(230, 230, 230))
    d.rectangle(_box(cx, cy, -0.52, -0.22, -0.42, 0.08, s), fill=(230, 230, 230))
    for (x, y), color in zip(
        ((0.45, -0.2), (0.6, -0.07), (0.45, 0.06), (0.3, -0.07)),
        rng.sample(BRIGHTS[:6], 4),
        strict=True,
    ):
        d.ellipse(_box(cx, cy, x - 0.06, y - 0.06, x + 0.06, y + 0.06, s), fill=color)
    d.rounded_rectangle(_box(cx, cy, -0.14, -0.25, 0.14, -0.18, s), radius=s * 0.03, fill=accent)


MOTIFS: dict[str, Motif] = {
    "food": _food,
    "travel": _travel,
    "fashion": _fashion,
    "beauty": _beauty,
    "home": _home,
    "fitness": _fitness,
    "tech": _tech,
    "pets": _pets,
    "books": _books,
    "music": _music,
    "movies": _movies,
    "career": _career,
    "study": _study,
    "photography": _photography,
    "art": _art,
    "outdoors": _outdoors,
    "parenting": _parenting,
    "gaming": _gaming,
}


def _bokeh(image: Image.Image, rng: random.Random, count: int) -> None:
    draw = ImageDraw.Draw(image, "RGBA")
    w, h = image.size
    for _ in range(count):
        r = rng.uniform(0.03, 0.16) * min(w, h)
        x, y = rng.uniform(0, w), rng.uniform(0, h)
        draw.ellipse([x - r, y - r, x + r, y + r], fill=(255, 255, 255, rng.randint(18, 55)))


def _label_top(size: tuple[int, int]) -> int:
    """Where the label panel starts: the drawing stays above it."""
    w, h = size
    return h - int(min(w, h) * 0.13 * 2.4) - int(w * 0.07)


def _label(image: Image.Image, text: str, caption: str, ink: RGB) -> None:
    """The big label on a frosted panel across the bottom."""
    draw = ImageDraw.Draw(image, "RGBA")
    w, h = image.size
    margin = int(w * 0.07)
    top = _label_top(image.size)
    size = int(min(w, h) * 0.13)
    panel = (size, int(size * 1.55))
    while size > 12 and _font(size).getlength(text) > w - 2 * margin - panel[0]:
        size -= 4  # long words (PHOTOGRAPHY) get a smaller label, never a cut one
    draw.rounded_rectangle(
        [margin, top, w - margin, h - margin], radius=panel[0] // 3, fill=(255, 255, 255, 150)
    )
    text_top = top + panel[0] // 3 + (panel[0] - size) // 2
    draw.text((margin + panel[0] // 2, text_top), text, font=_font(size), fill=ink)
    small = _font(max(12, panel[0] // 3))
    draw.text((margin + panel[0] // 2, top + panel[1]), caption, font=small, fill=ink)


def _jpeg(image: Image.Image, quality: int = 86) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality)
    return out.getvalue()


def render_note_image(interest: str, seed: int, aspect: str = "3:4", caption: str = "") -> bytes:
    """A JPEG illustration for a note of ``interest``; same arguments, same bytes."""
    rng = random.Random(seed)
    w, h = ASPECTS[aspect]
    start, end, accent, ink = (_rgb(c) for c in PALETTES[interest])
    start, end, accent = _jitter(start, rng), _jitter(end, rng), _jitter(accent, rng, 0.03, 0.04)
    image = _gradient((w, h), start, end, rng.choice((0, 30, 45, 60, 90, 120, 135)))
    _bokeh(image, rng, rng.randint(5, 12))

    # The drawing, above the label: on its own layer at double size (motifs stay within
    # 1.2 x scale of their centre), reduced (cheap anti-aliasing) and laid over.
    room = _label_top((w, h))
    scale = min(w * 0.34, room * 0.42) * rng.uniform(0.9, 1.0)
    half = math.ceil(scale * 1.2)
    layer = Image.new("RGBA", (half * 4, half * 4), (0, 0, 0, 0))
    MOTIFS[interest](ImageDraw.Draw(layer), half * 2, half * 2, scale * 2, accent, ink, rng)
    layer = layer.reduce(2)
    cx = w / 2 + rng.uniform(-0.05, 0.05) * w
    cy = room / 2 + rng.uniform(-0.02, 0.02) * room
    image.paste(layer, (round(cx) - half, round(cy) - half), layer)

    name = INTERESTS[interest][0].upper()
    _label(image, name, caption or f"No. {rng.randint(1, 99):02d}", ink)
    return _jpeg(image)


def render_avatar(seed: int, letter: str, size: int = 320) -> bytes:
    """A round-feeling avatar: a gradient square, a ring and one big letter."""
    rng = random.Random(seed)
    start, end, accent, ink = (_rgb(c) for c in PALETTES[rng.choice(sorted(PALETTES))])
    image = _gradient((size, size), _jitter(start, rng), _jitter(end, rng), rng.choice((45, 135)))
    draw = ImageDraw.Draw(image, "RGBA")
    inset = size * 0.12
    draw.ellipse([inset, inset, size - inset, size - inset], fill=(255, 255, 255, 120))
    font = _font(int(size * 0.42))
    draw.text((size / 2, size / 2), letter[:1].upper(), font=font, fill=ink, anchor="mm")
    return _jpeg(image, quality=88)
