"""The background-music library for video notes, made by the project itself.

Every track is synthesised here from a few notes of code (chords, a bass line, a melody and
drums, with numpy), so the library carries no recording and no licence but the project's
own. A track is a seamless loop: the editor's renderer repeats it under a video of any
length, and the browser's preview plays the same sound (``audio_file``, written once into
the public storage as AAC in MP4).

Rendering is deterministic (fixed seeds for the noise of the drums): the same track sounds
the same on every server, so a preview matches the rendered video.
"""

from __future__ import annotations

import fractions
import io
from dataclasses import dataclass
from functools import lru_cache

import av
import numpy as np
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.utils.translation import gettext_lazy

RATE = 48_000
LIBRARY_VERSION = 1  # bump when a track's sound changes: new file names, no stale caches

# Semitones from A4 (440 Hz) for the note names the tracks use.
_NOTES = {"C": -9, "D": -7, "E": -5, "F": -4, "G": -2, "A": 0, "B": 2}


def _hz(name: str) -> float:
    """'C4', 'F#3', 'Bb2' -> frequency."""
    letter, rest = name[0], name[1:]
    shift = 0
    while rest and rest[0] in "#b":
        shift += 1 if rest[0] == "#" else -1
        rest = rest[1:]
    octave = int(rest)
    semitones = _NOTES[letter] + shift + 12 * (octave - 4)
    return 440.0 * 2 ** (semitones / 12)


@dataclass(frozen=True)
class Track:
    slug: str
    name: str
    name_zh: str
    mood: object  # a lazy translation
    bpm: int
    chords: tuple[tuple[str, ...], ...]  # one chord a bar
    bass: tuple[str, ...]  # one root a bar
    melody: tuple[str | None, ...]  # eighth notes over the loop, None = rest
    drums: str  # "pop", "lofi", "soft", "dance"
    voice: str  # "pad", "pluck", "bell", "saw"

    @property
    def bars(self) -> int:
        return len(self.chords)

    @property
    def seconds(self) -> float:
        return self.bars * 4 * 60 / self.bpm


LIBRARY: tuple[Track, ...] = (
    Track(
        "sunny-walk",
        "Sunny Walk",
        "晴日散步",
        gettext_lazy("bright, easy-going"),
        112,
        (("C4", "E4", "G4"), ("G3", "B3", "D4"), ("A3", "C4", "E4"), ("F3", "A3", "C4")) * 2,
        ("C2", "G2", "A2", "F2") * 2,
        (
            ("E5", None, "G5", "E5", "D5", None, "C5", None)
            + ("D5", None, "B4", None, "G4", None, None, None)
            + ("C5", None, "E5", None, "A5", "G5", "E5", None)
            + ("F5", None, "E5", "D5", "C5", None, None, None)
        )
        * 2,
        "pop",
        "pluck",
    ),
    Track(
        "city-night",
        "City Night",
        "城市夜色",
        gettext_lazy("mellow lo-fi"),
        78,
        (("A3", "C4", "E4", "G4"), ("D3", "F3", "A3", "C4"), ("G3", "B3", "D4", "F4"))
        + (("C3", "E3", "G3", "B3"),),
        ("A1", "D2", "G1", "C2"),
        ("E5", None, None, "D5", "C5", None, "A4", None)
        + ("F5", None, "E5", None, "D5", None, None, None)
        + ("D5", None, "B4", None, "G4", None, "A4", "B4")
        + ("C5", None, None, None, "B4", None, None, None),
        "lofi",
        "pad",
    ),
    Track(
        "tea-house",
        "Tea House",
        "茶馆午后",
        gettext_lazy("calm, pentatonic"),
        92,
        (("D4", "A4"), ("G3", "D4"), ("A3", "E4"), ("D4", "A4")) * 2,
        ("D2", "G2", "A2", "D2") * 2,
        (
            ("A5", None, "F#5", "E5", "D5", None, "E5", None)
            + ("B4", None, "D5", None, "E5", None, None, None)
            + ("F#5", "E5", "D5", None, "B4", None, "A4", None)
            + ("D5", None, None, None, None, None, None, None)
            + ("D5", "E5", "F#5", None, "A5", None, "F#5", None)
            + ("E5", None, "D5", None, "B4", None, None, None)
            + ("A4", None, "B4", "D5", "E5", None, "D5", None)
            + ("D5", None, None, None, None, None, None, None)
        ),
        "soft",
        "bell",
    ),
    Track(
        "spark",
        "Spark",
        "火花",
        gettext_lazy("upbeat dance"),
        124,
        (("F3", "A3", "C4"), ("G3", "B3", "D4"), ("E3", "G3", "B3"), ("A3", "C4", "E4")) * 2,
        ("F2", "G2", "E2", "A2") * 2,
        (
            ("C5", "C5", None, "A4", None, "C5", "D5", None)
            + ("D5", "D5", None, "B4", None, "D5", "E5", None)
            + ("B4", "B4", None, "G4", None, "B4", "C5", None)
            + ("E5", None, "D5", None, "C5", None, "A4", None)
        )
        * 2,
        "dance",
        "saw",
    ),
)
BY_SLUG = {track.slug: track for track in LIBRARY}


def _envelope(n: int, attack: float, release: float) -> np.ndarray:
    env = np.ones(n, dtype=np.float64)
    a = max(1, int(attack * RATE))
    r = max(1, int(release * RATE))
    env[:a] = np.linspace(0.0, 1.0, min(a, n))[: min(a, n)]
    if r < n:
        env[-r:] *= np.linspace(1.0, 0.0, r)
    return env


