"""Rows ANEF changed after the migration last wrote them.

After each write the pipeline keeps a digest of every ANEF row it wrote (``migration.written``).
Before writing a dossier again it compares the rows as they are now with those digests: a row
changed (or deleted) in ANEF since means the incoming AGDREF state is held back and the dossier is
recorded in ``migration.conflict`` for a person to decide, never overwritten silently. Runs
inside the sink's transaction.
"""
from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, Table, delete, text
from sqlalchemy.dialects.postgresql import insert

from common.bulk import among, array_literal
from schemas.anef_tables import conflict, written
from schemas.fingerprint import anef_row_digest_columns, anef_row_digests_sql


def _current_digests() -> str:
    """Computed and compared in the database: only the rows that differ travel, not every row of
    every dossier."""
    return anef_row_digests_sql(":n")


def changed_in_anef(conn: Connection, numbers: list[str]) -> dict[str, list[str]]:
    """Holder number → rows ("table:key") ANEF changed or deleted since the pipeline wrote them."""
    if not numbers:
        return {}
    found: dict[str, list[str]] = {}
    for holder, row in conn.execute(text(
            f"WITH cur AS ({_current_digests()})"
            " SELECT w.numero_etranger, w.anef_table || ':' || w.anef_key FROM migration.written w"
            " LEFT JOIN cur ON cur.t = w.anef_table AND cur.k = w.anef_key"
            " WHERE w.numero_etranger = ANY(CAST(:n AS text[])) AND (cur.d IS NULL OR cur.d <> w.digest)"),
            {"n": array_literal(numbers)}):
        found.setdefault(holder, []).append(row)
    return found


def created_in_anef(conn: Connection, numbers: list[str]) -> set[str]:
    """The numbers among these whose person ANEF created itself (``origine = 'ANEF'``): AGDREF holds
    them only as the way back's copy (issue 18), and the pipeline never writes over them."""
    if not numbers:
        return set()
    return {n for (n,) in conn.execute(text(
        "SELECT rtrim(numero_etranger) FROM anef.usager WHERE origine = 'ANEF'"
        " AND numero_etranger = ANY(CAST(:n AS char(10)[]))"), {"n": array_literal(numbers)})}


def remember(conn: Connection, numbers: list[str]) -> None:
    """Keep the digest of every migrated row of these numbers, as just written."""
    if not numbers:
        return
    conn.execute(delete(written).where(among(written.c.numero_etranger, numbers)))
    conn.execute(text(_keep_digests(f"SELECT t, k, holder, d FROM ({_current_digests()}) AS cur")), {"n": numbers})


def remembering(writes: Sequence[tuple[Table, str]]) -> str:
    """SQL: the ``writes`` (each an ``INSERT`` into its table, the target aliased ``t``, with
    parameters of its own) as one statement that also keeps the digest of each row they inserted or
    changed. The rows left as they were keep theirs: a rebuild that changes one row of a dossier
    computes one digest, not one per row of the dossier (``remember`` did, and that was a third of
    the database's time under live changes). The digests come from the written rows themselves
    (``RETURNING``), not from a second statement reading them back by key. A dossier's five
    tables are one statement, not five: at live batch sizes a statement's fixed cost (a round
    trip, parsing, planning) is as large as its work (docs/performance.md, stop 34). The foreign
    keys to ``usager`` are checked at the end of the statement, when every part has run."""
    parts = [f"w{i} AS ({sql} RETURNING {anef_row_digest_columns(table, 't')})" for i, (table, sql) in enumerate(writes)]
    rows = " UNION ALL ".join(f"SELECT '{table.name}' AS t, k, holder, d FROM w{i}" for i, (table, _) in enumerate(writes))
    return f"WITH {', '.join(parts)} " + _keep_digests(f"SELECT t, k, holder, d FROM ({rows}) AS now_written")


def _keep_digests(select: str) -> str:
    """SQL: keep the digests ``select`` gives (table, key, holder, digest), a row's newer digest
    replacing its older one."""
    return ("INSERT INTO migration.written AS w (anef_table, anef_key, numero_etranger, digest) " + select +
            " ON CONFLICT (anef_table, anef_key) DO UPDATE SET numero_etranger = excluded.numero_etranger,"
            " digest = excluded.digest")


def hold(conn: Connection, numero: str, rows: list[str], position: int) -> None:
    stmt = insert(conflict)
    conn.execute(stmt.on_conflict_do_update(
        index_elements=[conflict.c.numero_etranger],
        set_={"rows": stmt.excluded.rows, "position": stmt.excluded.position}),
        [{"numero_etranger": numero, "rows": sorted(rows), "position": position}])
