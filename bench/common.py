"""What every benchmark shares: where to run (a database of its own on the local profile's
server, created and dropped by the benchmark), and how to print figures."""
from __future__ import annotations

import os
import secrets
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


class CommitToKafka:
    """For every change event written to the given topics between ``start`` and ``stop``, the time
    from its legacy commit (``source.ts_ms``) to Kafka (the record's timestamp), in ms.

    The events are read after ``stop``, not while the chain runs: the record's timestamp is set
    when it is produced, so reading later changes nothing, and reading live took 40 % of a core
    from the 2 the chain is measured on (decoding every event in Python)."""

    def __init__(self, bootstrap: str, topics: list[str]) -> None:
        from kafka import KafkaConsumer, TopicPartition

        self.consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
        self.parts = [TopicPartition(t, i) for t in topics for i in self.consumer.partitions_for_topic(t) or ()]
        self.consumer.assign(self.parts)
        self.first: dict = {}

    def start(self) -> None:
        """From now on: the current end of every partition."""
        self.first = self.consumer.end_offsets(self.parts)

    def stop(self) -> list[float]:
        """Read what was written since ``start``; the latencies, sorted."""
        from schemas.envelope import ChangeEvent

        last = self.consumer.end_offsets(self.parts)
        latencies: list[float] = []
        for tp in self.parts:
            if last[tp] > self.first[tp]:
                self.consumer.seek(tp, self.first[tp])
        remaining = {tp for tp in self.parts if last[tp] > self.first[tp]}
        while remaining:
            for tp, messages in self.consumer.poll(timeout_ms=1000).items():
                for m in messages:
                    if m.offset < last[tp] and m.value is not None:
                        latencies.append(m.timestamp - ChangeEvent.from_json(m.value).source.ts_ms)
                if messages and messages[-1].offset + 1 >= last[tp]:
                    remaining.discard(tp)
                    self.consumer.pause(tp)
        self.consumer.close()
        return sorted(latencies)


class Stopwatch:
    def __enter__(self) -> Stopwatch:
        self.started = time.perf_counter()
        return self

    def __exit__(self, *exc) -> None:
        self.seconds = time.perf_counter() - self.started


def figure(name: str, value: float, unit: str, goal: str = "") -> None:
    shown = f"{value:>14.3f}" if not unit else f"{value:>14,.1f}"  # ratios need their decimals
    print(f"{name:<48} {shown} {unit:<14} {goal}")
