"""The video editor's edit list: what it may hold, and how the transcoder applies it.

An edit list is JSON kept beside the untouched original (``Media.edit_list``); the job
renders it (``video.transcode``) into a new revision of the outputs, so an edit can be
changed or undone at any time without loss. Its shape (every key optional)::

    {"trim": {"start_ms": 1200, "end_ms": 9800},
     "crop": "9:16" | "3:4" | "1:1" | "original", "crop_x": 0.5, "crop_y": 0.5,
     "rotate": 0 | 90 | 180 | 270,           # clockwise, on top of the phone's own rotation
     "speed": 0.5 .. 2.0,
     "filter": "none" | "warm" | "cool" | "vivid" | "mono" | "vintage" | "fade",
     "texts": [{"text": "成都火锅", "x": 0.5, "y": 0.8, "size": 0.08,
                "color": "#ffffff", "style": "plain" | "box"}],
     "music": {"track": "tea-house", "volume": 0.6},
     "mute": false}

Positions and sizes are fractions of the edited picture (``x``/``y`` the centre of a text,
``size`` its font size over the picture's height; ``crop_x``/``crop_y`` where the crop
window sits in the slack, 0.5 = centred), so the browser's live preview lays them out at any
size exactly as the renderer does.

Times in the edit are in the source's time; ``Media.cover_ms`` is in the edited video's.
"""

from __future__ import annotations

import fractions
import logging
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import av
import av.filter
import numpy as np
from django.conf import settings
from django.utils.translation import gettext as _

from vermilion.core.errors import Invalid
from vermilion.core.text import clean, grapheme_len

from . import music

log = logging.getLogger("vermilion.media")

CROPS = {"original": None, "9:16": (9, 16), "3:4": (3, 4), "1:1": (1, 1)}
ROTATIONS = (0, 90, 180, 270)
MIN_SPEED, MAX_SPEED = 0.5, 2.0
MIN_LENGTH_MS = 500
MAX_TEXTS = 5
MAX_TEXT_CHARS = 60
MAX_TEXT_LINES = 3
TEXT_SIZES = (0.03, 0.2)
TEXT_STYLES = ("plain", "box")
COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
KEYS = {"trim", "crop", "crop_x", "crop_y", "rotate", "speed", "filter"}
KEYS |= {"texts", "music", "mute"}

# Colour presets as FFmpeg filter chains (the PyAV build has no ``eq``: curves, hue,
# colortemperature and vibrance do the work). web/js/compose.js mirrors each with CSS filters.
FILTERS: dict[str, tuple[str, ...]] = {
    "none": (),
    "warm": ("colortemperature=temperature=4800:mix=0.8", "vibrance=intensity=0.15"),
    "cool": ("colortemperature=temperature=9500:mix=0.8",),
    "vivid": ("vibrance=intensity=0.5", "curves=preset=increase_contrast"),
    "mono": ("hue=s=0", "curves=preset=increase_contrast"),
    "vintage": ("curves=preset=vintage",),
    "fade": ("curves=all='0/0.12 1/0.92'", "hue=s=0.75"),
}

# Where Debian, Fedora, Arch and macOS put a CJK font (VERMILION_VIDEO_FONT overrides);
# a .ttc holds several faces, the number is the Simplified Chinese one.
FONT_CANDIDATES = (
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc", 2),
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/google-noto-cjk/NotoSansCJK-Bold.ttc", 2),
    ("/usr/share/fonts/noto-cjk/NotoSansCJK-Bold.ttc", 2),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/System/Library/Fonts/PingFang.ttc", 0),
)


# --- validation -----------------------------------------------------------------------------


