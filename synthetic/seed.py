"""Write the synthetic population into AGDREF with COPY: chunks of whole dossiers, each chunk one
transaction, generated and written by several processes at once.

Chunked so that the connector streams a steady flow of modest transactions instead of one
enormous one, and so that a progress bar can tell the truth. Each chunk's rows depend only on the
seed and the person indexes it covers, so the same seed gives the same database however the
chunks are scheduled.
"""
from __future__ import annotations

import csv
import io
import multiprocessing
from collections import Counter
from collections.abc import Callable

import psycopg2
from sqlalchemy import Engine, func, select

from common.db import psycopg2_dsn
from schemas import agdref_tables
from synthetic.exceptions import SeedError
from synthetic.population import TABLES, dossier

CHUNK = 2_000
COLUMNS = {t: [c.name for c in agdref_tables.metadata.tables[f"agdref.{t}"].columns] for t in TABLES}
_connection = None  # one per worker process


def chunk_rows(start: int, count: int, seed: int) -> dict[str, list[dict]]:
    rows: dict[str, list[dict]] = {t: [] for t in TABLES}
    for index in range(start, start + count):
        for table, table_rows in dossier(index, seed).items():
            rows[table] += table_rows
    return rows


def _csv(table: str, rows: list[dict]) -> io.StringIO:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    columns = COLUMNS[table]
    writer.writerows(["\\N" if row.get(c) is None else row[c] for c in columns] for row in rows)
    buffer.seek(0)
    return buffer


def _write_chunk(task: tuple[str, int, int, int], connection=None) -> tuple[int, dict[str, int]]:
    """Generate and COPY one chunk of dossiers in one transaction. In a pool's worker process the
    connection is opened once per process (the pool ends with the seeding)."""
    global _connection
    dsn, start, count, seed = task
    if connection is None:
        if _connection is None:
            _connection = psycopg2.connect(dsn)
        connection = _connection
    rows = chunk_rows(start, count, seed)
    with connection.cursor() as cur:
        for table in TABLES:
            if rows[table]:
                cur.copy_expert(f"COPY agdref.{table} ({', '.join(COLUMNS[table])}) FROM STDIN "
                                f"WITH (FORMAT csv, NULL '\\N')", _csv(table, rows[table]))
    connection.commit()
    return count, {t: len(r) for t, r in rows.items()}


def seed_population(db: Engine, persons: int, seed: int, processes: int = 2,
                    progress: Callable[[int], None] = lambda n: None) -> Counter:
    """Insert ``persons`` whole dossiers drawn with ``seed``; returns rows written per table.

    Refuses a non-empty AGDREF: the same seed gives the same database only from an empty one."""
    with db.connect() as conn:
        existing = conn.execute(select(func.count()).select_from(agdref_tables.etranger)).scalar_one()
    if existing:
        raise SeedError(f"agdref.etranger already holds {existing} rows; seed an empty database (db reset)")
    dsn = psycopg2_dsn(db.url.render_as_string(hide_password=False))
    tasks = [(dsn, start, min(CHUNK, persons - start), seed) for start in range(0, persons, CHUNK)]
    written: Counter = Counter()
    if processes <= 1:
        connection = psycopg2.connect(dsn)
        try:
            for task in tasks:
                done, counts = _write_chunk(task, connection)
                written.update(counts)
                progress(done)
        finally:
            connection.close()
        return written
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        for done, counts in pool.imap_unordered(_write_chunk, tasks):
            written.update(counts)
            progress(done)
    return written