def _tone(freq: float, n: int, voice: str) -> np.ndarray:
    t = np.arange(n) / RATE
    if voice == "pluck":
        wave = np.sin(2 * np.pi * freq * t) + 0.3 * np.sin(4 * np.pi * freq * t)
        return wave * np.exp(-t * 6.0)
    if voice == "bell":
        wave = np.sin(2 * np.pi * freq * t) + 0.4 * np.sin(2 * np.pi * freq * 2.76 * t)
        return wave * np.exp(-t * 3.0)
    if voice == "saw":
        # A few harmonics of a sawtooth: bright without aliasing.
        wave = sum(np.sin(2 * np.pi * freq * k * t) / k for k in range(1, 7))
        return 0.6 * wave * np.exp(-t * 4.0)
    wave = np.sin(2 * np.pi * freq * t) + 0.5 * np.sin(2 * np.pi * freq * 1.005 * t)  # pad
    return wave


def _drums(style: str, beat: int, bars: int, rng: np.random.Generator) -> np.ndarray:
    """One loop of drums (mono)."""
    out = np.zeros(beat * 4 * bars)
    n_kick = min(beat, int(0.25 * RATE))
    t = np.arange(n_kick) / RATE
    kick = np.sin(2 * np.pi * (50 + 90 * np.exp(-t * 30)) * t) * np.exp(-t * 12)
    n_hat = min(beat // 2, int(0.05 * RATE))
    hat = rng.standard_normal(n_hat) * np.exp(-np.arange(n_hat) / RATE * 80)
    hat = np.diff(hat, prepend=0.0)  # a crude high-pass: noise without rumble
    n_snare = min(beat, int(0.18 * RATE))
    snare = rng.standard_normal(n_snare) * np.exp(-np.arange(n_snare) / RATE * 25)
    levels = {"pop": (0.9, 0.25, 0.4), "lofi": (0.6, 0.12, 0.25), "soft": (0.35, 0.08, 0.0)}
    kick_level, hat_level, snare_level = levels.get(style, (1.0, 0.3, 0.45))
    for b in range(4 * bars):
        at = b * beat
        if style == "dance" or b % 2 == 0:
            out[at : at + n_kick] += kick_level * kick
        if snare_level and b % 2 == 1:
            out[at : at + n_snare] += snare_level * snare
        for half in (0, beat // 2):
            if style != "soft" or half == 0:
                out[at + half : at + half + n_hat] += hat_level * hat
    return out


@lru_cache(maxsize=len(LIBRARY))
def loop(slug: str) -> np.ndarray:
    """One seamless loop of the track: float32, shape (2, samples), peak about -3 dBFS."""
    track = BY_SLUG[slug]
    beat = int(round(RATE * 60 / track.bpm))
    bar = beat * 4
    total = bar * track.bars
    left = np.zeros(total)
    right = np.zeros(total)
    rng = np.random.default_rng(sum(map(ord, slug)))
    for index, (chord, root) in enumerate(zip(track.chords, track.bass, strict=True)):
        at = index * bar
        env = _envelope(bar, 0.08, 0.25)
        for k, name in enumerate(chord):
            tone = 0.12 * _tone(_hz(name), bar, "pad") * env
            pan = 0.35 + 0.3 * (k / max(1, len(chord) - 1))
            left[at : at + bar] += tone * (1 - pan)
            right[at : at + bar] += tone * pan
        for step in range(4):
            n = beat
            bass = 0.35 * np.sin(2 * np.pi * _hz(root) * np.arange(n) / RATE)
            bass *= _envelope(n, 0.005, 0.08)
            left[at + step * beat : at + (step + 1) * beat] += bass
            right[at + step * beat : at + (step + 1) * beat] += bass
    eighth = beat // 2
    for index, name in enumerate(track.melody):
        if name is None:
            continue
        at = (index * eighth) % total
        n = min(eighth * 2, total - at)
        tone = 0.22 * _tone(_hz(name), n, track.voice) * _envelope(n, 0.004, 0.05)
        left[at : at + n] += tone * 0.55
        right[at : at + n] += tone * 0.45
    drums = _drums(track.drums, beat, track.bars, rng)
    left += drums
    right += drums
    stereo = np.vstack([left, right])
    peak = float(np.max(np.abs(stereo))) or 1.0
    return (stereo * (0.7 / peak)).astype(np.float32)


def samples(slug: str, start: int, count: int) -> np.ndarray:
    """``count`` samples of the looped track from sample ``start`` (shape (2, count))."""
    track = loop(slug)
    length = track.shape[1]
    index = (np.arange(start, start + count) % length).astype(np.int64)
    return track[:, index]


def file_name(track: Track) -> str:
    return f"music/{track.slug}-v{LIBRARY_VERSION}.m4a"


def audio_file(track: Track) -> str:
    """The track's loop as AAC (the browser's preview), made once into the public storage;
    its storage path."""
    storage = storages["default"]
    name = file_name(track)
    if storage.exists(name):
        return name
    buffer = io.BytesIO()
    with av.open(buffer, "w", format="mp4") as out:
        stream = out.add_stream("aac", rate=RATE)
        stream.layout = "stereo"
        stream.bit_rate = 128_000
        data = loop(track.slug)
        for start in range(0, data.shape[1], 1024):
            chunk = np.ascontiguousarray(data[:, start : start + 1024])
            frame = av.AudioFrame.from_ndarray(chunk, format="fltp", layout="stereo")
            frame.sample_rate = RATE
            frame.pts, frame.time_base = start, fractions.Fraction(1, RATE)
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    if not storage.exists(name):  # two first requests at once: either file is the same
        storage.save(name, ContentFile(buffer.getvalue()))
    return name
