"""The nightly reconciliation: N persons migrated, reconciled with no difference, then with D
injected differences; time, memory, and the baseline in the same run.

The population is seeded in AGDREF and migrated by the pipeline's own sink, in-process (record,
then rebuild: the same code the workers run, without Kafka). Each reconciliation runs as
``agdref-anef reconcile`` in a child process (its progress is shown; its peak memory is read
from the kernel). Baseline: a reladiff-style plain checksum comparison of the same tables, every
row of every AGDREF table and every ANEF table hashed and summed per key bucket, both databases
at once: what comparing rows with rows costs, before any narrowing.

    .venv/bin/python -m bench.reconcile [--persons 100000] [--differences 100,1000]
"""
from __future__ import annotations

import argparse
import os
import secrets
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone

from sqlalchemy import text

from bench.common import Stopwatch, figure, scratch_chain
from connectors.events import Transaction, key_of, snapshot_reads
from pipeline.actions import Origin, RowChange
from pipeline.decide import decide
from pipeline.sink import DossierSink
from schemas.agdref_tables import CAPTURED_TABLES, metadata, primary_key_columns
from schemas.anef_tables import ANEF_TABLES
from synthetic.seed import seed_population

CHUNK = 5000


def migrate(agdref, anef) -> int:
    """Every AGDREF row through the sink (recorded as snapshot reads, then rebuilt), streamed in
    chunks so memory stays flat whatever the size. Returns the dossiers rebuilt."""
    tx = Transaction(xid=1, final_lsn=1 << 32, commit_time=datetime.now(timezone.utc))
    sink = DossierSink(anef)
    with agdref.connect().execution_options(stream_results=True, max_row_buffer=CHUNK) as conn:
        for table in CAPTURED_TABLES:
            columns = [str(c.name) for c in metadata.tables[f"agdref.{table}"].columns]
            keys = primary_key_columns(table)
            result = conn.execute(text(f"SELECT {', '.join(columns)} FROM agdref.{table}"))
            while chunk := result.fetchmany(CHUNK):
                rows = [dict(zip(columns, r)) for r in chunk]
                values = snapshot_reads(rows, prefix="bench", database="agdref", schema="agdref", table=table,
                                        tx=tx, lsn=1 << 32, emitted_at_ms=0)
                changes = [a for row, value in zip(rows, values)
                           if isinstance(a := decide(Origin(table, 0, 0), key_of(row, keys), value), RowChange)]
                sink.record(changes)
    rebuilt = 0
    while step := sink.rebuild_ready(2000).rebuilt:
        rebuilt += step
    return rebuilt


def baseline(agdref, anef, buckets: int) -> None:
    """reladiff-style: per table, count and sum of row hashes per key bucket, both databases at once."""
    def checksums(db, tables: list[tuple[str, str]]) -> int:
        with db.connect() as conn:
            return sum(len(conn.execute(text(
                f"SELECT abs(hashtext(CAST({key} AS text))) % {buckets} AS b, count(*),"
                f" sum(CAST(CAST(('x' || substr(md5(CAST(t AS text)), 1, 15)) AS bit(60)) AS bigint))"
                f" FROM {table} t GROUP BY 1")).all()) for table, key in tables)

    legacy = [(f"agdref.{t}", primary_key_columns(t)[0]) for t in CAPTURED_TABLES]
    target = [(f"anef.{t.name}", str(list(t.primary_key.columns)[0].name)) for t in ANEF_TABLES]
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda job: checksums(*job), [(agdref, legacy), (anef, target)]))


def inject(anef, count: int) -> None:
    """``count`` persons renamed in ANEF (field mismatches the run must find)."""
    with anef.begin() as conn:
        conn.execute(text("UPDATE anef.usager SET nom_naissance = nom_naissance || 'Z' WHERE numero_etranger IN"
                          " (SELECT numero_etranger FROM anef.usager WHERE origine = 'AGDREF'"
                          "  AND nom_naissance NOT LIKE '%Z' ORDER BY numero_etranger LIMIT :n)"), {"n": count})


def reconcile(env: dict) -> tuple[float, float]:
    """One ``agdref-anef reconcile`` in a child process: (seconds, its peak memory in MB)."""
    with Stopwatch() as watch:
        child = subprocess.Popen([sys.executable, "-m", "cli", "reconcile", "--max-wait", "30"],
                                 env={**os.environ, **env}, stdout=subprocess.PIPE, text=True)
        output = child.stdout.read()
        _, status, usage = os.wait4(child.pid, 0)
    print(output.rstrip())
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        raise SystemExit("the reconciliation failed")
    return watch.seconds, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--differences", default="100,1000", help="differences to inject, run after run")
    args = parser.parse_args()
    with scratch_chain("recon") as (agdref_url, agdref, anef_url, anef):
        with Stopwatch() as seeding:
            seed_population(agdref, args.persons, seed=12)
        with Stopwatch() as migrating:
            dossiers = migrate(agdref, anef)
        print(f"{args.persons:,} persons seeded in {seeding.seconds:.0f}s, {dossiers:,} dossiers migrated "
              f"in {migrating.seconds:.0f}s")
        for db in (agdref, anef):
            with db.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE"))
        name = "none" + secrets.token_hex(3)  # no slot, no topics: nothing is in flight
        env = {"AGDREF_DATABASE_URL": agdref_url, "ANEF_DATABASE_URL": anef_url, "REPLICATION_SLOT": name,
               "KAFKA_TOPIC_PREFIX": name, "WORKER_ID": name}
        seconds, peak_mb = reconcile(env)
        timings = [(0, seconds)]
        total = 0
        for count in [int(c) for c in args.differences.split(",") if c]:
            inject(anef, count - total)
            total = count
            took, memory = reconcile(env)
            timings.append((count, took))
            peak_mb = max(peak_mb, memory)
        with Stopwatch() as plain:
            baseline(agdref, anef, max(64, args.persons // 8))
        print()
        figure(f"reconcile, {args.persons:,} persons, no difference", timings[0][1], "s",
               "goal <= 60 s at 1,000,000")
        figure("  per 1,000 persons", timings[0][1] / args.persons * 1000, "s")
        for count, took in timings[1:]:
            figure(f"reconcile with {count:,} differences", took, "s")
            figure("  per difference beyond the quiet run", (took - timings[0][1]) / count * 1000, "ms")
        figure("baseline: plain checksums of the same tables", plain.seconds, "s")
        figure("ratio reconcile / baseline", timings[0][1] / plain.seconds, "")
        figure("peak memory of a reconcile process", peak_mb, "MB")


if __name__ == "__main__":
    main()
