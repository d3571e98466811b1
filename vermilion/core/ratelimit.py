"""Fixed-window rate limits on the shared cache (local memory embedded, Redis scaled)."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _

from .errors import RateLimited


def client_ip(request) -> str:
    """The client address, trusting X-Forwarded-For only as far as NUM_PROXIES allows."""
    proxies = settings.NUM_PROXIES
    if proxies:
        forwarded = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [p for p in forwarded if p]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "unknown")


def hit(scope: str, key: str, *, limit: int | None = None, window: int | None = None) -> None:
    """Count one action; raise RateLimited (with Retry-After) past the scope's limit."""
    if not settings.RATE_LIMITS_ENABLED:
        return
    default_limit, default_window = settings.RATE_LIMITS[scope]
    limit = limit or default_limit
    window = window or default_window
    now = int(time.time())
    bucket = now // window
    cache_key = f"rl:{scope}:{key}:{bucket}"
    # add() is atomic on both backends; incr() is atomic on Redis and under the locmem lock.
    if cache.add(cache_key, 1, timeout=window + 1):
        count = 1
    else:
        try:
            count = cache.incr(cache_key)
        except ValueError:  # expired between add and incr
            cache.add(cache_key, 1, timeout=window + 1)
            count = 1
    if count > limit:
        retry_after = (bucket + 1) * window - now
        raise RateLimited(
            _("Too many requests. Please wait a moment and try again."), retry_after=retry_after
        )
