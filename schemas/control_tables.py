"""The connector's own tables in the AGDREF database (schema ``agdref_anef``; the legacy tables are
never touched): the signal table in Debezium's layout (so Debezium can take over with the same
table), the incremental snapshots' progress, and what the connector last acknowledged. Created
and upgraded by ``agdref-anef db init`` (Alembic, ``migrations/agdref``) and by the
connector itself at start (the same migrations)."""
from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Boolean, Column, DateTime, MetaData, String, Table, Text, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql.base import ischema_names
from sqlalchemy.types import UserDefinedType

CONTROL_SCHEMA = "agdref_anef"
SIGNAL_TABLE = "signal"
metadata = MetaData(schema=CONTROL_SCHEMA)


class PgLsn(UserDefinedType[str]):
    """PostgreSQL's ``pg_lsn`` (a WAL position, ``16/B374D848``)."""

    cache_ok = True

    def get_col_spec(self, **_: object) -> str:
        return "pg_lsn"


# Reflection (schema checks, Alembic) reads the column back as this type instead of warning.
ischema_names.setdefault("pg_lsn", PgLsn)


signal = Table(
    SIGNAL_TABLE, metadata,
    Column("id", String(42), primary_key=True),
    Column("type", String(32), nullable=False),
    Column("data", String(2048)),
)

snapshot_progress = Table(
    "snapshot_progress", metadata,
    Column("request_id", Text, primary_key=True),
    Column("table_name", Text, primary_key=True),
    Column("keys", JSONB),
    Column("last_key", JSONB),
    Column("rows_read", BigInteger, nullable=False, server_default=text("0")),
    Column("done", Boolean, nullable=False, server_default=text("false")),
    Column("requested_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("finished_at", DateTime(timezone=True)),
)

def position_columns() -> list[Column[Any]]:
    """Where a log stream stands (``connectors.log_stream`` writes them): its slot, the position it
    acknowledged, the commit time that position reflects, when, and how many events so far. The
    same columns for AGDREF's connector and for the way back's capture of ANEF."""
    return [Column("slot", Text, primary_key=True), Column("acknowledged_lsn", PgLsn()),
            Column("last_commit_at", DateTime(timezone=True)), Column("acknowledged_at", DateTime(timezone=True)),
            Column("events", BigInteger, nullable=False, server_default=text("0"))]


# for `status` (lag in seconds) and operators
connector_state = Table("connector_state", metadata, *position_columns())

initial_load = Table(
    # Each initial load the connector planned: its ranges' boundaries, fixed when it is planned (a
    # connector restarted half-way through publishing them publishes the same ranges again, never
    # a second, different cut), and when every range was in Kafka.
    "initial_load", metadata,
    Column("load_id", Text, primary_key=True),
    Column("boundaries", JSONB, nullable=False),   # the numbers that start ranges 1..n-1
    Column("requested_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("published_at", DateTime(timezone=True)),
)

# The way back (issue 18): what it wrote into AGDREF, kept in AGDREF beside the legacy rows so that
# a row and its record commit together (``pipeline.way_back_writer``).
way_back_row = Table(
    # Every legacy row the way back wrote, with the fingerprint of the row as it stored it: a row
    # whose fingerprint no longer matches was changed by the legacy application since, and the way
    # back never overwrites it (held, listed). The forward connector never sees these rows (their
    # transactions carry the way back's replication origin).
    "way_back_row", metadata,
    Column("source_table", Text, primary_key=True),
    Column("source_key", Text, primary_key=True),
    Column("numero_etranger", Text, nullable=False, index=True),
    Column("anef_table", Text, nullable=False),
    Column("anef_key", Text, nullable=False),
    Column("digest", Text, nullable=False),
    Column("written_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
)



def way_back_key(table: str, row: dict[str, Any]) -> str:
    """``way_back_row.source_key`` of a legacy row: its primary key's values, padding removed,
    joined by ``|`` (``'0000000042|3'`` for an address). Twin of ``way_back_key_sql``."""
    from schemas.agdref_tables import primary_key_columns

    return "|".join(str(row[c]).rstrip() for c in primary_key_columns(table))


def way_back_key_sql(table: str, alias: str) -> str:
    """The same key computed in SQL on AGDREF's row ``alias`` (twin of ``way_back_key``)."""
    from schemas.agdref_tables import primary_key_columns

    return f"concat_ws('|', {', '.join(f'rtrim(CAST({alias}.{c} AS text))' for c in primary_key_columns(table))})"


def not_written_back_sql(table: str, alias: str) -> str:
    """SQL: AGDREF's row ``alias`` of ``table`` is the legacy's own, not a mirror the way back wrote
    from ANEF. Whoever reads AGDREF as the legacy source (the reconciliation, the initial load)
    leaves the mirrors out: they are ANEF's rows, and ANEF holds them as such."""
    return (f"NOT EXISTS (SELECT 1 FROM {CONTROL_SCHEMA}.way_back_row w WHERE w.source_table = '{table}'"
            f" AND w.source_key = {way_back_key_sql(table, alias)})")


way_back_hold = Table(
    # ANEF rows the way back did not write: not representable in the legacy formats, or a conflict
    # (the legacy application changed or owns that row). Replaced at each write of the dossier.
    "way_back_hold", metadata,
    Column("anef_table", Text, primary_key=True),
    Column("anef_key", Text, primary_key=True),
    Column("numero_etranger", Text, nullable=False, index=True),
    Column("kind", Text, nullable=False),       # "conflict" or "not_representable"
    Column("reason", Text, nullable=False),
    Column("field", Text, nullable=False),
    Column("detail", Text, nullable=False),
    Column("held_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
)

way_back_loss = Table(
    # Fields written in a lesser form than ANEF holds them (domain.inverse.Loss), per ANEF row.
    "way_back_loss", metadata,
    Column("anef_table", Text, primary_key=True),
    Column("anef_key", Text, primary_key=True),
    Column("field", Text, primary_key=True),
    Column("numero_etranger", Text, nullable=False, index=True),
    Column("reason", Text, nullable=False),
    Column("detail", Text, nullable=False),
)
