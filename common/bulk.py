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

import io
from collections.abc import Callable, Sequence
from operator import itemgetter
from typing import Any

import orjson
from sqlalchemy import ARRAY, Boolean, Connection, Table, Text, all_, any_, bindparam, cast, text
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
        # A null array stays null (ARRAY(SELECT …) of nothing is '{}'): a NOT NULL column refuses it.
        return f"CASE WHEN {alias} IS NOT NULL THEN CAST(ARRAY(SELECT jsonb_array_elements_text({alias})) AS {item}[]) END"
    return alias


def _param(column, values: list[Any]) -> str:
    """One column's values as one array literal (``{"a","b",NULL}``), cast by the statement. Why
    not the list itself: psycopg2 renders a list as ``ARRAY['a', 'b', …]``, adapting element by
    element (~1.1 µs each, measured), and the server then parses and coerces each element as a
    constant of its own; one literal is one constant for ``array_in``. A rebuild's upsert carries a
    few thousand values."""
    if isinstance(column.type, (ARRAY, JSONB)):
        return array_literal([None if v is None else orjson.dumps(v).decode() for v in values])
    return array_literal(values)


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
    sql, params = upsert_statement(conn, table, rows, conflict, update, where, also_set, changed_only)
    return conn.execute(text(sql), params).rowcount


def upsert_statement(conn: Connection, table: Table, rows: Sequence[dict], conflict: Sequence[str],
                     update: Sequence[str] | None = None, where: str | None = None, also_set: str | None = None,
                     changed_only: bool = False, name: str = "p") -> tuple[str, dict[str, Any]]:
    """``upsert``'s statement and parameters (the target aliased ``t``), for a caller that adds to
    it (``RETURNING``, a ``WITH`` around it; ``name`` prefixes the parameters, so that several
    statements can be parts of one). From ``COPY_FROM`` rows it has already filled the staging
    table it reads, on ``conn``: run it there, in the same transaction, before another fills it."""
    unique = list({key: r for key, r in zip(map(itemgetter(*conflict), rows), rows)}.values())
    names = list(unique[0])
    columns = [table.c[n] for n in names]
    if len(unique) >= COPY_FROM:
        params: dict[str, Any] = {}
        staged = _staged(conn, columns, unique)
        selects = ", ".join(f"CAST(s.{n} AS {c.type.compile(dialect=_DIALECT)})" for n, c in zip(names, columns))
        source = f"SELECT {selects} FROM {staged} AS s"
    else:
        params = {f"{name}{i}": _param(c, [r[n] for r in unique]) for i, (n, c) in enumerate(zip(names, columns))}
        arrays = ", ".join(f"CAST(:{name}{i} AS {_array_type(c)})" for i, c in enumerate(columns))
        selects = ", ".join(_select(c, f"u.{name}{i}") for i, c in enumerate(columns))
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
    """COPY in PostgreSQL's text format, each value encoded by its column's type. CSV (the csv
    module's C loop, quoting every value) cost 0.2 ms per person on the initial load's legacy rows:
    every ``"`` of their JSON doubled character by character; the text format escapes only
    backslashes and control characters, which these values almost never hold (3x faster)."""
    names = [str(c.name) for c in columns]
    encoders = [_encoder(c) for c in columns]
    row_of = itemgetter(*names) if len(names) > 1 else (lambda r: (r[names[0]],))
    lines = ["\t".join([encode(v) for encode, v in zip(encoders, row_of(r))]) for r in rows]
    lines.append("")
    buffer = io.StringIO("\n".join(lines))
    with conn.connection.dbapi_connection.cursor() as cursor:
        cursor.copy_expert(f"COPY {target} ({', '.join(names)}) FROM STDIN", buffer)


#: COPY's text format: a null, and the characters a value must escape.
_NULL = "\\N"
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _escaped(text_: str) -> str:
    if "\\" in text_ or "\t" in text_ or "\n" in text_ or "\r" in text_:
        return text_.translate(_ESCAPES)
    return text_


def _plain(value: Any) -> str:
    if value is None:
        return _NULL
    # isinstance, not str(): a str-based enum's str() is its name where the database wants its value.
    return _escaped(value) if isinstance(value, str) else str(value)


def _boolean(value: Any) -> str:
    return _NULL if value is None else ("t" if value else "f")


def _json(value: Any) -> str:
    return _NULL if value is None else _escaped(orjson.dumps(value).decode())


def _array(value: Any) -> str:
    return _NULL if value is None else _escaped(array_literal(value))


def _encoder(column) -> Callable[[Any], str]:
    """How a value of this column travels in COPY's text format (a staging table's text columns
    take the same text, cast by the statement that reads them)."""
    if isinstance(column.type, ARRAY):
        return _array
    if isinstance(column.type, JSONB):
        return _json
    if isinstance(column.type, Boolean):
        return _boolean
    return _plain


def array_literal(values: Sequence[Any]) -> str:
    """``values`` as one PostgreSQL array literal, for a ``CAST(:p AS type[])`` parameter (see
    ``_param`` for why a list is not passed as it is) and for COPY's array columns: every element
    quoted, ``"`` and ``\\`` escaped inside (a str as it is: a str-based enum's ``str()`` is its
    name, where the database wants its value)."""
    items = []
    for v in values:  # a loop, not a generator: a rebuild builds a few thousand of these
        if v is None:
            items.append("NULL")
            continue
        # str.__str__: the plain text of a str-based enum, whose own str() is its name
        item = v if type(v) is str else str.__str__(v) if isinstance(v, str) else str(v)
        if "\\" in item or '"' in item:
            item = item.translate(_ARRAY_ESCAPES)
        items.append(f'"{item}"')
    return "{" + ",".join(items) + "}"


_ARRAY_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"'})


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
    return cast(bindparam(None, array_literal(list(values)), type_=Text), ARRAY(column.type))
