"""How fast the generator fills AGDREF: 1,000,000 persons with their whole dossiers (goal: ≤ 120 s).

Baseline, measured in the same run on the same server: PostgreSQL's COPY alone of already
generated rows (the same tables, the same kind of rows), i.e. what writing costs without
generating. The ratio says how much of the seeding time is the generator's.

    .venv/bin/python -m bench.seed_rate [--persons 1000000] [--processes 2]
"""
from __future__ import annotations

import argparse

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import text

from bench.common import Stopwatch, figure, scratch_database
from common.db import psycopg2_dsn
from infra.database import init_agdref
from synthetic.seed import COLUMNS, TABLES, _csv, chunk_rows, seed_population


def copy_baseline(url: str, persons: int) -> tuple[float, int]:
    """Seconds to COPY the rows of ``persons`` pre-generated dossiers, and how many rows."""
    import psycopg2

    rows = chunk_rows(0, persons, seed=424242)
    buffers = {t: _csv(t, rows[t]).getvalue() for t in TABLES}
    conn = psycopg2.connect(psycopg2_dsn(url))
    with conn.cursor() as cur:
        for t in TABLES:
            cur.execute(f"CREATE TABLE baseline_{t} (LIKE agdref.{t} INCLUDING ALL)")
    conn.commit()
    import io

    with Stopwatch() as watch, conn.cursor() as cur:
        for t in TABLES:
            cur.copy_expert(f"COPY baseline_{t} ({', '.join(COLUMNS[t])}) FROM STDIN WITH (FORMAT csv, NULL '\\N')",
                            io.StringIO(buffers[t]))
        conn.commit()
    conn.close()
    return watch.seconds, sum(len(r) for r in rows.values())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--processes", type=int, default=2)
    args = parser.parse_args()
    with scratch_database("seed") as (url, db):
        init_agdref(db)
        with db.begin() as conn:  # as in production: the connector's publication is there
            conn.execute(text("CREATE PUBLICATION bench_pub FOR TABLES IN SCHEMA agdref"))
        with Progress(TextColumn("seeding"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()) as bar:
            task = bar.add_task("seed", total=args.persons)
            with Stopwatch() as seeding:
                written = seed_population(db, args.persons, seed=1, processes=args.processes,
                                          progress=lambda n: bar.advance(task, n))
        rows = sum(written.values())
        baseline_seconds, baseline_rows = copy_baseline(url, min(100_000, args.persons))
    print()
    figure("persons seeded", args.persons, "persons")
    figure("legacy rows seeded", rows, "rows")
    figure("seeding time", seeding.seconds, "s", "goal ≤ 120 s for 1,000,000 persons")
    figure("seeding rate", args.persons / seeding.seconds, "persons/s")
    figure("seeding rate (rows)", rows / seeding.seconds, "rows/s")
    figure("baseline: COPY of pre-generated rows", baseline_rows / baseline_seconds, "rows/s")
    figure("ratio seeding / COPY alone", (rows / seeding.seconds) / (baseline_rows / baseline_seconds), "")


if __name__ == "__main__":
    main()
