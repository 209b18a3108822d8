"""Write the synthetic population into AGDREF with COPY, in chunks of one transaction each.

Chunked so that the connector streams a steady flow of modest transactions instead of one
enormous one, and so that a progress bar can tell the truth.
"""
from __future__ import annotations

import csv
import io
from typing import Callable, Iterable

from sqlalchemy import Engine, func, select

from schemas.agdref_tables import etranger
from synthetic.exceptions import SeedError
from synthetic.persons import persons

CHUNK = 10_000
COLUMNS = [c.name for c in etranger.columns]


def _csv(rows: Iterable[dict]) -> io.StringIO:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for row in rows:
        writer.writerow(["\\N" if row[c] is None else row[c] for c in COLUMNS])
    buffer.seek(0)
    return buffer


def seed_persons(db: Engine, count: int, seed: int, progress: Callable[[int], None] = lambda n: None) -> int:
    """Insert ``count`` persons drawn with ``seed``. Refuses a non-empty table: the same seed must
    give the same database, which only holds when it starts empty. Returns the rows written."""
    with db.connect() as conn:
        existing = conn.execute(select(func.count()).select_from(etranger)).scalar_one()
    if existing:
        raise SeedError(f"agdref.etranger already holds {existing} rows; seed an empty database (db reset)")
    written = 0
    while written < count:
        size = min(CHUNK, count - written)
        data = _csv(persons(size, seed, start=written))
        raw = db.raw_connection()
        try:
            with raw.cursor() as cur:
                cur.copy_expert(
                    f"COPY agdref.etranger ({', '.join(COLUMNS)}) FROM STDIN WITH (FORMAT csv, NULL '\\N')", data
                )
            raw.commit()
        finally:
            raw.close()
        written += size
        progress(size)
    return written
