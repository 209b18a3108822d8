"""Many-row upserts as one statement: ``INSERT … SELECT … ON CONFLICT …`` over a set.

Why: psycopg2's ``executemany`` (even ``execute_batch``) still makes PostgreSQL plan and run one
INSERT per row; at the sink's batch sizes that was ~110 µs a row, most of the worker's time. One
statement over a set is planned once and runs as a set. The set is column arrays
(``unnest``) for a few rows; from ``COPY_FROM`` rows, a temporary table filled with ``COPY``:
arrays travel as one SQL literal the server parses element by element (the initial load's
legacy rows, JSON included, cost ~70 µs each that way, ~8 µs with COPY). Rows must be unique on
the conflict key (PostgreSQL refuses to update a row twice in one statement): the last one wins.
Errors are the same either way: the staging table has no constraint, its columns are text, and
every cast and check happens in the ``INSERT`` (``IntegrityError``, ``DataError``).
"""
from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from operator import itemgetter
from typing import Any

import orjson
from sqlalchemy import ARRAY, Connection, Table, all_, any_, bindparam, cast, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.sql.elements import ColumnElement

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
           update: Sequence[str] | None = None, where: str | None = None, also_set: str | None = None,
           changed_only: bool = False) -> int:
    """Insert ``rows`` (dicts with the same keys) into ``table``; on a conflict on ``conflict``,
    set ``update`` (default: every other column) from the new row, only where ``where`` holds
    (SQL on the existing row, e.g. ``"t.origine = 'AGDREF'"`` with ``t`` the table's alias) and,
    with ``changed_only``, only where a value differs: an update that changes nothing still writes
    a new row version (its indexes, its WAL), which a rebuild rewriting a whole dossier for one
    changed row paid on every other row. Returns the rows inserted or updated. Raises what the
    database raises (IntegrityError…)."""
    if not rows:
        return 0
    sql, params = _upsert_sql(conn, table, rows, conflict, update, where, also_set, changed_only)
    return conn.execute(text(sql), params).rowcount


def upserted(conn: Connection, table: Table, rows: Sequence[dict], conflict: Sequence[str],
             update: Sequence[str] | None = None, where: str | None = None, also_set: str | None = None,
             changed_only: bool = False, *, returning: str) -> list[Any]:
    """``upsert``, returning ``returning`` (SQL on the row, e.g. its key) of every row inserted or
    updated; a row left as it was (``where`` false, or unchanged with ``changed_only``) is not
    among them."""
    if not rows:
        return []
    sql, params = _upsert_sql(conn, table, rows, conflict, update, where, also_set, changed_only)
    return list(conn.execute(text(f"{sql} RETURNING {returning}"), params).scalars())


def _upsert_sql(conn: Connection, table: Table, rows: Sequence[dict], conflict: Sequence[str],
                update: Sequence[str] | None, where: str | None, also_set: str | None,
                changed_only: bool) -> tuple[str, dict[str, Any]]:
    unique = list({key: r for key, r in zip(map(itemgetter(*conflict), rows), rows)}.values())
    names = list(unique[0])
    columns = [table.c[n] for n in names]
    if len(unique) >= COPY_FROM:
        params: dict[str, Any] = {}
        staged = _staged(conn, columns, unique)
        selects = ", ".join(f"CAST(s.{n} AS {c.type.compile(dialect=_DIALECT)})" for n, c in zip(names, columns))
        source = f"SELECT {selects} FROM {staged} AS s"
    else:
        params = {f"p{i}": _param(c, [r[n] for r in unique]) for i, (n, c) in enumerate(zip(names, columns))}
        arrays = ", ".join(f"CAST(:p{i} AS {_array_type(c)})" for i, c in enumerate(columns))
        selects = ", ".join(_select(c, f"u.p{i}") for i, c in enumerate(columns))
        source = f"SELECT {selects} FROM unnest({arrays}) AS u({', '.join(params)})"
    update = [n for n in names if n not in conflict] if update is None else list(update)
    assignments = [f"{n} = excluded.{n}" for n in update] + ([also_set] if also_set else [])
    conditions = ([where] if where else []) + ([
        f"({', '.join(f't.{n}' for n in update)}) IS DISTINCT FROM ({', '.join(f'excluded.{n}' for n in update)})"]
        if changed_only and update else [])
    sql = (f"INSERT INTO {table.schema}.{table.name} AS t ({', '.join(names)}) {source}"
           f" ON CONFLICT ({', '.join(conflict)}) " +
           (f"DO UPDATE SET {', '.join(assignments)}" + (f" WHERE {' AND '.join(conditions)}" if conditions else "")
            if assignments else "DO NOTHING"))
    return sql, params