def _number(value, field: str, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise Invalid(_("%(field)s must be a number.") % {"field": field}, field=field)
    if not low <= value <= high:
        raise Invalid(
            _("%(field)s must be between %(low)s and %(high)s.")
            % {"field": field, "low": f"{low:g}", "high": f"{high:g}"},
            field=field,
        )
    return float(value)


def _integer(value, field: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        else:
            raise Invalid(_("%(field)s must be a whole number.") % {"field": field}, field=field)
    return int(_number(value, field, low, high))


def clean_edit(data, *, duration_ms: int, has_audio: bool) -> dict:
    """The edit list ``data`` checked against the source (its length in ms and whether it
    has sound), in its stored form: only what differs from the untouched video. Raises
    ``Invalid`` (400) naming the field at fault."""
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise Invalid(_("The edit must be a JSON object."), field="edit")
    unknown = sorted(set(data) - KEYS)
    if unknown:
        raise Invalid(
            _("Unknown edit setting: %(name)s.") % {"name": unknown[0]}, field=f"edit.{unknown[0]}"
        )
    out: dict = {}
    start, end = 0, duration_ms
    if data.get("trim") is not None:
        trim = data["trim"]
        if not isinstance(trim, dict) or set(trim) - {"start_ms", "end_ms"}:
            raise Invalid(_("Trim takes start_ms and end_ms."), field="edit.trim")
        start = _integer(trim.get("start_ms", 0), "edit.trim.start_ms", 0, duration_ms)
        end = _integer(trim.get("end_ms", duration_ms), "edit.trim.end_ms", 0, duration_ms)
        if end - start < MIN_LENGTH_MS:
            raise Invalid(
                _("A trimmed video must be at least %(s)s seconds long.")
                % {"s": f"{MIN_LENGTH_MS / 1000:g}"},
                field="edit.trim",
            )
        if start > 0 or end < duration_ms:
            out["trim"] = {"start_ms": start, "end_ms": end}
    crop = data.get("crop", "original")
    if not isinstance(crop, str) or crop not in CROPS:
        raise Invalid(
            _("Crop is one of: %(choices)s.") % {"choices": ", ".join(CROPS)}, field="edit.crop"
        )
    if crop != "original":
        out["crop"] = crop
        for key in ("crop_x", "crop_y"):
            value = _number(data.get(key, 0.5), f"edit.{key}", 0.0, 1.0)
            if value != 0.5:
                out[key] = round(value, 4)
    rotate = data.get("rotate", 0)
    if rotate not in ROTATIONS or isinstance(rotate, bool):
        raise Invalid(_("Rotate by 0, 90, 180 or 270 degrees."), field="edit.rotate")
    if rotate:
        out["rotate"] = int(rotate)
    speed = round(_number(data.get("speed", 1), "edit.speed", MIN_SPEED, MAX_SPEED), 3)
    if speed != 1:
        out["speed"] = speed
        if (end - start) / speed > settings.MAX_VIDEO_SECONDS * 1000:
            raise Invalid(_("At this speed the video would be too long."), field="edit.speed")
    name = data.get("filter", "none")
    if not isinstance(name, str) or name not in FILTERS:
        raise Invalid(
            _("Filter is one of: %(choices)s.") % {"choices": ", ".join(FILTERS)},
            field="edit.filter",
        )
    if name != "none":
        out["filter"] = name
    texts = _clean_texts(data.get("texts") or [])
    if texts:
        out["texts"] = texts
    if data.get("music") is not None:
        track = data["music"]
        if not isinstance(track, dict) or set(track) - {"track", "volume"}:
            raise Invalid(_("Music takes a track and a volume."), field="edit.music")
        if not isinstance(track.get("track"), str) or track["track"] not in music.BY_SLUG:
            raise Invalid(_("There is no such music track."), field="edit.music.track")
        volume = round(_number(track.get("volume", 0.7), "edit.music.volume", 0.0, 1.0), 3)
        out["music"] = {"track": track["track"], "volume": volume}
    mute = data.get("mute", False)
    if not isinstance(mute, bool):
        raise Invalid(_("Mute is true or false."), field="edit.mute")
    if mute and has_audio:
        out["mute"] = True
    return out


def _clean_texts(texts) -> list[dict]:
    if not isinstance(texts, list):
        raise Invalid(_("Texts must be a list."), field="edit.texts")
    if len(texts) > MAX_TEXTS:
        raise Invalid(_("At most %(n)s texts on a video.") % {"n": MAX_TEXTS}, field="edit.texts")
    out = []
    for index, item in enumerate(texts):
        field = f"edit.texts.{index}"
        if not isinstance(item, dict):
            raise Invalid(_("Each text is an object."), field=field)
        if set(item) - {"text", "x", "y", "size", "color", "style"}:
            raise Invalid(_("A text takes text, x, y, size, color and style."), field=field)
        raw = item.get("text")
        text = clean(raw, multiline=True) if isinstance(raw, str) else ""
        if not text:
            raise Invalid(_("A text can't be empty."), field=f"{field}.text")
        if grapheme_len(text) > MAX_TEXT_CHARS or len(text.split("\n")) > MAX_TEXT_LINES:
            raise Invalid(
                _("A text is at most %(n)s characters on %(lines)s lines.")
                % {"n": MAX_TEXT_CHARS, "lines": MAX_TEXT_LINES},
                field=f"{field}.text",
            )
        color = item.get("color", "#ffffff")
        if not isinstance(color, str) or not COLOUR.match(color):
            raise Invalid(_("A colour is written #rrggbb."), field=f"{field}.color")
        style = item.get("style", "plain")
        if not isinstance(style, str) or style not in TEXT_STYLES:
            raise Invalid(_("A text's style is plain or box."), field=f"{field}.style")
        out.append(
            {
                "text": text,
                "x": round(_number(item.get("x", 0.5), f"{field}.x", 0.0, 1.0), 4),
                "y": round(_number(item.get("y", 0.5), f"{field}.y", 0.0, 1.0), 4),
                "size": round(_number(item.get("size", 0.07), f"{field}.size", *TEXT_SIZES), 4),
                "color": color.lower(),
                "style": style,
            }
        )
    return out


def output_duration_ms(edit: dict, duration_ms: int) -> int:
    """How long the edited video is."""
    trim = edit.get("trim") or {}
    span = trim.get("end_ms", duration_ms) - trim.get("start_ms", 0)
    return int(span / edit.get("speed", 1))


# --- geometry -------------------------------------------------------------------------------


def _even(value: float) -> int:
    return max(2, int(value) // 2 * 2)


@dataclass(frozen=True)
class Geometry:
    turned: tuple[int, int]  # the picture after the edit's rotation
    crop: tuple[int, int, int, int] | None  # w, h, x, y within it
    size: tuple[int, int]  # the edited picture


def geometry(edit: dict, width: int, height: int) -> Geometry:
    """Sizes through the edit for an upright ``width``x``height`` source."""
    rotate = edit.get("rotate", 0)
    w, h = (height, width) if rotate in (90, 270) else (width, height)
    ratio = CROPS.get(edit.get("crop", "original"))
    if ratio is None:
        return Geometry((w, h), None, (_even(w), _even(h)))
    aspect = ratio[0] / ratio[1]
    if w / h > aspect:
        ch = _even(h)
        cw = _even(ch * aspect)
    else:
        cw = _even(w)
        ch = _even(cw / aspect)
    cw, ch = min(cw, _even(w)), min(ch, _even(h))
    x = int((w - cw) * edit.get("crop_x", 0.5))
    y = int((h - ch) * edit.get("crop_y", 0.5))
    return Geometry((w, h), (cw, ch, x, y), (cw, ch))


# --- text -----------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def font_file() -> tuple[str, int] | None:
    """The CJK font texts are drawn with (path, face index), or None (Latin only)."""
    configured = getattr(settings, "VIDEO_FONT", "")
    if configured:
        path, _sep, index = configured.partition("#")
        return path, int(index or 0)
    for path, index in FONT_CANDIDATES:
        if Path(path).exists():
            return path, index
    log.warning("no CJK font found: video texts in Chinese will not draw (set VIDEO_FONT)")
    return None


def _font(px: int):
    from PIL import ImageFont

    found = font_file()
    if found is None:
        return ImageFont.load_default(size=px)
    return ImageFont.truetype(found[0], px, index=found[1])


def text_layer(texts: list[dict], width: int, height: int):
    """Every text of the edit on a transparent RGBA picture of the edited video's size."""
    from PIL import Image, ImageDraw

    layer = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    for item in texts:
        px = max(8, int(item["size"] * height))
        font = _font(px)
        centre = (item["x"] * width, item["y"] * height)
        colour = item["color"]
        if item["style"] == "box":
            box = draw.multiline_textbbox(
                centre, item["text"], font=font, anchor="mm", align="center"
            )
            pad = px * 0.3
            draw.rounded_rectangle(
                (box[0] - pad, box[1] - pad, box[2] + pad, box[3] + pad), radius=pad, fill=colour
            )
            ink = "#111111" if _luminance(colour) > 0.5 else "#ffffff"
            draw.multiline_text(
                centre, item["text"], font=font, fill=ink, anchor="mm", align="center"
            )
        else:
            stroke = max(1, px // 14)
            draw.multiline_text(
                centre,
                item["text"],
                font=font,
                fill=colour,
                anchor="mm",
                align="center",
                stroke_width=stroke,
                stroke_fill="#000000" if _luminance(colour) > 0.4 else "#ffffff",
            )
    return layer


def _luminance(colour: str) -> float:
    r, g, b = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


# --- applying it: pictures ------------------------------------------------------------------


def has_picture_edits(edit: dict) -> bool:
    return any(key in edit for key in ("crop", "rotate", "filter", "texts"))


class PictureEdit:
    """The edit's rotation, crop, colour and texts as one FFmpeg filter graph, made for the
    first frame's size and format (and again should they change mid-stream)."""

    def __init__(self, edit: dict, width: int, height: int):
        self.edit = edit
        self.geometry = geometry(edit, width, height)
        self.layer = None
        if edit.get("texts"):
            w, h = self.geometry.size
            self.layer = text_layer(edit["texts"], w, h)
        self.graph = None
        self.key = None

    def _build(self, frame) -> None:
        graph = av.filter.Graph()
        source = graph.add_buffer(
            width=frame.width,
            height=frame.height,
            format=frame.format.name,
            time_base=frame.time_base or fractions.Fraction(1, 90_000),
        )
        chain = []
        rotate = self.edit.get("rotate", 0)
        if rotate == 90:
            chain.append(("transpose", "clock"))
        elif rotate == 270:
            chain.append(("transpose", "cclock"))
        elif rotate == 180:
            chain += [("hflip", None), ("vflip", None)]
        if self.geometry.crop is not None:
            w, h, x, y = self.geometry.crop
            chain.append(("crop", f"{w}:{h}:{x}:{y}"))
        else:
            w, h = self.geometry.size
            chain.append(("crop", f"{w}:{h}:0:0"))  # even sides for yuv420p
        for spec in FILTERS[self.edit.get("filter", "none")]:
            name, _sep, args = spec.partition("=")
            chain.append((name, args or None))
        last = source
        for name, args in chain:
            node = graph.add(name, args) if args else graph.add(name)
            last.link_to(node)
            last = node
        overlay_source = None
        if self.layer is not None:
            overlay_source = graph.add_buffer(
                width=self.layer.width,
                height=self.layer.height,
                format="rgba",
                time_base=fractions.Fraction(1, 90_000),
            )
            node = graph.add("overlay", "x=0:y=0:format=auto:eof_action=repeat")
            last.link_to(node, 0, 0)
            overlay_source.link_to(node, 0, 1)
            last = node
        fmt = graph.add("format", "yuv420p")
        sink = graph.add("buffersink")
        last.link_to(fmt)
        fmt.link_to(sink)
        graph.configure()
        if overlay_source is not None:
            layer = av.VideoFrame.from_ndarray(np.asarray(self.layer), format="rgba")
            layer.pts, layer.time_base = 0, fractions.Fraction(1, 90_000)
            overlay_source.push(layer)
            overlay_source.push(None)  # one picture, held for the whole video
        self.graph, self.source, self.sink = graph, source, sink

    def apply(self, frame):
        key = (frame.width, frame.height, frame.format.name)
        if key != self.key:
            self._build(frame)
            self.key = key
        if frame.time_base is None:
            frame.time_base = fractions.Fraction(1, 90_000)
        self.source.push(frame)
        return self.sink.pull()


# --- applying it: sound ---------------------------------------------------------------------


class SoundEdit:
    """The edit's trim, speed, mute and music on the sound, sample-accurate.

    Source audio frames go in (``push``) with their source times; out come 48 kHz stereo
    frames of the edited video, starting at its time 0. With no source sound (or muted and
    with music) the music alone is made as the video advances (``advance``)."""

    FRAME = 1024

    def __init__(self, edit: dict, *, has_audio: bool, start: float, end: float):
        self.start, self.end = start, end
        self.speed = edit.get("speed", 1.0)
        self.original = has_audio and not edit.get("mute", False)
        track = edit.get("music")
        self.track = track["track"] if track else None
        self.music_volume = track["volume"] if track else 0.0
        self.resampler = av.AudioResampler(format="fltp", layout="stereo", rate=music.RATE)
        self.pending = np.zeros((2, 0), dtype=np.float32)
        self.emitted = 0
        self.tempo = None
        if self.original and self.speed != 1.0:
            self.tempo = av.filter.Graph()
            self.tempo_in = self.tempo.add_abuffer(
                format="fltp",
                sample_rate=music.RATE,
                layout="stereo",
                time_base=fractions.Fraction(1, music.RATE),
            )
            atempo = self.tempo.add("atempo", f"{self.speed:g}")
            fmt = self.tempo.add("aformat", "sample_fmts=fltp")
            self.tempo_out = self.tempo.add("abuffersink")
            self.tempo_in.link_to(atempo)
            atempo.link_to(fmt)
            fmt.link_to(self.tempo_out)
            self.tempo.configure()
            self.tempo_pts = 0

    @property
    def makes_sound(self) -> bool:
        return self.original or self.track is not None

    def push(self, frame) -> list:
        """A decoded source audio frame in; the edited frames ready so far out."""
        if not self.original or frame.pts is None or frame.time_base is None:
            return []
        begin = float(frame.pts * frame.time_base)
        out = []
        for resampled in self.resampler.resample(frame):
            data = resampled.to_ndarray()
            first = begin
            begin += data.shape[1] / music.RATE
            lo = max(0, int(round((self.start - first) * music.RATE)))
            hi = min(data.shape[1], int(round((self.end - first) * music.RATE)))
            if hi > lo:
                self._take(data[:, lo:hi])
        out.extend(self._emit(len_available=self.pending.shape[1]))
        return out

    def _take(self, data: np.ndarray) -> None:
        if self.tempo is None:
            self.pending = np.concatenate([self.pending, data], axis=1)
            return
        frame = av.AudioFrame.from_ndarray(
            np.ascontiguousarray(data, dtype=np.float32), format="fltp", layout="stereo"
        )
        frame.sample_rate = music.RATE
        frame.pts, frame.time_base = self.tempo_pts, fractions.Fraction(1, music.RATE)
        self.tempo_pts += data.shape[1]
        self.tempo_in.push(frame)
        self._drain_tempo()

    def _drain_tempo(self) -> None:
        while True:
            try:
                slowed = self.tempo_out.pull()
            except (av.error.BlockingIOError, av.error.EOFError):
                return
            self.pending = np.concatenate([self.pending, slowed.to_ndarray()], axis=1)

    def advance(self, seconds: float) -> list:
        """Music alone: the frames up to ``seconds`` of the edited video."""
        if self.original or self.track is None:
            return []
        target = int(seconds * music.RATE)
        missing = target - self.emitted - self.pending.shape[1]
        if missing > 0:
            self.pending = np.concatenate(
                [self.pending, np.zeros((2, missing), dtype=np.float32)], axis=1
            )
        return self._emit(len_available=self.pending.shape[1])

    def finish(self, seconds: float) -> list:
        """The rest, cut or padded with silence to the video's length."""
        if self.tempo is not None:
            self.tempo_in.push(None)
            self._drain_tempo()
        target = int(round(seconds * music.RATE))
        have = self.emitted + self.pending.shape[1]
        if have < target:
            pad = np.zeros((2, target - have), dtype=np.float32)
            self.pending = np.concatenate([self.pending, pad], axis=1)
        elif have > target:
            self.pending = self.pending[:, : max(0, target - self.emitted)]
        return self._emit(len_available=self.pending.shape[1], final=True)

    def _emit(self, *, len_available: int, final: bool = False) -> list:
        frames = []
        size = self.FRAME
        count = len_available // size * size if not final else len_available
        at = 0
        while at < count:
            chunk = self.pending[:, at : at + size]
            at += chunk.shape[1]
            if self.track is not None:
                tune = music.samples(self.track, self.emitted, chunk.shape[1])
                chunk = chunk + tune * self.music_volume
            np.clip(chunk, -1.0, 1.0, out=chunk)
            frame = av.AudioFrame.from_ndarray(
                np.ascontiguousarray(chunk, dtype=np.float32), format="fltp", layout="stereo"
            )
            frame.sample_rate = music.RATE
            frame.pts, frame.time_base = self.emitted, fractions.Fraction(1, music.RATE)
            self.emitted += chunk.shape[1]
            frames.append(frame)
        self.pending = self.pending[:, count:]
        return frames
