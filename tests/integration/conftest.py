"""Session-wide real services, and per-test isolation on top of them: each test gets its own
databases, replication slot, publication, topic prefix and consumer group."""
from __future__ import annotations

import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import pytest
from sqlalchemy import Engine, text

from cli.processes import Background
from common.db import engine
from tests.integration.infrastructure import Infrastructure, provide


@pytest.fixture(scope="session")
def infrastructure() -> Iterator[Infrastructure]:
    with provide() as infra:
        yield infra


@dataclass
class Chain:
    """One isolated AGDREF → Kafka → ANEF chain on the shared services."""

    infra: Infrastructure
    name: str
    folder: Path
    agdref: Engine
    anef: Engine

    @property
    def environment(self) -> dict[str, str]:
        return {
            "AGDREF_DATABASE_URL": self.infra.database_url(f"agdref_{self.name}"),
            "ANEF_DATABASE_URL": self.infra.database_url(f"anef_{self.name}"),
            "KAFKA_BOOTSTRAP_SERVERS": self.infra.kafka_bootstrap,
            "KAFKA_TOPIC_PREFIX": self.name,
            "KAFKA_TOPIC_PARTITIONS": "3",
            "REPLICATION_SLOT": self.name,
            "PUBLICATION": self.name,
            "WORKER_ID": f"worker-{self.name}",
            "SINK_BATCH_SECONDS": "0.05",
            "WORKER_METRICS_PORT": "0",  # several workers run side by side; the metrics test picks a port
            "LOG_FORMAT": "json",
        }

    def process(self, name: str) -> Background:
        return Background(name, self.folder)

    def settings(self):
        from common.settings import Settings

        return Settings(**{k.lower(): v for k, v in self.environment.items()})


def wait_for(condition: Callable[[], bool], timeout: float, what: str, interval: float = 0.25) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")


@pytest.fixture
def chain(infrastructure: Infrastructure, tmp_path: Path) -> Iterator[Chain]:
    from connectors import source
    from infra.database import init_all

    name = "t" + secrets.token_hex(4)
    env = {"AGDREF_DATABASE_URL": infrastructure.database_url(f"agdref_{name}"),
           "ANEF_DATABASE_URL": infrastructure.database_url(f"anef_{name}")}
    init_all(env["AGDREF_DATABASE_URL"], env["ANEF_DATABASE_URL"])
    made = Chain(infrastructure, name, tmp_path, engine(env["AGDREF_DATABASE_URL"]), engine(env["ANEF_DATABASE_URL"]))
    try:
        yield made
    finally:
        for proc in ("worker", "connector"):
            made.process(proc).stop(grace_seconds=10)
        if os.environ.get("TEST_SHOW_LOGS"):
            for log in tmp_path.glob("*.log"):
                print(f"--- {log.name}\n{log.read_text()[-5000:]}")
        source.drop(made.agdref, name, name)
        made.agdref.dispose()
        made.anef.dispose()
        admin = engine(infrastructure.postgres_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            for db in (f"agdref_{name}", f"anef_{name}"):
                conn.execute(text(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'))
        admin.dispose()
