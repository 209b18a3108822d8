"""What a rebuild removes, in one statement: the migrated rows a dossier no longer has, the
usager rows of aliases and erased persons, the digests of every row deleted, and the bookkeeping
(left out, parked, mapped with) that the write then makes anew.

Each of these was its own statement (up to eleven a batch, most of them finding nothing); at live
batch sizes (~20 dossiers) a statement's fixed cost (a round trip, parsing, planning) was as large
as the work (docs/performance.md, stop 32). One statement of data-modifying CTEs does them all.
All its parts see the same snapshot, which is why it must come after the upserts that move an
alias's rows to its reference (else those rows are deleted with the alias), and before the
writes that recreate what it deletes (``not_carried``, ``parked``). The foreign keys from the
children to ``usager`` are checked at the end of the statement, when an erased person's children
are gone with it.

Rows created in ANEF (``origine = 'ANEF'``) are never deleted: every part on ANEF's tables says so.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Connection, Table, text
from sqlalchemy.dialects import postgresql

from common.bulk import array_literal
from schemas.anef_tables import mapped_with, not_carried, parked, usager, written
from schemas.fingerprint import anef_key

_DIALECT = postgresql.dialect()


@dataclass(frozen=True)
class Removal:
    """The numbers each part applies to (empty: the part is left out of the statement)."""

    owners: list[str]                  # numbers whose migrated child rows not in ``kept`` go
    kept: dict[Table, list[str]]       # per child table, the keys this write just upserted
    persons: list[str] = field(default_factory=list)      # usager rows that go (aliases, erased)
    not_carried: list[str] = field(default_factory=list)  # left-out history replaced whole
    parked: list[str] = field(default_factory=list)       # no longer parked (the write may park again)
    unmapped: list[str] = field(default_factory=list)     # no dossier of their own any more


def removal_sql(removal: Removal) -> tuple[str, dict]:
    """The statement and its parameters; ("", {}) when there is nothing to remove. Pure: tests
    read the SQL it builds."""
    parts: list[str] = []
    deleted_rows: list[str] = []  # SELECTs of (table name, key) of the ANEF rows deleted
    params: dict = {}
    if removal.owners:
        params["owners"] = removal.owners
        for i, (table, kept) in enumerate(removal.kept.items()):
            key = anef_key(table)
            params[f"kept{i}"] = kept
            parts.append(
                f"gone{i} AS (DELETE FROM {_name(table)} t WHERE t.origine = 'AGDREF'"
                f" AND t.numero_etranger = ANY(CAST(:owners AS {_type(table, 'numero_etranger')}[]))"
                f" AND t.{key} <> ALL(CAST(:kept{i} AS {_type(table, key)}[])) RETURNING rtrim(t.{key}) AS k)")
            deleted_rows.append(f"SELECT '{table.name}' AS t, k FROM gone{i}")
    if removal.persons:
        params["persons"] = removal.persons
        parts.append(
            f"gone_persons AS (DELETE FROM {_name(usager)} t WHERE t.origine = 'AGDREF'"
            f" AND t.numero_etranger = ANY(CAST(:persons AS {_type(usager, 'numero_etranger')}[]))"
            " RETURNING rtrim(t.numero_etranger) AS k)")
        deleted_rows.append(f"SELECT '{usager.name}' AS t, k FROM gone_persons")
    for name, table in (("not_carried", not_carried), ("parked", parked), ("unmapped", mapped_with)):
        numbers = getattr(removal, name)
        if numbers:
            params[name] = numbers
            parts.append(f"{name}_gone AS (DELETE FROM {_name(table)}"
                         f" WHERE numero_etranger = ANY(CAST(:{name} AS {_type(table, 'numero_etranger')}[])))")
    if not parts:
        return "", {}
    # The main statement forgets the digests of the ANEF rows deleted; with none possible, a no-op.
    rows = " UNION ALL ".join(deleted_rows) or "SELECT NULL::text AS t, NULL::text AS k WHERE false"
    return (f"WITH {', '.join(parts)} DELETE FROM {_name(written)} w USING ({rows}) AS g"
            " WHERE w.anef_table = g.t AND w.anef_key = g.k"), params


def remove(conn: Connection, removal: Removal) -> None:
    """Run the removal inside the caller's transaction; raises what the database raises (a row
    ANEF itself references: ``IntegrityError``), the caller's savepoint then undoes it whole."""
    sql, params = removal_sql(removal)
    if sql:
        conn.execute(text(sql), {name: array_literal(values) for name, values in params.items()})


def _name(table: Table) -> str:
    return f"{table.schema}.{table.name}"


def _type(table: Table, column: str) -> str:
    # The column's own type: char(10) = ANY(text[]) compares as text, and no index answers it.
    return table.c[column].type.compile(dialect=_DIALECT)
