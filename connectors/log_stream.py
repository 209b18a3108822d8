"""The log-based connector: PostgreSQL logical decoding (pgoutput) → Kafka, in Debezium's envelope.

The loop reads replication messages without blocking, hands each row change to the producer, and
acknowledges the slot (``send_feedback(flush_lsn=...)``) only up to the end of the last legacy
transaction whose every event Kafka has acknowledged. Confirmations are awaited without stopping
the stream (checkpoints), so reading and Kafka's acknowledgements overlap. A crash at any point therefore loses
nothing: the slot replays from its last acknowledged position, and a consumer recognises the
replayed events by their ``source.lsn`` (duplicates, never gaps).
"""
from __future__ import annotations

import select
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

import orjson
import psycopg2
import psycopg2.extras
from sqlalchemy.engine import make_url

from common.db import psycopg2_dsn
from common.log import get_logger
from common.retry import retrying
from connectors import pgoutput
from connectors.events import Transaction, change_records, row_dict, transaction_record
from connectors.exceptions import ProtocolError, SlotInUseError
from connectors.kafka_io import ChangeProducer, wait_for
from connectors.snapshot import CONTROL_SCHEMA, IncrementalSnapshot
from connectors.source import int_to_lsn
from schemas.agdref_tables import primary_key_columns
from schemas.envelope import transaction_topic
from schemas.topics import WAY_BACK_ORIGIN, heartbeat_topic

log = get_logger(__name__)

FLUSH_EVERY_EVENTS = 5_000     # bound the memory of un-acknowledged events under a burst
FLUSH_EVERY_SECONDS = 0.2      # bound the latency when the stream is busy
HAND_OVER_EVERY_SECONDS = 0.02 # at most this long between a commit and its events leaving for Kafka
FEEDBACK_EVERY_SECONDS = 5.0   # below wal_sender_timeout (60 s), or the server drops us
HEARTBEAT_EVERY_SECONDS = 10.0 # Debezium's heartbeat.interval.ms: consumers see the connector alive
STATE_EVERY_SECONDS = 1.0      # how often the acknowledged position is written for `connector status`
MAX_CHECKPOINTS_IN_FLIGHT = 8  # confirmations awaited at once: bounds what is held if Kafka slows
#: How long a connector starting up waits for its slot to be released. A connector killed a moment
#: ago leaves its server process (walsender) holding the slot until the server sees the socket
#: closed: milliseconds to seconds, or up to wal_sender_timeout (60 s) when the connector's machine
#: vanished without closing it. Without the wait, the restarted connector exits ("replication slot
#: is active for PID ...") and capture stops until a person starts it again.
SLOT_WAIT_SECONDS = 90.0


@dataclass(frozen=True)
class CapturedSide:
    """What differs between the two captures (AGDREF forward, ANEF's own rows for the way back):
    the schema, the Kafka keys, the transaction and heartbeat topics, where the position is kept."""

    schema: str
    key_columns: Callable[[str], tuple[str, ...]]
    transaction_topic: Callable[[str], str]
    heartbeat_topic: Callable[[str], str]
    state_table: str
    #: Transactions written under a replication origin named so are not published: AGDREF rows the
    #: way back wrote from ANEF must never come back to ANEF (issue 18, no loop).
    skipped_origin: str | None = None


AGDREF_SIDE = CapturedSide("agdref", primary_key_columns, transaction_topic, heartbeat_topic,
                           f"{CONTROL_SCHEMA}.connector_state", skipped_origin=WAY_BACK_ORIGIN)


