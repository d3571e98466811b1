"""Small video files made on the spot with PyAV, for the video tests.

Each frame shows its own number: the red channel is ``(index * STEP) % 256`` over the whole
picture, and a white bar grows along the top half, so a test can tell which source frame an
output frame came from (``frame_index``) after scaling and lossy encoding.
"""

from __future__ import annotations

import fractions
from pathlib import Path

import av
import numpy as np

STEP = 8  # red levels between consecutive frames (32 frames before it wraps)


def make_clip(
    path: str | Path,
    *,
    width: int = 320,
    height: int = 180,
    fps: int = 25,
    seconds: float = 1.0,
    audio: bool = True,
    video: bool = True,
    fmt: str | None = None,
    codec: str = "libx264",
    rotate: int | None = None,
) -> Path:
    """A clip at ``path`` (the container from its suffix unless ``fmt``)."""
    path = Path(path)
    out = av.open(str(path), "w", format=fmt)
    vstream = None
    if video:
        vstream = out.add_stream(codec, rate=fps)
        vstream.width, vstream.height, vstream.pix_fmt = width, height, "yuv420p"
        if codec == "libx264":
            vstream.codec_context.options = {"preset": "ultrafast", "crf": "18"}
        if rotate is not None:
            vstream.metadata["rotate"] = str(rotate)
    astream = None
    if audio:
        astream = out.add_stream("aac" if codec == "libx264" else "libopus", rate=48_000)
        astream.layout = "stereo"
    frames = int(round(fps * seconds))
    if vstream is not None:
        for index in range(frames):
            frame = av.VideoFrame.from_ndarray(picture(index, width, height), format="rgb24")
            frame.pts, frame.time_base = index, fractions.Fraction(1, fps)
            for packet in vstream.encode(frame):
                out.mux(packet)
        for packet in vstream.encode(None):
            out.mux(packet)
    if astream is not None:
        total = int(48_000 * seconds)
        t = np.arange(total) / 48_000
        tone = (0.2 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
        for start in range(0, total - 959, 960):
            chunk = tone[start : start + 960]
            frame = av.AudioFrame.from_ndarray(
                np.stack([chunk, chunk]), format="fltp", layout="stereo"
            )
            frame.sample_rate = 48_000
            frame.pts, frame.time_base = start, fractions.Fraction(1, 48_000)
            for packet in astream.encode(frame):
                out.mux(packet)
        for packet in astream.encode(None):
            out.mux(packet)
    out.close()
    return path


def picture(index: int, width: int, height: int) -> np.ndarray:
    img = np.zeros((height, width, 3), np.uint8)
    img[..., 0] = (index * STEP) % 256
    img[: height // 2, : min(width, 4 * index), 1:] = 255
    return img


def frame_index(frame) -> int:
    """Which source frame (mod 32) an output frame (a PyAV frame or an RGB array) shows,
    from its red level."""
    rgb = frame if isinstance(frame, np.ndarray) else frame.to_ndarray(format="rgb24")
    red = float(np.median(rgb[rgb.shape[0] * 3 // 4 :, :, 0]))
    return int(round(red / STEP)) % (256 // STEP)


def probe(path: str | Path) -> dict:
    """What PyAV reads in a file: codecs, sizes, duration and the decoded frame count."""
    with av.open(str(path)) as container:
        streams = {s.type: s for s in container.streams}
        info = {"format": container.format.name, "video": None, "audio": None}
        if "video" in streams:
            v = streams["video"]
            info["video"] = {
                "codec": v.codec_context.name,
                "width": v.codec_context.width,
                "height": v.codec_context.height,
            }
        if "audio" in streams:
            a = streams["audio"]
            info["audio"] = {"codec": a.codec_context.name, "rate": a.codec_context.sample_rate}
        frames, last = 0, 0.0
        if "video" in streams:
            for frame in container.decode(video=0):
                frames += 1
                last = float(frame.pts * frame.time_base) if frame.pts is not None else last
        info["frames"] = frames
        info["last_frame_at"] = last
    return info
