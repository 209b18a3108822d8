"""Pauses between attempts at something that may come back by itself (a broker restarting, a
replication slot still held by a crashed connector's server process). Pure: no I/O, no sleeping."""
from __future__ import annotations

import time
from typing import Iterator


def backoff(wait_seconds: float, first: float = 0.5, longest: float = 5.0) -> Iterator[float]:
    """Pauses between attempts, doubling from ``first`` up to ``longest``, for as long as the next
    pause still ends within ``wait_seconds`` of the first call. The caller sleeps each pause and,
    when the iterator is exhausted, gives up with its own specific error: every waiter of the
    project gives up at a moment it can state in its message."""
    deadline = time.monotonic() + wait_seconds
    pause = first
    while time.monotonic() + pause <= deadline:
        yield pause
        pause = min(pause * 2, longest)
