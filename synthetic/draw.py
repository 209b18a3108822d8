"""Fast, deterministic drawing helpers: the generator calls them hundreds of millions of times.

``random.Random.randint`` and ``date.strftime`` cost about a microsecond and a half each; these
cost a third of that and give the same kind of values (not the same values: the seed's meaning is
ours, and stable)."""
from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date
from functools import cache
from typing import TypeVar

T = TypeVar("T")


def randint(rng: random.Random, low: int, high: int) -> int:
    """An integer in [low, high], both included."""
    return low + int(rng.random() * (high - low + 1))


@cache
def d8(day: date) -> str:
    """A legacy ``YYYYMMDD`` date (cached: a century has only 36,525 days)."""
    return f"{day.year:04d}{day.month:02d}{day.day:02d}"


def pick(rng: random.Random, items: Sequence[T]) -> T:
    """One element, uniformly (``random.choice`` without its generality, three times cheaper)."""
    return items[int(rng.random() * len(items))]
