"""Checks that only mean something on the real scaled engines (PostgreSQL, Redis).

The rest of the suite runs unchanged on them too (``make test-scaled``); these tests cover
what SQLite and local memory cannot show: parallel job claims, and limits shared by
processes through Redis.
"""

import threading

import pytest
from django.conf import settings
from django.db import connection

from vermilion.core import jobs
from vermilion.core.models import Job

needs_postgres = pytest.mark.skipif(
    not settings.IS_POSTGRES,
    reason="needs VERMILION_DATABASE_URL=postgres://... (make test-scaled)",
)
needs_redis = pytest.mark.skipif(
    not settings.REDIS_URL, reason="needs VERMILION_REDIS_URL=redis://... (make test-scaled)"
)

claimed_by: dict[int, list[str]] = {}


@jobs.job("tests.scaled_noop")
def noop(n: int) -> None:
    pass


@pytest.mark.scaled
@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_workers_never_claim_the_same_job():
    assert connection.vendor == "postgresql"
    for n in range(60):
        jobs.enqueue("tests.scaled_noop", n=n)
    seen: list[int] = []
    lock = threading.Lock()
    errors: list[BaseException] = []

    def worker(name: str):
        from django.db import connections

        try:
            while True:
                job = jobs.claim(worker=name)
                if job is None:
                    break
                with lock:
                    seen.append(job.id)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(f"w{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(seen) == 60 == len(set(seen))
    assert Job.objects.filter(state=Job.State.RUNNING).count() == 60
    assert Job.objects.values("locked_by").distinct().count() > 1


@pytest.mark.scaled
@needs_redis
def test_cache_is_redis_and_rate_limits_are_shared_between_processes(settings):
    from django.core.cache import caches
    from django.core.cache.backends.redis import RedisCache

    from vermilion.core import ratelimit
    from vermilion.core.errors import RateLimited

    assert isinstance(caches["default"], RedisCache)
    settings.RATE_LIMITS_ENABLED = True
    # A second, independent client stands in for another web process.
    other_process = RedisCache(
        settings.REDIS_URL, {"KEY_PREFIX": settings.CACHES["default"]["KEY_PREFIX"]}
    )
    ratelimit.hit("write", "shared-user", limit=2, window=60)
    key = next(iter(other_process._cache.get_client().scan_iter("*rl:write:shared-user*")))
    assert key
    ratelimit.hit("write", "shared-user", limit=2, window=60)
    with pytest.raises(RateLimited):
        ratelimit.hit("write", "shared-user", limit=2, window=60)


def test_scaled_services_are_used_when_required():
    """In CI (VERMILION_REQUIRE_SCALED=1) the scaled run must really be on the services."""
    import os

    if os.environ.get("VERMILION_REQUIRE_SCALED") != "1" or not os.environ.get(
        "VERMILION_DATABASE_URL"
    ):
        pytest.skip("only meaningful in the scaled CI run")
    assert settings.IS_POSTGRES
    assert settings.REDIS_URL
