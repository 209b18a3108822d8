"""Every topic is declared once, with what Kafka needs to keep it safe."""
from __future__ import annotations

import pytest

from common.settings import Settings
from schemas.topics import CONNECTOR, POLLING, WAY_BACK, WORKER, declared, owned_by


def test_every_topic_of_a_deployment_is_declared_with_its_owner():
    topics = {t.name: t for t in declared("p", 12, 3, 2)}
    assert len(topics) == 19 and {t.owner for t in topics.values()} == {CONNECTOR, WORKER, POLLING, WAY_BACK}
    assert topics["p.agdref.etranger"].partitions == 12 and topics["p.transaction"].partitions == 1
    assert {t.replication_factor for t in topics.values()} == {3}
    assert topics["p.anef.dossiers"].configs() == {"cleanup.policy": "compact", "min.insync.replicas": "2"}
    assert topics["p.pipeline.dead-letters"].configs()["retention.ms"] == "-1", "a dead letter is never dropped"
    assert [t.name for t in owned_by(list(topics.values()), WORKER)] == [
        "p.pipeline.dead-letters", "p.pipeline.initial-load", "p.anef.dossiers"]
    assert topics["p.anef.titre"].owner == WAY_BACK and topics["p.anef.transaction"].partitions == 1


def test_more_in_sync_replicas_than_replicas_is_refused_with_both_settings_named():
    with pytest.raises(ValueError, match="min.insync.replicas 3"):
        declared("p", 6, 2, 3)
    with pytest.raises(ValueError, match="KAFKA_MIN_INSYNC_REPLICAS .2. exceeds KAFKA_REPLICATION_FACTOR .1."):
        Settings(kafka_min_insync_replicas=2)
    assert len(Settings(kafka_replication_factor=3, kafka_min_insync_replicas=2).topics()) == 19
