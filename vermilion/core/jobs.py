"""The durable background-job queue, the same code on SQLite and PostgreSQL.

Why not a library: Huey and django-tasks both drop a job whose worker dies mid-run (they
pop it before running it), and Celery needs a broker in the embedded mode. Here a job is a
row (see ``core.models.Job``) claimed with a lease; a crashed worker's lease runs out and the
job runs again. Failures retry with exponential backoff up to ``max_attempts``.

    @job("media.process")
    def process_media(media_id: int) -> None: ...

    enqueue("media.process", media_id=42)   # inside the caller's transaction

Handlers live in each app's ``tasks.py`` (imported at start-up by ``CoreConfig``-independent
``autodiscover``) and must be idempotent: they may run more than once.
"""

from __future__ import annotations

import contextvars
import importlib
import logging
import os
import random
import signal
import socket
import time
import traceback
from collections.abc import Callable
from datetime import timedelta

from django.apps import apps
from django.conf import settings
from django.db import close_old_connections, transaction
from django.db.models import Q
from django.utils import timezone

from .models import Job

log = logging.getLogger("vermilion.jobs")

_registry: dict[str, Callable[..., None]] = {}
_periodic: dict[str, float] = {}  # job name -> interval in seconds
_discovered = False
_running: contextvars.ContextVar[Job | None] = contextvars.ContextVar("job", default=None)


class PermanentError(Exception):
    """Raised by a handler for a failure that retrying cannot fix (bad input)."""


def job(name: str):
    def register(func: Callable[..., None]) -> Callable[..., None]:
        _registry[name] = func
        func.job_name = name
        return func

    return register


def periodic(name: str, *, every_seconds: float):
    """Register a job that workers enqueue by themselves every ``every_seconds``.

    The handler takes no arguments. A worker enqueues it when no run of it is queued or
    running and the last one finished more than ``every_seconds`` ago; two workers racing
    may enqueue it twice, which is harmless because handlers are idempotent.
    """

    def register(func: Callable[..., None]) -> Callable[..., None]:
        job(name)(func)
        _periodic[name] = every_seconds
        return func

    return register


def schedule_periodic(now=None) -> list[str]:
    """Enqueue the periodic jobs that are due; returns their names."""
    autodiscover()
    now = now or timezone.now()
    due: list[str] = []
    for name, every in _periodic.items():
        active = Job.objects.filter(
            name=name, state__in=[Job.State.QUEUED, Job.State.RUNNING]
        ).exists()
        if active:
            continue
        last = (
            Job.objects.filter(name=name, finished_at__isnull=False)
            .order_by("-finished_at")
            .values_list("finished_at", flat=True)
            .first()
        )
        if last is None or (now - last).total_seconds() >= every:
            enqueue(name)
            due.append(name)
    return due


def autodiscover() -> None:
    global _discovered
    if _discovered:
        return
    for config in apps.get_app_configs():
        if config.name.startswith("vermilion."):
            try:
                importlib.import_module(f"{config.name}.tasks")
            except ModuleNotFoundError as exc:
                if exc.name != f"{config.name}.tasks":
                    raise
    _discovered = True


def enqueue(name: str, *, delay_seconds: float = 0, max_attempts: int | None = None, **payload):
    """Store a job. Call it inside the transaction of the change it belongs to."""
    autodiscover()
    if name not in _registry:
        raise KeyError(f"unknown job {name!r}")
    created = Job.objects.create(
        name=name,
        payload=payload,
        run_after=timezone.now() + timedelta(seconds=delay_seconds),
        max_attempts=max_attempts or settings.JOBS_MAX_ATTEMPTS,
    )
    if settings.JOBS_EAGER:
        transaction.on_commit(lambda: run_job(created.id))
    return created


def backoff_seconds(attempts: int) -> float:
    """2, 4, 8, ... seconds (capped at an hour), with jitter so retries don't stampede."""
    base = min(3600.0, 2.0**attempts)
    return base * random.uniform(0.8, 1.2)


def _worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:100]


def claim(worker: str | None = None) -> Job | None:
    """Take the next due job (or one whose lease expired) and lease it to this worker."""
    now = timezone.now()
    due = Q(state=Job.State.QUEUED, run_after__lte=now) | Q(
        state=Job.State.RUNNING, locked_until__lt=now
    )
    with transaction.atomic():
        # SKIP LOCKED lets many PostgreSQL workers claim in parallel; SQLite ignores it and
        # serialises claims through its IMMEDIATE write lock instead.
        candidate = (
            Job.objects.select_for_update(skip_locked=True)
            .filter(due)
            .order_by("run_after", "id")
            .first()
        )
        if candidate is None:
            return None
        candidate.state = Job.State.RUNNING
        candidate.attempts += 1
        candidate.locked_until = now + timedelta(seconds=settings.JOBS_LEASE_SECONDS)
        candidate.locked_by = worker or _worker_name()
        candidate.save(update_fields=["state", "attempts", "locked_until", "locked_by"])
        return candidate


