"""Rows ANEF changed after the migration last wrote them.

After each write the pipeline keeps a digest of every ANEF row it wrote (``migration.written``).
Before writing a dossier again it compares the rows as they are now with those digests: a row
changed (or deleted) in ANEF since means the incoming AGDREF state is held back and the dossier is
recorded in ``migration.conflict`` for a person to decide, never overwritten silently. Runs
inside the sink's transaction.
"""
from __future__ import annotations

from sqlalchemy import Connection, delete, func, literal_column, select
from sqlalchemy.dialects.postgresql import insert

from schemas.anef_tables import ANEF_TABLES, conflict, written

KEYS = {t.name: list(t.primary_key.columns)[0].name for t in ANEF_TABLES}


def _current(conn: Connection, numbers: list[str]) -> dict[tuple[str, str], tuple[str, str]]:
    """(table, key) → (holder, digest) of every migrated row of these numbers, as ANEF has it now."""
    rows = {}
    for table in ANEF_TABLES:
        key = table.c[KEYS[table.name]]
        digest = func.md5(literal_column(f"CAST({table.name} AS text)"))  # the whole row
        for k, holder, d in conn.execute(select(key, table.c.numero_etranger, digest).where(
                table.c.numero_etranger.in_(numbers), table.c.origine == "AGDREF")):
            rows[(table.name, k.rstrip())] = (holder, d)
    return rows


def changed_in_anef(conn: Connection, numbers: list[str]) -> dict[str, list[str]]:
    """Holder number → rows ("table:key") ANEF changed or deleted since the pipeline wrote them."""
    if not numbers:
        return {}
    now = _current(conn, numbers)
    found: dict[str, list[str]] = {}
    for t, k, holder, digest in conn.execute(select(written.c.anef_table, written.c.anef_key, written.c.numero_etranger,
                                                    written.c.digest).where(written.c.numero_etranger.in_(numbers))):
        current = now.get((t, k))
        if current is None or current[1] != digest:
            found.setdefault(holder, []).append(f"{t}:{k}")
    return found


def remember(conn: Connection, numbers: list[str]) -> None:
    """Keep the digest of every migrated row of these numbers, as just written."""
    if not numbers:
        return
    conn.execute(delete(written).where(written.c.numero_etranger.in_(numbers)))
    rows = [{"anef_table": t, "anef_key": k, "numero_etranger": holder, "digest": d}
            for (t, k), (holder, d) in _current(conn, numbers).items()]
    if rows:
        conn.execute(insert(written), rows)


def hold(conn: Connection, numero: str, rows: list[str], position: int) -> None:
    stmt = insert(conflict)
    conn.execute(stmt.on_conflict_do_update(
        index_elements=[conflict.c.numero_etranger],
        set_={"rows": stmt.excluded.rows, "position": stmt.excluded.position}),
        [{"numero_etranger": numero, "rows": sorted(rows), "position": position}])
