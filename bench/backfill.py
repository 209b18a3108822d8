"""Backfill figure: N persons seeded in AGDREF, from the connector's snapshot to every dossier
committed in ANEF (or parked), in persons per second; and the worker's memory while it runs.

Baselines in the same run, on the same machine and services:
- raw Kafka: produce then consume as many messages, of the same average size, as the legacy
  topics received (aiokafka, batched, no processing): what moving the bytes alone costs;
- PostgreSQL COPY of the same ANEF rows into empty copies of the ANEF tables: what writing the
  result alone costs.

    .venv/bin/python -m bench.backfill [--persons 100000] [--workers 1]
"""
from __future__ import annotations

import argparse
import io
import secrets
import tempfile
import threading
import time
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

from kafka import KafkaConsumer, TopicPartition
from sqlalchemy import func, select

from bench.common import Stopwatch, figure, scratch_chain
from bench.profiles import flame_graph
from cli.processes import Background
from common.db import psycopg2_dsn
from common.kafka_admin import ensure_topics
from connectors import source
from infra.profile import profile
from schemas.agdref_tables import CAPTURED_TABLES
from schemas.anef_tables import ANEF_TABLES, legacy_row, parked, pending, usager
from schemas.envelope import topic_name
from synthetic.seed import seed_population


def _rss_mb(pid: int | None) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except (OSError, TypeError):
        pass
    return 0.0


class MemoryWatch(threading.Thread):
    """Samples the workers' resident memory every second (``samples``: (elapsed s, MB))."""

    def __init__(self, processes: list[Background]) -> None:
        super().__init__(daemon=True)
        self.processes, self.samples, self.stopped = processes, [], threading.Event()
        self.started_at = time.monotonic()

    def run(self) -> None:
        while not self.stopped.wait(1.0):
            self.samples.append((time.monotonic() - self.started_at, max(_rss_mb(p.pid) for p in self.processes)))


METRICS_PORT = 9190


def _batch_figures(ports: list[int]) -> dict[str, float]:
    """Mean sizes and durations of the workers' sink transactions, from their /metrics."""
    import re
    import urllib.request

    sums: dict[str, float] = {}
    for port in ports:
        page = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
        for name, labels, value in re.findall(r"^(agdref_anef_\w+_(?:sum|count))(\{[^}]*\})? ([0-9.e+]+)$", page, re.M):
            key = name + (labels or "")
            sums[key] = sums.get(key, 0.0) + float(value)

    def mean(metric: str, labels: str = "") -> float:
        return sums.get(f"{metric}_sum{labels}", 0.0) / max(1.0, sums.get(f"{metric}_count{labels}", 0.0))

    record, rebuild = '{step="record"}', '{step="rebuild"}'
    return {
        "record transactions": sums.get(f"agdref_anef_sink_batch_seconds_count{record}", 0.0),
        "mean record batch (changes)": mean("agdref_anef_sink_batch_changes"),
        "mean record transaction (s)": mean("agdref_anef_sink_batch_seconds", record),
        "mean rebuild batch (dossiers)": mean("agdref_anef_rebuild_batch_dossiers"),
        "mean rebuild transaction (s)": mean("agdref_anef_sink_batch_seconds", rebuild),
    }


