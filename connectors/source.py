"""What the log-based connector needs on the AGDREF side: a publication and a replication slot.

``REPLICA IDENTITY FULL`` on each captured table, so updates and deletes carry the whole old row
(Debezium's ``before``); without it ``before`` would hold the primary key only.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, text

from common.retry import retrying
from connectors.exceptions import SlotInUseError
from schemas.agdref_tables import CAPTURED_TABLES, SCHEMA


@dataclass(frozen=True)
class SlotState:
    name: str
    exists: bool
    active: bool = False
    confirmed_flush_lsn: int | None = None
    lag_bytes: int | None = None
    lag_seconds: float | None = None   # age of the last acknowledged commit while WAL waits; 0 when caught up

    @property
    def ready(self) -> bool:
        """A capture is attached and the slot decodes every transaction committed from now on.
        ``active`` alone is not that: the backend creating a slot holds it active while it waits
        for the transactions running anywhere on the server to end, and a transaction committed
        meanwhile is before the slot's consistent point (measured: a test writing ANEF as soon as
        the way back's slot showed active, beside long snapshot transactions, was never captured).
        The position is set once the slot is consistent."""
        return self.active and self.confirmed_flush_lsn is not None


def lsn_to_int(lsn: str) -> int:
    high, low = lsn.split("/")
    return (int(high, 16) << 32) + int(low, 16)


def int_to_lsn(value: int) -> str:
    return f"{value >> 32:X}/{value & 0xFFFFFFFF:X}"


def prepare(db: Engine, publication: str, slot: str, tables: tuple[str, ...] = CAPTURED_TABLES) -> bool:
    """Create the connector's control tables (signal, snapshot progress), the publication and the
    slot when missing. Idempotent. Returns True when the slot was created now (nothing streamed
    yet: the caller decides whether an initial snapshot is due)."""
    from connectors.snapshot import CONTROL_SCHEMA, SIGNAL_TABLE
    from migrations import versions

    versions.upgrade(db, "agdref")  # the control schema, at the version db init would make
    qualified = [f"{SCHEMA}.{t}" for t in tables] + [f"{CONTROL_SCHEMA}.{SIGNAL_TABLE}"]
    with db.begin() as conn:
        for table in without_full_identity(conn, SCHEMA, tables):
            conn.execute(text(f"ALTER TABLE {SCHEMA}.{table} REPLICA IDENTITY FULL"))
        if conn.execute(text("SELECT 1 FROM pg_publication WHERE pubname = :p"), {"p": publication}).first() is None:
            conn.execute(text(f'CREATE PUBLICATION "{publication}" FOR TABLE {", ".join(qualified)}'))
        else:
            present = {f"{r.schemaname}.{r.tablename}" for r in conn.execute(
                text("SELECT schemaname, tablename FROM pg_publication_tables WHERE pubname = :p"), {"p": publication})}
            for table in sorted(set(qualified) - present):
                conn.execute(text(f'ALTER PUBLICATION "{publication}" ADD TABLE {table}'))
    return create_slot(db, slot)


def create_slot(db: Engine, slot: str) -> bool:
    """The pgoutput slot, when missing; True when it was created now (it streams from this point)."""
    with db.begin() as conn:
        if conn.execute(text("SELECT 1 FROM pg_replication_slots WHERE slot_name = :s"), {"s": slot}).first() is None:
            conn.execute(text("SELECT pg_create_logical_replication_slot(:s, 'pgoutput')"), {"s": slot})
            return True
    return False


def without_full_identity(conn, schema: str, tables: tuple[str, ...]) -> list[str]:
    """The captured tables not yet ``REPLICA IDENTITY FULL``: only those are altered.

    ALTER TABLE takes an ACCESS EXCLUSIVE lock even when nothing changes. Taken on every start,
    it queued the legacy application's writes behind it and, with several tables locked in one
    transaction while the application's transactions lock rows across them, deadlocked: the
    connector restarted under load exited with ``deadlock detected`` (or killed a legacy write)."""
    full = {r.relname for r in conn.execute(text(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = :schema AND c.relreplident = 'f'"), {"schema": schema})}
    return [t for t in tables if t not in full]


@dataclass(frozen=True)
class SnapshotProgress:
    request_id: str
    table: str
    rows_read: int
    estimate: int
    done: bool


def snapshot_progress(db: Engine) -> list[SnapshotProgress]:
    """Each snapshot request's progress per table, with the table's estimated size."""
    from connectors.snapshot import CONTROL_SCHEMA

    with db.connect() as conn:
        if conn.execute(text("SELECT to_regclass(:t)"), {"t": f"{CONTROL_SCHEMA}.snapshot_progress"}).scalar() is None:
            return []
        rows = conn.execute(text(
            f"SELECT p.request_id, p.table_name, p.rows_read, p.done, greatest(c.reltuples, 0)::bigint AS estimate"
            f" FROM {CONTROL_SCHEMA}.snapshot_progress p"
            f" LEFT JOIN pg_class c ON c.oid = to_regclass('{SCHEMA}.' || p.table_name)"
            f" ORDER BY p.requested_at, p.table_name")).all()
    return [SnapshotProgress(r.request_id, r.table_name, r.rows_read, r.estimate, r.done) for r in rows]


def slot_state(db: Engine, slot: str) -> SlotState:
    """The slot's position and lag. Lag in seconds: how old the last acknowledged legacy commit is,
    when the slot has WAL waiting beyond it (an estimate: the age of the oldest unacknowledged
    change is at most that)."""
    from connectors.snapshot import CONTROL_SCHEMA

    with db.connect() as conn:
        row = conn.execute(text(
            "SELECT active, confirmed_flush_lsn::text AS flushed,"
            " pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::bigint AS lag"
            " FROM pg_replication_slots WHERE slot_name = :s"), {"s": slot}).first()
        if row is None:
            return SlotState(slot, exists=False)
        seconds = None
        if conn.execute(text("SELECT to_regclass(:t)"), {"t": f"{CONTROL_SCHEMA}.connector_state"}).scalar():
            seconds = conn.execute(text(
                f"SELECT extract(epoch FROM now() - last_commit_at) FROM {CONTROL_SCHEMA}.connector_state"
                " WHERE slot = :s"), {"s": slot}).scalar()
    lag_seconds = 0.0 if not row.lag else (float(seconds) if seconds is not None else None)
    return SlotState(slot, True, bool(row.active), lsn_to_int(row.flushed) if row.flushed else None, row.lag,
                     lag_seconds)


class _SlotHeld(Exception):
    """A server process still holds the slot."""


def _wait_until_released(db: Engine, slot: str, wait_seconds: float = 30.0) -> None:
    """Wait while a server process still holds the slot: a connector stopped a moment ago leaves its
    walsender alive until the server sees the socket closed, and dropping the slot then fails
    ("replication slot ... is active for PID ..."). Raises SlotInUseError after ``wait_seconds``
    (a connector is still running on it)."""
    def released() -> None:
        with db.connect() as conn:
            if conn.execute(text("SELECT active FROM pg_replication_slots WHERE slot_name = :s"), {"s": slot}).scalar():
                raise _SlotHeld(slot)

    retrying(released, _SlotHeld, wait_seconds=wait_seconds, first=0.1, longest=1.0,
             give_up=lambda _: SlotInUseError(f"replication slot {slot} is still in use after {wait_seconds:.0f}s: "
                                              "stop its connector first"))


def drop(db: Engine, publication: str, slot: str, control_tables: bool = True, wait_seconds: float = 30.0) -> None:
    """Drop the slot, the publication and (unless told not to: another connector may still use
    them) the control tables. For tests and a decommissioned connector. Waits up to
    ``wait_seconds`` for a stopped connector's server process to release the slot; raises
    SlotInUseError if it is still held then."""
    from connectors.snapshot import CONTROL_SCHEMA

    _wait_until_released(db, slot, wait_seconds)
    with db.begin() as conn:
        if conn.execute(text("SELECT 1 FROM pg_replication_slots WHERE slot_name = :s"), {"s": slot}).first():
            conn.execute(text("SELECT pg_drop_replication_slot(:s)"), {"s": slot})
        conn.execute(text(f'DROP PUBLICATION IF EXISTS "{publication}"'))
        if control_tables:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {CONTROL_SCHEMA} CASCADE"))
