"""Work left until the response has been sent (``core.deferred``)."""

from __future__ import annotations

import logging

import pytest
from django.core.signals import request_finished, request_started

from vermilion.core import deferred

# Finishing a request hands connections back, as Django does.
pytestmark = pytest.mark.django_db


def test_outside_a_request_the_work_runs_at_once():
    ran = []
    deferred.after_response("k", lambda: ran.append(1))
    assert ran == [1] and not deferred.in_request()


def test_in_a_request_it_runs_once_after_the_response_in_order(caplog):
    ran = []
    request_started.send(sender=None)
    try:
        assert deferred.in_request()
        deferred.after_response("a", lambda: ran.append("a"))
        deferred.after_response("a", lambda: ran.append("a again"))  # one per key
        deferred.after_response("b", lambda: 1 / 0)  # logged, never raised

        def chained():
            ran.append("c")
            deferred.after_response("d", lambda: ran.append("d"))  # asked for by work
            deferred.after_response("c", lambda: ran.append("c again"))  # running already

        deferred.after_response("c", chained)
        assert ran == []  # nothing before the response has gone
    finally:
        with caplog.at_level(logging.ERROR, logger="vermilion.deferred"):
            request_finished.send(sender=None)
    assert ran == ["a", "c", "d"]
    assert "deferred work b failed" in caplog.text
    assert not deferred.in_request()
    deferred.after_response("e", lambda: ran.append("e"))  # after it: at once again
    assert ran[-1] == "e"


def test_through_django_s_handler_it_runs_after_the_view(client):
    """The test client closes the response as a server does once it has sent it."""
    ran = []

    def during_the_request(**kwargs):
        deferred.after_response("probe", lambda: ran.append("ran"))
        ran.append("asked")

    request_started.connect(during_the_request, weak=False, dispatch_uid="probe")
    try:
        r = client.get("/api/health")
    finally:
        request_started.disconnect(dispatch_uid="probe")
    assert r.status_code == 200
    assert ran == ["asked", "ran"]