def _count(db, table) -> int:
    with db.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def _topic_volume(bootstrap: str, topics: list[str]) -> tuple[int, int]:
    """(messages, average value size) of the legacy topics, the size from a sample of each."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, consumer_timeout_ms=2000)
    parts = [TopicPartition(t, p) for t in topics for p in consumer.partitions_for_topic(t) or ()]
    messages = sum(consumer.end_offsets(parts).values())
    consumer.assign(parts)
    consumer.seek_to_beginning()
    sizes = []
    for record in consumer:
        sizes.append(len(record.value or b"") + len(record.key or b""))
        if len(sizes) >= 20_000:
            break
    consumer.close()
    return messages, int(sum(sizes) / max(1, len(sizes)))


def _event_size(agdref) -> int:
    """The average size of a snapshot event of the seeded rows (a sample of each table)."""
    from sqlalchemy import text

    from connectors.events import Transaction, key_of, snapshot_reads
    from schemas.agdref_tables import primary_key_columns

    sizes = []
    tx = Transaction(0, datetime.now(UTC), 1)
    with agdref.connect() as conn:
        for table in CAPTURED_TABLES:
            rows = [dict(r) for r in conn.execute(text(f"SELECT * FROM agdref.{table} LIMIT 500")).mappings()]
            values = snapshot_reads(rows, prefix="bench", database="agdref", schema="agdref", table=table, tx=tx,
                                    lsn=1, emitted_at_ms=0)
            sizes += [len(v) + len(key_of(r, primary_key_columns(table))) for r, v in zip(rows, values)]
    return int(sum(sizes) / max(1, len(sizes)))


def raw_kafka_rate(bootstrap: str, messages: int, size: int, partitions: int) -> float:
    """Messages per second to produce then consume ``messages`` values of ``size`` bytes, with
    aiokafka (the client the connector's producer and the worker use; kafka-python is ~6x slower)."""
    import asyncio

    from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

    topic = "bench-raw-" + secrets.token_hex(3)
    ensure_topics(bootstrap, [topic], partitions)
    payload = secrets.token_bytes(size)

    async def run() -> float:
        producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=20, max_batch_size=1 << 20,
                                    max_request_size=8 << 20)
        consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest",
                                    enable_auto_commit=False, fetch_max_bytes=64 << 20,
                                    max_partition_fetch_bytes=16 << 20)
        await producer.start()
        started = time.perf_counter()
        acks = [await producer.send(topic, key=str(i).encode(), value=payload) for i in range(messages)]
        await asyncio.gather(*acks)
        await producer.stop()
        await consumer.start()
        seen = 0
        while seen < messages:
            batch = await consumer.getmany(timeout_ms=1000, max_records=50_000)
            seen += sum(len(records) for records in batch.values())
        await consumer.stop()
        return messages / (time.perf_counter() - started)

    return asyncio.run(run())


