"""Debezium's PostgreSQL connector as the project deploys it: one configuration, from which the
local test's ``.properties``, the Compose registration (``deploy/debezium/agdref-postgres.json``)
and the Kubernetes ``KafkaConnector`` are rendered (``agdref-anef deploy render``). Only where
each runs differs: how it reaches AGDREF (host, credentials) and the topics' replication.
Publishes exactly what ``agdref-anef connector run`` publishes (``docs/connectors.md`` lists the
envelope's fields that differ). Pure."""
from __future__ import annotations

import re
from dataclasses import dataclass

from schemas.agdref_tables import CAPTURED_TABLES, SCHEMA
from schemas.anef_tables import SCHEMA as ANEF_SCHEMA
from schemas.control_tables import CONTROL_SCHEMA, SIGNAL_TABLE
from schemas.topics import CONNECTOR, WAY_BACK, WAY_BACK_TABLES, Topic, owned_by

CONNECTOR_CLASS = "io.debezium.connector.postgresql.PostgresConnector"
DEBEZIUM_VERSION = "3.6.1.Final"


@dataclass(frozen=True)
class Source:
    """How this deployment reaches AGDREF (values or the platform's placeholders for secrets)."""

    hostname: str
    port: str
    user: str
    password: str
    dbname: str


def _stream(source: Source, prefix: str, slot: str, publication: str) -> dict[str, str]:
    """Where a connector reads (the database, its slot and publication) and its topics' prefix."""
    return {"connector.class": CONNECTOR_CLASS, "tasks.max": "1", "database.hostname": source.hostname,
            "database.port": source.port, "database.user": source.user, "database.password": source.password,
            "database.dbname": source.dbname, "topic.prefix": prefix, "plugin.name": "pgoutput",
            "slot.name": slot, "publication.name": publication}


#: The envelope both connectors publish, as ours does: transaction markers, tombstones,
#: heartbeats, JSON without schemas.
ENVELOPE = {
    "provide.transaction.metadata": "true",
    "tombstones.on.delete": "true",
    "heartbeat.interval.ms": "10000",
    "key.converter": "org.apache.kafka.connect.json.JsonConverter",
    "key.converter.schemas.enable": "false",
    "value.converter": "org.apache.kafka.connect.json.JsonConverter",
    "value.converter.schemas.enable": "false",
}


def configuration(source: Source, *, prefix: str, slot: str, publication: str, topics: list[Topic],
                  snapshot_mode: str = "initial", chunk_size: int = 10_000) -> dict[str, str]:
    """The connector's configuration (every value a string, as Kafka Connect reads them).
    ``snapshot_mode="no_data"`` takes over a slot another connector streamed from (no snapshot:
    the changes continue where the slot stands)."""
    return {
        **_stream(source, prefix, slot, publication),
        # The publication (legacy tables and the signal table) is made by `connector run` or by
        # hand; "filtered" would let Debezium create it from table.include.list when missing.
        "publication.autocreate.mode": "filtered",
        "table.include.list": ",".join([*(f"{SCHEMA}.{t}" for t in CAPTURED_TABLES), f"{CONTROL_SCHEMA}.{SIGNAL_TABLE}"]),
        "replica.identity.autoset.values": f"{SCHEMA}.*:FULL",
        "snapshot.mode": snapshot_mode,
        "signal.data.collection": f"{CONTROL_SCHEMA}.{SIGNAL_TABLE}",
        "incremental.snapshot.chunk.size": str(chunk_size),
        **ENVELOPE,
        **topic_creation(topics),
    }


def way_back_configuration(source: Source, *, prefix: str, slot: str, publication: str,
                           topics: list[Topic]) -> dict[str, str]:
    """Debezium in place of ``agdref-anef connector way-back`` (issue 18): ANEF's rows with
    ``origine = 'ANEF'`` into ``<prefix>.anef.<table>``, its transactions into
    ``<prefix>.anef.transaction``, heartbeats into ``__debezium-heartbeat.anef.<prefix>``: the
    topics and envelope ours publishes (``tests/integration/test_debezium.py`` compares them)."""
    return {
        **_stream(source, prefix, slot, publication),
        # The row filter (origine = 'ANEF') is the publication's, which Debezium cannot create:
        # `agdref-anef connector way-back --publication-only` makes it. Created by Debezium, it
        # would publish the migration's own rows and echo them back into AGDREF.
        "publication.autocreate.mode": "disabled",
        "table.include.list": ",".join(f"{ANEF_SCHEMA}.{t}" for t in WAY_BACK_TABLES),
        # From the slot's creation, as ours: a snapshot reads whole tables (no row filter applies).
        "snapshot.mode": "no_data",
        "topic.transaction": "anef.transaction",
        # Same topic.prefix as the forward connector (the topics' names need it), so the same JMX
        # names: without a tag of its own, the second connector of a Connect worker retries its
        # metrics' registration for a minute, stalled (seen in tests/integration/test_debezium.py).
        "custom.metric.tags": "capture=way-back",
        "topic.heartbeat.prefix": "__debezium-heartbeat.anef",
        **ENVELOPE,
        **topic_creation(topics, WAY_BACK, ".anef."),
    }


def topic_creation(topics: list[Topic], owner: str = CONNECTOR, tables: str = ".agdref.") -> dict[str, str]:
    """Connect's ``topic.creation`` settings for a connector's declared topics: the tables' (named
    ``…<tables>…``) as the default group, one group per other shape (the one-partition
    transaction and heartbeat topics), each naming its topics exactly."""
    owned = owned_by(topics, owner)
    shape = lambda t: (t.partitions, t.replication_factor, tuple(sorted(t.configs().items())))  # noqa: E731
    default = next(t for t in owned if tables in t.name and not t.name.endswith(".transaction")
                   and not t.name.startswith("__"))
    found = _group("default", default)
    groups: dict[tuple, list[Topic]] = {}
    for t in owned:
        if shape(t) != shape(default):
            groups.setdefault(shape(t), []).append(t)
    names = []
    for number, members in enumerate(groups.values(), start=1):
        name = f"group{number}"
        names.append(name)
        found |= _group(name, members[0])
        found[f"topic.creation.{name}.include"] = ",".join(re.escape(t.name) for t in members)
    if names:
        found["topic.creation.groups"] = ",".join(names)
    return found


def _group(name: str, topic: Topic) -> dict[str, str]:
    return {f"topic.creation.{name}.replication.factor": str(topic.replication_factor),
            f"topic.creation.{name}.partitions": str(topic.partitions),
            **{f"topic.creation.{name}.{key}": value for key, value in topic.configs().items()}}


def properties(name: str, config: dict[str, str]) -> str:
    """A standalone Connect worker's connector ``.properties`` file."""
    lines = [f"name={name}", *(f"{key}={_escaped(value)}" for key, value in config.items())]
    return "\n".join(lines) + "\n"


def _escaped(value: str) -> str:
    return value.replace("\\", "\\\\")
