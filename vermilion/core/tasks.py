"""Jobs of the core itself."""

import logging

from .jobs import job

log = logging.getLogger("vermilion.jobs")


@job("core.ping")
def ping(note: str = "") -> None:
    """A no-op that proves a worker is alive (used by the serve smoke test and operators)."""
    log.info("ping: %s", note)
