"""The ASGI application keeps its threads, and with them the database connections."""

import asyncio
import threading

import pytest
from django.conf import settings
from django.core.signals import request_finished
from django.db import connection

from vermilion.core.asgi import ReusedThreadsASGIHandler

pytestmark = pytest.mark.django_db(transaction=True)


def _scope(path: str) -> dict:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1")],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }


async def _get(app, path: str) -> tuple[int, bytes]:
    sent: list[dict] = []
    delivered = False

    async def receive():
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.sleep(3600)  # no disconnect while the response is made

    async def send(message):
        sent.append(message)

    await app(_scope(path), receive, send)
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return status, body


@pytest.fixture
def seen():
    """(thread name, database connection) of each finished request, read on its thread.
    Names and the objects themselves, since a finished thread's ident can be reused."""
    records: list[tuple[str, object]] = []

    def record(**kwargs):
        records.append((threading.current_thread().name, connection.connection))

    request_finished.connect(record, dispatch_uid="test-asgi-record")
    yield records
    request_finished.disconnect(dispatch_uid="test-asgi-record")


def test_requests_reuse_one_thread_and_its_connection(seen):
    app = ReusedThreadsASGIHandler(threads=1)

    async def three():
        return [await _get(app, "/api/health") for _ in range(3)]

    answers = asyncio.run(three())
    assert [status for status, _ in answers] == [200, 200, 200]
    assert all(b'"ok"' in body for _, body in answers)
    threads = {thread for thread, _ in seen}
    assert len(seen) == 3 and len(threads) == 1
    assert threads.pop().startswith("vermilion-web-")
    if not settings.IS_POSTGRES:
        # SQLite: the same open connection each time (PostgreSQL lends one from its pool).
        conns = [conn for _, conn in seen]
        assert conns[0] is not None and all(conn is conns[0] for conn in conns)


def test_concurrent_requests_get_threads_of_their_own(seen):
    app = ReusedThreadsASGIHandler(threads=2)
    barrier = threading.Barrier(2, timeout=10)

    def meet(**kwargs):
        barrier.wait()  # both requests must be on their threads at once

    request_finished.connect(meet, dispatch_uid="test-asgi-meet")
    try:

        async def two():
            return await asyncio.gather(_get(app, "/api/health"), _get(app, "/api/health"))

        answers = asyncio.run(two())
    finally:
        request_finished.disconnect(dispatch_uid="test-asgi-meet")
    assert [status for status, _ in answers] == [200, 200]
    assert len({thread for thread, _ in seen}) == 2


def test_more_requests_than_threads_wait_their_turn(seen):
    app = ReusedThreadsASGIHandler(threads=2)

    async def many():
        return await asyncio.gather(*(_get(app, "/api/health") for _ in range(7)))

    answers = asyncio.run(many())
    assert [status for status, _ in answers] == [200] * 7
    assert len({thread for thread, _ in seen}) <= 2


def test_errors_and_unknown_scopes():
    with pytest.raises(ValueError):
        ReusedThreadsASGIHandler(threads=0)
    app = ReusedThreadsASGIHandler(threads=1)
    with pytest.raises(ValueError, match="websocket"):
        asyncio.run(app({"type": "websocket"}, None, None))
    # A view that fails still gives its thread back: the next request is answered.
    status, _ = asyncio.run(_get(app, "/api/v1/notes/not-a-number"))
    assert status in (400, 404, 422)
    assert asyncio.run(_get(app, "/api/health"))[0] == 200
