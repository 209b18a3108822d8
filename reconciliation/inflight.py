"""In flight or divergent? A suspect is confirmed only once the pipeline has applied past the
legacy position that was current when it was found.

"Applied past P" means, in order: the connector's replication slot has acknowledged P (every
change up to P is in Kafka), the workers' consumer group has committed everything the legacy
topics held at that moment (every change is recorded), and the suspect waits for no rebuild.
Until then a difference may be a change on its way: it is looked at again, not reported. With
the polling connector (no slot) only the last two conditions are checked.

Blocking; raises nothing of its own (a database or broker error propagates).
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine, select, text

from common.kafka_admin import committed_offsets, end_offsets
from common.settings import Settings
from schemas.agdref_tables import CAPTURED_TABLES
from schemas.anef_tables import pending
from schemas.envelope import topic_name, transaction_topic


def _lsn(value: str) -> int:
    high, low = value.split("/")
    return (int(high, 16) << 32) + int(low, 16)


@dataclass
class PipelinePosition:
    settings: Settings
    agdref: Engine
    anef: Engine

    def current(self) -> int:
        """AGDREF's current log position: what the pipeline must pass for a suspect found now."""
        with self.agdref.connect() as conn:
            return _lsn(conn.execute(text("SELECT CAST(pg_current_wal_lsn() AS text)")).scalar_one())

    def _slot_passed(self, position: int) -> bool:
        with self.agdref.connect() as conn:
            row = conn.execute(text("SELECT CAST(confirmed_flush_lsn AS text) FROM pg_replication_slots"
                                    " WHERE slot_name = :s"), {"s": self.settings.replication_slot}).first()
        return row is None or (row[0] is not None and _lsn(row[0]) >= position)

    def _topics(self) -> list[str]:
        prefix = self.settings.kafka_topic_prefix
        return [topic_name(prefix, t) for t in CAPTURED_TABLES] + [transaction_topic(prefix)]

    def _consumed(self, ends: dict) -> bool:
        """Whether the workers have committed every message up to ``ends`` (offsets per partition)."""
        committed = committed_offsets(self.settings.kafka_bootstrap_servers, self.settings.worker_id)
        return all(end == 0 or committed.get(tp, -1) >= end for tp, end in ends.items())

    def _waiting(self, numbers: set[str]) -> set[str]:
        with self.anef.connect() as conn:
            return set(conn.execute(select(pending.c.numero_etranger)
                                    .where(pending.c.numero_etranger.in_(sorted(numbers)))).scalars())

    def wait(self, position: int, numbers: set[str], max_seconds: float,
             progress: Callable[[str], None] = lambda _: None) -> bool:
        """Block until the pipeline has applied every change up to ``position`` to these numbers:
        the slot past it, then the workers past what Kafka held at that moment, then no rebuild
        waiting. False when ``max_seconds`` ran out (the pipeline is behind or stopped: the
        suspects stay unconfirmed). Under live traffic the end offsets keep moving: only those
        taken once the slot passed ``position`` must be reached, never an empty lag."""
        deadline = time.monotonic() + max_seconds
        ends = None
        while time.monotonic() < deadline:
            if ends is None and self._slot_passed(position):
                ends = end_offsets(self.settings.kafka_bootstrap_servers, self._topics())
            if ends is not None and self._consumed(ends) and not self._waiting(numbers):
                return True
            progress("waiting for the pipeline to pass the suspects' legacy position")
            time.sleep(0.5)
        return False
