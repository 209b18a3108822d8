"""Schema versions with Alembic, one history per database the project owns a part of:

- ``anef``: ANEF's tables and the project's schemas in ANEF's database (``migration``,
  ``reconciliation``, ``web``, ``evidence``); version table ``migration.alembic_version``.
- ``agdref``: the connector's control schema in AGDREF (``agdref_anef``: the signal table, snapshot
  progress, acknowledged state); version table ``agdref_anef.alembic_version``. The legacy tables
  are AGDREF's own: never migrated here.

``upgrade`` brings a database to the latest revision (``db init`` and the connector's start run
it); a database of the first release, made before versions existed, is recognised by its tables
and stamped at the baseline it matches first. ``differences`` compares a database with the
declared tables (Alembic's autogenerate, plus the CHECK constraints it does not compare: the
vocabularies are CHECKs), so a dropped index or CHECK is reported, never silently ignored.

Migrations are package data (``migrations/<database>/versions``): a wheel carries them."""
from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import Connection, Engine, MetaData, text

from schemas import anef_tables, control_tables, evidence_tables, reconciliation_tables, web_tables  # noqa: F401


@dataclass(frozen=True)
class History:
    """One database's migrations: what they declare, where the version is kept."""

    name: str
    metadata: MetaData
    schemas: tuple[str, ...]           # created before anything else (the version table lives in one)
    version_schema: str
    baseline: str                      # the revision a first-release database (no version table) matches
    marker: str                        # a table whose presence marks such a database


HISTORIES = {
    "anef": History("anef", anef_tables.metadata,
                    (anef_tables.SCHEMA, anef_tables.BOOKKEEPING_SCHEMA, reconciliation_tables.SCHEMA,
                     web_tables.SCHEMA, evidence_tables.SCHEMA),
                    anef_tables.BOOKKEEPING_SCHEMA, "0001", f"{anef_tables.SCHEMA}.usager"),
    "agdref": History("agdref", control_tables.metadata, (control_tables.CONTROL_SCHEMA,),
                      control_tables.CONTROL_SCHEMA, "0001", f"{control_tables.CONTROL_SCHEMA}.signal"),
}
VERSION_TABLE = "alembic_version"


def config(history: History, connection: Connection) -> Config:
    """Alembic's configuration for one history, on a connection the caller holds (no alembic.ini)."""
    made = Config()
    made.set_main_option("script_location", str(resources.files("migrations").joinpath(history.name)))
    made.attributes["connection"] = connection
    return made


def run_environment(context: Any, name: str) -> None:
    """The body of each ``env.py``: online migrations on the connection ``upgrade`` hands over."""
    history = HISTORIES[name]
    connection = context.config.attributes["connection"]
    for schema in history.schemas:
        connection.execute(text(f"CREATE SCHEMA IF NOT EXISTS {schema}"))
    context.configure(connection=connection, target_metadata=history.metadata,
                      version_table=VERSION_TABLE, version_table_schema=history.version_schema,
                      include_schemas=True, include_name=_ours(history), compare_server_default=True)
    with context.begin_transaction():
        context.run_migrations()


def _ours(history: History):
    def include(name: str | None, kind: str, parent: dict[str, str | None]) -> bool:
        if kind == "schema":
            return name in history.schemas
        return not (kind == "table" and name == VERSION_TABLE)
    return include


def current(connection: Connection, name: str) -> str | None:
    """The revision the database is at (None: never versioned)."""
    history = HISTORIES[name]
    context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE,
                                                           "version_table_schema": history.version_schema})
    return context.get_current_revision()


def upgrade(db: Engine, name: str) -> str:
    """Brings the database to the latest revision in one transaction; returns it."""
    history = HISTORIES[name]
    with db.begin() as conn:
        # Two starts at once (db init and a connector): the second waits, then finds nothing to do.
        conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:n))"), {"n": f"agdref-anef-schema-{name}"})
        alembic = config(history, conn)
        if current(conn, name) is None and conn.execute(text("SELECT to_regclass(:t)"),
                                                        {"t": history.marker}).scalar():
            command.stamp(alembic, history.baseline)  # a first-release database: it is the baseline
        command.upgrade(alembic, "head")
        return current(conn, name) or ""


@dataclass(frozen=True)
class Drift:
    """How a database differs from the declared tables."""

    changes: tuple[Any, ...]                      # Alembic's autogenerate differences
    missing_checks: tuple[tuple[str, str, str], ...]  # (table, name, definition) declared, absent
    undeclared_checks: tuple[tuple[str, str], ...]    # (table, definition) present, not declared

    def words(self) -> list[str]:
        return ([_words(d) for d in self.changes]
                + [f"missing CHECK {n} on {t}: {d}" for t, n, d in self.missing_checks]
                + [f"undeclared CHECK on {t}: {d}" for t, d in self.undeclared_checks])


