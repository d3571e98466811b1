"""Time-ordered 64-bit ids.

Layout (most significant first): 41 bits of milliseconds since 2024-01-01 UTC (good until
2093), 10 bits of per-process entropy, 12 bits of sequence. Ids sort by creation time, so
"newest first" is an index scan on the primary key, and they stay below 2**63 for signed
BIGINT columns. They are sent to clients as strings (JavaScript loses precision past 2**53).
"""

from __future__ import annotations

import os
import secrets
import threading
import time

EPOCH_MS = 1_704_067_200_000  # 2024-01-01T00:00:00Z
_TIME_SHIFT = 22
_NODE_BITS = 10
_SEQ_BITS = 12
_SEQ_MASK = (1 << _SEQ_BITS) - 1

_lock = threading.Lock()
_state = {"ms": 0, "seq": 0, "node": secrets.randbits(_NODE_BITS), "pid": os.getpid()}


def new_id() -> int:
    """A unique, time-ordered 63-bit integer."""
    with _lock:
        if _state["pid"] != os.getpid():  # forked: pick a fresh node so children don't collide
            _state["pid"] = os.getpid()
            _state["node"] = secrets.randbits(_NODE_BITS)
        now = int(time.time() * 1000) - EPOCH_MS
        if now <= _state["ms"]:
            now = _state["ms"]
            _state["seq"] = (_state["seq"] + 1) & _SEQ_MASK
            if _state["seq"] == 0:  # 4096 ids in one millisecond: borrow the next one
                now += 1
        else:
            _state["seq"] = secrets.randbits(6)  # random start keeps processes apart
        _state["ms"] = now
        return (now << _TIME_SHIFT) | (_state["node"] << _SEQ_BITS) | _state["seq"]


def id_for_time(timestamp: float) -> int:
    """The smallest id that could be made at ``timestamp`` (seconds), for time-range scans."""
    return (int(timestamp * 1000) - EPOCH_MS) << _TIME_SHIFT


def id_time(value: int) -> float:
    """When an id was made, in seconds since the Unix epoch."""
    return ((value >> _TIME_SHIFT) + EPOCH_MS) / 1000
