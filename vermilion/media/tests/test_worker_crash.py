"""A real worker process killed with SIGKILL in the middle of a transcode, and a new one.

Not a simulation: ``vermilion worker`` runs in its own process on a database file of its own,
is killed while the job reports progress, and a second worker finishes the video once the
first one's lease has run out. Nothing here shares the test run's database.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

VERMILION = Path(sys.executable).parent / "vermilion"

SETUP = """
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from vermilion.accounts.services import register
from vermilion.media.services import create_video
from vermilion.media.tests.clips import make_clip
clip = make_clip("{clip}", width=1280, height=720, seconds={seconds})
user = register(username="crash", password="a long enough password 1")
print(create_video(user, str(clip), clip.stat().st_size).pk)
"""


def _env(tmp_path: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("VERMILION_DATABASE_URL", "VERMILION_REDIS_URL")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="vermilion.settings",
        VERMILION_DATA_DIR=str(tmp_path / "data"),
        VERMILION_JOBS_LEASE_SECONDS="3",
        VERMILION_JOBS_POLL_SECONDS="0.1",
    )
    return env


def _row(db: Path, media_id: str) -> tuple[str, int, int]:
    with sqlite3.connect(db, timeout=10) as conn:
        status, progress, revision = conn.execute(
            "SELECT status, progress, revision FROM media_media WHERE id = ?", (media_id,)
        ).fetchone()
    return status, progress, revision


def _wait(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


@pytest.mark.skipif(not VERMILION.exists(), reason="the vermilion command is not installed")
def test_a_worker_killed_with_sigkill_mid_transcode_is_finished_by_the_next(tmp_path):
    env = _env(tmp_path)
    setup = SETUP.format(clip=tmp_path / "long.mp4", seconds=12)
    made = subprocess.run(
        [sys.executable, "-c", setup], env=env, capture_output=True, text=True, timeout=240
    )
    assert made.returncode == 0, made.stderr
    media_id = made.stdout.strip().splitlines()[-1]
    db = tmp_path / "data" / "vermilion.sqlite3"

    command = [str(VERMILION), "worker", "--no-periodic"]
    first = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        # Killed while the transcode is under way (it has reported some progress).
        _wait(lambda: _row(db, media_id)[1] > 0, 120, "the first worker's progress")
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
    assert first.returncode == -signal.SIGKILL
    status, progress, _revision = _row(db, media_id)
    assert status == "processing" and 0 < progress < 90
    with sqlite3.connect(db) as conn:
        state, attempts = conn.execute(
            "SELECT state, attempts FROM core_job WHERE name = 'media.process_video'"
        ).fetchone()
    assert (state, attempts) == ("running", 1)  # left as the dead worker had it

    second = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _wait(lambda: _row(db, media_id)[0] != "processing", 180, "the second worker")
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=30)
    status, progress, revision = _row(db, media_id)
    assert (status, progress, revision) == ("ready", 100, 1)
    with sqlite3.connect(db) as conn:
        state, attempts = conn.execute(
            "SELECT state, attempts FROM core_job WHERE name = 'media.process_video'"
        ).fetchone()
    assert (state, attempts) == ("done", 2)
    # The killed attempt's scratch folder (its clean-up never ran) was removed too.
    assert list((tmp_path / "data" / "scratch").iterdir()) == []
