"""Waiting out something that may come back by itself (a broker restarting, a replication slot
still held by a crashed connector's server process, a new broker's group coordinator).

``backoff`` is pure (the pauses); ``retrying`` is the one loop every blocking waiter uses, so all
of them back off alike and give up with their own specific error at a moment they can state."""
from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import TypeVar

T = TypeVar("T")


def backoff(wait_seconds: float, first: float = 0.5, longest: float = 5.0) -> Iterator[float]:
    """Pauses between attempts, doubling from ``first`` up to ``longest``, for as long as the next
    pause still ends within ``wait_seconds`` of the first call."""
    deadline = time.monotonic() + wait_seconds
    pause = first
    while time.monotonic() + pause <= deadline:
        yield pause
        pause = min(pause * 2, longest)


def retrying(attempt: Callable[[], T], retry_on: type[BaseException] | tuple[type[BaseException], ...],
             give_up: Callable[[BaseException], Exception], wait_seconds: float, *, first: float = 0.5,
             longest: float = 5.0, on_retry: Callable[[BaseException, float], None] | None = None,
             sleep: Callable[[float], object] = time.sleep) -> T:
    """Call ``attempt`` until it returns; blocks while it raises ``retry_on`` (pausing as
    ``backoff`` says, calling ``on_retry(error, pause)`` first, typically to log). Once the pauses
    run out, raises ``give_up(last error)`` chained to it. Any other error passes through at once."""
    pauses = backoff(wait_seconds, first, longest)
    while True:
        try:
            return attempt()
        except retry_on as exc:
            pause = next(pauses, None)
            if pause is None:
                raise give_up(exc) from exc
            if on_retry is not None:
                on_retry(exc, pause)
            sleep(pause)
