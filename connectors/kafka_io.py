"""The connector's side of Kafka: topics and a producer that never reorders or loses a change."""
from __future__ import annotations

from kafka import KafkaProducer
from kafka.admin import KafkaAdminClient, NewTopic
from kafka.errors import TopicAlreadyExistsError

from connectors.exceptions import PublishError


def ensure_topics(bootstrap_servers: str, names: list[str], partitions: int, replication_factor: int = 1) -> None:
    """Create the topics that do not exist yet; existing ones are left as they are."""
    admin = KafkaAdminClient(bootstrap_servers=bootstrap_servers, client_id="agdref-anef-admin")
    try:
        existing = set(admin.list_topics())
        missing = [NewTopic(n, partitions, replication_factor) for n in names if n not in existing]
        if missing:
            try:
                # Wait for the metadata: a producer that sends at once to a topic the broker has
                # not propagated yet gets "not found in cluster metadata".
                admin.create_topics(missing, wait_for_metadata=True)
            except TopicAlreadyExistsError:
                pass  # another process created it between our look and our create
    finally:
        admin.close()


class ChangeProducer:
    """A Kafka producer for change events.

    ``acks=all`` and idempotence: a retried send is never written twice and never overtakes an
    earlier one (at most 5 requests in flight keeps the order with idempotence). ``send`` does not
    block; ``flush`` blocks until every sent record is acknowledged and raises PublishError if
    one was not: the caller must then not acknowledge the source past it.
    """

    def __init__(self, bootstrap_servers: str, client_id: str = "agdref-anef-connector") -> None:
        self._producer = KafkaProducer(
            bootstrap_servers=bootstrap_servers, client_id=client_id, acks="all", enable_idempotence=True,
            max_in_flight_requests_per_connection=5, linger_ms=5, batch_size=256 * 1024,
            retries=2**31 - 1, delivery_timeout_ms=120_000, request_timeout_ms=30_000,
        )
        self._futures: list = []

    def send(self, topic: str, key: bytes, value: bytes | None) -> None:
        self._futures.append(self._producer.send(topic, key=key, value=value))

    @property
    def pending(self) -> int:
        return len(self._futures)

    def flush(self, timeout: float = 120.0) -> None:
        futures, self._futures = self._futures, []
        self._producer.flush(timeout=timeout)
        for future in futures:
            if future.failed():
                raise PublishError(f"Kafka refused a change event: {future.exception!r}")
            if not future.is_done:
                raise PublishError("Kafka did not acknowledge a change event in time")

    def close(self) -> None:
        self._producer.close(timeout=30)
