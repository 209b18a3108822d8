"""Declared topics on a real broker: created with their configuration, aligned when someone
changed it, and every other difference reported."""
from __future__ import annotations

import dataclasses

from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient

from common.kafka_admin import differences_from_declared, ensure_declared
from schemas.topics import WORKER, declared, owned_by
from tests.integration.conftest import Chain, wait_for


def test_declared_topics_are_created_then_kept_as_declared(chain: Chain):
    bootstrap = chain.infra.kafka_bootstrap
    topics = declared(chain.name, 3)
    ensure_declared(bootstrap, topics)
    assert differences_from_declared(bootstrap, topics) == []
    dossiers = next(t for t in topics if t.name.endswith(".anef.dossiers"))
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, dossiers.name,
                                            configs={"cleanup.policy": "delete"})])
    finally:
        admin.close()
    # A configuration change reaches the broker's answers a moment later (it went unseen once).
    changed = [f"{dossiers.name}: cleanup.policy delete, compact declared"]
    wait_for(lambda: differences_from_declared(bootstrap, topics) == changed, 10, "the change to be reported")
    ensure_declared(bootstrap, owned_by(topics, WORKER))
    wait_for(lambda: differences_from_declared(bootstrap, topics) == [], 10, "the declaration to win again")


def test_a_replication_factor_or_partition_count_below_the_declaration_is_reported(chain: Chain):
    bootstrap = chain.infra.kafka_bootstrap
    topics = declared(chain.name, 3)
    ensure_declared(bootstrap, topics)
    wanted = [dataclasses.replace(t, replication_factor=3, partitions=6) if t.name.endswith(".agdref.titre") else t
              for t in topics]
    assert differences_from_declared(bootstrap, wanted) == [
        f"{chain.name}.agdref.titre: 3 partitions, 6 declared",
        f"{chain.name}.agdref.titre: replication factor [1], 3 declared"]
    assert differences_from_declared(bootstrap, [*topics, dataclasses.replace(topics[0], name="nobody")]) == [
        "nobody: absent"]
