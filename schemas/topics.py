"""Every Kafka topic of the product, declared once: name, partitions, replication factor, minimum
in-sync replicas, cleanup policy, retention. From this list the connector and the worker create
the topics they own (``common.kafka_admin.ensure_declared``), the worker checks the ones it reads
and writes before it starts, Debezium's configuration gets its ``topic.creation`` groups, and the
Kubernetes ``KafkaTopic`` manifests are generated (``agdref-anef deploy render``). Pure.

Without it each part chose its own: topics created with one replica while the cluster demands two
in-sync (``acks=all`` writes then fail), and a manifest listing two topics of nine."""
from __future__ import annotations

from dataclasses import dataclass

from schemas.agdref_tables import CAPTURED_TABLES
from schemas.envelope import topic_name, transaction_topic

CONNECTOR, WORKER, POLLING, WAY_BACK = "connector", "worker", "polling connector", "way-back connector"
#: The replication origin (prefix) under which the way back writes AGDREF: the forward connector
#: skips those transactions, so ANEF's rows never come back to ANEF as AGDREF's (issue 18).
WAY_BACK_ORIGIN = "agdref_anef_way_back"
#: The ANEF tables whose own rows (origine = 'ANEF') the way back captures (issue 18).
WAY_BACK_TABLES = ("usager", "titre", "demande", "attestation", "mesure_eloignement")


@dataclass(frozen=True)
class Topic:
    name: str
    partitions: int
    replication_factor: int
    min_insync_replicas: int
    cleanup_policy: str           # "delete" or "compact"
    retention_ms: int | None      # None: the broker's default; -1: kept for ever
    owner: str                    # who creates it: CONNECTOR, WORKER or POLLING
    purpose: str

    def configs(self) -> dict[str, str]:
        """The topic-level configuration Kafka is given at creation (and checked against)."""
        found = {"cleanup.policy": self.cleanup_policy, "min.insync.replicas": str(self.min_insync_replicas)}
        if self.retention_ms is not None:
            found["retention.ms"] = str(self.retention_ms)
        return found


def heartbeat_topic(prefix: str) -> str:
    """Debezium's heartbeat topic (``__debezium-heartbeat.<topic.prefix>``)."""
    return f"__debezium-heartbeat.{prefix}"


def dead_letter_topic(prefix: str) -> str:
    return f"{prefix}.pipeline.dead-letters"


def dossier_topic(prefix: str) -> str:
    """The migrated dossiers as ANEF holds them, keyed by foreigner number (a tombstone when erased)."""
    return f"{prefix}.anef.dossiers"


def initial_load_topic(prefix: str) -> str:
    """The initial load's key ranges, planned by the connector, shared by the workers."""
    return f"{prefix}.pipeline.initial-load"


def way_back_transaction_topic(prefix: str) -> str:
    """The way back's transaction boundaries: its own, so the forward worker never reads ANEF's
    BEGIN/END as AGDREF's (Debezium: ``topic.transaction = anef.transaction``)."""
    return f"{prefix}.anef.transaction"


def way_back_heartbeat_topic(prefix: str) -> str:
    """Heartbeats of the way back's capture (Debezium: ``topic.heartbeat.prefix`` then the
    prefix, so ``__debezium-heartbeat.anef`` gives this name)."""
    return f"__debezium-heartbeat.anef.{prefix}"


def polling_offsets_topic(prefix: str) -> str:
    return f"{prefix}.polling-offsets"


def declared(prefix: str, partitions: int, replication_factor: int = 1, min_insync_replicas: int = 1) -> list[Topic]:
    """Every topic for one deployment. Raises ValueError when the minimum in-sync replicas exceed
    the replication factor (no write could ever be acknowledged)."""
    if not 1 <= min_insync_replicas <= replication_factor:
        raise ValueError(f"min.insync.replicas {min_insync_replicas} must be between 1 and the replication factor "
                         f"{replication_factor}")

    def topic(name: str, count: int, owner: str, purpose: str, cleanup: str = "delete",
              retention_ms: int | None = None) -> Topic:
        return Topic(name, count, replication_factor, min_insync_replicas, cleanup, retention_ms, owner, purpose)

    return [
        *(topic(topic_name(prefix, table), partitions, CONNECTOR, f"changes of agdref.{table} (Debezium envelope)")
          for table in CAPTURED_TABLES),
        # One partition: BEGIN and END of every legacy transaction in commit order, as Debezium does.
        topic(transaction_topic(prefix), 1, CONNECTOR, "legacy transaction boundaries (BEGIN/END)"),
        topic(heartbeat_topic(prefix), 1, CONNECTOR, "heartbeats of an idle connector"),
        # Kept for ever: a dead letter is a legacy change nobody has replayed yet; losing it to
        # retention would lose the change.
        topic(dead_letter_topic(prefix), partitions, WORKER, "events the worker could not use, with their origin",
              retention_ms=-1),
        # Kept a week: a load is planned, published and read within hours; a worker restarted
        # during it reads its unacknowledged ranges again. The workers' (Debezium never writes it);
        # our connector, which plans the load, makes sure it exists before publishing.
        topic(initial_load_topic(prefix), partitions, WORKER, "initial-load key ranges for the workers",
              retention_ms=7 * 24 * 3600 * 1000),
        topic(dossier_topic(prefix), partitions, WORKER, "migrated dossiers as ANEF holds them", cleanup="compact"),
        topic(polling_offsets_topic(prefix), 1, POLLING, "where the polling connector stands", cleanup="compact"),
        *(topic(topic_name(prefix, table, "anef"), partitions, WAY_BACK,
                f"rows ANEF created in anef.{table} (Debezium envelope), for the way back")
          for table in WAY_BACK_TABLES),
        topic(way_back_transaction_topic(prefix), 1, WAY_BACK, "ANEF transaction boundaries of the way back"),
        topic(way_back_heartbeat_topic(prefix), 1, WAY_BACK, "heartbeats of an idle way-back capture"),
    ]


def owned_by(topics: list[Topic], owner: str) -> list[Topic]:
    return [t for t in topics if t.owner == owner]
