"""Reading untrusted video files and turning them into streams the web can play (PyAV).

Two halves, as for images (``images.py``):

- ``inspect`` at upload time: open the file with FFmpeg's demuxers (PyAV), recognise the
  container and codecs from the content (never the name), read the size, frame rate and
  duration from the headers and decode one frame, so that a file that is not a usable video
  (text named ``.mp4``, audio only, an empty or absurd stream) is refused on the request;
- ``transcode`` in the background job: one decode of the source feeding every output at
  once: an HLS ladder in H.264/AAC (360p, 720p and 1080p as far as the source has them,
  MPEG-TS segments of ``SEGMENT_SECONDS`` with keyframes aligned across the rungs, and a
  master playlist), an MP4 fallback (the 720p rung's own packets muxed again, not a
  second encode), a poster frame and a short silent preview for cards.

"360p" names the short side, so a vertical 1080x1920 phone video is 1080p. Nothing is
upscaled: a source smaller than a rung gets no such rung, and the lowest rung is the
source's own size when it is smaller than 360.

PyAV raises many exception types on hostile data; both halves turn them into
``ServiceError``s with a message a person can read.
"""

from __future__ import annotations

import fractions
import logging
import math
import os
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import av
from av.video.reformatter import VideoReformatter
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vermilion.core.errors import ServiceError, TooLarge, UnsupportedMedia

from . import edits

log = logging.getLogger("vermilion.media")

# FFmpeg demuxer names we accept (MP4 and MOV share one; WebM is Matroska's).
ACCEPTED_CONTAINERS = {"mov,mp4,m4a,3gp,3g2,mj2": "mp4", "matroska,webm": "webm"}
ACCEPTED_VIDEO_CODECS = {"h264", "hevc", "vp8", "vp9", "av1", "mpeg4", "prores", "mjpeg"}
MAX_SIDE = 4096  # pixels, either side
MIN_SIDE = 16
MAX_PIXELS = 4096 * 2304
MAX_FPS = 240.0
OUTPUT_MAX_FPS = 60.0  # above this, frames are dropped evenly

SEGMENT_SECONDS = 4
GOP_SECONDS = 2  # a keyframe every 2 s: segments cut on the same frames in every rung
X264_PRESET = "veryfast"
AUDIO_RATE = 48_000
POSTER_MAX_SIDE = 1080
PREVIEW_SECONDS = 3.0
PREVIEW_SHORT_SIDE = 240
PREVIEW_BITRATE = 300_000
SCALER = "BICUBIC"  # FFmpeg's scale filter's default, so the command line compares alike
TIME_BASE = fractions.Fraction(1, 90_000)
QUEUED_FRAMES = 8  # decoded frames waiting for each rung's thread
SHARED_FRAME_LOCK = threading.Lock()


@dataclass(frozen=True)
class Rung:
    name: str
    short_side: int
    video_bitrate: int  # the cap (maxrate) of capped-CRF encoding, bits/s
    audio_bitrate: int
    crf: int = 23


LADDER = (
    Rung("360p", 360, 900_000, 96_000, crf=24),
    Rung("720p", 720, 3_000_000, 128_000),
    Rung("1080p", 1080, 6_000_000, 160_000),
)
FALLBACK_RUNG = "720p"  # the MP4 fallback, or the highest rung below it

NOT_A_VIDEO = gettext_lazy("This file is not a video we can use. Upload an MP4, MOV or WebM video.")
DAMAGED = gettext_lazy("This video is damaged or incomplete.")
NO_PICTURE = gettext_lazy("This file has no picture: upload a video, not only sound.")
NO_DURATION = gettext_lazy("This video has no length: it holds no frames we can play.")
INCOMPLETE = gettext_lazy(
    "This video ends early: the file is incomplete. Upload the whole file again."
)


@dataclass(frozen=True)
class VideoInfo:
    container: str  # "mp4" or "webm"
    codec: str
    width: int  # as displayed (rotation applied)
    height: int
    fps: float
    duration_ms: int
    has_audio: bool
    rotation: int = 0  # degrees clockwise the player must turn the stored frames


@dataclass
class Output:
    """What ``transcode`` wrote into its folder (paths relative to it)."""

    rungs: list[dict] = field(default_factory=list)  # {name, width, height, playlist, bandwidth}
    master: str = "master.m3u8"
    mp4: dict = field(default_factory=dict)  # {path, width, height}
    poster: dict = field(default_factory=dict)
    preview: dict = field(default_factory=dict)
    duration_ms: int = 0
    width: int = 0
    height: int = 0
    poster_image: object = None  # the PIL image, for the blurhash and colour


