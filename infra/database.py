"""Schema management: ``agdref-anef db init`` brings both databases to the latest schema version.

What the project owns is versioned with Alembic (``migrations``): in ANEF's database every table
and schema; in AGDREF the connector's control schema ``agdref_anef``. ``db init`` upgrades both to
the latest revision (a database of the first release, made before versions existed, is stamped
at the baseline first), then ``db check`` compares them with the declared tables (a dropped
index or CHECK is reported). The legacy tables are AGDREF's own: created here only for the
synthetic AGDREF of the demo, tests and benchmarks (``init_agdref``), with the country referential.
"""
from __future__ import annotations

from sqlalchemy import Engine, insert, select, text

from common.db import database_name, engine, server_url
from migrations import versions
from schemas import agdref_tables
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


def init_agdref(db: Engine, legacy_tables: bool = True) -> None:
    """The connector's control schema, upgraded; with ``legacy_tables`` (the synthetic AGDREF
    only) the legacy tables and the country referential too."""
    if legacy_tables:
        with db.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA IF NOT EXISTS {agdref_tables.SCHEMA}"))
            agdref_tables.metadata.create_all(conn)
            if conn.execute(select(agdref_tables.ref_pays.c.code_agdref).limit(1)).first() is None:
                conn.execute(insert(agdref_tables.ref_pays), ref_pays_rows())
    versions.upgrade(db, "agdref")


def init_anef(db: Engine) -> None:
    versions.upgrade(db, "anef")


def init_all(agdref_url: str, anef_url: str) -> None:
    """Both databases at the latest revision."""
    for url, init in ((agdref_url, init_agdref), (anef_url, init_anef)):
        ensure_database(url)
        db = engine(url)
        try:
            init(db)
        finally:
            db.dispose()


def check_all(agdref_url: str, anef_url: str) -> tuple[dict[str, str], dict[str, list[str]]]:
    """Each database's revision and what differs from the declared tables (nothing: identical)."""
    revisions, found = {}, {}
    for name, url in (("agdref", agdref_url), ("anef", anef_url)):
        db = engine(url)
        try:
            with db.connect() as conn:
                revisions[name] = versions.current(conn, name) or "none"
            found[name] = versions.differences(db, name)
        finally:
            db.dispose()
    return revisions, found


def reset_all(agdref_url: str, anef_url: str) -> None:
    """Drop every table of both databases (local profiles only: the CLI refuses it elsewhere)."""
    for url, schemas in ((agdref_url, [agdref_tables.SCHEMA]),
                         (anef_url, list(versions.HISTORIES["anef"].schemas))):
        ensure_database(url)
        db = engine(url)
        try:
            with db.begin() as conn:
                for schema in schemas:
                    conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        finally:
            db.dispose()
