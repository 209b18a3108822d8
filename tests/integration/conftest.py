"""Session-wide real services, and per-test isolation on top of them: each test gets its own
databases, replication slot, publication, topic prefix and consumer group."""
from __future__ import annotations

import os
import secrets
import signal
import socket
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, text

from cli.processes import Background
from common.db import engine
from schemas import agdref_tables as legacy
from schemas.anef_tables import conflict, legacy_row, pending
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
            "WAY_BACK_SLOT": f"{self.name}_back",
            "WAY_BACK_PUBLICATION": f"{self.name}_back",
            "WAY_BACK_METRICS_PORT": "0",
            "WORKER_ID": f"worker-{self.name}",
            "SINK_BATCH_SECONDS": "0.05",
            "SNAPSHOT_SETTLE_SECONDS": "0.5",
            "WORKER_METRICS_PORT": "0",  # several workers run side by side; the metrics test picks a port
            "LOG_FORMAT": "json",
        }

    def process(self, name: str) -> Background:
        return Background(name, self.folder)

    def snapshot_state(self) -> tuple[int, bool]:
        """(rows the connector's snapshots have read, whether every snapshot asked is done)."""
        from connectors import source

        progress = source.snapshot_progress(self.agdref)
        return sum(p.rows_read for p in progress), bool(progress) and all(p.done for p in progress)

    def start_connector_past_its_snapshot(self) -> Background:
        """A running connector that has finished its initial snapshot, as change events (every
        row in Kafka: these tests read it there): a row written from now on reaches Kafka once,
        through the log (one written during the snapshot may also be read by it)."""
        connector = self.process("connector")
        connector.start("connector", "run", "--snapshot", "events", env=self.environment)
        wait_for(lambda: self.snapshot_state()[1], 60, "the connector's initial snapshot")
        return connector

    def kill(self, name: str) -> None:
        """SIGKILL the process, as a crash would: no cleanup, no last commit."""
        process = self.process(name)
        pid = process.pid
        assert pid is not None, (f"the {name} is not running; its log ends with:\n"
                                 + process.log_tail())
        os.kill(pid, signal.SIGKILL)
        wait_for(lambda: self.process(name).pid is None, 10, f"the {name} to die")

    def hold_slot(self):
        """A replication connection streaming from the chain's slot, as a connector's server process
        does; taken once a killed connector's own server process has let the slot go."""
        import psycopg2
        import psycopg2.extras

        from common.db import psycopg2_dsn
        from common.retry import retrying

        def attempt():
            holder = psycopg2.connect(psycopg2_dsn(self.environment["AGDREF_DATABASE_URL"]),
                                      connection_factory=psycopg2.extras.LogicalReplicationConnection)
            try:
                holder.cursor().start_replication(slot_name=self.name, decode=False,
                                                  options={"proto_version": "1", "publication_names": self.name})
                return holder
            except BaseException:
                holder.close()
                raise

        return retrying(attempt, psycopg2.errors.ObjectInUse, wait_seconds=30, first=0.1, longest=0.5,
                        give_up=lambda _: AssertionError("the slot's former holder never released it"))

    def settings(self):
        from common.settings import Settings

        return Settings(**{k.lower(): v for k, v in self.environment.items()})


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def scrape(port: int) -> str:
    """The worker's /metrics page ("" while it does not answer)."""
    try:
        return urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2).read().decode()
    except OSError:
        return ""


def legacy_rows(agdref: Engine) -> int:
    """Rows in AGDREF's captured tables."""
    with agdref.connect() as conn:
        return sum(conn.execute(select(func.count()).select_from(legacy.metadata.tables[f"agdref.{t}"])).scalar_one()
                   for t in legacy.CAPTURED_TABLES)


def kept_rows(anef: Engine) -> int:
    """Legacy rows the pipeline keeps (deleted ones excepted)."""
    with anef.connect() as conn:
        return conn.execute(select(func.count()).select_from(legacy_row).where(~legacy_row.c.deleted)).scalar_one()