def drift(conn: Connection, name: str) -> Drift:
    history = HISTORIES[name]
    context = MigrationContext.configure(conn, opts={
        "include_schemas": True, "include_name": _ours(history), "compare_server_default": True,
        "version_table": VERSION_TABLE, "version_table_schema": history.version_schema})
    changes = tuple(compare_metadata(context, history.metadata))
    missing, undeclared = _check_differences(conn, history)
    return Drift(changes, missing, undeclared)


def differences(db: Engine, name: str) -> list[str]:
    """What differs between the database and the declared tables, in words (empty: identical)."""
    with db.connect() as conn:
        return drift(conn, name).words()


def repair(db: Engine, name: str) -> list[str]:
    """Restores what was removed by hand and can be added back safely: the declared tables,
    nullable (or defaulted) columns, indexes and CHECK constraints that are missing (a CHECK the
    data violates fails, naming it). Returns what it restored; anything else still differing
    (a changed type, a column too many) is for a migration, listed by ``differences``."""
    from sqlalchemy.schema import CreateColumn

    restored = []
    with db.begin() as conn:
        found = drift(conn, name)
        for change in found.changes:
            kind = change[0] if isinstance(change, tuple) else None
            if kind == "add_table":
                change[1].create(conn)
                restored.append(f"table {change[1].fullname}")
            elif kind == "add_column" and (change[3].nullable or change[3].server_default is not None):
                spec = CreateColumn(change[3]).compile(dialect=conn.dialect)
                conn.execute(text(f'ALTER TABLE {change[1]}."{change[2]}" ADD COLUMN {spec}'))
                restored.append(f"column {change[1]}.{change[2]}.{change[3].name}")
        for change in drift(conn, name).changes:  # indexes after the tables they belong to
            if isinstance(change, tuple) and change[0] == "add_index":
                change[1].create(conn)
                restored.append(f"index {change[1].name}")
        for table, constraint, definition in found.missing_checks:
            conn.execute(text(f'ALTER TABLE {table} ADD CONSTRAINT "{constraint}" {definition}'))
            restored.append(f"CHECK {constraint} on {table}")
    return restored


def _words(difference: Any) -> str:
    if isinstance(difference, list):  # column modifications come grouped
        return "; ".join(_words(d) for d in difference)
    kind, *rest = difference
    subject = next((getattr(r, "fullname", None) or getattr(r, "name", None) for r in rest
                    if hasattr(r, "name")), None)
    return f"{kind} {subject or ' '.join(str(r) for r in rest[:3])}"


def _check_differences(conn: Connection, history: History
                       ) -> tuple[tuple[tuple[str, str, str], ...], tuple[tuple[str, str], ...]]:
    """CHECK constraints present on one side only, by table and expression as PostgreSQL prints
    them. The declared ones are created in scratch schemas (``<schema>_declared``) inside a
    savepoint that is rolled back: nothing is left behind, and both sides are printed alike."""
    def checks(schemas: list[str], suffix: str = "") -> dict[tuple[str, str], str]:
        rows = conn.execute(text(
            "SELECT n.nspname, r.relname, c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c"
            " JOIN pg_class r ON r.oid = c.conrelid JOIN pg_namespace n ON n.oid = r.relnamespace"
            " WHERE c.contype = 'c' AND n.nspname = ANY(:s)"), {"s": schemas}).all()
        return {(f"{schema.removesuffix(suffix)}.{table}", definition): constraint
                for schema, table, constraint, definition in rows}

    suffix = "_declared"
    transaction = conn.begin_nested() if conn.in_transaction() else conn.begin()
    try:
        found = checks(list(history.schemas))
        scratch = MetaData(naming_convention=history.metadata.naming_convention)
        for schema in history.schemas:
            conn.execute(text(f"CREATE SCHEMA {schema}{suffix}"))
        for table in history.metadata.sorted_tables:
            table.to_metadata(scratch, schema=f"{table.schema}{suffix}",
                              referred_schema_fn=lambda _t, _s, _fk, referred: f"{referred}{suffix}")
        scratch.create_all(conn)
        declared = checks([f"{schema}{suffix}" for schema in history.schemas], suffix)
    finally:
        transaction.rollback()
    return (tuple(sorted((t, declared[(t, d)], d) for t, d in declared.keys() - found.keys())),
            tuple(sorted(found.keys() - declared.keys())))