COPY_FROM = 1000
_STAGE = "bulk_stage"


def _staged(conn: Connection, columns: list, rows: Sequence[dict]) -> str:
    """A temporary table of text columns holding ``rows``, filled with COPY; dropped at commit."""
    names = [str(c.name) for c in columns]
    conn.execute(text(f"DROP TABLE IF EXISTS {_STAGE}"))
    conn.execute(text(f"CREATE TEMPORARY TABLE {_STAGE} ({', '.join(f'{n} text' for n in names)}) ON COMMIT DROP"))
    _copy(conn, _STAGE, columns, rows)
    return _STAGE


def copy_into(conn: Connection, table: Table, rows: Sequence[dict]) -> None:
    """COPY ``rows`` (dicts with the same keys) straight into ``table``: for rows known to be new.
    Raises psycopg2's ``UniqueViolation`` when one is not (the transaction is then aborted)."""
    if rows:
        _copy(conn, f"{table.schema}.{table.name}", [table.c[n] for n in rows[0]], rows)


def _copy(conn: Connection, target: str, columns: list, rows: Sequence[dict]) -> None:
    """COPY in CSV, written by the csv module's C loop (per-value Python calls cost more than the
    database's insert)."""
    names = [str(c.name) for c in columns]
    special = {i: _array_text if isinstance(c.type, ARRAY) else _json_text
               for i, c in enumerate(columns) if isinstance(c.type, (ARRAY, JSONB))}
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n")
    row_of = itemgetter(*names) if len(names) > 1 else (lambda r: (r[names[0]],))
    for r in rows:
        values = row_of(r)
        if None in values or special:
            values = [NULL if v is None else v for v in values]
            for i, encode in special.items():
                values[i] = encode(values[i])
        writer.writerow(values)
    buffer.seek(0)
    every = ", ".join(names)
    with conn.connection.dbapi_connection.cursor() as cursor:
        cursor.copy_expert(f"COPY {target} ({every}) FROM STDIN WITH (FORMAT csv, NULL '{NULL}', FORCE_NULL ({every}))",
                           buffer)


#: How a null travels in the staging COPY (CSV quotes every text, so a null needs a mark of its own:
#: one no legacy or ANEF value is).
NULL = "\u27c2agdref-anef:null\u27c2"


def _json_text(value: Any) -> str:
    return value if value is NULL else orjson.dumps(value).decode()


def _array_text(value: Any) -> str:
    """A PostgreSQL array literal: every element quoted, ``"`` and ``\\`` escaped inside."""
    if value is NULL:
        return NULL
    items = ("NULL" if v is None else '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"' for v in value)
    return "{" + ",".join(items) + "}"


def among(column: ColumnElement, values) -> ColumnElement:
    """``column = ANY(:array)``: one array parameter, where ``column.in_(values)`` renders one
    bound parameter per value (thousands, in the sink's and the load's statements: compiling them
    cost more than running them)."""
    return column == any_(_array_of(column, values))


def not_among(column: ColumnElement, values) -> ColumnElement:
    """``column <> ALL(:array)`` (PostgreSQL hashes the array: no quadratic scan)."""
    return column != all_(_array_of(column, values))


def _array_of(column: ColumnElement, values) -> ColumnElement:
    # Cast to the column's own type: char(10) = ANY(text[]) would compare as text, and no index
    # on the char(10) column could answer it.
    return cast(bindparam(None, list(values), type_=ARRAY(column.type)), ARRAY(column.type))
