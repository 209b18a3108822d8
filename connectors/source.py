"""What the log-based connector needs on the AGDREF side: a publication and a replication slot.

``REPLICA IDENTITY FULL`` on each captured table, so updates and deletes carry the whole old row
(Debezium's ``before``); without it ``before`` would hold the primary key only.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, text

from schemas.agdref_tables import CAPTURED_TABLES, SCHEMA


@dataclass(frozen=True)
class SlotState:
    name: str
    exists: bool
    active: bool = False
    confirmed_flush_lsn: int | None = None
    lag_bytes: int | None = None


def lsn_to_int(lsn: str) -> int:
    high, low = lsn.split("/")
    return (int(high, 16) << 32) + int(low, 16)


def int_to_lsn(value: int) -> str:
    return f"{value >> 32:X}/{value & 0xFFFFFFFF:X}"


def prepare(db: Engine, publication: str, slot: str, tables: tuple[str, ...] = CAPTURED_TABLES) -> None:
    """Create the publication and the slot when missing. Idempotent."""
    qualified = ", ".join(f"{SCHEMA}.{t}" for t in tables)
    with db.begin() as conn:
        for table in tables:
            conn.execute(text(f"ALTER TABLE {SCHEMA}.{table} REPLICA IDENTITY FULL"))
        if conn.execute(text("SELECT 1 FROM pg_publication WHERE pubname = :p"), {"p": publication}).first() is None:
            conn.execute(text(f'CREATE PUBLICATION "{publication}" FOR TABLE {qualified}'))
    with db.begin() as conn:
        if conn.execute(text("SELECT 1 FROM pg_replication_slots WHERE slot_name = :s"), {"s": slot}).first() is None:
            conn.execute(text("SELECT pg_create_logical_replication_slot(:s, 'pgoutput')"), {"s": slot})


def slot_state(db: Engine, slot: str) -> SlotState:
    with db.connect() as conn:
        row = conn.execute(text(
            "SELECT active, confirmed_flush_lsn::text AS flushed,"
            " pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::bigint AS lag"
            " FROM pg_replication_slots WHERE slot_name = :s"), {"s": slot}).first()
    if row is None:
        return SlotState(slot, exists=False)
    return SlotState(slot, True, bool(row.active), lsn_to_int(row.flushed) if row.flushed else None, row.lag)


def drop(db: Engine, publication: str, slot: str) -> None:
    """Drop the slot and the publication (tests, and a connector being decommissioned)."""
    with db.begin() as conn:
        if conn.execute(text("SELECT 1 FROM pg_replication_slots WHERE slot_name = :s"), {"s": slot}).first():
            conn.execute(text("SELECT pg_drop_replication_slot(:s)"), {"s": slot})
        conn.execute(text(f'DROP PUBLICATION IF EXISTS "{publication}"'))