def heartbeat() -> bool:
    """Renew the lease of the job running on this thread, for handlers that run longer
    than ``JOBS_LEASE_SECONDS`` (a transcode): call it now and then, and no other worker
    takes the job while this one is alive. False when the lease is no longer ours (it ran
    out and another worker claimed the job): the handler may stop, its work is redone."""
    claimed = _running.get()
    if claimed is None:
        return True
    renewed = timezone.now() + timedelta(seconds=settings.JOBS_LEASE_SECONDS)
    return bool(
        Job.objects.filter(
            pk=claimed.pk, state=Job.State.RUNNING, locked_by=claimed.locked_by
        ).update(locked_until=renewed)
    )


def _execute(claimed: Job) -> bool:
    autodiscover()
    handler = _registry.get(claimed.name)
    token = _running.set(claimed)
    try:
        if handler is None:
            raise PermanentError(f"no handler registered for {claimed.name!r}")
        handler(**claimed.payload)
    except Exception as exc:  # noqa: BLE001 - a job failure must never kill the worker
        permanent = isinstance(exc, PermanentError) or claimed.attempts >= claimed.max_attempts
        claimed.last_error = "".join(traceback.format_exception(exc))[-4000:]
        claimed.locked_until = None
        if permanent:
            claimed.state = Job.State.FAILED
            claimed.finished_at = timezone.now()
            log.error("job %s failed for good: %s", claimed, exc)
        else:
            claimed.state = Job.State.QUEUED
            claimed.run_after = timezone.now() + timedelta(
                seconds=backoff_seconds(claimed.attempts)
            )
            log.warning(
                "job %s failed (attempt %s), will retry: %s", claimed, claimed.attempts, exc
            )
        claimed.save(
            update_fields=["state", "last_error", "locked_until", "run_after", "finished_at"]
        )
        return False
    finally:
        _running.reset(token)
    claimed.state = Job.State.DONE
    claimed.locked_until = None
    claimed.finished_at = timezone.now()
    claimed.save(update_fields=["state", "locked_until", "finished_at"])
    return True


def run_job(job_id: int) -> bool:
    """Run one specific job now if it is still queued (eager mode and tests)."""
    now = timezone.now()
    with transaction.atomic():
        updated = Job.objects.filter(id=job_id, state=Job.State.QUEUED).update(
            state=Job.State.RUNNING,
            attempts=1,
            locked_until=now + timedelta(seconds=settings.JOBS_LEASE_SECONDS),
            locked_by=_worker_name(),
        )
    if not updated:
        return False
    return _execute(Job.objects.get(id=job_id))


def run_pending(max_jobs: int | None = None, worker: str | None = None) -> int:
    """Run due jobs until none is left (or ``max_jobs``); returns how many ran."""
    count = 0
    while max_jobs is None or count < max_jobs:
        claimed = claim(worker)
        if claimed is None:
            break
        _execute(claimed)
        count += 1
    return count


def purge_finished(older_than_days: int = 7) -> int:
    cutoff = timezone.now() - timedelta(days=older_than_days)
    deleted, _ = Job.objects.filter(state=Job.State.DONE, finished_at__lt=cutoff).delete()
    return deleted


def work_forever(poll_seconds: float | None = None, *, periodic: bool = True) -> None:
    """The worker loop behind ``vermilion worker``. Stops cleanly on SIGTERM/SIGINT."""
    autodiscover()
    poll = poll_seconds if poll_seconds is not None else settings.JOBS_POLL_SECONDS
    stopping = {"now": False}

    def stop(signum, frame):
        stopping["now"] = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    worker = _worker_name()
    log.info("worker %s started", worker)
    last_purge = 0.0
    last_schedule = 0.0
    while not stopping["now"]:
        close_old_connections()
        try:
            if periodic and time.monotonic() - last_schedule > 15:
                schedule_periodic()
                last_schedule = time.monotonic()
            ran = run_pending(max_jobs=50, worker=worker)
            if time.monotonic() - last_purge > 3600:
                purge_finished()
                last_purge = time.monotonic()
        except Exception:  # noqa: BLE001 - e.g. the database restarting; wait and retry
            log.exception("worker loop error")
            ran = 0
            time.sleep(min(5.0, poll * 4))
        if not ran:
            time.sleep(poll)
    log.info("worker %s stopped", worker)
