"""The change event on the wire: Debezium's PostgreSQL envelope, schemaless JSON.

Our connectors emit exactly what Debezium's PostgreSQL connector emits with the JSON converter
and ``schemas.enable=false``, so that Debezium can take over without the pipeline changing:
the key is the row's primary key as an object, the value is ``before``/``after``/``source``/``op``/
``ts_ms`` (and ``transaction`` when transaction metadata is on), a delete is followed by a
tombstone (the same key with a null value).
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
    transaction: TransactionBlock | None = None

    @property
    def position(self) -> int:
        """Where this change stands in the legacy's commit order: later changes of a row have larger
        positions. ``source.sequence`` is ``["<commit order>", "<lsn>"]`` (Debezium's pair); the
        position is the pair as one integer, so that a change committed later always wins, even when
        its log record was written earlier (a transaction that began before a snapshot window and
        committed after it). Without a sequence, the LSN alone."""
        if self.source.lsn is None:
            raise ValueError("change event without source.lsn")
        try:
            first, second = orjson.loads(self.source.sequence or "null") or (None, None)
            return (int(str(first)) << 64) | int(str(second))
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
