"""The same upload pipeline on S3-compatible object storage (moto in server mode)."""

from __future__ import annotations

import importlib.util
import io
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from PIL import Image

from vermilion.media.models import Media

from . import factories as f

pytestmark = [pytest.mark.s3, pytest.mark.django_db]

if importlib.util.find_spec("moto.server") is None:
    pytest.skip(
        "moto[server] is not installed: the S3 storage test needs a local S3 server",
        allow_module_level=True,
    )

BUCKET = "vermilion-test"
KEYS = {"access_key": "testing", "secret_key": "testing"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _moto_command(port: int) -> list[str]:
    script = Path(sys.executable).with_name("moto_server")
    if script.exists():
        return [str(script), "-H", "127.0.0.1", "-p", str(port)]
    return [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]


@pytest.fixture(scope="module")
def s3_endpoint():
    port = _free_port()
    process = subprocess.Popen(
        _moto_command(port), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=1).close()
                break
            except (urllib.error.URLError, ConnectionError, OSError):
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"moto_server did not start on {endpoint}")
                time.sleep(0.1)
        yield endpoint
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def s3(settings, s3_endpoint):
    """Point both storages at a fresh bucket, as ``VERMILION_STORAGE=s3`` does."""
    import boto3

    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name="us-east-1",
        aws_access_key_id=KEYS["access_key"],
        aws_secret_access_key=KEYS["secret_key"],
    )
    client.create_bucket(Bucket=BUCKET)
    options = {
        "bucket_name": BUCKET,
        "endpoint_url": s3_endpoint,
        "region_name": "us-east-1",
        "addressing_style": "path",
        "file_overwrite": False,
        "default_acl": None,
        "querystring_auth": False,
        **KEYS,
    }
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options},
        "private": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {**options, "location": "private", "querystring_auth": True},
        },
    }
    yield client
    objects = client.list_objects_v2(Bucket=BUCKET).get("Contents", [])
    for obj in objects:
        client.delete_object(Bucket=BUCKET, Key=obj["Key"])
    client.delete_bucket(Bucket=BUCKET)


def test_upload_and_process_on_s3(s3, s3_endpoint, make_user, client_for, upload, run_jobs):
    from django.core.files.storage import storages

    client = client_for(make_user())
    response = upload(client, f.jpeg_with_metadata((300, 200), orientation=6))
    assert response.status_code == 201, response.content
    media_id = response.json()["id"]
    media = Media.objects.get(pk=int(media_id))

    keys = {obj["Key"] for obj in s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])}
    assert keys == {f"private/originals/{media_id}.jpg"}

    assert run_jobs() == 1
    body = client.get(f"/api/v1/media/{media_id}").json()
    assert body["status"] == "ready", body
    assert (body["width"], body["height"]) == (200, 300)

    keys = {obj["Key"] for obj in s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])}
    assert keys == {
        f"private/originals/{media_id}.jpg",
        f"images/{media_id}/thumb.webp",
        f"images/{media_id}/display.webp",
    }
    # Nothing public outside images/: originals live only under the private prefix.
    assert all(k.startswith(("private/", "images/")) for k in keys)

    for name in ("thumb", "display"):
        url = body["urls"][name]
        assert url == f"{s3_endpoint}/{BUCKET}/images/{media_id}/{name}.webp"
        obj = s3.get_object(Bucket=BUCKET, Key=f"images/{media_id}/{name}.webp")
        assert obj["ContentType"] == "image/webp"
        img = Image.open(io.BytesIO(obj["Body"].read()))
        assert img.format == "WEBP"
        assert img.size == (200, 300)
        assert not img.getexif()

    # The original is reachable only through a signed, expiring URL.
    media.refresh_from_db()
    signed = storages["private"].url(media.original_path)
    assert "Signature=" in signed or "X-Amz-Signature=" in signed
    assert media.original_path not in str(body)
