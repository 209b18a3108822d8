"""Turn decoded row changes into Debezium change events (pure).

Values arrive from pgoutput as text; integer columns become JSON numbers as Debezium's JSON
converter writes them, text columns stay text with their padding (``char(n)`` is padded in
Debezium too), so both connectors produce byte-for-byte comparable rows.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from connectors.pgoutput import UNCHANGED_TOAST, Relation, RowChange
from schemas.envelope import ChangeEvent, Source, TransactionBlock, encode_key, topic_name

INTEGER_TYPES = {20, 21, 23}  # int8, int2, int4
BOOLEAN_TYPE = 16
UNAVAILABLE = "__debezium_unavailable_value"  # Debezium's placeholder for an unchanged TOAST value


@dataclass(frozen=True)
class Transaction:
    """What the connector knows of the legacy transaction a change belongs to."""

    xid: int
    commit_time: datetime
    final_lsn: int


@dataclass(frozen=True)
class Record:
    """A message ready for Kafka."""

    topic: str
    key: bytes
    value: bytes | None  # None: a tombstone
    position: int


def _value(raw: Any, type_oid: int) -> Any:
    if raw is None or raw is UNCHANGED_TOAST:
        return UNAVAILABLE if raw is UNCHANGED_TOAST else None
    if type_oid in INTEGER_TYPES:
        return int(raw)
    if type_oid == BOOLEAN_TYPE:
        return raw == "t"
    return raw


def row_dict(relation: Relation, values: tuple | None, fallback: dict | None = None) -> dict[str, Any] | None:
    if values is None:
        return None
    row = {col: _value(v, t) for col, v, t in zip(relation.columns, values, relation.type_oids)}
    if fallback:
        for col, v in row.items():
            if v == UNAVAILABLE and col in fallback:
                row[col] = fallback[col]
    return row


def change_records(
    relation: Relation, change: RowChange, lsn: int, tx: Transaction, *, prefix: str, database: str,
    key_columns: tuple[str, ...], emitted_at_ms: int, total_order: int, table_order: int,
) -> list[Record]:
    """The Kafka records for one row change: the event, plus a tombstone after a delete."""
    before = row_dict(relation, change.old)
    after = row_dict(relation, change.new, fallback=before)
    keyed = after if after is not None else before
    if keyed is None:
        raise ValueError("a row change with neither old nor new values")
    key = encode_key({col: keyed[col] for col in key_columns})
    event = ChangeEvent(
        before=before, after=after, op=change.op, ts_ms=emitted_at_ms,
        source=Source(
            name=prefix, ts_ms=int(tx.commit_time.timestamp() * 1000), db=database,
            schema=relation.namespace, table=relation.name, txId=tx.xid, lsn=lsn,
            sequence=f'["{tx.final_lsn}","{lsn}"]',
        ),
        transaction=TransactionBlock(id=f"{tx.xid}:{tx.final_lsn}", total_order=total_order,
                                     data_collection_order=table_order),
    )
    topic = topic_name(prefix, relation.name, relation.namespace)
    records = [Record(topic, key, event.to_json(), lsn)]
    if change.op == "d":
        records.append(Record(topic, key, None, lsn))
    return records
