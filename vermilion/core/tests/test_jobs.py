from datetime import timedelta

import pytest
from django.utils import timezone

from vermilion.core import jobs
from vermilion.core.models import Job

pytestmark = pytest.mark.django_db

calls: list = []


@jobs.job("tests.record")
def record(value: int) -> None:
    calls.append(value)


@jobs.job("tests.flaky")
def flaky(key: str) -> None:
    calls.append(key)
    if calls.count(key) < 3:
        raise RuntimeError("temporary trouble")


@jobs.job("tests.bad_input")
def bad_input() -> None:
    raise jobs.PermanentError("this input can never work")


@pytest.fixture(autouse=True)
def _reset():
    calls.clear()


def _make_due(job_id):
    Job.objects.filter(id=job_id).update(run_after=timezone.now() - timedelta(seconds=1))


def test_enqueued_job_is_stored_and_runs_once():
    created = jobs.enqueue("tests.record", value=7)
    assert Job.objects.get(id=created.id).state == Job.State.QUEUED
    assert jobs.run_pending() == 1
    assert calls == [7]
    done = Job.objects.get(id=created.id)
    assert done.state == Job.State.DONE and done.attempts == 1 and done.finished_at
    assert jobs.run_pending() == 0
    assert calls == [7]


def test_unknown_job_name_is_refused_at_enqueue():
    with pytest.raises(KeyError):
        jobs.enqueue("tests.nope")


def test_failures_retry_with_backoff_until_success():
    created = jobs.enqueue("tests.flaky", key="a")
    assert jobs.run_pending() == 1
    retry = Job.objects.get(id=created.id)
    assert retry.state == Job.State.QUEUED
    assert retry.run_after > timezone.now()  # backed off, not due yet
    assert "temporary trouble" in retry.last_error
    assert jobs.run_pending() == 0
    _make_due(created.id)
    jobs.run_pending()
    _make_due(created.id)
    jobs.run_pending()
    assert Job.objects.get(id=created.id).state == Job.State.DONE
    assert calls == ["a", "a", "a"]


def test_backoff_grows():
    assert jobs.backoff_seconds(1) < jobs.backoff_seconds(4) < jobs.backoff_seconds(8)
    assert jobs.backoff_seconds(50) <= 3600 * 1.2


def test_gives_up_after_max_attempts():
    created = jobs.enqueue("tests.flaky", key="b", max_attempts=2)
    jobs.run_pending()
    _make_due(created.id)
    jobs.run_pending()
    assert Job.objects.get(id=created.id).state == Job.State.FAILED


def test_permanent_error_fails_at_once_and_worker_survives():
    bad = jobs.enqueue("tests.bad_input")
    good = jobs.enqueue("tests.record", value=1)
    assert jobs.run_pending() == 2
    assert Job.objects.get(id=bad.id).state == Job.State.FAILED
    assert Job.objects.get(id=good.id).state == Job.State.DONE


def test_job_of_a_crashed_worker_runs_again_after_its_lease():
    created = jobs.enqueue("tests.record", value=3)
    claimed = jobs.claim(worker="crashed-worker")
    assert claimed.id == created.id
    # The worker dies here without finishing. While the lease holds nobody else takes it...
    assert jobs.claim(worker="other") is None
    # ...and once the lease has run out, another worker runs it.
    Job.objects.filter(id=created.id).update(locked_until=timezone.now() - timedelta(seconds=1))
    assert jobs.run_pending(worker="other") == 1
    finished = Job.objects.get(id=created.id)
    assert finished.state == Job.State.DONE
    assert finished.attempts == 2
    assert calls == [3]


def test_job_rolls_back_with_its_transaction():
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        jobs.enqueue("tests.record", value=9)
        raise RuntimeError("the change that needed the job failed")
    assert not Job.objects.exists()


def test_eager_mode_runs_on_commit(settings, django_capture_on_commit_callbacks):
    settings.JOBS_EAGER = True
    with django_capture_on_commit_callbacks(execute=True):
        jobs.enqueue("tests.record", value=5)
    assert calls == [5]


def test_purge_keeps_recent_and_unfinished_jobs():
    old = jobs.enqueue("tests.record", value=1)
    jobs.run_pending()
    Job.objects.filter(id=old.id).update(finished_at=timezone.now() - timedelta(days=30))
    pending = jobs.enqueue("tests.record", value=2, delay_seconds=60)
    assert jobs.purge_finished(older_than_days=7) == 1
    assert list(Job.objects.values_list("id", flat=True)) == [pending.id]


@jobs.periodic("tests.every_minute", every_seconds=60)
def every_minute() -> None:
    calls.append("tick")


def test_periodic_jobs_are_enqueued_when_due_and_not_twice():
    now = timezone.now()
    assert "tests.every_minute" in jobs.schedule_periodic(now)
    assert "tests.every_minute" not in jobs.schedule_periodic(now)  # already queued
    jobs.run_pending()
    assert calls.count("tick") == 1
    assert "tests.every_minute" not in jobs.schedule_periodic(timezone.now())  # ran just now
    later = timezone.now() + timedelta(seconds=61)
    assert "tests.every_minute" in jobs.schedule_periodic(later)


def test_the_lease_is_renewed_while_a_long_job_runs():
    job = jobs.enqueue("tests.record", value=1)
    claimed = jobs.claim("w1")
    assert claimed.pk == job.pk
    Job.objects.filter(pk=job.pk).update(locked_until=timezone.now() + timedelta(seconds=5))
    token = jobs._running.set(claimed)
    try:
        assert jobs.heartbeat() is True
        renewed = Job.objects.get(pk=job.pk).locked_until
        assert renewed > timezone.now() + timedelta(seconds=60)
        Job.objects.filter(pk=job.pk).update(locked_by="someone-else")
        assert jobs.heartbeat() is False  # taken over: the lease is not ours any more
    finally:
        jobs._running.reset(token)
    assert jobs.heartbeat() is True  # outside a job: nothing to renew


@pytest.mark.parametrize(("nice", "expected"), [(10, [10]), (0, [])])
def test_the_worker_lowers_its_cpu_priority_as_configured(settings, monkeypatch, nice, expected):
    from django.core.management import call_command

    from vermilion.core import memory
    from vermilion.core.management.commands import worker

    niced, ran = [], []
    monkeypatch.setattr(worker.os, "nice", niced.append)
    monkeypatch.setattr(memory, "settle", lambda: None)
    monkeypatch.setattr(jobs, "work_forever", lambda poll, periodic: ran.append(periodic))
    settings.WORKER_NICE = nice
    call_command("worker", "--no-periodic")
    assert (niced, ran) == (expected, [False])
    call_command("worker", "--burst")  # a burst (tests, one-off runs) keeps its priority
    assert niced == expected
