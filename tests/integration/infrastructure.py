"""Where the integration tests find a real Kafka broker and a real PostgreSQL.

In this order:
1. the environment: ``TEST_POSTGRES_URL`` (a server URL whose user may create databases and
   replication slots) and ``TEST_KAFKA_BOOTSTRAP_SERVERS``;
2. the project's own launcher (``infra`` with the ``test`` profile: its own folders and ports);
3. testcontainers, where a Docker engine runs and the launcher cannot (no root, no apt-get).
Whichever is used, the tests see the same object.
"""
from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy.engine import make_url


@dataclass(frozen=True)
class Infrastructure:
    postgres_url: str      # server URL; each test creates its own databases on it
    kafka_bootstrap: str
    provided_by: str

    def database_url(self, name: str) -> str:
        return make_url(self.postgres_url).set(database=name).render_as_string(hide_password=False)


@contextmanager
def _from_environment() -> Iterator[Infrastructure | None]:
    url, kafka = os.environ.get("TEST_POSTGRES_URL"), os.environ.get("TEST_KAFKA_BOOTSTRAP_SERVERS")
    yield Infrastructure(url, kafka, "environment") if url and kafka else None


@contextmanager
def _local_launcher() -> Iterator[Infrastructure]:
    from infra import kafka, postgres
    from infra.profile import profile

    p = profile("test")
    started_here = not (postgres.status(p).running and kafka.status(p).running)
    postgres.start(p)
    kafka.start(p)
    try:
        yield Infrastructure(p.database_url("postgres"), p.bootstrap_servers, "local launcher")
    finally:
        if started_here and not os.environ.get("TEST_KEEP_INFRA"):
            kafka.stop(p)
            postgres.stop(p)


@contextmanager
def _testcontainers() -> Iterator[Infrastructure]:
    from testcontainers.kafka import KafkaContainer
    from testcontainers.postgres import PostgresContainer

    pg = PostgresContainer("postgres:15", driver="psycopg2").with_command(
        "postgres -c wal_level=logical -c max_replication_slots=20 -c max_wal_senders=20")
    with pg, KafkaContainer("apache/kafka:4.1.1").with_kraft() as kafka:
        yield Infrastructure(pg.get_connection_url(), kafka.get_bootstrap_server(), "testcontainers")


def _docker_runs() -> bool:
    try:
        import docker

        docker.from_env().ping()
        return True
    except Exception:  # noqa: BLE001 - no engine, no socket, no permission: all mean "not here"
        return False


@contextmanager
def provide() -> Iterator[Infrastructure]:
    with _from_environment() as given:
        if given is not None:
            yield given
            return
    from infra.exceptions import MissingToolError

    try:
        with _local_launcher() as local:
            yield local
            return
    except MissingToolError:
        if not _docker_runs():
            raise
    with _testcontainers() as containers:
        yield containers
