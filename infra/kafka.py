"""Apache Kafka 4.x, single node in KRaft mode, run from the jars on Maven Central.

``ensure_installed`` resolves the broker's jars once into ``.cache/kafka/libs`` with Maven (the pom
is ``deploy/local/pom.xml``); ``start`` formats the storage on first use, launches the JVM in its
own session and blocks until the broker answers a metadata request.
"""
from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

from infra.exceptions import InfraError, MissingToolError, StartTimeoutError
from infra.process import ServiceStatus, ensure_debian_packages, pid_alive, read_pid, started_at, stop_pid
from infra.profile import DEPLOY_LOCAL, KAFKA_LIBS, PROJECT_ROOT, Profile

JVM_HEAP = ["-Xms256m", "-Xmx512m"]  # two cores, shared with PostgreSQL and the workers


def ensure_installed() -> None:
    """Resolve the broker's jars with Maven when they are not cached yet. Blocks for the download."""
    if any(KAFKA_LIBS.glob("kafka_2.13-*.jar")):
        return
    ensure_debian_packages("openjdk-17-jre-headless", check="java")
    ensure_debian_packages("maven", check="mvn")
    result = subprocess.run(
        ["mvn", "-q", "-B", "-f", str(DEPLOY_LOCAL / "pom.xml"), "dependency:copy-dependencies"],
        cwd=PROJECT_ROOT, capture_output=True, text=True,
    )
    if result.returncode != 0 or not any(KAFKA_LIBS.glob("kafka_2.13-*.jar")):
        raise MissingToolError(f"could not resolve Kafka's jars with Maven:\n{result.stdout}\n{result.stderr}")


def java_command(*args: str, log_dir: Path, heap: list[str] = JVM_HEAP) -> list[str]:
    """A JVM running one of Kafka's classes from the cached jars, logging into ``log_dir``."""
    return [
        "java", *heap, "-XX:+UseG1GC", "-Djava.awt.headless=true",
        f"-Dkafka.logs.dir={log_dir}",
        f"-Dlog4j2.configurationFile=file:{DEPLOY_LOCAL / 'log4j2.properties'}",
        "-cp", f"{KAFKA_LIBS}/*", *args,
    ]


def _write_config(profile: Profile) -> Path:
    folder = profile.kafka_dir
    (folder / "data").mkdir(parents=True, exist_ok=True)
    template = (DEPLOY_LOCAL / "server.properties.template").read_text()
    config = folder / "server.properties"
    config.write_text(template.format(
        kafka_port=profile.kafka_port, controller_port=profile.controller_port, data_dir=folder / "data",
    ))
    return config


def _format_storage(profile: Profile, config: Path) -> None:
    if (profile.kafka_dir / "data" / "meta.properties").exists():
        return
    cluster_id = subprocess.run(
        java_command("kafka.tools.StorageTool", "random-uuid", log_dir=profile.kafka_dir),
        capture_output=True, text=True, check=True,
    ).stdout.strip().splitlines()[-1]
    # Eligible leader replicas (KIP-966, on by default in Kafka 4.1) are off: on one node, a broker
    # killed with SIGKILL comes back as an "unclean shutdown", leaves every partition without a
    # leader, and the unclean election that follows left some partitions in RECOVERING for good
    # (producers got NOT_LEADER for minutes). Without them the one replica stays in the ISR and
    # is elected again cleanly: the broker-kill test in tests/integration/test_oracle.py.
    subprocess.run(
        java_command("kafka.tools.StorageTool", "format", "-t", cluster_id, "-c", str(config), "--ignore-formatted",
              "--feature", "eligible.leader.replicas.version=0", log_dir=profile.kafka_dir),
        capture_output=True, text=True, check=True,
    )


def status(profile: Profile) -> ServiceStatus:
    pid = read_pid(profile.kafka_dir / "kafka.pid")
    alive = pid_alive(pid)
    return ServiceStatus(
        name="kafka", running=alive, pid=pid if alive else None, address=profile.bootstrap_servers,
        since=started_at(pid) if alive and pid else None, folder=profile.kafka_dir,
        log=profile.kafka_dir / "server.log",
    )


def start(profile: Profile, timeout: float = 90.0) -> ServiceStatus:
    """Start the broker unless it runs already; block until it answers. Raises StartTimeoutError."""
    current = status(profile)
    if current.running:
        wait_until_ready(profile, timeout)
        return current
    ensure_installed()
    config = _write_config(profile)
    _format_storage(profile, config)
    console = open(profile.kafka_dir / "console.log", "ab")
    proc = subprocess.Popen(
        java_command("kafka.Kafka", str(config), log_dir=profile.kafka_dir),
        stdout=console, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
    )
    (profile.kafka_dir / "kafka.pid").write_text(str(proc.pid))
    wait_until_ready(profile, timeout, proc=proc)
    return status(profile)


def wait_until_ready(profile: Profile, timeout: float, proc: subprocess.Popen | None = None) -> None:
    """Block until the broker serves metadata: a port that accepts is not enough, the controller
    must have elected itself, or the first producer gets NOT_CONTROLLER errors."""
    from kafka import KafkaAdminClient  # imported late: `infra status` must not need it

    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise InfraError(f"Kafka exited with code {proc.returncode}; see {profile.kafka_dir / 'server.log'}")
        try:
            with socket.create_connection(("127.0.0.1", profile.kafka_port), timeout=1):
                pass
            admin = KafkaAdminClient(bootstrap_servers=profile.bootstrap_servers, request_timeout_ms=5000)
            try:
                admin.describe_cluster()
                return
            finally:
                admin.close()
        except Exception as exc:  # noqa: BLE001 - not up yet: connection refused, no controller, metadata timeout
            last_error = exc
            time.sleep(0.5)
    raise StartTimeoutError(
        f"Kafka did not answer on {profile.bootstrap_servers} within {timeout:.0f}s ({last_error}); "
        f"see {profile.kafka_dir / 'server.log'}"
    )


def stop(profile: Profile) -> None:
    """Stop the broker cleanly (SIGTERM lets it close its logs); blocks until it is gone."""
    pid = read_pid(profile.kafka_dir / "kafka.pid")
    if pid_alive(pid):
        stop_pid(pid, grace_seconds=45)
    (profile.kafka_dir / "kafka.pid").unlink(missing_ok=True)
