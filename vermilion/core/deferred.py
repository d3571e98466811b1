"""Work a request leaves until its response has been sent.

Some caches are shared by every reader and refreshed now and then (the discover feed's live
windows, its anonymous first pages). Refreshing one when it runs out makes whichever reader
comes next wait for it: at a million notes that reader's page took 40-90 ms instead of
15-30, often enough to set the feed's 99th percentile. Instead, a request that finds such a
value getting old still uses it and asks for a refresh here (``after_response``); the
refresh runs on the same thread once the response has gone out (Django's
``request_finished``, which the ASGI handler sends after the last byte), so nobody waits
for it.

Outside a request (a job, a management command, the shell) the work runs at once, as
before. The same key asked for twice in one request runs once; work asked for by deferred
work (a shared page remade from live rows that are getting old too) runs at once, since
the response is gone by then.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from django.core.signals import request_finished, request_started
from django.db import connections
from django.dispatch import receiver

log = logging.getLogger("vermilion.deferred")

_local = threading.local()


def after_response(key: str, work: Callable[[], object]) -> None:
    """Run ``work`` once this thread's response has been sent (at once outside a request,
    and when asked for by deferred work: the response is gone by then)."""
    pending: dict[str, Callable[[], object]] | None = getattr(_local, "pending", None)
    if pending is not None:
        pending.setdefault(key, work)
        return
    finishing: set[str] | None = getattr(_local, "finishing", None)
    if finishing is not None:
        if key in finishing:  # running or done in this round already
            return
        finishing.add(key)
    work()


def in_request() -> bool:
    """Whether work asked for now would wait for the response (a request is being served
    on this thread and has not been answered yet)."""
    return getattr(_local, "pending", None) is not None


@receiver(request_started, dispatch_uid="vermilion.deferred.start")
def _start(**kwargs) -> None:
    _local.pending = {}
    _local.finishing = None


@receiver(request_finished, dispatch_uid="vermilion.deferred.finish")
def _finish(**kwargs) -> None:
    pending = getattr(_local, "pending", None)
    _local.pending = None
    if not pending:
        return
    _local.finishing = set(pending)
    try:
        for key, work in pending.items():
            try:
                work()
            except Exception:  # noqa: BLE001 - the response is gone: log, never raise
                log.exception("deferred work %s failed", key)
    finally:
        _local.finishing = None
        _hand_back_connections()


def _hand_back_connections() -> None:
    """Django closed (or returned to the pool) this thread's connections before us, as at
    the end of any request; hand back what the work opened the same way. Never one inside
    a transaction (``atomic``: a test's, which Django's own handler leaves alone too)."""
    for conn in connections.all(initialized_only=True):
        if not conn.in_atomic_block:
            conn.close_if_unusable_or_obsolete()
