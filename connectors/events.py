"""Turn decoded row changes into Debezium change events (pure).

Values arrive from pgoutput as text; integer columns become JSON numbers as Debezium's JSON
converter writes them, text columns stay text with their padding (``char(n)`` is padded in
Debezium too), so both connectors produce byte-for-byte comparable rows.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import orjson

from connectors.pgoutput import UNCHANGED_TOAST, Relation, RowChange
from schemas.envelope import CONNECTOR_VERSION, encode_key, topic_name, transaction_topic

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
    if type_oid in TYPED:  # ANEF's columns (the way back); AGDREF stores text and small integers only
        return TYPED[type_oid](raw)
    return raw


def _days(raw: str) -> int:
    """A ``date`` as Debezium's ``io.debezium.time.Date``: days since 1970-01-01."""
    return (date.fromisoformat(raw) - EPOCH).days


def _zoned(raw: str) -> str:
    """A ``timestamptz`` as Debezium's ``io.debezium.time.ZonedTimestamp``: ISO-8601 in UTC with
    exactly as many fraction digits as the column's precision, 6 for ANEF's (declared without one):
    ``2026-06-01T10:00:00.123450Z``, ``…T10:00:00.000000Z`` (Debezium's ``appendFraction(NANO_OF_SECOND,
    width, width)``; checked against Debezium itself in tests/integration/test_debezium.py)."""
    moment = datetime.fromisoformat(raw).astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + f".{moment.microsecond:06d}Z"


def _text_array(raw: str) -> list[str | None]:
    """A one-dimensional ``text[]`` literal (``{JEAN,"MARIE CLAIRE",NULL}``) as a JSON array."""
    items: list[str | None] = []
    body, i = raw[1:-1], 0
    while i < len(body):
        if body[i] == '"':
            i, piece = i + 1, []
            while body[i] != '"':
                if body[i] == "\\":
                    i += 1
                piece.append(body[i])
                i += 1
            items.append("".join(piece))
            i += 2  # the closing quote and the comma
        else:
            end = body.find(",", i)
            end = len(body) if end < 0 else end
            word = body[i:end]
            items.append(None if word == "NULL" else word)
            i = end + 1
    return items


EPOCH = date(1970, 1, 1)
TYPED: dict[int, Callable[[str], Any]] = {1082: _days, 1184: _zoned, 1009: _text_array}  # date, timestamptz, text[]


def row_dict(relation: Relation, values: tuple | None, fallback: dict | None = None) -> dict[str, Any] | None:
    if values is None:
        return None
    row = {col: _value(v, t) for col, v, t in zip(relation.columns, values, relation.type_oids)}
    if fallback:
        for col, v in row.items():
            if v == UNAVAILABLE and col in fallback:
                row[col] = fallback[col]
    return row


def envelope(op: str, before: dict | None, after: dict | None, *, prefix: str, database: str, schema: str,
             table: str, tx: Transaction, lsn: int, emitted_at_ms: int, snapshot: str = "false",
             total_order: int | None = None, table_order: int | None = None) -> bytes:
    """The JSON value of one change event, exactly ``schemas.envelope.ChangeEvent``'s shape.

    Built as a plain dict and serialised once: this runs for every legacy row, and a pydantic
    model per event would halve the connector's throughput (the tests parse it back with the model).
    """
    committed_us = int(tx.commit_time.timestamp() * 1_000_000)  # PostgreSQL keeps microseconds
    return orjson.dumps({
        "before": before, "after": after,
        "source": {
            "version": CONNECTOR_VERSION, "connector": "postgresql", "name": prefix,
            "ts_ms": committed_us // 1000, "snapshot": snapshot, "db": database,
            # The transaction's commit LSN first: positions then follow commit order (see
            # ChangeEvent.position), which is the order in which this stream delivers transactions.
            "sequence": f'["{tx.final_lsn}","{lsn}"]', "ts_us": committed_us, "ts_ns": committed_us * 1000,
            "schema": schema, "table": table, "txId": tx.xid, "lsn": lsn, "xmin": None,
            "origin": None, "origin_lsn": None,
        },
        "op": op, "ts_ms": emitted_at_ms, "ts_us": emitted_at_ms * 1000, "ts_ns": emitted_at_ms * 1_000_000,
        "transaction": None if total_order is None else {
            "id": f"{tx.xid}:{tx.final_lsn}", "total_order": total_order, "data_collection_order": table_order},
    })


def snapshot_reads(rows: list[dict], *, prefix: str, database: str, schema: str, table: str, tx: Transaction,
                   lsn: int, emitted_at_ms: int) -> list[bytes]:
    """``op = 'r'`` values for a chunk of rows read together: everything but ``after`` is the same
    for the whole chunk, so it is serialised once and each row costs one small ``orjson.dumps``
    (a full envelope per row would cap the snapshot well below the 50,000 rows/s it needs)."""
    template = orjson.loads(envelope("r", None, {}, prefix=prefix, database=database, schema=schema, table=table,
                                     tx=tx, lsn=lsn, emitted_at_ms=emitted_at_ms, snapshot="incremental"))
    del template["before"], template["after"]
    suffix = b"," + orjson.dumps(template)[1:]
    return [b'{"before":null,"after":' + orjson.dumps(row) + suffix for row in rows]


def key_of(row: dict, key_columns: tuple[str, ...]) -> bytes:
    """The Kafka key: the primary key as a JSON object (the same bytes as ``encode_key``)."""
    if len(key_columns) == 1:  # the common case, on the snapshot's hot path
        column = key_columns[0]
        return b'{"' + column.encode() + b'":' + orjson.dumps(row[column]) + b"}"
    return encode_key({col: row[col] for col in key_columns})


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
    key = key_of(keyed, key_columns)
    value = envelope(change.op, before, after, prefix=prefix, database=database, schema=relation.namespace,
                     table=relation.name, tx=tx, lsn=lsn, emitted_at_ms=emitted_at_ms, total_order=total_order,
                     table_order=table_order)
    topic = topic_name(prefix, relation.name, relation.namespace)
    records = [Record(topic, key, value, lsn)]
    if change.op == "d":
        records.append(Record(topic, key, None, lsn))
    return records


def transaction_record(prefix: str, tx: Transaction, status: str, counts: dict[str, int] | None = None,
                       schema: str = "agdref", topic: str | None = None) -> Record:
    """A BEGIN or END marker of one legacy transaction, as Debezium's transaction metadata: an END
    says how many events each table received, so a consumer can apply the transaction whole."""
    tx_id = f"{tx.xid}:{tx.final_lsn}"
    value = {"status": status, "id": tx_id, "ts_ms": int(tx.commit_time.timestamp() * 1000),
             "event_count": None, "data_collections": None}
    if status == "END":
        counts = counts or {}
        value["event_count"] = sum(counts.values())
        value["data_collections"] = [{"data_collection": f"{schema}.{t}", "event_count": n} for t, n in counts.items()]
    return Record(topic or transaction_topic(prefix), encode_key({"id": tx_id}), orjson.dumps(value), tx.final_lsn)
