"""Video transcoding speed: the project's pipeline against the ffmpeg command line.

    .venv/bin/python bench/video_transcode.py              # a 60 s 1080p clip, 3 rounds
    .venv/bin/python bench/video_transcode.py --seconds 10 --rounds 1   # quick

1. A seeded 60 s 1920x1080 30 fps clip with sound is made once (PyAV, kept under
   var/bench/video/): a scrolling texture of 4x4 noise blocks under a moving shape and a
   sliding gradient, so the encoder has real work (a flat test card compresses to nothing).
2. Each round, in alternating order:

   - *ours*: ``vermilion.media.video.transcode``, as the ``media.process_video`` job runs
     it: one decode feeding the 360p/720p/1080p HLS rungs (each on its own thread), the
     720p rung's packets muxed again as the MP4 fallback, the poster and the 3 s silent
     preview from the same decoded frames;
   - *command line*: Debian's ``ffmpeg`` doing the same with the same settings: one run with
     ``split`` into three bicubic scales, three libx264 encodes (preset, CRF, maxrate,
     bufsize, keyframe interval and profile as ours), AAC per rung, the HLS muxer with the
     same segment options and the 720p rung also written as the MP4 (``tee`` muxer: its
     packets, not a fourth encode); then a second run for the preview and the poster.

3. Reported: seconds per round, the real-time factor (seconds of work per second of video;
   below 1 is faster than real time) and ours / command line, median over rounds. Target:
   ours no slower than 1.1x the command line.

Both sides use libx264, but not the same build: PyAV's wheel brings its own FFmpeg (and
x264), Debian's ffmpeg is 5.1; the versions are printed and kept in the JSON.
"""

from __future__ import annotations

import argparse
import fractions
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH_DIR = ROOT / "var" / "bench"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", default=str(BENCH_DIR / "video_transcode.json"))
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vermilion.settings")
    os.environ.setdefault("VERMILION_DATA_DIR", str(BENCH_DIR / "video" / "data"))
    import django

    django.setup()
    import av

    from vermilion.media import video

    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        raise SystemExit("needs Debian's ffmpeg for the comparison: apt-get install ffmpeg")
    source = BENCH_DIR / "video" / f"source-{args.seconds}s-{args.seed}.mp4"
    if not source.exists():
        source.parent.mkdir(parents=True, exist_ok=True)
        started = time.monotonic()
        make_source(source, args.seconds, args.seed)
        print(f"made {source.name} in {time.monotonic() - started:.0f} s")
    info = video.inspect(source)
    print(f"source: {info}")
    cli_version = subprocess.run(
        [ffmpeg, "-version"], capture_output=True, text=True, check=True
    ).stdout.splitlines()[0]
    versions = {"pyav": av.__version__, "pyav_ffmpeg": av.ffmpeg_version_info, "cli": cli_version}
    print(versions)

    rounds = []
    for index in range(args.rounds):
        order = ("ours", "cli") if index % 2 == 0 else ("cli", "ours")
        timings = {}
        for side in order:
            with tempfile.TemporaryDirectory(dir=BENCH_DIR) as work:
                out = Path(work)
                started = time.monotonic()
                if side == "ours":
                    video.transcode(source, out, info)
                else:
                    run_cli(ffmpeg, source, out, info)
                timings[side] = time.monotonic() - started
                sizes = {p.name: p.stat().st_size for p in out.rglob("*") if p.is_file()}
                timings[f"{side}_bytes"] = sum(sizes.values())
        timings["ratio"] = timings["ours"] / timings["cli"]
        rounds.append(timings)
        print(
            f"round {index + 1}: ours {timings['ours']:.1f} s, command line {timings['cli']:.1f} s,"
            f" ratio {timings['ratio']:.3f}"
        )
    duration = info.duration_ms / 1000
    ours = statistics.median(r["ours"] for r in rounds)
    cli = statistics.median(r["cli"] for r in rounds)
    ratio = statistics.median(r["ratio"] for r in rounds)
    report = {
        "source": {
            "seconds": duration,
            "width": info.width,
            "height": info.height,
            "fps": info.fps,
        },
        "rounds": rounds,
        "median_seconds": {"ours": round(ours, 2), "cli": round(cli, 2)},
        "real_time_factor": {"ours": round(ours / duration, 3), "cli": round(cli / duration, 3)},
        "ratio_ours_to_cli": round(ratio, 3),
        "target_ratio": 1.1,
        "versions": versions,
        "load_average": os.getloadavg(),
    }
    print()
    print(f"| {duration:.0f} s {info.width}x{info.height} | seconds | real-time factor |")
    print("|---|---|---|")
    print(f"| ours | {ours:.1f} | {ours / duration:.3f} |")
    print(f"| ffmpeg command line | {cli:.1f} | {cli / duration:.3f} |")
    print(f"ours / command line (median of {len(rounds)} rounds): {ratio:.3f} (target <= 1.1)")
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(report, indent=2))


