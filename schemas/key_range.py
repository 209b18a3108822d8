"""The initial load's unit of work, as it travels on ``<prefix>.pipeline.initial-load``: one key
range of owners' numbers. The connector plans a load as consecutive ranges covering every number
(``connectors.load_plan``), the workers share them through the topic's partitions and write each
in one transaction (``pipeline.range_loader``). Pure."""
from __future__ import annotations

from dataclasses import dataclass

import orjson


@dataclass(frozen=True)
class KeyRange:
    """One share of an initial load: owners' numbers from ``low`` (inclusive; None: the start) to
    ``high`` (exclusive; None: the end). ``count`` ranges make the load ``load``."""

    load: str
    index: int
    count: int
    low: str | None
    high: str | None

    def to_json(self) -> bytes:
        return orjson.dumps(self.__dict__)

    @classmethod
    def from_json(cls, raw: bytes) -> KeyRange:
        """Raises ValueError (or KeyError/TypeError) for anything that is not a key range."""
        data = orjson.loads(raw)
        return cls(str(data["load"]), int(data["index"]), int(data["count"]), data["low"], data["high"])

    def holds(self, number: str) -> bool:
        return (self.low is None or number >= self.low) and (self.high is None or number < self.high)
