"""The `vermilion` command end to end: migrate, serve (web + worker), health, a job run by
the worker process that `serve` starts. Runs against a throwaway data dir (SQLite)."""

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
VERMILION = [sys.executable, "-m", "vermilion.cli"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def data_env(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("VERMILION_")}
    env.update(VERMILION_DATA_DIR=str(tmp_path / "data"), PYTHONUNBUFFERED="1")
    return env


def test_wraps_manage_commands(data_env):
    out = subprocess.run(
        [*VERMILION, "help"], env=data_env, capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout
    for command in ["migrate", "createsuperuser", "serve", "worker", "seed", "recount", "reindex"]:
        assert command in out


def test_secret_key_is_generated_once_and_kept(data_env, tmp_path):
    code = "from django.conf import settings; print(settings.SECRET_KEY)"
    env = {**data_env, "DJANGO_SETTINGS_MODULE": "vermilion.settings"}

    def read_key() -> str:
        command = [sys.executable, "-c", "import django; django.setup(); " + code]
        return subprocess.run(
            command, env=env, capture_output=True, text=True, check=True, cwd=ROOT
        ).stdout

    first, second = read_key(), read_key()
    assert first == second and len(first.strip()) > 40
    key_file = tmp_path / "data" / "secret_key"
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"


@pytest.mark.parametrize(("prepared", "threshold"), [(None, "2"), ("1", "2"), ("0", "None")])
def test_postgresql_prepares_hot_statements_unless_turned_off(data_env, prepared, threshold):
    """VERMILION_DB_PREPARED=0 (PgBouncer in transaction mode) leaves psycopg never
    preparing; otherwise each connection prepares a hand-written statement after two uses."""
    env = {
        **data_env,
        "DJANGO_SETTINGS_MODULE": "vermilion.settings",
        "VERMILION_DATABASE_URL": "postgres://someone@db.invalid:5432/vermilion",
    }
    if prepared is not None:
        env["VERMILION_DB_PREPARED"] = prepared
    code = (
        "from django.conf import settings; "
        "print(settings.DATABASES['default']['OPTIONS']['prepare_threshold'])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout
    assert out.strip() == threshold


def test_serve_runs_web_and_worker(data_env):
    subprocess.run(
        [*VERMILION, "migrate", "--noinput", "-v", "0"], env=data_env, check=True, cwd=ROOT
    )
    # A job waiting in the queue before the server starts: the worker `serve` starts runs it.
    enqueue = (
        "import django; django.setup(); from vermilion.core import jobs; "
        "jobs.enqueue('core.ping', note='from the test')"
    )
    subprocess.run(
        [sys.executable, "-c", enqueue],
        env={**data_env, "DJANGO_SETTINGS_MODULE": "vermilion.settings"},
        check=True,
        cwd=ROOT,
    )
    port = _free_port()
    server = subprocess.Popen(
        [*VERMILION, "serve", "--port", str(port)],
        env=data_env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        health = None
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=2) as r:
                    health = json.loads(r.read())
                    break
            except OSError:
                time.sleep(0.3)
        assert health == {"status": "ok"}
        check = (
            "import django; django.setup(); from vermilion.core.models import Job; "
            "print(Job.objects.get(name='core.ping').state)"
        )
        state = None
        while time.monotonic() < deadline:
            state = subprocess.run(
                [sys.executable, "-c", check],
                env={**data_env, "DJANGO_SETTINGS_MODULE": "vermilion.settings"},
                capture_output=True,
                text=True,
                cwd=ROOT,
            ).stdout.strip()
            if state == "done":
                break
            time.sleep(0.5)
        assert state == "done"
    finally:
        server.terminate()
        try:
            output, _ = server.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            output, _ = server.communicate()
    # Stopping the server stops the worker it started: no orphan keeps running jobs.
    worker_pid = int(re.search(r"background worker started \(pid (\d+)\)", output).group(1))
    deadline = time.monotonic() + 10
    while Path(f"/proc/{worker_pid}").exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not Path(f"/proc/{worker_pid}").exists() or _is_zombie(worker_pid)


def _is_zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z"
    except OSError:
        return True
