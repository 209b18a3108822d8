"""Reading back everything the connector published, to check it against AGDREF."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from kafka import KafkaConsumer, TopicPartition
from sqlalchemy import Engine, select

from common.kafka_admin import read_to_end
from schemas import agdref_tables as legacy
from schemas.envelope import ChangeEvent, topic_name


@dataclass
class Published:
    """Per (table, key): the events in partition order, duplicates set apart."""

    events: dict[tuple[str, bytes], list[ChangeEvent]] = field(default_factory=lambda: defaultdict(list))
    duplicates: int = 0
    out_of_order: list[str] = field(default_factory=list)

    def final_rows(self) -> dict[tuple[str, bytes], dict | None]:
        return {ident: (None if evs[-1].op == "d" else evs[-1].after) for ident, evs in self.events.items()}


def read_all(bootstrap: str, prefix: str) -> Published:
    """Every change event of the legacy topics, from the beginning to the current end. An event
    whose position is not above the last one kept for its key must repeat an event already seen
    (a replay after a crash): it is counted as a duplicate; anything else is out of order."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    parts = [TopicPartition(topic_name(prefix, t), p) for t in legacy.CAPTURED_TABLES
             for p in (consumer.partitions_for_topic(topic_name(prefix, t)) or ())]
    consumer.assign(parts)
    consumer.seek_to_beginning(*parts)
    end = consumer.end_offsets(parts)
    result = Published()
    seen: dict[tuple[str, bytes], dict[int, tuple]] = defaultdict(dict)
    while any(consumer.position(tp) < end[tp] for tp in parts):
        for messages in consumer.poll(timeout_ms=1000).values():
            for m in messages:
                if m.value is None:
                    continue  # a tombstone: the delete before it carries the information
                event = ChangeEvent.from_json(m.value)
                ident = (event.source.table, m.key)
                kept = result.events[ident]
                content = (event.op, event.before, event.after)  # ts_ms is the emission time: not compared
                if kept and event.position <= kept[-1].position:
                    if seen[ident].get(event.position) == content or event.op == "r":
                        result.duplicates += 1
                        continue
                    result.out_of_order.append(f"{ident} {event.position} after {kept[-1].position}")
                    continue
                seen[ident][event.position] = content
                kept.append(event)
    consumer.close()
    return result


def agdref_rows(db: Engine) -> dict[tuple[str, bytes], dict]:
    """AGDREF's current rows, keyed like the published events."""
    from connectors.events import key_of

    rows = {}
    with db.connect() as conn:
        for name in legacy.CAPTURED_TABLES:
            table = legacy.metadata.tables[f"agdref.{name}"]
            keys = legacy.primary_key_columns(name)
            for r in conn.execute(select(table)).mappings():
                row = {str(k): v for k, v in r.items()}
                rows[(name, key_of(row, keys))] = row
    return rows


def latest_by_key(bootstrap: str, topic: str) -> dict[bytes, bytes | None]:
    """The last value of every key of a topic, from the beginning to its current end."""
    return {m.key: m.value for m in read_to_end(bootstrap, topic)}
