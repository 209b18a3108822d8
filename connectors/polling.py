"""The polling connector: for sources without log access (the real AGDREF runs on a commercial
database where log access may not be granted).

It reads changes by ``date_maj`` through SQLAlchemy (any dialect), finds deletions by comparing
keys periodically, and publishes the same topics and the same envelope as the log connector.
What it cannot see is written in ``docs/connectors.md``: a row changed twice between two polls
shows only its last state; a change whose ``date_maj`` is older than the overlap window (a wrong
clock, a back-dated write) is missed until the next full comparison; a delete is seen late (at
the next key comparison) and without its row image.

Positions are the connector's own clock (microseconds, strictly increasing): later polls read
later states, so the order per row is kept. Its offset (the newest ``date_maj`` read) is kept in
a compacted Kafka topic, written only after Kafka acknowledged the changes it covers.
Blocking.
"""
from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

import orjson
from kafka import KafkaConsumer, TopicPartition
from sqlalchemy import Engine, select

from common.log import get_logger
from connectors.events import Transaction, envelope, key_of
from connectors.kafka_io import ChangeProducer
from schemas.agdref_tables import CAPTURED_TABLES, SCHEMA, metadata, primary_key_columns
from schemas.envelope import topic_name
from schemas.topics import polling_offsets_topic

log = get_logger(__name__)

OVERLAP_SECONDS = 300        # re-read this much legacy time before the newest date_maj seen (skew, same-second writes)
DELETE_SCAN_SECONDS = 60.0   # how often keys are compared to find deletions


def _shift(date_maj: str, seconds: int) -> str:
    """A legacy timestamp ``seconds`` earlier (legacy text in, legacy text out)."""
    value = date_maj.strip().ljust(14, "0")
    try:
        moment = datetime.strptime(value, "%Y%m%d%H%M%S").timestamp() - seconds
    except ValueError:
        return ""
    return datetime.fromtimestamp(moment).strftime("%Y%m%d%H%M%S")


@dataclass
class TableState:
    newest: str = ""                                           # newest date_maj read
    digests: dict[bytes, bytes] = field(default_factory=dict)  # key → digest of the row last published


class PollingConnector:
    def __init__(self, db: Engine, producer: ChangeProducer, prefix: str, bootstrap: str,
                 interval: float = 1.0, delete_scan_seconds: float = DELETE_SCAN_SECONDS) -> None:
        self._db, self._producer, self._prefix, self._bootstrap = db, producer, prefix, bootstrap
        self._interval, self._delete_scan = interval, delete_scan_seconds
        self._state = {t: TableState() for t in CAPTURED_TABLES}
        self._clock = 0
        self.events_published = 0

    def _position(self) -> int:
        self._clock = max(self._clock + 1, time.time_ns() // 1000)
        return self._clock

    def _load_offsets(self) -> None:
        """The newest ``date_maj`` per table from the offsets topic (its last record per table)."""
        consumer = KafkaConsumer(bootstrap_servers=self._bootstrap, enable_auto_commit=False)
        part = TopicPartition(polling_offsets_topic(self._prefix), 0)
        consumer.assign([part])
        consumer.seek_to_beginning(part)
        end = consumer.end_offsets([part])[part]
        while consumer.position(part) < end:
            for messages in consumer.poll(timeout_ms=1000).values():
                for m in messages:
                    self._state[m.key.decode()].newest = orjson.loads(m.value)["newest"]
        consumer.close()

    def _load_published_keys(self) -> None:
        """The keys published and not deleted, from the legacy topics themselves: without them a
        row deleted while the connector was down would never be reported deleted."""
        consumer = KafkaConsumer(bootstrap_servers=self._bootstrap, enable_auto_commit=False)
        parts = [TopicPartition(topic_name(self._prefix, t), p) for t in CAPTURED_TABLES
                 for p in (consumer.partitions_for_topic(topic_name(self._prefix, t)) or ())]
        if parts:
            consumer.assign(parts)
            consumer.seek_to_beginning(*parts)
            end = consumer.end_offsets(parts)
            while any(consumer.position(tp) < end[tp] for tp in parts):
                for tp, messages in consumer.poll(timeout_ms=1000).items():
                    digests = self._state[tp.topic.rsplit(".", 1)[-1]].digests
                    for m in messages:
                        if m.value is None or orjson.loads(m.value).get("op") == "d":
                            digests.pop(m.key, None)
                        else:
                            digests[m.key] = b""  # unknown digest: re-published if read again
        consumer.close()

    def run(self, stop: threading.Event) -> None:
        """Poll until ``stop`` is set. Blocks. The first poll of a table with no offset reads it whole."""
        self._load_offsets()
        self._load_published_keys()
        last_scan = float("-inf")  # the first loop compares keys: deletes made while the connector was down
        while not stop.is_set():
            for table in CAPTURED_TABLES:
                self._poll(table)
            if time.monotonic() - last_scan >= self._delete_scan:
                for table in CAPTURED_TABLES:
                    self._find_deletions(table)
                last_scan = time.monotonic()
            self._producer.flush()
            self._save_offsets()
            stop.wait(self._interval)

    def _poll(self, table_name: str) -> None:
        table = metadata.tables[f"{SCHEMA}.{table_name}"]
        keys = primary_key_columns(table_name)
        state = self._state[table_name]
        since = _shift(state.newest, OVERLAP_SECONDS) if state.newest else ""
        query = select(table).order_by(table.c.date_maj, *(table.c[k] for k in keys))
        if since:
            query = query.where(table.c.date_maj >= since)
        tx = Transaction(0, datetime.now(UTC), 0)
        with self._db.connect().execution_options(stream_results=True, yield_per=10_000) as conn:
            for r in conn.execute(query).mappings():
                row = {str(k): v for k, v in r.items()}
                key = key_of(row, keys)
                digest = hashlib.blake2b(orjson.dumps(row), digest_size=16).digest()
                if state.digests.get(key) == digest:
                    continue  # read again inside the overlap window, unchanged
                op = "u" if key in state.digests else "c"
                state.digests[key] = digest
                state.newest = max(state.newest, (row.get("date_maj") or "").strip())
                self._send(table_name, key, op, None, row, tx)

    def _find_deletions(self, table_name: str) -> None:
        """Keys published but gone from the table: a delete each (key only), and a tombstone."""
        table = metadata.tables[f"{SCHEMA}.{table_name}"]
        keys = primary_key_columns(table_name)
        with self._db.connect() as conn:
            present = {key_of({k: v for k, v in zip(keys, r)}, keys)
                       for r in conn.execute(select(*(table.c[k] for k in keys)))}
        state = self._state[table_name]
        tx = Transaction(0, datetime.now(UTC), 0)
        for key in [k for k in state.digests if k not in present]:
            del state.digests[key]
            self._send(table_name, key, "d", orjson.loads(key), None, tx)

    def _send(self, table: str, key: bytes, op: str, before: dict | None, after: dict | None, tx: Transaction) -> None:
        position = self._position()
        value = envelope(op, before, after, prefix=self._prefix, database=self._db.url.database or "",
                         schema=SCHEMA, table=table, tx=Transaction(0, tx.commit_time, position), lsn=position,
                         emitted_at_ms=int(time.time() * 1000), snapshot="false")
        topic = topic_name(self._prefix, table)
        self._producer.send(topic, key, value)
        if op == "d":
            self._producer.send(topic, key, None)
        self.events_published += 1

    def _save_offsets(self) -> None:
        for table, state in self._state.items():
            if state.newest:
                self._producer.send(polling_offsets_topic(self._prefix), table.encode(), orjson.dumps({"newest": state.newest}))
        self._producer.flush()
