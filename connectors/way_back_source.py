"""What the way back's capture needs on ANEF's side (issue 18): a publication of the rows ANEF
created itself, and a replication slot of its own.

The publication filters rows (PostgreSQL 15: ``FOR TABLE … WHERE (origine = 'ANEF')``): the
migration's own rows (``origine = 'AGDREF'``) never leave ANEF for the way back, so they cannot
echo back into AGDREF. A filter on updates and deletes may only name columns of the replica
identity, hence ``REPLICA IDENTITY FULL`` (which also gives Debezium's ``before``). An update
that makes a row match the filter arrives as an insert, one that makes it stop matching as a
delete (PostgreSQL's row-filter rules); an ANEF row never changes its ``origine``.

The stream itself is the forward connector's (``connectors.log_stream``) with the ANEF side
(``WAY_BACK_SIDE``): the slot is acknowledged only once Kafka holds every event before it.
"""
from __future__ import annotations

from sqlalchemy import Engine, text

from connectors.log_stream import CapturedSide
from connectors.source import create_slot, without_full_identity
from connectors.source import drop as drop_source
from schemas.anef_tables import BOOKKEEPING_SCHEMA, SCHEMA, primary_key_columns
from schemas.topics import WAY_BACK_TABLES, way_back_heartbeat_topic, way_back_transaction_topic

#: Which rows go back: only those ANEF created (``shared/spec/anef.md``: ``origine``).
ROW_FILTER = "(origine = 'ANEF')"

WAY_BACK_SIDE = CapturedSide(SCHEMA, primary_key_columns, way_back_transaction_topic, way_back_heartbeat_topic,
                             f"{BOOKKEEPING_SCHEMA}.capture_state")


def prepare(db: Engine, publication: str, slot: str | None) -> bool:
    """The bookkeeping tables, the filtered publication and the slot, when missing. Idempotent;
    alters a table only when its replica identity is not FULL yet (the ALTER locks it). Returns
    True when the slot was created now (it streams from this point: earlier rows are not sent).
    ``slot=None``: no slot (Debezium makes its own; a slot nobody reads would hold ANEF's WAL)."""
    from migrations import versions

    versions.upgrade(db, "anef")  # migration.capture_state
    with db.begin() as conn:
        for table in without_full_identity(conn, SCHEMA, WAY_BACK_TABLES):
            conn.execute(text(f"ALTER TABLE {SCHEMA}.{table} REPLICA IDENTITY FULL"))
        if conn.execute(text("SELECT 1 FROM pg_publication WHERE pubname = :p"), {"p": publication}).first() is None:
            tables = ", ".join(f"{SCHEMA}.{t} WHERE {ROW_FILTER}" for t in WAY_BACK_TABLES)
            conn.execute(text(f'CREATE PUBLICATION "{publication}" FOR TABLE {tables}'))
    return create_slot(db, slot) if slot else False


def published_filters(db: Engine, publication: str) -> dict[str, str | None]:
    """Each table of the publication and its row filter, as PostgreSQL holds them."""
    with db.connect() as conn:
        return {r.tablename: r.rowfilter for r in conn.execute(text(
            "SELECT tablename, rowfilter FROM pg_publication_tables WHERE pubname = :p"), {"p": publication})}


def drop(db: Engine, publication: str, slot: str, wait_seconds: float = 30.0) -> None:
    """Drop the slot and the publication (tests, a decommissioned way back). Raises
    SlotInUseError when a capture still holds the slot after ``wait_seconds``."""
    drop_source(db, publication, slot, control_tables=False, wait_seconds=wait_seconds)
