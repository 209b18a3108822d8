"""Schema management: ``agdref-anef db init`` creates both databases' tables and loads referentials.

Idempotent: run it as often as you like; it creates what is missing and changes nothing else.
Tables are created whole; a column a newer release added to an existing table is added too
(``add_missing_columns``), so ``db init`` is also the upgrade step for additive schema changes.
Anything else (a changed type, a dropped column) is not done here.
"""
from __future__ import annotations

from sqlalchemy import Connection, Engine, MetaData, insert, inspect, select, text
from sqlalchemy.schema import CreateColumn

from common.db import database_name, engine, server_url
from schemas import agdref_tables, anef_tables, evidence_tables, reconciliation_tables, web_tables
from schemas.referentials import ref_pays_rows


def ensure_database(url: str) -> None:
    """Create the database named in ``url`` on its server when it does not exist."""
    name = database_name(url)
    admin = engine(server_url(url), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            if conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first() is None:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()


def init_agdref(db: Engine) -> None:
    with db.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA IF NOT EXISTS {agdref_tables.SCHEMA}"))
        agdref_tables.metadata.create_all(conn)
        add_missing_columns(conn, agdref_tables.metadata)
        if conn.execute(select(agdref_tables.ref_pays.c.code_agdref).limit(1)).first() is None:
            conn.execute(insert(agdref_tables.ref_pays), ref_pays_rows())


def init_anef(db: Engine) -> None:
    with db.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA IF NOT EXISTS {anef_tables.SCHEMA}"))
        conn.execute(text(f"CREATE SCHEMA IF NOT EXISTS {anef_tables.BOOKKEEPING_SCHEMA}"))
        conn.execute(text(f"CREATE SCHEMA IF NOT EXISTS {reconciliation_tables.SCHEMA}"))
        conn.execute(text(f"CREATE SCHEMA IF NOT EXISTS {web_tables.SCHEMA}"))
        conn.execute(text(f"CREATE SCHEMA IF NOT EXISTS {evidence_tables.SCHEMA}"))
        anef_tables.metadata.create_all(conn)
        add_missing_columns(conn, anef_tables.metadata)


def add_missing_columns(conn: Connection, metadata: MetaData) -> list[str]:
    """Add the columns of ``metadata`` that existing tables lack (each must be nullable or have a
    server default, as an added column must); returns them as ``schema.table.column``."""
    inspector = inspect(conn)
    added = []
    for table in metadata.sorted_tables:
        if not inspector.has_table(table.name, schema=table.schema):
            continue
        present = {c["name"] for c in inspector.get_columns(table.name, schema=table.schema)}
        for column in table.columns:
            if column.name not in present:
                spec = CreateColumn(column).compile(dialect=conn.dialect)
                conn.execute(text(f'ALTER TABLE {table.schema}."{table.name}" ADD COLUMN {spec}'))
                added.append(f"{table.schema}.{table.name}.{column.name}")
    return added


def init_all(agdref_url: str, anef_url: str) -> None:
    for url, init in ((agdref_url, init_agdref), (anef_url, init_anef)):
        ensure_database(url)
        db = engine(url)
        try:
            init(db)
        finally:
            db.dispose()


def reset_all(agdref_url: str, anef_url: str) -> None:
    """Drop every table of both databases (local profiles only: the CLI refuses it elsewhere)."""
    for url, schemas in ((agdref_url, [agdref_tables.SCHEMA]),
                         (anef_url, [anef_tables.SCHEMA, anef_tables.BOOKKEEPING_SCHEMA,
                                    reconciliation_tables.SCHEMA, web_tables.SCHEMA, evidence_tables.SCHEMA])):
        ensure_database(url)
        db = engine(url)
        try:
            with db.begin() as conn:
                for schema in schemas:
                    conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        finally:
            db.dispose()
