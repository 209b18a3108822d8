"""Topic administration shared by the connectors and the worker (the broker creates no topic on
demand), and reading a whole topic (the tools and the tests)."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TypeVar

import structlog
from kafka import KafkaConsumer, TopicPartition
from kafka.admin import KafkaAdminClient, NewTopic
from kafka.errors import RetriableError, TopicAlreadyExistsError

from common.exceptions import KafkaUnreachableError
from common.retry import retrying
from schemas.topics import Topic

log = structlog.get_logger(__name__)
T = TypeVar("T")

#: How long a process starting up waits for the broker by default: a broker restarting (a crash, a
#: rolling upgrade) answers again within seconds to a minute. Without the wait, a connector or worker
#: started in that window exits, and nothing restarts it but a person.
STARTUP_WAIT_SECONDS = 120.0


def until_kafka_answers(attempt: Callable[[], T], what: str, wait_seconds: float = STARTUP_WAIT_SECONDS) -> T:
    """Call ``attempt`` until it stops failing for want of a broker (``common.retry.retrying``).

    Blocks up to ``wait_seconds``; then raises KafkaUnreachableError. Any other error passes
    through at once (a refused configuration is not cured by waiting)."""
    # RetriableError: no broker yet, timeouts, no leader yet (connection errors included).
    return retrying(attempt, RetriableError, wait_seconds=wait_seconds,
                    give_up=lambda exc: KafkaUnreachableError(f"Kafka did not answer for {wait_seconds:.0f}s ({what}): {exc!r}"),
                    on_retry=lambda exc, pause: log.warning("kafka.unreachable", what=what, retry_in=pause, error=repr(exc)))


def ensure_topics(bootstrap_servers: str, names: list[str], partitions: int, replication_factor: int = 1,
                  configs: dict[str, str] | None = None, wait_seconds: float = STARTUP_WAIT_SECONDS) -> None:
    """Create the topics that do not exist yet (with ``configs``, e.g. compaction); existing ones
    are left as they are. Waits up to ``wait_seconds`` for a broker that does not answer yet."""
    until_kafka_answers(lambda: _ensure_topics(bootstrap_servers, names, partitions, replication_factor, configs),
                        "creating topics", wait_seconds)


def _ensure_topics(bootstrap_servers: str, names: list[str], partitions: int, replication_factor: int,
                   configs: dict[str, str] | None) -> None:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap_servers, client_id="agdref-anef-admin")
    try:
        existing = set(admin.list_topics())
        _create(admin, [NewTopic(n, partitions, replication_factor, topic_configs=configs or {})
                        for n in names if n not in existing])
    finally:
        admin.close()


def _create(admin: KafkaAdminClient, missing: list[NewTopic]) -> None:
    if not missing:
        return
    try:
        # Wait for the metadata: a producer that sends at once to a topic the broker has not
        # propagated yet gets "not found in cluster metadata".
        admin.create_topics(missing, wait_for_metadata=True)
    except TopicAlreadyExistsError:
        pass  # another process created one between our look and our create


def ensure_declared(bootstrap_servers: str, topics: list[Topic], wait_seconds: float = STARTUP_WAIT_SECONDS) -> None:
    """Create the declared topics that do not exist yet, each with its partitions, replication
    factor and configuration (``schemas.topics``), and give existing ones their declared
    configuration (cleanup policy, minimum ISR, retention: the declaration wins, logged). Partitions
    and replicas of an existing topic are not changed here: more partitions move keys, replicas need
    a reassignment (``differences_from_declared`` reports both)."""
    from kafka.admin import ConfigResource, ConfigResourceType

    def attempt() -> None:
        admin = KafkaAdminClient(bootstrap_servers=bootstrap_servers, client_id="agdref-anef-admin")
        try:
            existing = set(admin.list_topics())
            _create(admin, [NewTopic(t.name, t.partitions, t.replication_factor, topic_configs=t.configs())
                            for t in topics if t.name not in existing])
            present = [t for t in topics if t.name in existing]
            if present:
                have = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, t.name) for t in present],
                                              config_filter="all")["topic"]
                stale = [t for t in present
                         if any(have.get(t.name, {}).get(k, {}).get("value") != v for k, v in t.configs().items())]
                if stale:
                    admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, t.name, configs=t.configs())
                                         for t in stale])
                    log.warning("topics.configuration_aligned", topics=[t.name for t in stale])
        finally:
            admin.close()
    until_kafka_answers(attempt, "creating topics", wait_seconds)


def differences_from_declared(bootstrap_servers: str, topics: list[Topic]) -> list[str]:
    """How the topics on the cluster differ from their declaration, in words: absent, fewer
    partitions, another replication factor, another cleanup policy, minimum ISR or retention."""
    from kafka.admin import ConfigResource, ConfigResourceType

    admin = KafkaAdminClient(bootstrap_servers=bootstrap_servers, client_id="agdref-anef-admin")
    try:
        present = set(admin.list_topics())
        found = [t for t in topics if t.name in present]
        problems = [f"{t.name}: absent" for t in topics if t.name not in present]
        if not found:
            return problems
        described = {d["name"]: d for d in admin.describe_topics([t.name for t in found])}
        configs = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, t.name) for t in found],
                                         config_filter="all")["topic"]
    finally:
        admin.close()
    for t in found:
        partitions = described[t.name]["partitions"]
        if len(partitions) < t.partitions:
            problems.append(f"{t.name}: {len(partitions)} partitions, {t.partitions} declared")
        replicas = {len(p["replica_nodes"]) for p in partitions}
        if replicas != {t.replication_factor}:
            problems.append(f"{t.name}: replication factor {sorted(replicas)}, {t.replication_factor} declared")
        for key, wanted in t.configs().items():
            have = configs.get(t.name, {}).get(key, {}).get("value")
            if have != wanted:
                problems.append(f"{t.name}: {key} {have}, {wanted} declared")
    return problems


def read_to_end(bootstrap_servers: str, topic: str) -> Iterator:
    """Every record of ``topic`` from its beginning to its end as of the call (kafka-python
    ``ConsumerRecord``s, partition after partition in poll order); nothing if it does not exist."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap_servers, enable_auto_commit=False)
    try:
        parts = [TopicPartition(topic, p) for p in (consumer.partitions_for_topic(topic) or ())]
        if not parts:
            return
        consumer.assign(parts)
        consumer.seek_to_beginning(*parts)
        end = consumer.end_offsets(parts)
        while any(consumer.position(tp) < end[tp] for tp in parts):
            for messages in consumer.poll(timeout_ms=1000).values():
                yield from messages
    finally:
        consumer.close()


