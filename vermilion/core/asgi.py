"""The ASGI application: Django's, with its sync code run on threads that live on.

Django's ``ASGIHandler`` runs each request's sync code (middleware, views, the ORM) on a
thread of its own, made for that request and ended after it (asgiref's
``ThreadSensitiveContext``). Django keeps database connections per thread, so every request
opened a new one: on SQLite that is a new file handle, the schema parsed again on the first
statement and a cold page cache, several milliseconds before the view even ran (measured:
``GET /api/health`` 2 ms through Django in-process, 9 ms through the server).

Here each request borrows one of a fixed set of single-thread executors for its whole life
and gives it back when done, so a request's sync code still runs on one thread (what
``thread_sensitive`` promises: the ORM and the connection stay on it), only the thread is
one of ``VERMILION_WEB_THREADS`` that keep their connection (``CONN_MAX_AGE`` in settings;
PostgreSQL keeps using its process-wide pool instead). When all are busy a request waits for
one, as it would for a worker in a threaded WSGI server. ``VERMILION_WEB_THREADS=0`` serves
with Django's own handler instead.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import ThreadSensitiveContext
from django.core.handlers.asgi import ASGIHandler


class ReusedThreadsASGIHandler(ASGIHandler):
    def __init__(self, threads: int):
        super().__init__()
        if threads < 1:
            raise ValueError("threads must be at least 1")
        self.threads = threads
        self._executors = [
            ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"vermilion-web-{i}")
            for i in range(threads)
        ]
        # Made on first use: the queue must belong to the server's event loop.
        self._idle: asyncio.Queue | None = None

    def _idle_executors(self) -> asyncio.Queue:
        if self._idle is None:
            # Last in, first out: the thread that finished last serves next, so with few
            # requests at a time the same one or two warm connections do the work (first
            # in, first out would rotate through every thread's colder cache).
            self._idle = asyncio.LifoQueue()
            for executor in self._executors:
                self._idle.put_nowait(executor)
        return self._idle

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        idle = self._idle_executors()
        executor = await idle.get()
        try:
            # A request cancelled mid-view (the client went away) can leave its sync call
            # still running on the thread; the next request given this executor queues
            # behind it, so no two ever share a thread's connection at once.
            async with ThreadSensitiveContext(executor=executor):
                await self.handle(scope, receive, send)
        finally:
            idle.put_nowait(executor)
