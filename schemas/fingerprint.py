"""The fingerprint of a legacy row, computed the same way in Python and in SQL.

The pipeline keeps each legacy row's fingerprint as it records it (``migration.legacy_row``); the
reconciliation computes the same fingerprint inside AGDREF's database, so both sides can be
summed and compared per bucket without a single row leaving either database.

The formula: md5 of the table name and every column's value in the contract's column order,
joined by the unit separator (U+001F); a NULL is ``\\N``; trailing spaces are dropped (a
``char(n)`` value is padded in the database, and PostgreSQL's cast to text drops the padding).
Without the same formula on both sides every row would look different; a unit test and an
integration test against PostgreSQL hold the two twins together.
"""
from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Table

from schemas import agdref_tables

SEPARATOR = "\x1f"
NULL = "\\N"


def columns(table: str) -> list[str]:
    """The legacy table's columns in the contract's order."""
    return [str(c.name) for c in agdref_tables.metadata.tables[f"{agdref_tables.SCHEMA}.{table}"].columns]


def _text(value: Any) -> str:
    return NULL if value is None else str(value).rstrip(" ")


def row_digest(table: str, row: Mapping[str, Any]) -> str:
    """The fingerprint of one legacy row (a dict of its columns), as 32 hex digits."""
    text = SEPARATOR.join([table] + [_text(row.get(c)) for c in columns(table)])
    return hashlib.md5(text.encode("utf-8")).hexdigest()


def row_digest_sql(table: str, alias: str = "r") -> str:
    """SQL computing ``row_digest`` of the rows of ``alias`` (a row of the legacy table)."""
    parts = [f"'{table}'"] + [f"coalesce(rtrim(CAST({alias}.{c} AS text), ' '), '{NULL}')" for c in columns(table)]
    return f"md5(concat_ws(chr(31), {', '.join(parts)}))"


def digest_sum_sql(digest: str) -> str:
    """SQL: the first 60 bits of an md5 digest as a bigint, to be summed per bucket (the sum of
    a bucket changes when any row in it changes, appears or disappears)."""
    return f"CAST(CAST(('x' || substr({digest}, 1, 15)) AS bit(60)) AS bigint)"


def anef_row_digests_sql(holders: str | None = ":n") -> str:
    """SQL: (t, k, holder, d) for every migrated ANEF row (``origine = 'AGDREF'``) of the numbers
    bound to ``holders`` (every one when None): table, key, holder and md5 of the whole row as ANEF
    has it now. The pipeline keeps these digests when it writes (``migration.written``); a row
    whose digest moved was changed in ANEF since."""
    from schemas.anef_tables import ANEF_TABLES

    where = "" if holders is None else f"numero_etranger = ANY(CAST({holders} AS char(10)[]))"
    return " UNION ALL ".join(_digests(t, where) for t in ANEF_TABLES)


def anef_key(table: Table) -> str:
    return str(list(table.primary_key.columns)[0].name)


def anef_row_digest_columns(t: Table, alias: str) -> str:
    """SQL: the key, holder and digest of a row of ``t`` known by ``alias`` (the table itself in a
    query, an ``INSERT``'s target in its ``RETURNING``), as ``k, holder, d``."""
    return (f"rtrim({alias}.{anef_key(t)}) AS k, CAST({alias}.numero_etranger AS text) AS holder,"
            f" md5(CAST({alias} AS text)) AS d")


def _digests(t: Table, where: str) -> str:
    return (f"SELECT '{t.name}' AS t, {anef_row_digest_columns(t, t.name)} FROM {t.schema}.{t.name}"
            " WHERE origine = 'AGDREF'" + (f" AND {where}" if where else ""))