def copy_rate(anef_url: str, persons: int) -> float:
    """Persons per second to COPY the ANEF rows the backfill wrote into empty copies of the tables."""
    import psycopg2

    conn = psycopg2.connect(psycopg2_dsn(anef_url))
    try:
        with conn.cursor() as cur:
            cur.execute("CREATE SCHEMA bench_copy")
            for table in ANEF_TABLES:
                cur.execute(f"CREATE TABLE bench_copy.{table.name} (LIKE anef.{table.name} INCLUDING ALL)")
            dumps = {}
            for table in ANEF_TABLES:
                buffer = io.BytesIO()
                cur.copy_expert(f"COPY anef.{table.name} TO STDOUT", buffer)
                dumps[table.name] = buffer.getvalue()
        conn.commit()
        with Stopwatch() as watch, conn.cursor() as cur:
            for name, data in dumps.items():
                cur.copy_expert(f"COPY bench_copy.{name} FROM STDIN", io.BytesIO(data))
            conn.commit()
        return persons / watch.seconds
    finally:
        conn.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--baseline-messages", type=int, default=2_000_000,
                        help="at most this many messages for the raw Kafka baseline (a rate; enough to be steady)")
    parser.add_argument("--events", dest="connector_options", action="store_const", default=[],
                        const=["--snapshot", "events"],
                        help="the snapshot as change events (Debezium's way, the design before issue 15) instead of "
                             "the initial load")
    parser.add_argument("--profile", type=Path, default=None,
                        help="write py-spy flame graphs of the connector and the first worker into this folder")
    args = parser.parse_args()
    p = profile("demo")
    with scratch_chain("backfill") as (agdref_url, agdref, anef_url, anef):
        with Stopwatch() as seeding:
            seeded = seed_population(agdref, args.persons, seed=5)
        rows = sum(seeded.values())
        print(f"seeded {args.persons:,} persons, {rows:,} legacy rows in {seeding.seconds:.1f}s")
        name = "b" + secrets.token_hex(3)
        partitions = 6
        env = {"AGDREF_DATABASE_URL": agdref_url, "ANEF_DATABASE_URL": anef_url, "KAFKA_BOOTSTRAP_SERVERS":
               p.bootstrap_servers, "KAFKA_TOPIC_PREFIX": name, "REPLICATION_SLOT": name, "PUBLICATION": name,
               "WORKER_ID": f"worker-{name}", "WORKER_METRICS_PORT": "0", "LOG_FORMAT": "json",
               "KAFKA_TOPIC_PARTITIONS": str(partitions)}
        folder = Path(tempfile.mkdtemp(prefix="bench-backfill-"))
        topics = [topic_name(name, t) for t in CAPTURED_TABLES]
        ensure_topics(p.bootstrap_servers, topics, partitions)
        connector = Background("connector", folder)
        workers = [Background(f"worker{i}", folder) for i in range(args.workers)]
        try:
            with Stopwatch() as backfill:
                for i, w in enumerate(workers):
                    w.start("worker", env={**env, "WORKER_METRICS_PORT": str(METRICS_PORT + i)})
                connector.start("connector", "run", *args.connector_options, env=env)
                memory = MemoryWatch(workers)
                memory.start()
                profiles = ExitStack()
                if args.profile:
                    profiles.enter_context(flame_graph(connector.pid, args.profile / "connector-backfill.svg"))
                    profiles.enter_context(flame_graph(workers[0].pid, args.profile / "worker-backfill.svg"))
                last = 0.0
                while True:
                    kept, waiting = _count(anef, legacy_row), _count(anef, pending)
                    if kept >= rows and waiting == 0:
                        break
                    for proc in [connector, *workers]:
                        if proc.pid is None:
                            raise SystemExit(f"{proc.name} stopped; see {proc.log_file}")
                    if time.monotonic() - last > 10:
                        last = time.monotonic()
                        print(f"  {backfill_elapsed(backfill):6.0f}s  legacy rows kept {kept:,}/{rows:,}, "
                              f"dossiers waiting {waiting:,}, worker RSS {memory.samples[-1][1] if memory.samples else 0:.0f} MB",
                              flush=True)
                    time.sleep(0.5)
                memory.stopped.set()
                profiles.close()
            batches = _batch_figures([METRICS_PORT + i for i in range(len(workers))])
        finally:
            for proc in [*workers, connector]:
                proc.stop()
        migrated, parked_count = _count(anef, usager), _count(anef, parked)
        print(f"ANEF: {migrated:,} usagers, {parked_count:,} dossiers parked; logs in {folder}")
        messages, size = _topic_volume(p.bootstrap_servers, topics)
        if messages == 0:  # the initial load sends no row events: the floor is what they would have been
            messages, size = rows, _event_size(agdref)
        sample = min(messages, args.baseline_messages)
        raw = raw_kafka_rate(p.bootstrap_servers, sample, size, partitions) / (messages / args.persons)
        copy = copy_rate(anef_url, args.persons)
        rate = args.persons / backfill.seconds
        peak = max((mb for _, mb in memory.samples), default=0.0)
        print(f"\n{args.persons:,} persons, {messages:,} change events (avg {size} bytes), "
              f"{args.workers} worker(s), 2 cores")
        figure("backfill, snapshot to ANEF committed", rate, "persons/s")
        figure("baseline: raw Kafka produce + consume", raw, "persons/s")
        figure("baseline: PostgreSQL COPY of the ANEF rows", copy, "persons/s")
        figure("ratio backfill / raw Kafka", rate / raw, "")
        figure("ratio backfill / COPY", rate / copy, "", "goal >= 0.12 (issue 15)")
        figure("worker memory, peak RSS", peak, "MB", "goal <= 1,024")
        for name, value in batches.items():
            figure(name, value, "")
        tail = [mb for t, mb in memory.samples if t > backfill.seconds / 2]
        if tail:
            figure("worker memory, mean RSS over the second half", sum(tail) / len(tail), "MB")
        source.drop(agdref, name, name)


def backfill_elapsed(watch: Stopwatch) -> float:
    return time.perf_counter() - watch.started


if __name__ == "__main__":
    main()
