from __future__ import annotations

from django.db import models
from django.utils import timezone

from .ids import new_id


class Job(models.Model):
    """One unit of background work, stored in the main database.

    The row is written in the same transaction as the change that needs it, so a job is
    never acknowledged without being durable. A worker claims a row by setting a lease
    (``locked_until``); a worker that crashes simply lets the lease run out and another
    picks the job up again, so every job handler must be idempotent.
    """

    class State(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        DONE = "done"
        FAILED = "failed"

    id = models.BigIntegerField(primary_key=True, default=new_id, editable=False)
    name = models.CharField(max_length=100)
    payload = models.JSONField(default=dict)
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    max_attempts = models.PositiveIntegerField(default=5)
    run_after = models.DateTimeField(default=timezone.now)
    locked_until = models.DateTimeField(null=True, blank=True)
    locked_by = models.CharField(max_length=100, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["state", "run_after"], name="job_due_idx")]

    def __str__(self) -> str:
        return f"{self.name}#{self.id} ({self.state})"
