"""Many-row upserts as one statement: ``INSERT … SELECT FROM unnest(arrays) ON CONFLICT …``.

Why: psycopg2's ``executemany`` (even ``execute_batch``) still makes PostgreSQL plan and run one
INSERT per row; at the sink's batch sizes that was ~110 µs a row, most of the worker's time. One
statement over column arrays is planned once and runs as a set. Rows must be unique on the
conflict key (PostgreSQL refuses to update a row twice in one statement): the last one wins here.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson
from sqlalchemy import ARRAY, Connection, Table, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import JSONB

_DIALECT = postgresql.dialect()


def _array_type(column) -> str:
    if isinstance(column.type, (ARRAY, JSONB)):
        return "jsonb[]"  # nested arrays do not unnest as rows: travel as JSON, rebuilt below
    return f"{column.type.compile(dialect=_DIALECT)}[]"


def _select(column, alias: str) -> str:
    if isinstance(column.type, ARRAY):
        item = column.type.item_type.compile(dialect=_DIALECT)
        return f"CAST(ARRAY(SELECT jsonb_array_elements_text({alias})) AS {item}[])"
    return alias


def _param(column, values: list[Any]) -> list[Any]:
    if isinstance(column.type, (ARRAY, JSONB)):
        return [None if v is None else orjson.dumps(v).decode() for v in values]
    return values


def upsert(conn: Connection, table: Table, rows: Sequence[dict], conflict: Sequence[str],
           update: Sequence[str] | None = None, where: str | None = None, also_set: str | None = None) -> int:
    """Insert ``rows`` (dicts with the same keys) into ``table``; on a conflict on ``conflict``,
    set ``update`` (default: every other column) from the new row, only where ``where`` holds
    (SQL on the existing row, e.g. ``"t.origine = 'AGDREF'"`` with ``t`` the table's alias).
    Returns the rows inserted or updated. Raises what the database raises (IntegrityError…)."""
    if not rows:
        return 0
    unique = list({tuple(r[c] for c in conflict): r for r in rows}.values())
    names = list(unique[0])
    columns = [table.c[n] for n in names]
    params = {f"p{i}": _param(c, [r[n] for r in unique]) for i, (n, c) in enumerate(zip(names, columns))}
    arrays = ", ".join(f"CAST(:p{i} AS {_array_type(c)})" for i, c in enumerate(columns))
    selects = ", ".join(_select(c, f"u.p{i}") for i, c in enumerate(columns))
    update = [n for n in names if n not in conflict] if update is None else list(update)
    assignments = [f"{n} = excluded.{n}" for n in update] + ([also_set] if also_set else [])
    sql = (f"INSERT INTO {table.schema}.{table.name} AS t ({', '.join(names)})"
           f" SELECT {selects} FROM unnest({arrays}) AS u({', '.join(params)})"
           f" ON CONFLICT ({', '.join(conflict)}) " +
           (f"DO UPDATE SET {', '.join(assignments)}" + (f" WHERE {where}" if where else "") if assignments
            else "DO NOTHING"))
    return conn.execute(text(sql), params).rowcount
