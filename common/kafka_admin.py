"""Topic administration shared by the connectors and the worker (the broker creates no topic on demand)."""
from __future__ import annotations

from kafka.admin import KafkaAdminClient, NewTopic
from kafka.errors import TopicAlreadyExistsError


def ensure_topics(bootstrap_servers: str, names: list[str], partitions: int, replication_factor: int = 1,
                  configs: dict[str, str] | None = None) -> None:
    """Create the topics that do not exist yet (with ``configs``, e.g. compaction); existing ones
    are left as they are."""
    admin = KafkaAdminClient(bootstrap_servers=bootstrap_servers, client_id="agdref-anef-admin")
    try:
        existing = set(admin.list_topics())
        missing = [NewTopic(n, partitions, replication_factor, topic_configs=configs or {})
                   for n in names if n not in existing]
        if missing:
            try:
                # Wait for the metadata: a producer that sends at once to a topic the broker has
                # not propagated yet gets "not found in cluster metadata".
                admin.create_topics(missing, wait_for_metadata=True)
            except TopicAlreadyExistsError:
                pass  # another process created it between our look and our create
    finally:
        admin.close()
