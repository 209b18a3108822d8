"""How fast the connector's lock-free snapshot moves AGDREF into Kafka (goal ≥ 50,000 rows/s).

Seeds a scratch AGDREF with N persons (1,000,000 by default), starts `agdref-anef connector run`
(initial snapshot, chunks between watermarks) against it, and times until every chunk is
acknowledged by Kafka. Baseline in the same run: PostgreSQL's own `COPY ... TO STDOUT` of the
same tables (reading without Kafka, envelopes or watermarks).

    .venv/bin/python -m bench.snapshot_rate [--persons 1000000] [--chunk-size 10000]
"""
from __future__ import annotations

import argparse
import io
import os
import secrets
import tempfile
import time
from pathlib import Path

import psycopg2

from bench.common import Stopwatch, figure, scratch_database
from cli.processes import Background
from common.db import psycopg2_dsn
from connectors import source
from infra.database import init_agdref
from infra.profile import profile
from schemas.agdref_tables import CAPTURED_TABLES
from synthetic.seed import seed_population


def copy_out_seconds(url: str) -> float:
    conn = psycopg2.connect(psycopg2_dsn(url))
    with Stopwatch() as watch, conn.cursor() as cur:
        for table in CAPTURED_TABLES:
            cur.copy_expert(f"COPY agdref.{table} TO STDOUT", io.StringIO())
    conn.close()
    return watch.seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--chunk-size", type=int, default=10_000)
    args = parser.parse_args()
    with scratch_database("snapshot", start_kafka=True) as (url, db):
        init_agdref(db)
        written = seed_population(db, args.persons, seed=1)
        rows = sum(written.values())
        baseline = copy_out_seconds(url)
        name = "b" + secrets.token_hex(3)
        env = {"AGDREF_DATABASE_URL": url, "KAFKA_BOOTSTRAP_SERVERS": profile("demo").bootstrap_servers,
               "KAFKA_TOPIC_PREFIX": name, "REPLICATION_SLOT": name, "PUBLICATION": name, "LOG_FORMAT": "json"}
        connector = Background("connector", Path(tempfile.mkdtemp(prefix="bench-snapshot-")))
        with Stopwatch() as snapshot:
            connector.start("connector", "run", "--chunk-size", str(args.chunk_size), env=env)
            while True:
                progress = source.snapshot_progress(db)
                if progress and all(p.done for p in progress):
                    break
                if connector.pid is None:
                    raise SystemExit(f"the connector stopped: {connector.log_file.read_text()[-2000:]}")
                time.sleep(0.2)
        connector.stop()
        source.drop(db, name, name)
    print()
    figure("legacy rows", rows, "rows")
    figure("snapshot time (to Kafka, acknowledged)", snapshot.seconds, "s")
    figure("snapshot rate", rows / snapshot.seconds, "rows/s", "goal ≥ 50,000 rows/s")
    figure("baseline: COPY TO STDOUT of the same tables", rows / baseline, "rows/s")
    figure("ratio snapshot / COPY out", (rows / snapshot.seconds) / (rows / baseline), "")


if __name__ == "__main__":
    main()
