"""Streaming figures of the log connector: change events per second sustained, and the latency from
the legacy commit to the event in Kafka at 500 legacy transactions per second (p50, p99).

Baselines in the same run: the raw logical decoding rate of the same changes (a second slot read
with `pg_logical_slot_get_binary_changes`, no Kafka, no envelopes), and the latency of a bare
produce-then-consume round trip through the same broker.

    .venv/bin/python -m bench.streaming [--persons 50000] [--rate 500] [--seconds 20]
"""
from __future__ import annotations

import argparse
import secrets
import statistics
import tempfile
import time
from pathlib import Path

import orjson
import psycopg2
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from bench.common import CommitToKafka, Stopwatch, figure, scratch_database
from cli.processes import Background
from common.db import psycopg2_dsn
from connectors import source
from infra.database import init_agdref
from infra.profile import profile
from schemas.agdref_tables import CAPTURED_TABLES
from schemas.envelope import topic_name
from synthetic.seed import seed_population


def _end_total(consumer: KafkaConsumer, parts: list[TopicPartition]) -> int:
    return sum(consumer.end_offsets(parts).values())


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=50_000)
    parser.add_argument("--rate", type=int, default=500, help="legacy transactions per second (latency phase)")
    parser.add_argument("--seconds", type=int, default=20)
    args = parser.parse_args()
    bootstrap = profile("demo").bootstrap_servers
    with scratch_database("streaming", start_kafka=True) as (url, db):
        init_agdref(db)
        seed_population(db, args.persons, seed=3)
        name = "s" + secrets.token_hex(3)
        env = {"AGDREF_DATABASE_URL": url, "KAFKA_BOOTSTRAP_SERVERS": bootstrap, "KAFKA_TOPIC_PREFIX": name,
               "REPLICATION_SLOT": name, "PUBLICATION": name, "LOG_FORMAT": "json"}
        connector = Background("connector", Path(tempfile.mkdtemp(prefix="bench-streaming-")))
        connector.start("connector", "run", "--snapshot", "never", env=env)
        while not source.slot_state(db, name).active:
            time.sleep(0.2)
        conn = psycopg2.connect(psycopg2_dsn(url))
        conn.autocommit = True
        cur = conn.cursor()
        cur.execute("SELECT pg_create_logical_replication_slot('baseline_' || %s, 'pgoutput')", (name,))
        consumer = KafkaConsumer(bootstrap_servers=bootstrap)
        parts: list[TopicPartition] = []
        while len({p.topic for p in parts}) < len(CAPTURED_TABLES):  # metadata of new topics comes late
            consumer.topics()
            parts = [TopicPartition(topic_name(name, t), p) for t in CAPTURED_TABLES
                     for p in (consumer.partitions_for_topic(topic_name(name, t)) or ())]
            time.sleep(0.2)

        # 1. Throughput: one burst of row changes (every permit updated, in transactions of 1,000 rows).
        before = _end_total(consumer, parts)
        cur.execute("SELECT count(*) FROM agdref.titre")
        changes = cur.fetchone()[0]
        cur.execute("SELECT num_titre FROM agdref.titre ORDER BY num_titre")
        every_key = [r[0] for r in cur.fetchall()]
        with Stopwatch() as burst:
            for start in range(0, len(every_key), 1000):  # char(10)[]: a text[] would defeat the index
                cur.execute("UPDATE agdref.titre SET date_maj = to_char(now(), 'YYYYMMDDHH24MISS') "
                            "WHERE num_titre = ANY(%s::char(10)[])", (every_key[start:start + 1000],))
            deadline = time.monotonic() + 600
            while _end_total(consumer, parts) - before < changes:
                if time.monotonic() > deadline or connector.pid is None:
                    raise SystemExit(f"the burst did not reach Kafka: {_end_total(consumer, parts) - before}/{changes}")
                time.sleep(0.1)
        with Stopwatch() as decoding:
            cur.execute("SELECT count(*) FROM pg_logical_slot_get_binary_changes('baseline_' || %s, NULL, NULL,"
                        " 'proto_version', '1', 'publication_names', %s)", (name, name))
            decoded = cur.fetchone()[0]
        cur.execute("SELECT pg_drop_replication_slot('baseline_' || %s)", (name,))

        # 2. Latency at a steady rate of small legacy transactions.
        cur.execute("SELECT num_titre FROM agdref.titre LIMIT %s", (args.rate * args.seconds,))
        keys = [r[0] for r in cur.fetchall()]
        reader = CommitToKafka(bootstrap, [topic_name(name, t) for t in CAPTURED_TABLES])
        reader.start()
        interval, started = 1.0 / args.rate, time.perf_counter()
        for i, key in enumerate(keys):
            cur.execute("UPDATE agdref.titre SET date_maj = to_char(clock_timestamp(), 'YYYYMMDDHH24MISS') "
                        "WHERE num_titre = %s", (key,))
            delay = started + (i + 1) * interval - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
        achieved = len(keys) / (time.perf_counter() - started)
        time.sleep(2)
        latencies = reader.stop()
        connector.stop()
        source.drop(db, name, name)
        conn.close()

        # Baseline: a bare produce → consume round trip through the same broker.
        producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
        probe = TopicPartition(f"{name}.probe", 0)
        from common.kafka_admin import ensure_topics

        ensure_topics(bootstrap, [probe.topic], 1)
        round_trips = []
        probe_consumer = KafkaConsumer(bootstrap_servers=bootstrap)
        probe_consumer.assign([probe])
        probe_consumer.seek_to_end(probe)
        probe_consumer.position(probe)  # resolve the end now: a lazy seek would skip the first probe
        for _ in range(200):
            sent = time.time() * 1000
            producer.send(probe.topic, orjson.dumps(sent)).get(timeout=10)
            got = False
            while not got:
                for messages in probe_consumer.poll(timeout_ms=100).values():
                    round_trips.extend(time.time() * 1000 - orjson.loads(m.value) for m in messages)
                    got = bool(messages)
        producer.close()
        probe_consumer.close()
        consumer.close()
    print()
    figure("change events in the burst", changes, "events")
    figure("streaming throughput (commit → Kafka)", changes / burst.seconds, "events/s")
    figure("baseline: raw logical decoding, no Kafka", decoded / decoding.seconds, "messages/s")
    figure("ratio throughput / raw decoding", (changes / burst.seconds) / (decoded / decoding.seconds), "")
    figure("legacy transactions per second achieved", achieved, "tx/s", f"(asked {args.rate})")
    figure("commit → Kafka latency p50", statistics.median(latencies), "ms", f"({len(latencies)} events)")
    figure("commit → Kafka latency p99", _percentile(latencies, 0.99), "ms")
    figure("baseline: bare produce → consume p50", statistics.median(round_trips), "ms")
    figure("baseline: bare produce → consume p99", _percentile(round_trips, 0.99), "ms")


if __name__ == "__main__":
    main()