IMAGE_BRANDS = {b"avif", b"avis", b"mif1", b"msf1", b"heic", b"heix", b"heim", b"heis"}


def looks_like_video(head: bytes) -> bool:
    """Whether the leading bytes open an MP4/MOV (an ``ftyp``, ``moov``, ``mdat``, ``free``
    or ``wide`` box) or a Matroska/WebM file (the EBML header): worth probing as video."""
    if head[4:8] == b"ftyp" and head[8:12] in IMAGE_BRANDS:
        return False  # AVIF and HEIF stills share the box format
    if head[4:8] in (b"ftyp", b"moov", b"mdat", b"free", b"wide", b"skip"):
        return True
    return head.startswith(b"\x1a\x45\xdf\xa3")


def max_duration_seconds() -> int:
    return settings.MAX_VIDEO_SECONDS


def _readable(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"[:200]


def inspect(path: str | os.PathLike) -> VideoInfo:
    """What the file at ``path`` holds, or a ``ServiceError``: ``UnsupportedMedia`` (415)
    for anything that is not a usable video, ``TooLarge`` (413) past the limits."""
    try:
        container = av.open(str(path), metadata_errors="ignore")
    except av.error.InvalidDataError:
        raise UnsupportedMedia(NOT_A_VIDEO, field="file")
    except (av.error.FFmpegError, OSError, ValueError) as exc:
        log.info("video probe failed: %s", _readable(exc))
        raise UnsupportedMedia(NOT_A_VIDEO, field="file")
    with container:
        kind = ACCEPTED_CONTAINERS.get(container.format.name)
        if kind is None:
            raise UnsupportedMedia(NOT_A_VIDEO, field="file")
        if not container.streams.video:
            if container.streams.audio:
                raise UnsupportedMedia(NO_PICTURE, field="file")
            raise UnsupportedMedia(NOT_A_VIDEO, field="file")
        stream = container.streams.video[0]
        codec = stream.codec_context.name
        if codec not in ACCEPTED_VIDEO_CODECS:
            raise UnsupportedMedia(NOT_A_VIDEO, field="file")
        width, height = stream.codec_context.width or 0, stream.codec_context.height or 0
        _check_size(width, height)
        rate = stream.average_rate or stream.guessed_rate or stream.base_rate
        fps = float(rate) if rate else 0.0
        if not (0 < fps <= MAX_FPS):
            raise UnsupportedMedia(
                _("This video's frame rate (%(fps)s) is not one we can play.")
                % {"fps": f"{fps:g}" if fps else "?"},
                field="file",
            )
        duration = _duration_seconds(container, stream)
        if duration <= 0:
            raise UnsupportedMedia(NO_DURATION, field="file")
        if duration > max_duration_seconds() + 0.5:
            raise TooLarge(
                _("This video is too long. The limit is %(limit)s.")
                % {"limit": _minutes(max_duration_seconds())},
                field="file",
            )
        first = _first_frame(container, stream)
        rotation = (int(getattr(first, "rotation", 0) or 0)) % 360
        rotation = (-rotation) % 360  # FFmpeg's angle is counter-clockwise
        if rotation in (90, 270):
            width, height = height, width
        return VideoInfo(
            container=kind,
            codec=codec,
            width=width,
            height=height,
            fps=round(fps, 3),
            duration_ms=int(round(duration * 1000)),
            has_audio=bool(container.streams.audio),
            rotation=rotation,
        )


def _check_size(width: int, height: int) -> None:
    if width < MIN_SIDE or height < MIN_SIDE:
        raise UnsupportedMedia(
            _("This video's picture is too small (%(w)s×%(h)s).") % {"w": width, "h": height},
            field="file",
        )
    if width > MAX_SIDE or height > MAX_SIDE or width * height > MAX_PIXELS:
        raise TooLarge(
            _("This video's picture is too large (%(w)s×%(h)s). The limit is 4K.")
            % {"w": width, "h": height},
            field="file",
        )


def _duration_seconds(container, stream) -> float:
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    if container.duration:
        return container.duration / av.time_base
    return 0.0


def _first_frame(container, stream):
    try:
        for frame in container.decode(stream):
            return frame
    except (av.error.FFmpegError, ValueError) as exc:
        log.info("video decode failed: %s", _readable(exc))
        raise UnsupportedMedia(DAMAGED, field="file")
    raise UnsupportedMedia(NO_DURATION, field="file")


def _minutes(seconds: int) -> str:
    if seconds % 60 == 0:
        return _("%(n)s minutes") % {"n": seconds // 60}
    return _("%(n)s seconds") % {"n": seconds}


# --- transcoding ----------------------------------------------------------------------------


def even(value: float) -> int:
    return max(2, int(round(value / 2)) * 2)


def ladder_for(width: int, height: int) -> list[tuple[Rung, int, int]]:
    """The rungs for a ``width``x``height`` picture, each with its output size."""
    short = min(width, height)
    out = []
    for rung in LADDER:
        if rung.short_side > short and out:
            break
        scale = min(1.0, rung.short_side / short)
        out.append((rung, even(width * scale), even(height * scale)))
        if rung.short_side >= short:
            break
    return out


class _Encoder:
    """One output file: an H.264 stream (and AAC when the source has sound)."""

    def __init__(self, path, fmt, width, height, fps, rung: Rung | None, audio: bool, options):
        self.container = av.open(str(path), "w", format=fmt, options=options)
        self.width, self.height = width, height
        rate = fractions.Fraction(fps).limit_denominator(1001)
        self.video = self.container.add_stream("libx264", rate=rate)
        self.video.width, self.video.height, self.video.pix_fmt = width, height, "yuv420p"
        gop = max(1, round(float(rate) * GOP_SECONDS))
        x264 = f"keyint={gop}:min-keyint={gop}:scenecut=0"
        if rung is not None:
            self.video.codec_context.options = {
                "preset": X264_PRESET,
                "crf": str(rung.crf),
                "maxrate": str(rung.video_bitrate),
                "bufsize": str(rung.video_bitrate * 2),
                "x264-params": x264,
                "profile": "high",
            }
        else:  # the preview: small, constant quality, no sound
            self.video.codec_context.options = {
                "preset": X264_PRESET,
                "crf": "30",
                "maxrate": str(PREVIEW_BITRATE),
                "bufsize": str(PREVIEW_BITRATE * 2),
                "x264-params": x264,
            }
        self.video.codec_context.time_base = fractions.Fraction(1, 90_000)
        self.audio = None
        if audio and rung is not None:
            self.audio = self.container.add_stream("aac", rate=AUDIO_RATE)
            self.audio.layout = "stereo"
            self.audio.bit_rate = rung.audio_bitrate
        self.copies: list[_Twin] = []  # outputs that take this one's packets as they are
        self.frames = 0
        # Its own scaler and resampler: never shared between threads.
        self.reformatter = VideoReformatter()
        self.resampler = av.AudioResampler(format="fltp", layout="stereo", rate=AUDIO_RATE)
        self.thread: threading.Thread | None = None
        self.inbox: queue.Queue = queue.Queue(maxsize=QUEUED_FRAMES)
        self.failure: BaseException | None = None

    def encode_video(self, frame, pts: int) -> None:
        self.frames += 1
        if (
            frame.width != self.width
            or frame.height != self.height
            or frame.format.name != "yuv420p"
        ):
            frame = self.reformatter.reformat(
                frame,
                width=self.width,
                height=self.height,
                format="yuv420p",
                interpolation=SCALER,
            )
            frame.pts, frame.time_base = pts, TIME_BASE
            packets = self.video.encode(frame)
        else:
            # The decoded frame itself, which other outputs of the same size (a rung and
            # the preview) and later grid slots share: its timestamp is set and read under
            # a lock, or one thread's could be encoded with another's.
            with SHARED_FRAME_LOCK:
                frame.pts, frame.time_base = pts, TIME_BASE
                packets = self.video.encode(frame)
        for packet in packets:
            self._mux(packet, "video")

    def encode_audio(self, frame) -> None:
        if self.audio is None:
            return
        for resampled in self.resampler.resample(frame):
            resampled.pts = None
            for packet in self.audio.encode(resampled):
                self._mux(packet, "audio")

    # On a thread of its own: the rungs scale and encode side by side (PyAV lets go of the
    # GIL inside FFmpeg), fed by the one decoding loop through a short queue.

    def start(self) -> None:
        self.thread = threading.Thread(target=self._run, name=f"encode-{self.width}", daemon=True)
        self.thread.start()

    def put(self, item) -> None:
        if self.failure is not None:
            raise self.failure
        self.inbox.put(item)

    def _run(self) -> None:
        try:
            while (item := self.inbox.get()) is not None:
                kind, frame, pts = item
                if kind == "video":
                    self.encode_video(frame, pts)
                else:
                    self.encode_audio(frame)
            self.encode_audio(None)
            self.close()
        except BaseException as exc:  # noqa: BLE001 (re-raised by finish)
            self.failure = exc
            while self.inbox.get() is not None:  # let the decoding loop go on and end
                pass

    def _mux(self, packet, kind: str) -> None:
        for copy in self.copies:
            copy.take(packet, kind)
        self.container.mux(packet)

    def close(self) -> None:
        for packet in self.video.encode(None):
            self._mux(packet, "video")
        if self.audio is not None:
            for packet in self.audio.encode(None):
                self._mux(packet, "audio")
        self.container.close()
        for copy in self.copies:
            copy.close()


class _Twin:
    """An output fed with another encoder's packets (the MP4 fallback): no second encode.

    Its streams are made from the encoder's once it has produced its first video packet
    (only then do the codec headers exist); packets until then wait in memory."""

    def __init__(self, path, of: _Encoder):
        self.path, self.of = path, of
        self.width, self.height = of.width, of.height
        self.container = None
        self.streams: dict[str, object] = {}
        self.waiting: list[tuple[object, str]] = []

    def take(self, packet, kind: str) -> None:
        twin = av.Packet(bytes(packet))
        twin.pts, twin.dts, twin.time_base = packet.pts, packet.dts, packet.time_base
        twin.is_keyframe = packet.is_keyframe
        twin.duration = packet.duration
        if self.container is None:
            self.waiting.append((twin, kind))
            if kind != "video":
                return
            self._open()
            for waiting, waiting_kind in self.waiting:
                self._mux(waiting, waiting_kind)
            self.waiting = []
            return
        self._mux(twin, kind)

    def _open(self) -> None:
        self.container = av.open(
            str(self.path), "w", format="mp4", options={"movflags": "+faststart"}
        )
        self.streams["video"] = self.container.add_stream_from_template(self.of.video)
        # The template's parameters get the codec headers only once its own container has
        # written its header: with no sound, that is after this first packet.
        headers = self.of.video.codec_context.extradata
        if headers and not self.streams["video"].codec_context.extradata:
            self.streams["video"].codec_context.extradata = headers
        if self.of.audio is not None:
            self.streams["audio"] = self.container.add_stream_from_template(self.of.audio)

    def _mux(self, packet, kind: str) -> None:
        packet.stream = self.streams[kind]
        self.container.mux(packet)

    def close(self) -> None:
        if self.container is not None:
            self.container.close()


def transcode(
    source: str | os.PathLike,
    out_dir: str | os.PathLike,
    info: VideoInfo,
    *,
    edit: dict | None = None,
    cover_ms: int | None = None,
    progress: Callable[[float], None] | None = None,
) -> Output:
    """Every output of ``source`` into ``out_dir`` (made empty first by the caller), in one
    decode, with the editor's ``edit`` list applied (``edits``); ``cover_ms`` is in the
    edited video's time. ``progress(fraction)`` is called about once a second.

    Frames go out on a constant-rate grid of the output's time (source time less the trim's
    start, over the speed): each grid slot shows the latest frame at or before it, so a
    faster video drops frames evenly and a slower one holds them."""
    edit = edit or {}
    out_dir = Path(out_dir)
    result = Output()
    try:
        container = av.open(str(source), metadata_errors="ignore")
    except (av.error.FFmpegError, OSError, ValueError) as exc:
        log.info("video open failed: %s", _readable(exc))
        raise ServiceError(DAMAGED, code="damaged")
    with container:
        vstream = container.streams.video[0]
        vstream.thread_type = "AUTO"
        astream = container.streams.audio[0] if container.streams.audio else None
        fps = min(info.fps, OUTPUT_MAX_FPS)
        step = 1.0 / fps
        trim = edit.get("trim") or {}
        start = trim.get("start_ms", 0) / 1000
        end = min(trim.get("end_ms", info.duration_ms), info.duration_ms) / 1000
        speed = edit.get("speed", 1.0)
        length = (end - start) / speed  # the edited video's, in seconds
        cover = min(max(0.0, (cover_ms if cover_ms is not None else 1000) / 1000), length)
        cover = cover if cover < length else 0.0
        preview_from = max(0.0, min(cover, length - PREVIEW_SECONDS))

        picture = None
        width, height = info.width, info.height
        if edits.has_picture_edits(edit):
            picture = edits.PictureEdit(edit, info.width, info.height)
            width, height = picture.geometry.size
        sound = None
        if edit.get("trim") or edit.get("speed") or edit.get("mute") or edit.get("music"):
            sound = edits.SoundEdit(edit, has_audio=astream is not None, start=start, end=end)
        with_audio = sound.makes_sound if sound is not None else astream is not None

        encoders: list[_Encoder] = []
        hls_options = {
            "hls_time": str(SEGMENT_SECONDS),
            "hls_playlist_type": "vod",
            "hls_flags": "independent_segments",
        }
        fallback = None
        for rung, rung_width, rung_height in ladder_for(width, height):
            folder = out_dir / rung.name
            folder.mkdir(parents=True, exist_ok=True)
            options = {**hls_options, "hls_segment_filename": str(folder / "seg%04d.ts")}
            enc = _Encoder(
                folder / "index.m3u8",
                "hls",
                rung_width,
                rung_height,
                fps,
                rung,
                with_audio,
                options,
            )
            enc.rung = rung
            encoders.append(enc)
            if rung.short_side <= 720:
                fallback = enc
        # The MP4 needs the codec headers apart (avcC); MPEG-TS repeats them before each
        # keyframe by itself, so one encoder's packets suit both.
        for stream in (fallback.video, fallback.audio):
            if stream is not None:
                stream.codec_context.flags |= av.codec.context.Flags.global_header
        twin = _Twin(out_dir / "video.mp4", fallback)
        fallback.copies.append(twin)
        # The card's silent preview: a few seconds from the cover, from the same frames.
        pw, ph = _fit_short(width, height, PREVIEW_SHORT_SIDE)
        preview = _Encoder(
            out_dir / "preview.mp4", "mp4", pw, ph, fps, None, False, {"movflags": "+faststart"}
        )
        preview_slots = (
            int(math.ceil(preview_from * fps - 1e-6)),
            int(math.ceil((preview_from + PREVIEW_SECONDS) * fps - 1e-6)),
        )
        outputs = [*encoders, preview]

        slot = 0  # the next grid slot to fill
        held = None  # the latest frame, shown until a later one is due
        last_video = -1.0
        poster = None
        reported = time.monotonic()

        def show(frame, until: float) -> None:
            """``frame`` into every grid slot before output time ``until``."""
            nonlocal slot, poster
            while slot * step < until - 1e-6:
                at = slot * step
                if poster is None and at + step / 2 >= cover:
                    poster = frame.to_image()
                pts = int(round(at * 90_000))
                for enc in encoders:
                    enc.put(("video", frame, pts))
                if preview_slots[0] <= slot < preview_slots[1]:
                    preview.put(("video", frame, pts - int(round(preview_from * 90_000))))
                slot += 1
            if sound is not None:
                for made in sound.advance(slot * step):
                    for enc in encoders:
                        enc.put(("audio", made, None))

        streams = [vstream] + ([astream] if astream is not None else [])
        for enc in outputs:
            enc.start()
        try:
            try:
                if start > 0:
                    container.seek(int(start / vstream.time_base), stream=vstream, backward=True)
                video_done = False
                for packet in container.demux(*streams):
                    try:
                        frames = packet.decode()
                    except av.error.InvalidDataError:
                        continue  # one damaged packet: FFmpeg conceals it, as players do
                    for frame in frames:
                        if frame.pts is None or frame.time_base is None:
                            continue
                        at = float(frame.pts * frame.time_base)
                        if packet.stream.type == "audio":
                            if sound is not None:
                                made = sound.push(frame)
                            elif at >= start - 1e-6:
                                made = [frame]
                            else:
                                made = []
                            for item in made:
                                for enc in encoders:
                                    enc.put(("audio", item, None))
                            continue
                        if at + 1e-6 < start:
                            continue
                        if at + 1e-6 >= end:
                            video_done = True
                            continue
                        last_video = at
                        frame = _upright(frame, info.rotation)
                        if picture is not None:
                            frame = picture.apply(frame)
                        t = (at - start) / speed
                        if held is not None:
                            show(held, t)
                        held = frame
                        if progress is not None and time.monotonic() - reported >= 1.0:
                            reported = time.monotonic()
                            progress(min(0.99, t / length) if length else 0.0)
                    passed = packet.pts is not None and packet.pts * packet.time_base >= end
                    if video_done and passed and (astream is None or packet.stream.type == "audio"):
                        break  # the trim's end: the rest need not be read
                if held is not None:
                    show(held, (last_video - start + 1.0 / info.fps) / speed)
                if sound is not None:
                    for made in sound.finish(slot * step):
                        for enc in encoders:
                            enc.put(("audio", made, None))
            finally:
                for enc in outputs:  # every thread ends, whatever happened
                    if enc.thread is not None and enc.thread.is_alive():
                        enc.inbox.put(None)
                        enc.thread.join()
            for enc in outputs:
                if enc.failure is not None:
                    raise enc.failure
        except av.error.FFmpegError as exc:
            log.info("video transcode failed: %s", _readable(exc))
            raise ServiceError(DAMAGED, code="damaged")
        if last_video < 0 or poster is None:
            raise ServiceError(NO_DURATION, code="damaged")
        span = end - start
        if end - last_video > max(1.0, 0.1 * span):
            raise ServiceError(INCOMPLETE, code="incomplete")

    result.duration_ms = int(round(slot * step * 1000))
    result.width, result.height = width, height
    for enc in encoders:
        playlist = f"{enc.rung.name}/index.m3u8"
        result.rungs.append(
            {
                "name": enc.rung.name,
                "width": enc.width,
                "height": enc.height,
                "playlist": playlist,
                "bandwidth": _bandwidth(out_dir / enc.rung.name, result.duration_ms),
            }
        )
    (out_dir / result.master).write_text(master_playlist(result.rungs, with_audio))
    result.mp4 = {"path": "video.mp4", "width": twin.width, "height": twin.height}
    result.preview = {"path": "preview.mp4", "width": pw, "height": ph}
    poster = _fit_image(poster, POSTER_MAX_SIDE)
    poster.save(out_dir / "poster.webp", "WEBP", quality=82)
    result.poster = {"path": "poster.webp", "width": poster.width, "height": poster.height}
    result.poster_image = poster
    if progress is not None:
        progress(1.0)
    return result


def _upright(frame, rotation: int):
    """The frame turned as the display matrix says (phones store portrait video sideways)."""
    if not rotation:
        return frame
    image = frame.to_ndarray(format="rgb24")
    import numpy as np

    turns = {90: -1, 180: 2, 270: 1}[rotation]  # np.rot90 turns counter-clockwise
    turned = av.VideoFrame.from_ndarray(np.ascontiguousarray(np.rot90(image, turns)), "rgb24")
    turned.pts, turned.time_base = frame.pts, frame.time_base
    return turned


def _fit_short(width: int, height: int, short_side: int) -> tuple[int, int]:
    scale = min(1.0, short_side / min(width, height))
    return even(width * scale), even(height * scale)


def _fit_image(image, max_side: int):
    scale = min(1.0, max_side / max(image.width, image.height))
    if scale < 1.0:
        image = image.resize((even(image.width * scale), even(image.height * scale)))
    return image.convert("RGB")


def _bandwidth(folder: Path, duration_ms: int) -> int:
    """Peak bits per second over the segments (what BANDWIDTH means in HLS)."""
    peak = 0
    sizes = sorted(folder.glob("seg*.ts"))
    for seg in sizes:
        peak = max(peak, seg.stat().st_size * 8 // SEGMENT_SECONDS)
    if not peak and duration_ms:
        total = sum(s.stat().st_size for s in sizes)
        peak = int(total * 8 * 1000 / duration_ms)
    return max(peak, 1)


def master_playlist(rungs: list[dict], audio: bool) -> str:
    codecs = "avc1.640028" + (",mp4a.40.2" if audio else "")
    lines = ["#EXTM3U", "#EXT-X-VERSION:3", "#EXT-X-INDEPENDENT-SEGMENTS"]
    for rung in rungs:
        lines.append(
            f"#EXT-X-STREAM-INF:BANDWIDTH={rung['bandwidth']},"
            f'RESOLUTION={rung["width"]}x{rung["height"]},CODECS="{codecs}"'
        )
        lines.append(rung["playlist"])
    return "\n".join(lines) + "\n"
