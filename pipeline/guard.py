"""The rejection-rate guard: a worker that suddenly rejects most of what it reads is far more
likely to run a bad deploy than to read bad data. It stops and says why, instead of emptying the
stream into the dead letters (where every event would then have to be replayed by hand)."""
from __future__ import annotations

from collections import deque

from pipeline.exceptions import RejectionRateExceeded


class RejectionGuard:
    """Counts rejections over the last ``window`` events; raises once at least ``minimum`` events
    were seen and more than ``max_rate`` of them were rejected. Pure: no I/O."""

    def __init__(self, max_rate: float, window: int, minimum: int) -> None:
        self._max_rate, self._minimum = max_rate, minimum
        self._events: deque[bool] = deque(maxlen=window)

    def check(self, events: int, rejected: int) -> None:
        """Account for a batch before anything of it is written. Raises RejectionRateExceeded."""
        self._events.extend([True] * rejected + [False] * (events - rejected))
        seen, bad = len(self._events), sum(self._events)
        if seen >= self._minimum and bad / seen > self._max_rate:
            raise RejectionRateExceeded(
                f"{bad} of the last {seen} events rejected ({bad / seen:.0%} > {self._max_rate:.0%}): "
                "stopping rather than dead-lettering the stream; check the last deploy, then restart")
