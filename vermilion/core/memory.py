"""Keeping Python's cycle collector out of the request path.

A full collection walks every object the collector tracks. In a web process that is
everything loaded once and kept (Django, the URL and ORM machinery, jieba's and pypinyin's
dictionaries, the feed's snapshot), and measured against the discover feed at a million
notes a full collection took 60-90 ms every few seconds: the request it landed in was the
slowest of its hundred, and set the 99th percentile on its own.

``settle()`` collects once and then freezes what is left (``gc.freeze``): objects that live
as long as the process are moved where collections no longer look, and later collections
walk only what requests make. Reference counting still frees everything as before; only
a reference cycle among frozen objects would outlive its use, and those are made once.
Call it when such long-lived objects have just been made: at start-up, after a warm-up,
after loading a large structure that is kept.
"""

from __future__ import annotations

import gc

_long_running = False


def settle() -> None:
    """Collect, then freeze what is left. Marks this process as a long-running one (the
    web server, a worker), so ``settle_again`` works from now on."""
    global _long_running
    _long_running = True
    gc.collect()
    gc.freeze()


def settle_again() -> None:
    """After loading something kept for long (a feed snapshot): ``settle`` again, in a
    process that settled at start-up; elsewhere (tests, commands) nothing, since freezing
    there would also keep whatever the caller happens to hold."""
    if _long_running:
        gc.collect()
        gc.freeze()