class LogStreamConnector:
    def __init__(self, database_url: str, slot: str, publication: str, producer: ChangeProducer,
                 topic_prefix: str, snapshot: IncrementalSnapshot | None = None,
                 side: CapturedSide = AGDREF_SIDE) -> None:
        self._side = side
        self._dsn = psycopg2_dsn(database_url)
        self._database = make_url(database_url).database or ""
        self._slot, self._publication = slot, publication
        self._producer, self._prefix = producer, topic_prefix
        self._relations: dict[int, pgoutput.Relation] = {}
        self._tx: Transaction | None = None
        self._begun = self._skipping = False  # BEGIN sent for the open transaction; its origin is skipped
        self._order = (0, {})
        self._committed_end_lsn = 0   # end of the last transaction handed to the producer
        self._acknowledged_lsn = 0    # what the slot has been told
        self._checkpointed_lsn = 0    # what the last checkpoint will acknowledge once confirmed
        self._checkpoints: deque = deque()  # (confirmation, end LSN, snapshot chunks), oldest first
        self._last_commit_time = None  # commit time of the last transaction handed to the producer
        self._last_heartbeat = self._last_state = self._last_hand_over = 0.0
        self._state_conn = None
        self.events_published = 0
        self.transactions_published = 0
        self.snapshot = snapshot

    def run(self, stop: threading.Event) -> None:
        """Stream until ``stop`` is set; then flush, acknowledge and return. Blocks.

        Raises ProtocolError on a message it cannot decode and PublishError when Kafka refuses
        an event; in both cases nothing past the last acknowledged transaction is acknowledged."""
        conn, cursor = self._replication(stop)
        if conn is None:
            return
        try:
            log.info("connector.streaming", slot=self._slot, publication=self._publication)
            last_flush = last_feedback = time.monotonic()
            while not stop.is_set():
                if self.snapshot is not None and self.snapshot.active:
                    self.snapshot.open_window()  # no-op while a window waits for its watermarks
                message = cursor.read_message()
                now = time.monotonic()
                self._settle(cursor)
                if message is not None:
                    self._handle(message)
                    if self._producer.pending >= FLUSH_EVERY_EVENTS or now - last_flush >= FLUSH_EVERY_SECONDS:
                        self._checkpoint(cursor)
                        last_flush = now
                    continue
                # Idle: publish what we hold at once (latency), and keep the server's timer happy.
                if self._producer.pending or self._committed_end_lsn > self._checkpointed_lsn:
                    self._checkpoint(cursor)
                    last_flush = now
                elif now - last_feedback >= FEEDBACK_EVERY_SECONDS:
                    self._idle_feedback(cursor)
                    self._record_state()
                    last_feedback = now
                self._heartbeat()
                select.select([cursor], [], [], 0.05 if self._checkpoints else 0.5)
            self._checkpoint(cursor)
            while self._checkpoints:
                self._settle(cursor, block=True)
        finally:
            conn.close()
            if self._state_conn is not None:
                self._state_conn.close()

    def _replication(self, stop: threading.Event):
        """A replication connection streaming from the slot, once the slot is free: waits (backoff)
        while another server process holds it. Returns (None, None) if ``stop`` is set meanwhile;
        raises SlotInUseError after SLOT_WAIT_SECONDS."""
        def attempt():
            if stop.is_set():
                return None, None
            conn = psycopg2.connect(self._dsn, connection_factory=psycopg2.extras.LogicalReplicationConnection)
            try:
                cursor = conn.cursor()
                cursor.start_replication(slot_name=self._slot, decode=False,
                                         options={"proto_version": "1", "publication_names": self._publication})
                return conn, cursor
            except BaseException:
                conn.close()
                raise

        # ObjectInUse: "replication slot ... is active for PID ..."
        return retrying(attempt, psycopg2.errors.ObjectInUse, wait_seconds=SLOT_WAIT_SECONDS, first=0.2, longest=2.0,
                        give_up=lambda exc: SlotInUseError(f"replication slot {self._slot} still in use after "
                                                           f"{SLOT_WAIT_SECONDS:.0f}s: {str(exc).strip()}"),
                        on_retry=lambda exc, pause: log.warning("connector.slot_in_use", slot=self._slot, retry_in=pause),
                        sleep=stop.wait)

    def _handle(self, message) -> None:
        decoded = pgoutput.decode(message.payload)
        if isinstance(decoded, pgoutput.Begin):
            self._tx = Transaction(decoded.xid, decoded.commit_time, decoded.final_lsn)
            self._order = (0, {})
            self._begun = self._skipping = False  # BEGIN goes out with the first change: see Origin
        elif isinstance(decoded, pgoutput.Origin):
            skipped = self._side.skipped_origin
            self._skipping = skipped is not None and decoded.name.startswith(skipped)
        elif isinstance(decoded, pgoutput.Relation):
            self._relations[decoded.oid] = decoded
        elif isinstance(decoded, pgoutput.RowChange):
            if self._skipping:
                return
            if not self._begun and self._tx is not None:
                self._send(self._boundary("BEGIN"))
                self._begun = True
            self._publish_change(decoded, message.data_start)
        elif isinstance(decoded, pgoutput.Commit):
            if self._tx is not None and self._begun:
                self._send(self._boundary("END", self._order[1]))
                # A whole transaction goes on its way within HAND_OVER_EVERY_SECONDS, not when the
                # next checkpoint comes (up to FLUSH_EVERY_SECONDS later while the stream is busy).
                # Not at every commit: under load, a hand-over per transaction made Kafka batches of
                # a few records each, and the connector fell seconds behind at 200 transactions/s.
                now = time.monotonic()
                if now - self._last_hand_over >= HAND_OVER_EVERY_SECONDS:
                    self._producer.hand_over()
                    self._last_hand_over = now
            self._committed_end_lsn = decoded.end_lsn
            self._last_commit_time = decoded.commit_time
            self._tx = None
            self.transactions_published += 1

    def _publish_change(self, change: pgoutput.RowChange, lsn: int) -> None:
        relation = self._relations.get(change.oid)
        if relation is None or self._tx is None:
            raise ProtocolError(f"row change for relation {change.oid} outside a described transaction")
        if relation.namespace == CONTROL_SCHEMA:  # the signal table: read, never published
            if self.snapshot is not None and change.op == "c":
                for record in self.snapshot.on_signal(row_dict(relation, change.new), self._tx, lsn):
                    self._send(record)
            return
        total, per_table = self._order
        per_table[relation.name] = per_table.get(relation.name, 0) + 1
        self._order = (total + 1, per_table)
        records = change_records(
            relation, change, lsn, self._tx, prefix=self._prefix, database=self._database,
            key_columns=self._key_columns(relation), emitted_at_ms=int(time.time() * 1000),
            total_order=total + 1, table_order=per_table[relation.name],
        )
        for record in records:
            self._send(record)
        self.events_published += 1
        if self.snapshot is not None:
            self.snapshot.on_change(relation.name, records[0].key)

    def _boundary(self, status: str, counts: dict[str, int] | None = None):
        assert self._tx is not None
        return transaction_record(self._prefix, self._tx, status, counts, schema=self._side.schema,
                                  topic=self._side.transaction_topic(self._prefix))

    def _send(self, record) -> None:
        self._producer.send(record.topic, record.key, record.value)

    def _key_columns(self, relation: pgoutput.Relation) -> tuple[str, ...]:
        """The primary key, from the contract. pgoutput's key flags describe the replica identity,
        which is every column under REPLICA IDENTITY FULL: useless as a Kafka key."""
        try:
            return self._side.key_columns(relation.name)
        except KeyError:
            return relation.key_columns

    def _checkpoint(self, cursor) -> None:
        """Ask Kafka to confirm everything sent so far, without waiting: the position to acknowledge
        (end of the last complete transaction) and the snapshot chunks read travel with it.
        Blocks only when too many checkpoints are in flight (bounded memory)."""
        chunks = self.snapshot.take_completed() if self.snapshot is not None else []
        self._checkpoints.append((self._producer.checkpoint(), self._committed_end_lsn, chunks))
        self._checkpointed_lsn = self._committed_end_lsn
        while len(self._checkpoints) > MAX_CHECKPOINTS_IN_FLIGHT:
            self._settle(cursor, block=True)

    def _settle(self, cursor, block: bool = False) -> None:
        """Acknowledge, in order, every checkpoint Kafka has confirmed: only then may the slot forget
        those transactions and the snapshot count those chunks. Raises PublishError if Kafka
        refused a record (nothing past it is acknowledged). ``block``: wait for the oldest one."""
        while self._checkpoints and (block or self._checkpoints[0][0].done()):
            future, lsn, chunks = self._checkpoints.popleft()
            wait_for(future)
            block = False
            if chunks:
                self.snapshot.record_read(chunks)
            if lsn > self._acknowledged_lsn:
                cursor.send_feedback(flush_lsn=lsn, reply=False)
                self._acknowledged_lsn = lsn
                self._record_state()

    def _heartbeat(self) -> None:
        """Debezium's heartbeat record, so consumers and monitors see the connector alive when the
        legacy tables are quiet."""
        now = time.monotonic()
        if now - self._last_heartbeat >= HEARTBEAT_EVERY_SECONDS:
            self._last_heartbeat = now
            self._producer.send(self._side.heartbeat_topic(self._prefix), orjson.dumps({"serverName": self._prefix}),
                                orjson.dumps({"ts_ms": int(time.time() * 1000)}))

    def _record_state(self) -> None:
        """The acknowledged position and the commit time it corresponds to (at most once a second)."""
        now = time.monotonic()
        if now - self._last_state < STATE_EVERY_SECONDS or not self._acknowledged_lsn:
            return
        self._last_state = now
        if self._state_conn is None or self._state_conn.closed:
            self._state_conn = psycopg2.connect(self._dsn)
            self._state_conn.autocommit = True
        with self._state_conn.cursor() as cur:
            cur.execute(f"INSERT INTO {self._side.state_table} AS s VALUES (%s, %s, %s, now(), %s)"
                        " ON CONFLICT (slot) DO UPDATE SET acknowledged_lsn = excluded.acknowledged_lsn,"
                        " last_commit_at = coalesce(excluded.last_commit_at, s.last_commit_at),"
                        " acknowledged_at = now(), events = excluded.events",
                        (self._slot, int_to_lsn(self._acknowledged_lsn), self._last_commit_time, self.events_published))

    def _idle_feedback(self, cursor) -> None:
        """Nothing is in flight and no transaction is open: everything before the server's current
        WAL end has been delivered, so the slot may move there (other databases' or unpublished
        tables' writes would otherwise pin WAL forever)."""
        wal_end = getattr(cursor, "wal_end", 0) or 0
        quiet = self._tx is None and not self._producer.pending and not self._checkpoints
        if quiet and self._committed_end_lsn <= self._acknowledged_lsn and wal_end > self._acknowledged_lsn:
            self._acknowledged_lsn = wal_end
            cursor.send_feedback(flush_lsn=wal_end, reply=True)
        else:
            cursor.send_feedback(reply=True)
