"""What every benchmark shares: where to run (a database of its own on the local profile's
server, created and dropped by the benchmark), and how to print figures."""
from __future__ import annotations

import os
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, text

from common.db import engine, server_url
from infra import kafka, postgres
from infra.profile import profile


@contextmanager
def scratch_database(prefix: str, start_kafka: bool = False) -> Iterator[tuple[str, Engine]]:
    """A fresh database on the demo profile's server (started if needed), dropped afterwards."""
    p = profile("demo")
    postgres.start(p)
    if start_kafka:
        kafka.start(p)
    name = f"bench_{prefix}_{secrets.token_hex(3)}"
    url = p.database_url(name)
    admin = engine(server_url(url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    db = engine(url)
    try:
        yield url, db
    finally:
        db.dispose()
        if os.environ.get("BENCH_KEEP_DATABASES"):  # to look again at what a run built
            print(f"kept database {name}")
        else:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def scratch_chain(prefix: str) -> Iterator[tuple[str, Engine, str, Engine]]:
    """Two fresh databases with their schemas, AGDREF's and ANEF's, and Kafka started:
    (agdref url, engine, anef url, engine)."""
    from infra.database import init_agdref, init_anef

    with scratch_database(f"{prefix}_agdref", start_kafka=True) as (agdref_url, agdref), \
            scratch_database(f"{prefix}_anef") as (anef_url, anef):
        init_agdref(agdref)
        init_anef(anef)
        yield agdref_url, agdref, anef_url, anef


class CommitToKafka(threading.Thread):
    """Reads the given partitions from their current end and keeps, for every change event, the
    time from its legacy commit (``source.ts_ms``) to Kafka (the record's timestamp), in ms."""

    def __init__(self, bootstrap: str, topics: list[str]) -> None:
        from kafka import KafkaConsumer, TopicPartition

        super().__init__(daemon=True)
        self.consumer = KafkaConsumer(bootstrap_servers=bootstrap)
        parts = [TopicPartition(t, i) for t in topics for i in self.consumer.partitions_for_topic(t) or ()]
        self.consumer.assign(parts)
        self.consumer.seek_to_end(*parts)
        for tp in parts:
            self.consumer.position(tp)  # resolve the end now: a lazy seek would skip the first events
        self.latencies_ms: list[float] = []
        self.stopped = threading.Event()

    def run(self) -> None:
        from schemas.envelope import ChangeEvent

        while not self.stopped.is_set():
            for messages in self.consumer.poll(timeout_ms=200).values():
                for m in messages:
                    if m.value is not None:
                        self.latencies_ms.append(m.timestamp - ChangeEvent.from_json(m.value).source.ts_ms)

    def stop(self) -> list[float]:
        """Stop reading; the latencies, sorted."""
        self.stopped.set()
        self.join()
        self.consumer.close()
        return sorted(self.latencies_ms)


class Stopwatch:
    def __enter__(self) -> Stopwatch:
        self.started = time.perf_counter()
        return self

    def __exit__(self, *exc) -> None:
        self.seconds = time.perf_counter() - self.started


def figure(name: str, value: float, unit: str, goal: str = "") -> None:
    shown = f"{value:>14.3f}" if not unit else f"{value:>14,.1f}"  # ratios need their decimals
    print(f"{name:<48} {shown} {unit:<14} {goal}")
