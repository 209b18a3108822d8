"""How fast the connector's lock-free snapshot moves AGDREF into Kafka (goal ≥ 50,000 rows/s), and
the same snapshot by Debezium on the same data.

Seeds a scratch AGDREF with N persons (1,000,000 by default), starts `agdref-anef connector run`
(initial snapshot, chunks between watermarks) against it, and times until every chunk is
acknowledged by Kafka. Then starts Kafka Connect with Debezium 3.6.1.Final (`snapshot.mode=initial`)
on the same database and times until its topics hold one record per row (Connect's start-up
included). A second baseline: PostgreSQL's own `COPY ... TO STDOUT` of the same tables.

    .venv/bin/python -m bench.snapshot_rate [--persons 1000000] [--chunk-size 10000]
"""
from __future__ import annotations

import argparse
import io
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


def debezium_snapshot_seconds(url: str, rows: int) -> float:
    """Seconds for Debezium's initial snapshot of the same tables to reach Kafka."""
    import socket

    from kafka import KafkaConsumer, TopicPartition

    from common.kafka_admin import ensure_topics
    from infra import connect
    from schemas.envelope import topic_name

    name = "dbz" + secrets.token_hex(3)
    bootstrap = profile("demo").bootstrap_servers
    topics = [topic_name(name, t) for t in CAPTURED_TABLES]
    ensure_topics(bootstrap, topics, 6)
    connect.ensure_installed()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    consumer = KafkaConsumer(bootstrap_servers=bootstrap)
    parts = [TopicPartition(t, p) for t in topics for p in range(6)]
    started = time.perf_counter()
    process = connect.start(Path(tempfile.mkdtemp(prefix="bench-debezium-")), name=name, agdref_url=url,
                            bootstrap=bootstrap, prefix=name, slot=name, rest_port=port)
    try:
        while sum(consumer.end_offsets(parts).values()) < rows:
            if process.poll() is not None:
                raise SystemExit("Kafka Connect stopped during the snapshot")
            time.sleep(0.5)
        return time.perf_counter() - started
    finally:
        process.kill()
        process.wait()
        consumer.close()
        from common.db import engine as make_engine

        db = make_engine(url)
        source.drop(db, name, name, control_tables=False)
        db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--chunk-size", type=int, default=20_000)
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
                    raise SystemExit(f"the connector stopped: {connector.log_tail()}")
                time.sleep(0.2)
        connector.stop()
        source.drop(db, name, name)
        debezium_seconds = debezium_snapshot_seconds(url, rows)
    print()
    figure("legacy rows", rows, "rows")
    figure("snapshot time (to Kafka, acknowledged)", snapshot.seconds, "s")
    figure("snapshot rate", rows / snapshot.seconds, "rows/s", "goal ≥ 50,000 rows/s")
    figure("baseline: COPY TO STDOUT of the same tables", rows / baseline, "rows/s")
    figure("ratio snapshot / COPY out", (rows / snapshot.seconds) / (rows / baseline), "")
    figure("Debezium 3.6.1 initial snapshot, same data", rows / debezium_seconds, "rows/s",
           f"({debezium_seconds:.1f} s, Connect start-up included)")
    figure("ratio ours / Debezium", debezium_seconds / snapshot.seconds, "")


if __name__ == "__main__":
    main()
