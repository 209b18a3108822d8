"""A local Kafka cluster of several nodes (KRaft, each node broker and controller), for the
rehearsal of what production runs: replication factor 3, two replicas in sync for a write, a
node that dies and comes back. ``agdref-anef infra up --profile rehearsal --brokers 3``.

Node ``i`` (1-based) listens on ``kafka_port + 2(i-1)`` and its controller on the port after; its
folder is ``<profile>/kafka/node-<i>``. Small heaps: three JVMs share two cores with everything
else. Blocking calls; ``StartTimeoutError`` when the cluster does not answer."""
from __future__ import annotations

import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from infra.exceptions import StartTimeoutError
from infra.kafka import ensure_installed, java_command, wait_until_ready
from infra.process import ServiceStatus, pid_alive, read_pid, started_at, stop_pid
from infra.profile import DEPLOY_LOCAL, Profile

NODE_HEAP = ["-Xms128m", "-Xmx384m"]


@dataclass(frozen=True)
class Node:
    profile: Profile
    node_id: int

    @property
    def kafka_port(self) -> int:
        return self.profile.kafka_port + 2 * (self.node_id - 1)

    @property
    def controller_port(self) -> int:
        return self.kafka_port + 1

    @property
    def folder(self) -> Path:
        return self.profile.kafka_dir / f"node-{self.node_id}"

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.kafka_port}"

    def pid(self) -> int | None:
        pid = read_pid(self.folder / "kafka.pid")
        return pid if pid_alive(pid) else None


def nodes(profile: Profile, count: int) -> list[Node]:
    return [Node(profile, i) for i in range(1, count + 1)]


def bootstrap_servers(profile: Profile, count: int) -> str:
    return ",".join(n.address for n in nodes(profile, count))


def _configure(node: Node, voters: str) -> Path:
    (node.folder / "data").mkdir(parents=True, exist_ok=True)
    config = node.folder / "server.properties"
    config.write_text((DEPLOY_LOCAL / "cluster.properties.template").read_text().format(
        node_id=node.node_id, voters=voters, kafka_port=node.kafka_port, controller_port=node.controller_port,
        data_dir=node.folder / "data"))
    return config


def _format(node: Node, config: Path, cluster_id: str) -> None:
    if (node.folder / "data" / "meta.properties").exists():
        return
    subprocess.run(java_command("kafka.tools.StorageTool", "format", "-t", cluster_id, "-c", str(config),
                         "--ignore-formatted", log_dir=node.folder), capture_output=True, text=True, check=True)


def start_node(node: Node, count: int) -> None:
    """Start one node (its storage formatted on first use). Does not wait: the cluster answers
    once a majority of controllers runs."""
    if node.pid() is not None:
        return
    voters = ",".join(f"{n.node_id}@127.0.0.1:{n.controller_port}" for n in nodes(node.profile, count))
    config = _configure(node, voters)
    id_file = node.profile.kafka_dir / "cluster.id"
    if not id_file.exists():
        id_file.parent.mkdir(parents=True, exist_ok=True)
        id_file.write_text(subprocess.run(java_command("kafka.tools.StorageTool", "random-uuid", log_dir=node.profile.kafka_dir),
                                          capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1])
    _format(node, config, id_file.read_text().strip())
    console = open(node.folder / "console.log", "ab")
    proc = subprocess.Popen(java_command("kafka.Kafka", str(config), log_dir=node.folder, heap=NODE_HEAP), stdout=console, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            start_new_session=True)
    (node.folder / "kafka.pid").write_text(str(proc.pid))


def start(profile: Profile, count: int, timeout: float = 120.0) -> list[ServiceStatus]:
    """Start every node and block until the cluster serves metadata."""
    ensure_installed()
    for node in nodes(profile, count):
        start_node(node, count)
    wait_until_ready(profile, timeout)
    wait_for_brokers(profile, count, timeout)
    return status(profile, count)


def wait_for_brokers(profile: Profile, count: int, timeout: float = 120.0) -> None:
    """Block until ``count`` brokers are registered and unfenced (a node that came back has
    rejoined). Raises StartTimeoutError."""
    from kafka import KafkaAdminClient

    deadline = time.monotonic() + timeout
    seen: list = []
    while time.monotonic() < deadline:
        admin = KafkaAdminClient(bootstrap_servers=bootstrap_servers(profile, count), request_timeout_ms=5000)
        try:
            seen = [b for b in admin.describe_cluster()["brokers"] if not b.get("is_fenced")]
        except Exception:  # noqa: BLE001 - a node still starting: ask again
            seen = []
        finally:
            admin.close()
        if len(seen) >= count:
            return
        time.sleep(0.5)
    raise StartTimeoutError(f"{len(seen)} of {count} Kafka brokers registered after {timeout:.0f}s; "
                            f"see {profile.kafka_dir}/node-*/server.log")


def status(profile: Profile, count: int) -> list[ServiceStatus]:
    found = []
    for node in nodes(profile, count):
        pid = node.pid()
        found.append(ServiceStatus(name=f"kafka node {node.node_id}", running=pid is not None, pid=pid,
                                   address=node.address, since=started_at(pid) if pid else None, folder=node.folder,
                                   log=node.folder / "server.log"))
    return found


def stop(profile: Profile, count: int, grace_seconds: float = 30.0) -> None:
    """Stop every node at once: one by one, the last nodes would wait for a controller quorum
    that is already gone until their grace runs out."""
    from concurrent.futures import ThreadPoolExecutor

    running = [(node, node.pid()) for node in nodes(profile, count)]
    with ThreadPoolExecutor(len(running)) as pool:
        list(pool.map(lambda item: stop_pid(item[1], grace_seconds) if item[1] else None, running))
    for node, _ in running:
        (node.folder / "kafka.pid").unlink(missing_ok=True)
