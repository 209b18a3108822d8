"""Kafka Connect (standalone) with Debezium's PostgreSQL connector, from the jars on Maven Central.

Used to show that Debezium can take over from our connector: it publishes the same topics in the
same envelope. ``ensure_installed`` resolves Connect (at the broker's version) and Debezium
3.6.1.Final into ``.cache/connect`` (Debezium in a plugin folder of its own); ``start`` writes the
worker and connector properties into a folder and runs ``ConnectStandalone``.
"""
from __future__ import annotations

import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url

from connectors.debezium_config import Source, configuration, properties
from infra.exceptions import MissingToolError
from infra.process import ensure_debian_packages
from infra.profile import CACHE, DEPLOY_LOCAL, PROJECT_ROOT
from schemas.topics import declared

DEBEZIUM = PROJECT_ROOT / "deploy" / "debezium"
CONNECT_LIBS = CACHE / "connect" / "libs"
PLUGINS = CACHE / "connect" / "plugins"


def ensure_installed() -> None:
    """Resolve Connect's and Debezium's jars with Maven when missing. Blocks for the download."""
    ensure_debian_packages("maven", check="mvn")
    for pom, marker in (("connect-pom.xml", CONNECT_LIBS / "connect-runtime-4.1.1.jar"),
                        ("plugin-pom.xml", PLUGINS / "debezium-connector-postgres" / "debezium-connector-postgres-3.6.1.Final.jar")):
        if marker.exists():
            continue
        result = subprocess.run(["mvn", "-q", "-B", "-f", str(DEBEZIUM / pom), "dependency:copy-dependencies"],
                                cwd=PROJECT_ROOT, capture_output=True, text=True)
        if result.returncode != 0 or not marker.exists():
            raise MissingToolError(f"could not resolve {pom} with Maven:\n{result.stdout}\n{result.stderr}")


def source_of(url: str) -> Source:
    """How Debezium reaches the database at a SQLAlchemy URL."""
    found = make_url(url)
    return Source(found.host or "127.0.0.1", str(found.port or 5432), found.username or "postgres",
                  found.password or "", found.database or "")


def start(folder: Path, *, name: str, agdref_url: str, bootstrap: str, prefix: str, slot: str, rest_port: int,
          partitions: int = 3, snapshot_mode: str = "initial", publication: str | None = None,
          more: dict[str, dict[str, str]] | None = None) -> subprocess.Popen:
    """Start a standalone Connect worker running Debezium against ``agdref_url``, configured by
    ``connectors.debezium_config`` exactly as Compose and Kubernetes deploy it (only the source's
    address and the topics' replication are local), and the connectors in ``more`` (name →
    configuration) beside it. Does not block until it streams: watch the topics."""
    ensure_installed()
    folder.mkdir(parents=True, exist_ok=True)
    worker = folder / "worker.properties"
    worker.write_text((DEBEZIUM / "connect-standalone.properties.template").read_text().format(
        bootstrap=bootstrap, offsets=folder / "offsets.dat", plugins=PLUGINS, rest_port=rest_port))
    connector = folder / "connector.properties"
    connector.write_text(properties(name, configuration(
        source_of(agdref_url), prefix=prefix, slot=slot, publication=publication or slot,
        topics=declared(prefix, partitions), snapshot_mode=snapshot_mode)))
    others = []
    for other, config in (more or {}).items():
        others.append(folder / f"{other}.properties")
        others[-1].write_text(properties(other, config))
    log = open(folder / "connect.log", "ab")
    return subprocess.Popen(
        ["java", "-Xms256m", "-Xmx768m", f"-Dkafka.logs.dir={folder}",
         f"-Dlog4j2.configurationFile=file:{DEPLOY_LOCAL / 'log4j2.properties'}",
         "-cp", f"{CONNECT_LIBS}/*", "org.apache.kafka.connect.cli.ConnectStandalone", str(worker), str(connector),
         *map(str, others)],
        stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
    )