def waiting_dossiers(anef: Engine) -> int:
    with anef.connect() as conn:
        return conn.execute(select(func.count()).select_from(pending)).scalar_one()


def stale_kept_rows(agdref: Engine, anef: Engine) -> list[tuple[str, str]]:
    """(table, key) of every legacy row the assembly area keeps otherwise than AGDREF holds it, or
    lacks, or keeps though AGDREF deleted it: a change lost on the way, where a stale dossier with
    no stale row is a lost rebuild (or a conflict held)."""
    from pipeline.decide import source_key
    from schemas.fingerprint import row_digest_sql

    found: dict[tuple[str, str], str] = {}
    with agdref.connect() as conn:
        for table in legacy.CAPTURED_TABLES:
            keys = legacy.primary_key_columns(table)
            for r in conn.execute(text(f"SELECT {', '.join(keys)}, {row_digest_sql(table, 'r')}"
                                       f" FROM agdref.{table} AS r")):
                found[(table, source_key(table, dict(zip(keys, r))))] = r[-1]
    with anef.connect() as conn:
        kept = {(r.source_table, r.source_key): r.digest for r in conn.execute(
            select(legacy_row.c.source_table, legacy_row.c.source_key, legacy_row.c.digest)
            .where(~legacy_row.c.deleted))}
    return sorted(k for k in found.keys() | kept.keys() if found.get(k) != kept.get(k))


def settled(agdref: Engine, anef: Engine) -> bool:
    """Every AGDREF row is kept by the pipeline, no dossier waits for its rebuild, and ANEF equals
    the mapping applied to AGDREF directly."""
    from reconciliation.dossiers import compare_dossiers

    return (kept_rows(anef) == legacy_rows(agdref) and waiting_dossiers(anef) == 0
            and compare_dossiers(agdref, anef).consistent)


def assert_anef_equals_the_mapping_of_agdref(chain: Chain, timeout: float = 180) -> None:
    """The oracle's verdict: once settled, ANEF holds the mapping of the final AGDREF, no dossier
    missing, extra or stale, and every dossier not in ANEF parked as expected."""
    from reconciliation.dossiers import compare_dossiers

    wait_for(lambda: settled(chain.agdref, chain.anef), timeout, "ANEF to match the mapping of the final AGDREF",
             explain=lambda: where_it_stands(chain))
    comparison = compare_dossiers(chain.agdref, chain.anef)
    assert (comparison.missing, comparison.unexpected, comparison.mismatched) == ([], [], {})
    assert comparison.parked_found == comparison.parked_expected


def where_it_stands(chain: Chain) -> str:
    """What an unsettled chain looks like, for the message of a failed wait: which dossiers differ,
    and where the difference lies (a kept row unlike AGDREF's: a change lost on the way; none: a
    rebuild lost, or a conflict held; a dead letter)."""
    from pipeline.rejects import dead_letters
    from reconciliation.dossiers import compare_dossiers
    from schemas.topics import dead_letter_topic

    c = compare_dossiers(chain.agdref, chain.anef)
    alive = {name: chain.process(name).pid is not None for name in ("connector", "worker")}
    with chain.anef.connect() as conn:
        held = sorted(conn.execute(select(conflict.c.numero_etranger)).scalars())
    stale = stale_kept_rows(chain.agdref, chain.anef)
    letters = dead_letters(chain.infra.kafka_bootstrap, dead_letter_topic(chain.name))
    return (f"kept {kept_rows(chain.anef)}/{legacy_rows(chain.agdref)} legacy rows, {waiting_dossiers(chain.anef)} "
            f"dossiers waiting; missing {c.missing[:5]}, unexpected {c.unexpected[:5]}, different "
            f"{list(c.mismatched.items())[:5]}, parked expected-only {sorted(set(c.parked_expected) - set(c.parked_found))[:5]}, "
            f"found-only {sorted(set(c.parked_found) - set(c.parked_expected))[:5]}; kept rows unlike AGDREF's "
            f"{len(stale)} {stale[:5]}; conflicts held {held[:5]}; dead letters {len(letters)}; alive {alive}")


