"""The change event on the wire: Debezium's PostgreSQL envelope, schemaless JSON.

Our connectors emit the fields Debezium 3.6.1's PostgreSQL connector emits with the JSON
converter and ``schemas.enable=false`` (``tests/integration/test_debezium.py`` compares the two
field for field on the same legacy change), so that Debezium can take over without the pipeline
changing: the key is the row's primary key as an object, the value is ``before``/``after``/
``source``/``op``/``ts_ms``/``ts_us``/``ts_ns`` and ``transaction``, a delete is followed by a
tombstone (the same key with a null value). Where the values differ, on purpose:

- ``source.version``: ours names this project;
- ``source.sequence[0]``: ours is the transaction's own commit LSN, Debezium's the commit LSN of
  the transaction before it (null for the first it streams); both grow with commit order, and
  ``ChangeEvent.position`` orders either (and a hand-over between them);
- ``transaction.id``: ``txId:LSN`` in both, ours with the commit LSN, Debezium's with the LSN of
  the transaction's first change: unique per transaction either way, matched only within one stream;
- top-level ``ts_us``/``ts_ns``: ours are the millisecond of emission in finer units;
- ``source.origin``/``origin_lsn``: null in ours (no replication origin is read).
"""
from __future__ import annotations

from typing import Any, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field

CONNECTOR_VERSION = "agdref-anef-0.1"
Operation = Literal["c", "u", "d", "r", "t"]


def topic_name(prefix: str, table: str, schema: str = "agdref") -> str:
    """``<prefix>.<schema>.<table>``, Debezium's naming (``topic.prefix`` + schema + table)."""
    return f"{prefix}.{schema}.{table}"


def transaction_topic(prefix: str) -> str:
    """Debezium's transaction metadata topic (``<topic.prefix>.transaction``)."""
    return f"{prefix}.transaction"


class Source(BaseModel):
    version: str = CONNECTOR_VERSION
    connector: str = "postgresql"
    name: str
    ts_ms: int  # commit time of the legacy transaction
    snapshot: str = "false"  # "true", "first", "last", "incremental" or "false"
    db: str
    schema_: str | None = Field(None, alias="schema")
    table: str
    txId: int | None = None
    lsn: int | None = None
    sequence: str | None = None
    xmin: int | None = None
    ts_us: int | None = None       # the same commit time in microseconds and nanoseconds
    ts_ns: int | None = None
    origin: str | None = None      # the replication origin of the writing session
    origin_lsn: int | None = None

    model_config = ConfigDict(extra="allow", frozen=True, populate_by_name=True)


class TransactionBlock(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    total_order: int
    data_collection_order: int


class ChangeEvent(BaseModel):
    """One row change. ``position`` orders the changes of one row: later changes have larger ones."""

    model_config = ConfigDict(frozen=True, extra="allow")

    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    source: Source
    op: Operation
    ts_ms: int
    ts_us: int | None = None
    ts_ns: int | None = None
    transaction: TransactionBlock | None = None

    @property
    def position(self) -> int:
        """Where this change stands in the legacy's commit order: later changes of a row have larger
        positions. ``source.sequence`` is a pair ``[commit order, lsn]`` made one integer, so that a
        change committed later wins even when its log record was written earlier (a transaction
        that began before a snapshot window and committed after it).

        Ours puts the transaction's own commit LSN first; Debezium puts the commit LSN of the
        transaction before (``null`` for the first one it streams after a start). Both grow with
        commit order. For a null, the change's own LSN stands in: a row's previous change was
        committed before this one could be written (the row was locked until then), so the pair
        still orders the row's changes, across a hand-over from our connector to Debezium too.
        Without a sequence, the LSN alone."""
        if self.source.lsn is None:
            raise ValueError("change event without source.lsn")
        try:
            first, second = orjson.loads(self.source.sequence or "null") or (None, None)
            second = int(str(second))
            return ((second if first is None else int(str(first))) << 64) | second
        except (TypeError, ValueError):
            return self.source.lsn

    @property
    def row(self) -> dict[str, Any] | None:
        """The row's state after the change (None for a delete)."""
        return None if self.op == "d" else self.after

    def to_json(self) -> bytes:
        return orjson.dumps(self.model_dump(by_alias=True))

    @classmethod
    def from_json(cls, raw: bytes) -> ChangeEvent:
        """Parse an event. Raises ``pydantic.ValidationError`` for anything that is not an envelope."""
        return cls.model_validate_json(raw)


def encode_key(key: dict[str, Any]) -> bytes:
    return orjson.dumps(key)


def decode_key(raw: bytes | None) -> dict[str, Any] | None:
    return None if raw is None else orjson.loads(raw)