def make_source(path: Path, seconds: int, seed: int) -> None:
    import av
    import numpy as np

    rng = np.random.default_rng(seed)
    width, height, fps = 1920, 1080, 30
    # Noise in 4x4 blocks: texture an encoder must spend bits on, not per-pixel static.
    coarse = rng.integers(0, 256, size=(height // 4, width * 2 // 4, 3), dtype=np.uint8)
    texture = np.repeat(np.repeat(coarse, 4, axis=0), 4, axis=1)
    yy, xx = np.mgrid[0:height, 0:width]
    out = av.open(str(path), "w")
    vs = out.add_stream("libx264", rate=fps)
    vs.width, vs.height, vs.pix_fmt = width, height, "yuv420p"
    vs.codec_context.options = {"preset": "veryfast", "crf": "16"}
    audio = out.add_stream("aac", rate=48_000)
    audio.layout = "stereo"
    samples_per_frame = 48_000 // fps
    t = np.arange(samples_per_frame) / 48_000
    for index in range(seconds * fps):
        shift = (index * 7) % width
        img = texture[:, shift : shift + width] // 2
        img[..., 0] += ((xx + index * 5) % 256 // 2).astype(np.uint8)
        cx, cy = (index * 13) % width, int(height / 2 + height / 3 * np.sin(index / 20))
        img[max(0, cy - 100) : cy + 100, max(0, cx - 150) : cx + 150] = (230, 200, 40)
        frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(img), format="rgb24")
        frame.pts, frame.time_base = index, fractions.Fraction(1, fps)
        for packet in vs.encode(frame):
            out.mux(packet)
        tone = (0.2 * np.sin(2 * np.pi * (220 + index % 200) * (t + index / fps))).astype(
            np.float32
        )
        aframe = av.AudioFrame.from_ndarray(np.stack([tone, tone]), format="fltp", layout="stereo")
        aframe.sample_rate = 48_000
        aframe.pts, aframe.time_base = index * samples_per_frame, fractions.Fraction(1, 48_000)
        for packet in audio.encode(aframe):
            out.mux(packet)
    for stream in (vs, audio):
        for packet in stream.encode(None):
            out.mux(packet)
    out.close()
    del yy, xx


def run_cli(ffmpeg: str, source: Path, out: Path, info) -> None:
    """The same outputs as ``video.transcode`` with the same settings, by the command line."""
    from vermilion.media import video

    rungs = video.ladder_for(info.width, info.height)
    fps = min(info.fps, video.OUTPUT_MAX_FPS)
    gop = round(fps * video.GOP_SECONDS)
    scaler = video.SCALER.lower()
    split = f"[0:v]split={len(rungs)}" + "".join(f"[s{i}]" for i in range(len(rungs)))
    scales = [
        f"[s{i}]scale={w}:{h}:flags={scaler},format=yuv420p[v{i}]"
        for i, (_rung, w, h) in enumerate(rungs)
    ]
    cmd = [
        ffmpeg,
        "-v",
        "error",
        "-y",
        "-i",
        str(source),
        "-filter_complex",
        ";".join([split, *scales]),
    ]
    for i, (rung, _w, _h) in enumerate(rungs):
        folder = out / rung.name
        folder.mkdir(parents=True, exist_ok=True)
        cmd += ["-map", f"[v{i}]", "-map", "0:a:0?"]
        cmd += [
            "-c:v", "libx264", "-preset", video.X264_PRESET, "-crf", str(rung.crf),
            "-maxrate", str(rung.video_bitrate), "-bufsize", str(rung.video_bitrate * 2),
            "-profile:v", "high",
            "-x264-params", f"keyint={gop}:min-keyint={gop}:scenecut=0",
            "-c:a", "aac", "-b:a", str(rung.audio_bitrate), "-ar", str(video.AUDIO_RATE),
            "-ac", "2",
        ]  # fmt: skip
        hls = (
            f"f=hls:hls_time={video.SEGMENT_SECONDS}:hls_playlist_type=vod:"
            f"hls_flags=independent_segments:hls_segment_filename={folder}/seg%04d.ts"
        )
        if rung.name == video.FALLBACK_RUNG:
            cmd += [
                "-f",
                "tee",
                f"[{hls}]{folder}/index.m3u8|[f=mp4:movflags=+faststart]{out}/video.mp4",
            ]
        else:
            cmd += [
                "-f", "hls", "-hls_time", str(video.SEGMENT_SECONDS),
                "-hls_playlist_type", "vod", "-hls_flags", "independent_segments",
                "-hls_segment_filename", f"{folder}/seg%04d.ts", f"{folder}/index.m3u8",
            ]  # fmt: skip
    subprocess.run(cmd, check=True)
    pw, ph = video._fit_short(info.width, info.height, video.PREVIEW_SHORT_SIDE)
    duration = info.duration_ms / 1000
    cover = 1.0 if duration > 1.0 else 0.0
    start = max(0.0, min(cover, duration - video.PREVIEW_SECONDS))
    subprocess.run(
        [
            ffmpeg,
            "-v",
            "error",
            "-y",
            "-ss",
            f"{start}",
            "-i",
            str(source),
            "-t",
            str(video.PREVIEW_SECONDS),
            "-an",
            "-vf",
            f"scale={pw}:{ph}:flags={scaler}",
            "-c:v",
            "libx264",
            "-preset",
            video.X264_PRESET,
            "-crf",
            "30",
            "-maxrate",
            str(video.PREVIEW_BITRATE),
            "-bufsize",
            str(video.PREVIEW_BITRATE * 2),
            "-movflags",
            "+faststart",
            str(out / "preview.mp4"),
            "-ss",
            f"{cover - start}",
            "-frames:v",
            "1",
            "-vf",
            "scale=1080:-2",
            str(out / "poster.webp"),
        ],  # fmt: skip
        check=True,
    )


if __name__ == "__main__":
    main()