def wait_for(condition: Callable[[], bool], timeout: float, what: str, interval: float = 0.25,
             explain: Callable[[], str] | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}" + (f": {explain()}" if explain else ""))


def drop_databases(infrastructure: Infrastructure, *names: str) -> None:
    """Drop a test's databases, sessions still connected to them included."""
    admin = engine(infrastructure.postgres_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            for name in names:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


@pytest.fixture
def app(chain: Chain):
    """The web application on this test's databases, a user of each role (``web_client``)."""
    from tests.integration.web_client import web_client

    yield from web_client(chain)


def _delete_topics(bootstrap: str, name: str) -> None:
    """Delete the chain's topics (its prefix, and its workers' Faust topics). Without it the shared
    broker ends the suite with thousands of partitions, and every broker restart a test causes
    spends a minute recovering them (measured: 64 s at 4,700 partitions)."""
    from kafka.admin import KafkaAdminClient

    from common.kafka_admin import delete_topics

    try:
        admin = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10_000)
    except Exception:  # noqa: BLE001 - a test that stopped the broker: its topics stay, harmlessly
        return
    try:
        delete_topics(admin, (f"{name}.", f"worker-{name}-"))
    except Exception:  # noqa: BLE001 - cleanup only; never fails the test it follows
        pass
    finally:
        admin.close()


def _kill_every_process_of(folder: Path) -> None:
    """Every process the test started (worker, connector, web…), SIGKILLed with its process group
    (a worker's sink processes) all at once: their databases and topics go next, so nothing of
    theirs needs a clean stop, and a Faust worker's clean stop took ~2 s, one process after the
    other (a fifth of the suite's teardowns). Tests of a clean stop stop their processes themselves."""
    from infra.process import pid_alive, read_pid

    pids = [pid for pid in map(read_pid, folder.glob("*.pid")) if pid_alive(pid)]
    for pid in pids:
        try:
            os.killpg(pid, signal.SIGKILL)  # started in a session of its own: its group is its pid
        except ProcessLookupError:
            pass
    wait_for(lambda: not any(map(pid_alive, pids)), 10, "the test's processes to die")
    for pid_file in folder.glob("*.pid"):
        pid_file.unlink(missing_ok=True)


@pytest.fixture
def chain(infrastructure: Infrastructure, tmp_path: Path) -> Iterator[Chain]:
    from connectors import source, way_back_source
    from infra.database import init_all
    from pipeline.way_back_writer import drop_origins
    from schemas.topics import WAY_BACK_ORIGIN

    name = "t" + secrets.token_hex(4)
    env = {"AGDREF_DATABASE_URL": infrastructure.database_url(f"agdref_{name}"),
           "ANEF_DATABASE_URL": infrastructure.database_url(f"anef_{name}")}
    init_all(env["AGDREF_DATABASE_URL"], env["ANEF_DATABASE_URL"])
    made = Chain(infrastructure, name, tmp_path, engine(env["AGDREF_DATABASE_URL"]), engine(env["ANEF_DATABASE_URL"]))
    try:
        yield made
    finally:
        _kill_every_process_of(tmp_path)
        if os.environ.get("TEST_SHOW_LOGS"):
            for log in tmp_path.glob("*.log"):
                print(f"--- {log.name}\n{log.read_text()[-5000:]}")
        source.drop(made.agdref, name, name)
        way_back_source.drop(made.anef, f"{name}_back", f"{name}_back")  # a database with a slot cannot be dropped
        drop_origins(made.agdref, f"{WAY_BACK_ORIGIN}:worker-{name}")  # each holds one of the server's slot states
        made.agdref.dispose()
        made.anef.dispose()
        if os.environ.get("TEST_KEEP_DATABASES"):  # to look at a failure: agdref_<name>, anef_<name>, topics
            print(f"kept databases agdref_{name} and anef_{name}")
        else:
            _delete_topics(infrastructure.kafka_bootstrap, name)
            drop_databases(infrastructure, f"agdref_{name}", f"anef_{name}")
