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
from contextlib import contextmanager

from sqlalchemy import text

from bench.common import Stopwatch, figure, scratch_chain
from pipeline.direct import migrate
from schemas.agdref_tables import CAPTURED_TABLES, primary_key_columns
from schemas.anef_tables import ANEF_TABLES
from synthetic.seed import seed_population


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
    """``count`` more persons renamed in ANEF (field mismatches the run must find), noted in
    ``public.bench_injected`` so that a later run on the same databases can put them back."""
    with anef.begin() as conn:
        conn.execute(text("CREATE TABLE IF NOT EXISTS public.bench_injected (numero_etranger char(10) PRIMARY KEY)"))
        conn.execute(text(
            "WITH picked AS (INSERT INTO public.bench_injected SELECT numero_etranger FROM anef.usager u"
            "  WHERE origine = 'AGDREF' AND NOT EXISTS (SELECT 1 FROM public.bench_injected i"
            "  WHERE i.numero_etranger = u.numero_etranger) ORDER BY numero_etranger LIMIT :n RETURNING numero_etranger)"
            " UPDATE anef.usager SET nom_naissance = nom_naissance || 'Z'"
            " WHERE numero_etranger IN (SELECT numero_etranger FROM picked)"), {"n": count})


def heal(anef) -> None:
    """Put back what earlier runs injected (``--reuse``)."""
    with anef.begin() as conn:
        conn.execute(text("CREATE TABLE IF NOT EXISTS public.bench_injected (numero_etranger char(10) PRIMARY KEY)"))
        conn.execute(text("UPDATE anef.usager SET nom_naissance = left(nom_naissance, -1) WHERE numero_etranger IN"
                          " (SELECT numero_etranger FROM public.bench_injected)"))
        conn.execute(text("TRUNCATE public.bench_injected"))


def look_ups(agdref, anef, count: int = 30) -> list[float]:
    """``reconcile --dossier`` in-process for ``count`` persons: seconds each, sorted."""
    from reconciliation.one_dossier import look_up

    with anef.connect() as conn:
        numbers = list(conn.execute(text("SELECT rtrim(numero_etranger) FROM anef.usager TABLESAMPLE SYSTEM (1)"
                                         " LIMIT :n"), {"n": count}).scalars())
    took = []
    for number in numbers:
        with Stopwatch() as watch:
            look_up(agdref, anef, number)
        took.append(watch.seconds)
    return sorted(took)


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


@contextmanager
def _databases(args):
    if not args.reuse:
        with scratch_chain("recon") as made:
            yield made
        return
    from common.db import engine
    from infra.profile import profile

    urls = [profile("demo").database_url(name) for name in args.reuse.split(",")]
    engines = [engine(url) for url in urls]
    try:
        yield urls[0], engines[0], urls[1], engines[1]
    finally:
        for db in engines:
            db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--differences", default="100,1000", help="differences to inject, run after run")
    parser.add_argument("--reuse", help="AGDREF_DB,ANEF_DB kept by an earlier run (BENCH_KEEP_DATABASES=1)")
    args = parser.parse_args()
    with _databases(args) as (agdref_url, agdref, anef_url, anef):
        if not args.reuse:
            with Stopwatch() as seeding:
                seed_population(agdref, args.persons, seed=12)
            with Stopwatch() as migrating:
                dossiers = migrate(agdref, anef)
            print(f"{args.persons:,} persons seeded in {seeding.seconds:.0f}s, {dossiers:,} dossiers migrated "
                  f"in {migrating.seconds:.0f}s")
            for db in (agdref, anef):
                with db.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                    conn.execute(text("VACUUM ANALYZE"))
        else:
            heal(anef)
            with agdref.connect() as conn:
                args.persons = conn.execute(text("SELECT count(*) FROM agdref.etranger")).scalar_one()
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
        lookups = look_ups(agdref, anef)
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
        figure("reconcile --dossier (one person), median", lookups[len(lookups) // 2] * 1000, "ms", "goal < 1 s")
        figure("reconcile --dossier, slowest of 30", lookups[-1] * 1000, "ms")


if __name__ == "__main__":
    main()
