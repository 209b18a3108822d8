"""The three-broker rehearsal: Kafka as production runs it (three nodes, replication factor 3, two
replicas in sync), the chain in the middle of the overlap workload, and the node leading the most
partitions killed with SIGKILL. The connector and the workers go on without a restart, ANEF ends
equal to the mapping of the final AGDREF, and the node comes back and rejoins every ISR."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator

import pytest
from kafka.admin import KafkaAdminClient
from kafka.errors import KafkaError
from sqlalchemy import func, select

from infra import kafka_cluster
from infra.profile import profile
from schemas.anef_tables import demande, usager
from schemas.topics import dead_letter_topic
from tests.integration.conftest import Chain, settled, wait_for, where_it_stands
from tests.integration.test_oracle import dead_letters
from tests.integration.test_overlap import AGDREF_ONLY

BROKERS = 3
WORKLOAD_SECONDS = 30


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    rehearsal = profile("rehearsal")
    kafka_cluster.start(rehearsal, BROKERS)
    try:
        yield kafka_cluster.bootstrap_servers(rehearsal, BROKERS)
    finally:
        kafka_cluster.stop(rehearsal, BROKERS)


def partitions(bootstrap: str, prefix: str) -> list[dict]:
    """The prefix's partitions as the cluster describes them (empty while it cannot say: a dead
    node still in the metadata for a few seconds makes kafka-python's admin client fail)."""
    try:
        admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    except KafkaError:
        return []
    try:
        names = [t for t in admin.list_topics() if t.startswith(prefix + ".")]
        return [p for d in admin.describe_topics(names) for p in d["partitions"]]
    except KafkaError:
        return []
    finally:
        admin.close()


def leaders(bootstrap: str, prefix: str) -> Counter:
    """How many of the prefix's partitions each broker leads."""
    return Counter(p["leader_id"] for p in partitions(bootstrap, prefix))


def migrated(chain: Chain) -> int:
    """Persons and applications in ANEF: the workload files about four applications a second (new
    persons alone, one a second, left the probe flat for a minute once)."""
    with chain.anef.connect() as conn:
        return sum(conn.execute(select(func.count()).select_from(t)).scalar_one() for t in (usager, demande))


def test_the_chain_survives_the_partition_leaders_broker_killed_and_the_broker_rejoins(chain: Chain, cluster: str):
    rehearsal = profile("rehearsal")
    env = {**chain.environment, "KAFKA_BOOTSTRAP_SERVERS": cluster, "KAFKA_TOPIC_PARTITIONS": "3",
           "KAFKA_REPLICATION_FACTOR": "3", "KAFKA_MIN_INSYNC_REPLICAS": "2"}
    from synthetic.seed import seed_population

    seed_population(chain.agdref, 200, seed=31, processes=1)
    chain.process("connector").start("connector", "run", env=env)
    for name in ("worker", "worker2"):
        chain.process(name).start("worker", env=env)
    workload = subprocess.Popen(
        [sys.executable, "-m", "cli", "simulate", "--rate", "20", "--duration", str(WORKLOAD_SECONDS), "--seed", "5",
         "--mix", AGDREF_ONLY], env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(WORKLOAD_SECONDS / 3)
    victim_id, led = leaders(cluster, chain.name).most_common(1)[0]
    victim = kafka_cluster.nodes(rehearsal, BROKERS)[victim_id - 1]
    before, killed_at = migrated(chain), time.monotonic()
    os.kill(victim.pid(), signal.SIGKILL)
    # (kafka-python's admin client gives up on a dead first bootstrap server: ask the survivors)
    survivors = ",".join(n.address for n in kafka_cluster.nodes(rehearsal, BROKERS) if n != victim)
    wait_for(lambda: (found := leaders(survivors, chain.name)) and victim_id not in found, 60,
             "the partitions to elect other leaders")
    failover = time.monotonic() - killed_at
    wait_for(lambda: migrated(chain) > before, 60, "ANEF to move on with one broker down")
    resumed = time.monotonic() - killed_at
    time.sleep(5)
    for name in ("connector", "worker", "worker2"):
        assert chain.process(name).pid is not None, f"the {name} died with the broker: {chain.process(name).log_file}"
    kafka_cluster.start_node(victim, BROKERS)
    back_at = time.monotonic()
    kafka_cluster.wait_for_brokers(rehearsal, BROKERS)
    wait_for(lambda: (found := partitions(cluster, chain.name)) and all(len(p["isr_nodes"]) == BROKERS for p in found),
             120, "the node to rejoin every ISR")
    rejoined = time.monotonic() - back_at
    _, err = workload.communicate(timeout=WORKLOAD_SECONDS + 120)
    assert workload.returncode == 0, err[-3000:]
    wait_for(lambda: settled(chain.agdref, chain.anef), 180, "ANEF to match the mapping of the final AGDREF",
             explain=lambda: where_it_stands(chain))
    settled_after = time.monotonic() - killed_at
    assert dead_letters(cluster, dead_letter_topic(chain.name)) == []
    for name in ("connector", "worker", "worker2"):
        assert chain.process(name).pid is not None, f"the {name} did not survive: {chain.process(name).log_file}"
    print(f"three brokers: node {victim_id} led {led} partitions; leaders elected elsewhere {failover:.1f} s after "
          f"the kill, ANEF moving again after {resumed:.1f} s, the node back in every ISR {rejoined:.1f} s after its "
          f"restart, ANEF equal to the mapping {settled_after:.1f} s after the kill")
