"""One key range of the initial load, end to end: read at its own consistent snapshot
(``range_reader``), made into dossiers in memory (``initial_load``), written in one transaction
(``range_writer``). The worker's load agent calls ``prepare`` then, once the refused rows are in
the dead letters, ``write``. Blocking: run in a thread.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, text

from connectors.events import Transaction, key_of, snapshot_reads
from pipeline import initial_load, range_reader, range_writer
from pipeline.actions import DeadLetter, Origin
from pipeline.exceptions import RangeRaced
from pipeline.initial_load import Prepared
from schemas.agdref_tables import SCHEMA, primary_key_columns
from schemas.key_range import KeyRange
from schemas.rejections import Reason

RACE_RETRIES = 5


@dataclass(frozen=True)
class PreparedRange:
    key_range: KeyRange
    snapshot: range_reader.Snapshot
    prepared: Prepared


class RangeLoader:
    def __init__(self, agdref_dsn: str, anef: Engine, worker_id: str) -> None:
        self._reader = range_reader.SnapshotReader(agdref_dsn)
        self._anef, self._worker_id = anef, worker_id

    def loaded(self, key_range: KeyRange) -> bool:
        """Whether this range was written already (handed out again after a restart)."""
        with self._anef.connect() as conn:
            return conn.execute(text("SELECT 1 FROM migration.load_range WHERE load_id = :l AND range_index = :i"),
                                {"l": key_range.load, "i": key_range.index}).first() is not None

    def prepare(self, key_range: KeyRange) -> PreparedRange:
        """Read the range at a fresh consistent snapshot and map it. Raises psycopg2's
        ``OperationalError`` when AGDREF cannot be read (nothing is written: call again)."""
        snapshot, cursor = self._reader.reading()
        try:
            with cursor:
                rows, referenced = range_reader.read_range(cursor, key_range)
        except BaseException:
            self._reader.close()  # a failed statement ends the transaction, and the snapshot with it
            raise
        return PreparedRange(key_range, snapshot, initial_load.prepare(
            rows, referenced, key_range, snapshot.position, snapshot.read_at))

    def write(self, ready: PreparedRange) -> range_writer.RangeWritten:
        """Write it; a row found kept under another number is retried at once, looking up every key
        (that dossier is then deferred)."""
        for attempt in range(RACE_RETRIES):
            try:
                return range_writer.write(self._anef, ready.key_range, ready.prepared, ready.snapshot.position,
                                          self._worker_id, thorough=attempt > 0)
            except RangeRaced:
                if attempt == RACE_RETRIES - 1:
                    raise
        raise AssertionError("unreachable")


def dead_letters(ready: PreparedRange, origin: Origin, prefix: str, database: str) -> list[DeadLetter]:
    """The refused rows as the dead letters their snapshot reads would have been: the same
    envelope (``op = 'r'``, the snapshot's position), so ``rejects replay`` decides them again
    like any other event once the row or the rule is fixed."""
    snapshot = ready.snapshot
    tx = Transaction(xid=0, commit_time=snapshot.read_at.astimezone(UTC), final_lsn=snapshot.consistent_point)
    letters = []
    for refused in ready.prepared.refused:
        value, = snapshot_reads([refused.row], prefix=prefix, database=database, schema=SCHEMA, table=refused.table,
                                tx=tx, lsn=0, emitted_at_ms=int(datetime.now(UTC).timestamp() * 1000))
        letters.append(DeadLetter(origin, Reason.LIGNE_NON_CONFORME, refused.error,
                                  key_of(refused.row, primary_key_columns(refused.table)), value))
    return letters
