"""Writing one prepared key range of the initial load into ANEF, the assembly area and the marks,
in one transaction (the initial load's I/O on ANEF's side).

Why it is safe next to the stream:
- **Recordings and rebuilds wait while a range is written.** Every recording and every rebuild
  takes the load gate shared (``GATE_SHARED``), a range being written takes it alone. A rebuild
  that read the assembly area before the range's rows were there therefore commits before the
  range is checked, and one that starts after sees them; a recording commits before the check
  (which then sees its rows) or starts after the range committed (the newer position wins).
- **The kept state wins over the snapshot.** Under the gate, a dossier of the range with anything
  already kept (a live change recorded before the range came: newer than the snapshot, one of its
  rows kept under another number, an alias now pointing to it) is not written from memory: its rows go through
  ``mirror.record`` (the newer position wins, row by row) and it is marked waiting, so the rebuild
  makes it from the merged state.
- **A row kept under another number** (not looked for by the first check) makes the range's COPY
  fail on the key: ``RangeRaced`` is raised, nothing is committed, and the range is written again
  after a look-up of every key (that dossier is then deferred).
- **A range comes once.** Its ``migration.load_range`` row is claimed first and committed with
  the rows: a range handed out again finds it and writes nothing.
Blocking (synchronous SQLAlchemy).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import psycopg2.errors
from sqlalchemy import Connection, Engine, text

from common.bulk import copy_into
from pipeline import anef_writer, mirror, pending
from pipeline.exceptions import RangeRaced
from pipeline.initial_load import Prepared
from schemas.anef_tables import legacy_row
from schemas.key_range import KeyRange

#: The load gate, in the two-key advisory lock space (distinct from the per-dossier one-key locks).
GATE = (0x4C4F4144, 1)  # "LOAD"
GATE_SHARED = f"SELECT pg_advisory_xact_lock_shared({GATE[0]}, {GATE[1]})"
GATE_ALONE = f"SELECT pg_advisory_xact_lock({GATE[0]}, {GATE[1]})"


@dataclass
class RangeWritten:
    already: bool = False        # another worker (or an earlier run) wrote this range
    mapped: int = 0
    migrated: int = 0
    parked: int = 0
    erased: int = 0
    held: int = 0
    deferred_rows: int = 0
    published: dict[str, bytes | None] = field(default_factory=dict, repr=False)


def write(db: Engine, key_range: KeyRange, prepared: Prepared, position: int, worker_id: str,
          thorough: bool = False) -> RangeWritten:
    """Write the range atomically. Raises ``RangeRaced`` (nothing committed) when one of its rows'
    keys is kept already under another number (``thorough`` looks for those first: call again
    with it)."""
    result = RangeWritten()
    with db.begin() as conn:
        if not _claim(conn, key_range, prepared, position, worker_id):
            result.already = True
            return result
        conn.execute(text(GATE_ALONE))
        prepared = prepared.without(_kept_already(conn, prepared, thorough))
        try:  # COPY, not an upsert: these rows are new (checked above), and an upsert cost twice as much
            copy_into(conn, legacy_row, prepared.kept_rows)
        except psycopg2.errors.UniqueViolation as exc:
            raise RangeRaced(f"range {key_range.index} of load {key_range.load}: a row is kept already "
                             f"({str(exc).splitlines()[0]})") from None
        recorded = mirror.record(conn, prepared.deferred)
        pending.mark(conn, recorded.touches, worker_id)
        written = anef_writer.write(conn, prepared.dossiers, first=True)  # nothing kept: checked above
        conn.execute(text("UPDATE migration.load_range SET mapped = :m, deferred = :d"
                          " WHERE load_id = :l AND range_index = :i"),
                     {"m": len(prepared.dossiers), "d": len(prepared.deferred), "l": key_range.load,
                      "i": key_range.index})
    result.mapped, result.deferred_rows = len(prepared.dossiers), len(prepared.deferred)
    result.migrated, result.parked, result.erased = written.migrated, written.parked, written.erased
    result.held = len(written.held)
    result.published = anef_writer.published(prepared.dossiers, written)
    return result


def _claim(conn: Connection, key_range: KeyRange, prepared: Prepared, position: int, worker_id: str) -> bool:
    """The range's row, inserted now; False when it exists (waits for a writer still holding it)."""
    return conn.execute(text(
        "INSERT INTO migration.load_range (load_id, range_index, ranges, low, high, position, persons, refused,"
        " worker_id) VALUES (:l, :i, :n, :low, :high, :p, :persons, :refused, :w)"
        " ON CONFLICT DO NOTHING RETURNING 1"),
        {"l": key_range.load, "i": key_range.index, "n": key_range.count, "low": key_range.low,
         "high": key_range.high, "p": position, "persons": prepared.persons, "refused": len(prepared.refused),
         "w": worker_id}).first() is not None


def _kept_already(conn: Connection, prepared: Prepared, thorough: bool) -> set[str]:
    """The range's dossiers with anything already kept: a row of theirs, one of their rows' keys
    kept under another number, an alias record pointing to them (made an alias by a live change
    after the snapshot), or a person's decision (applied by the rebuild). The keys (one look-up
    per row) only when ``thorough``: a key kept under another number is rare, and the insert
    refuses it anyway (``RangeRaced``, then a thorough second attempt)."""
    numbers = sorted(d.root for d in prepared.dossiers)
    if not numbers:
        return set()
    rows = prepared.kept_rows if thorough else []
    return set(conn.execute(text(
        "SELECT numero_etranger FROM migration.legacy_row WHERE numero_etranger = ANY(CAST(:n AS text[]))"
        " UNION SELECT i.n FROM unnest(CAST(:t AS text[]), CAST(:k AS text[]), CAST(:o AS text[])) AS i(t, k, n)"
        " JOIN migration.legacy_row l ON l.source_table = i.t AND l.source_key = i.k"
        " UNION SELECT alias_of FROM migration.legacy_row WHERE alias_of = ANY(CAST(:n AS text[])) AND NOT deleted"
        " UNION SELECT numero_etranger FROM migration.decision"
        " WHERE revoked_at IS NULL AND numero_etranger = ANY(CAST(:n AS text[]))"),
        {"n": numbers, "t": [r["source_table"] for r in rows], "k": [r["source_key"] for r in rows],
         "o": [r["numero_etranger"] for r in rows]}).scalars())
