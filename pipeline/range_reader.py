"""Reading one key range of AGDREF at a consistent point of its log (the initial load's I/O on the
legacy side).

A temporary logical replication slot is created with an exported snapshot
(``CREATE_REPLICATION_SLOT … TEMPORARY LOGICAL pgoutput (SNAPSHOT 'export')``): PostgreSQL then
guarantees that the snapshot shows exactly the transactions that committed before the slot's
*consistent point*, and that every later one is in the log after it. The range's rows are read in
that snapshot and given the position ``consistent point << 64``: below every change the
connector's slot (created earlier) streams for a transaction committed later, above every change
the snapshot already shows. The assembly area's rule (the newer position wins) then merges the
read and the stream with no gap and nothing applied twice, whatever order they arrive in.

Each range carries the position of the snapshot it was read in, so a range can be read again
after a crash on its own, at another snapshot (resumable by key range). Creating the slot waits
for the transactions running at that moment to end (logical decoding needs a point where none is
half-seen), hence one snapshot serves a worker's ranges for a while (``SnapshotReader``). Needs a
role allowed to replicate, as the connector's. Blocking.
"""
from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import datetime

import psycopg2
import psycopg2.extras

from pipeline.initial_load import DIGEST
from schemas.agdref_tables import CAPTURED_TABLES, SCHEMA, metadata
from schemas.control_tables import not_written_back_sql
from schemas.fingerprint import row_digest_sql
from schemas.key_range import KeyRange

#: Where ``ChangeEvent.position`` puts a transaction's commit LSN.
COMMIT_SHIFT = 64


@dataclass(frozen=True)
class Snapshot:
    consistent_point: int      # the slot's consistent point, as an integer LSN
    read_at: datetime          # the server's clock when the snapshot was taken

    @property
    def position(self) -> int:
        """The legacy position of every row read in this snapshot."""
        return self.consistent_point << COMMIT_SHIFT


def _lsn(text: str) -> int:
    high, low = text.split("/")
    return (int(high, 16) << 32) + int(low, 16)


class SnapshotReader:
    """A read-only transaction in a snapshot exported at a fresh slot's consistent point, kept for
    up to ``max_age`` seconds and used for every range read meanwhile.

    Why kept: creating a slot waits for every transaction running at that moment, the whole
    server's (the other workers' ANEF writes too when both databases share one server: a second
    per range measured), and a range read from a snapshot a minute old is as right as a fresh one
    (the stream's later changes win by position; more of them only defers more dossiers). The
    temporary slot is dropped as soon as the snapshot is imported: the importing transaction keeps
    the snapshot, and AGDREF's WAL is not held back. Not thread-safe: one per worker thread."""

    def __init__(self, dsn: str, max_age: float = 60.0) -> None:
        self._dsn, self._max_age = dsn, max_age
        self._conn = None
        self._snapshot: Snapshot | None = None
        self._opened_at = 0.0

    def reading(self) -> tuple[Snapshot, psycopg2.extensions.cursor]:
        """The current snapshot and a cursor in it (a new one when the last is too old). Blocks
        while transactions running when a new one is asked are still open. Raises psycopg2's
        errors (``OperationalError`` when AGDREF is unreachable: the reader starts afresh next time)."""
        if self._conn is None or self._conn.closed or time.monotonic() - self._opened_at > self._max_age:
            self.close()
            try:
                self._open()
            except BaseException:
                self.close()
                raise
        assert self._snapshot is not None
        return self._snapshot, self._conn.cursor()

    def _open(self) -> None:
        slot = f"agdref_anef_load_{uuid.uuid4().hex[:12]}"
        replication = psycopg2.connect(self._dsn, connection_factory=psycopg2.extras.LogicalReplicationConnection)
        try:
            with replication.cursor() as cur:
                cur.execute(f"CREATE_REPLICATION_SLOT {slot} TEMPORARY LOGICAL pgoutput (SNAPSHOT 'export')")
                _, point, snapshot_name, _ = cur.fetchone()
            self._conn = psycopg2.connect(self._dsn)
            self._conn.set_session(isolation_level="REPEATABLE READ", readonly=True)
            with self._conn.cursor() as cur:
                cur.execute("SET TRANSACTION SNAPSHOT %s", (snapshot_name,))
                cur.execute("SET LOCAL jit = off")  # range scans: compiling costs more than it saves
                cur.execute("SELECT now()")
                read_at = cur.fetchone()[0]
        finally:
            replication.close()  # drops the temporary slot; the imported snapshot stays
        self._snapshot = Snapshot(_lsn(point), read_at)
        self._opened_at = time.monotonic()

    def close(self) -> None:
        if self._conn is not None and not self._conn.closed:
            self._conn.close()
        self._conn, self._snapshot = None, None


def read_range(cur, key_range: KeyRange) -> tuple[dict[str, list[dict]], set[str]]:
    """Every captured row whose owner number (as AGDREF writes it) is in the range, by table, each
    with its fingerprint under ``DIGEST`` (``row_digest``'s SQL twin: computed by the server, in C);
    and the raw numbers that alias records anywhere point to inside the range."""
    bounds, params = _bounds("num_etranger", key_range)
    rows: dict[str, list[dict]] = {}
    for table in CAPTURED_TABLES:
        columns = [str(c.name) for c in metadata.tables[f"{SCHEMA}.{table}"].columns]
        cur.execute(f"SELECT {', '.join(columns)}, {row_digest_sql(table, 'r')} FROM {SCHEMA}.{table} AS r"
                    f" WHERE {bounds} AND {not_written_back_sql(table, 'r')}", params)
        named = [*columns, DIGEST]
        rows[table] = [dict(zip(named, r)) for r in cur.fetchall()]
    ref_bounds, ref_params = _bounds("num_etranger_ref", key_range)
    cur.execute(f"SELECT DISTINCT num_etranger_ref FROM {SCHEMA}.etranger"
                f" WHERE ind_alias = 'O' AND {ref_bounds}", ref_params)
    referenced = {r[0] for r in cur.fetchall() if r[0] is not None}
    return rows, referenced


def _bounds(column: str, key_range: KeyRange) -> tuple[str, list[str]]:
    clauses, params = [], []
    if key_range.low is not None:
        clauses.append(f"{column} >= %s")
        params.append(key_range.low)
    if key_range.high is not None:
        clauses.append(f"{column} < %s")
        params.append(key_range.high)
    where = " AND ".join(clauses) or "TRUE"
    # The first range also takes what sorts nowhere: rows without an owner number.
    return (f"({column} IS NULL OR {where})" if key_range.low is None else where), params
