"""The processing job survives crashes, retries what retrying can fix, and is idempotent."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, storages
from django.utils import timezone
from PIL import Image

from vermilion.core import jobs
from vermilion.core.models import Job
from vermilion.media import tasks
from vermilion.media.models import Media

from . import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(make_user, client_for, upload) -> Media:
    response = upload(client_for(make_user()), f.jpeg((300, 200)))
    assert response.status_code == 201
    return Media.objects.get(pk=int(response.json()["id"]))


def _job(media: Media) -> Job:
    return Job.objects.get(name="media.process_image", payload__media_id=media.pk)


def _make_due(job: Job) -> None:
    Job.objects.filter(pk=job.pk).update(run_after=timezone.now() - timedelta(seconds=1))


def test_a_job_whose_worker_crashed_runs_again(media, run_jobs, client_for):
    claimed = jobs.claim("worker-that-dies")
    assert claimed is not None and claimed.payload == {"media_id": media.pk}
    # The worker dies here without finishing. While its lease holds, nobody else takes it.
    assert run_jobs() == 0
    media.refresh_from_db()
    assert media.status == "processing"

    # A stale half-written rendition from the crashed run is in the way.
    stale = tasks.rendition_path(media, "thumb")
    storages["default"].save(stale, ContentFile(b"half a file"))

    Job.objects.filter(pk=claimed.pk).update(locked_until=timezone.now() - timedelta(seconds=1))
    assert run_jobs() == 1

    media.refresh_from_db()
    assert media.status == "ready"
    job = _job(media)
    assert job.state == Job.State.DONE
    assert job.attempts == 2
    # Overwritten at the same path, not saved beside the stale file under another name.
    assert media.renditions["thumb"]["path"] == stale
    with storages["default"].open(stale) as fh:
        assert Image.open(fh).format == "WEBP"
    assert len(storages["default"].listdir(f"images/{media.pk}")[1]) == 2


def test_running_twice_is_a_no_op(media, run_jobs):
    run_jobs()
    media.refresh_from_db()
    first = (media.processed_at, media.renditions, media.blurhash)
    tasks.process_image(media_id=media.pk)
    media.refresh_from_db()
    assert (media.processed_at, media.renditions, media.blurhash) == first


def test_a_failed_media_stays_failed(media):
    Media.objects.filter(pk=media.pk).update(status="failed", error="This image is damaged.")
    tasks.process_image(media_id=media.pk)
    media.refresh_from_db()
    assert media.status == "failed"
    assert media.renditions == {}


def test_deleted_media_is_skipped(media, run_jobs):
    media.delete()
    assert run_jobs() == 1
    assert Job.objects.get().state == Job.State.DONE


def test_storage_hiccup_is_retried(media, run_jobs, monkeypatch):
    real_save = FileSystemStorage.save
    calls = {"n": 0}

    def flaky_save(self, name, content, max_length=None):
        calls["n"] += 1
        if calls["n"] == 1:
            raise OSError("disk briefly unavailable")
        return real_save(self, name, content, max_length=max_length)

    monkeypatch.setattr(FileSystemStorage, "save", flaky_save)

    assert run_jobs() == 1
    job = _job(media)
    assert job.state == Job.State.QUEUED  # will retry after a backoff
    assert "disk briefly unavailable" in job.last_error
    media.refresh_from_db()
    assert media.status == "processing"

    _make_due(job)
    assert run_jobs() == 1
    media.refresh_from_db()
    assert media.status == "ready"
    assert _job(media).state == Job.State.DONE


def test_last_failed_attempt_marks_the_media_failed(media, run_jobs, monkeypatch):
    Job.objects.filter(pk=_job(media).pk).update(max_attempts=2)

    def broken_save(self, name, content, max_length=None):
        raise OSError("disk gone")

    monkeypatch.setattr(FileSystemStorage, "save", broken_save)

    run_jobs()
    media.refresh_from_db()
    assert media.status == "processing"  # one attempt left
    _make_due(_job(media))
    run_jobs()
    media.refresh_from_db()
    assert media.status == "failed"
    assert media.error == tasks.GIVE_UP_MESSAGE
    assert _job(media).state == Job.State.FAILED


def test_missing_original_fails_for_good(media, run_jobs):
    storages["private"].delete(media.original_path)
    run_jobs()
    media.refresh_from_db()
    assert media.status == "failed"
    assert media.error == tasks.MISSING_MESSAGE
    job = _job(media)
    assert job.state == Job.State.FAILED
    assert job.attempts == 1


def test_eager_mode_processes_on_commit(
    settings, make_user, client_for, upload, django_capture_on_commit_callbacks
):
    settings.JOBS_EAGER = True
    client = client_for(make_user())
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, f.png())
    assert response.status_code == 201
    assert client.get(f"/api/v1/media/{response.json()['id']}").json()["status"] == "ready"