def end_offsets(bootstrap_servers: str, topics: list[str]) -> dict[TopicPartition, int]:
    """The offset the next message of each partition of ``topics`` will get."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap_servers, enable_auto_commit=False)
    try:
        parts = [TopicPartition(t, p) for t in topics for p in (consumer.partitions_for_topic(t) or ())]
        return consumer.end_offsets(parts) if parts else {}
    finally:
        consumer.close()


def committed_offsets(bootstrap_servers: str, group: str) -> dict[TopicPartition, int]:
    """The consumer group's committed offsets (a partition it never committed is absent)."""
    admin = KafkaAdminClient(bootstrap_servers=bootstrap_servers, client_id="agdref-anef-admin")
    try:
        offsets = admin.list_group_offsets({group: None}).get(group, {})
        return {TopicPartition(tp.topic, tp.partition): meta.offset for tp, meta in offsets.items()}
    finally:
        admin.close()


def delete_topics(admin: KafkaAdminClient, prefixes: tuple[str, ...]) -> list[str]:
    """Ask the broker to delete every topic whose name starts with one of ``prefixes``; the names
    asked. Deletion is asynchronous: the topics may still be listed for a moment."""
    doomed = [t for t in admin.list_topics() if t.startswith(prefixes)]
    if doomed:
        admin.delete_topics(doomed)
    return doomed
