"""From a raw Kafka message to what the worker does with it (pure: no I/O, never raises).

A message that is not a usable change event becomes a dead letter (technical rejection) with its
origin; a tombstone needs nothing (the delete before it said everything); anything else is the
new state of one legacy row, validated against the legacy table's shape.
"""
from __future__ import annotations

import orjson
from pydantic import ValidationError

from domain.assembly import owner
from domain.person import is_alias
from pipeline.actions import Action, DeadLetter, Origin, RowChange, TransactionEnd
from schemas.agdref_tables import primary_key_columns
from schemas.envelope import ChangeEvent, decode_key
from schemas.legacy_models import LEGACY_MODELS, Etranger
from schemas.rejections import Reason

owner_number = owner  # the row's owner, normalised (see domain.assembly.owner)


def source_key(table: str, row: dict) -> str:
    columns = primary_key_columns(table)
    if len(columns) == 1:  # most tables; asked for every legacy row decided or loaded
        return str(row.get(columns[0], ""))
    return "|".join([str(row.get(c, "")) for c in columns])


def decide(origin: Origin, key: bytes | None, value: bytes | None) -> Action | None:
    """The action for one message of a legacy topic; None for a tombstone."""
    if value is None:
        return None
    try:
        event = ChangeEvent.from_json(value)
        decode_key(key)
    except (ValidationError, ValueError) as exc:
        return _dead(origin, Reason.EVENEMENT_ILLISIBLE, str(exc), key, value)
    table = event.source.table
    model = LEGACY_MODELS.get(table)
    if model is None:
        return _dead(origin, Reason.TABLE_INCONNUE, f"no mapping for table {table!r}", key, value)
    if event.source.lsn is None:
        return _dead(origin, Reason.EVENEMENT_ILLISIBLE, "source.lsn is missing", key, value)
    image = event.before if event.op == "d" else event.after
    transaction = event.transaction.id if event.transaction is not None else None
    if event.op == "t" or image is None:
        return _dead(origin, Reason.EVENEMENT_ILLISIBLE, f"operation {event.op!r} without a row image", key, value)
    try:
        if event.op == "d":
            # A delete may carry the key only (replica identity DEFAULT): the sink looks the owner up.
            missing = [c for c in primary_key_columns(table) if c not in image]
            if missing:
                raise ValueError(f"delete without primary key column(s) {missing}")
            return RowChange(table, source_key(table, image), owner_number(image.get("num_etranger")),
                             event.position, event.source.ts_ms, None, transaction=transaction)
        legacy = model.model_validate(image)
    except (ValidationError, ValueError) as exc:
        return _dead(origin, Reason.LIGNE_NON_CONFORME, str(exc), key, value)
    row = legacy.model_dump()
    alias = isinstance(legacy, Etranger) and is_alias(legacy)
    return RowChange(
        table, source_key(table, row), owner_number(row.get("num_etranger")), event.position, event.source.ts_ms,
        row, alias_of=owner_number(legacy.num_etranger_ref) if alias else None, is_alias=alias,
        transaction=transaction, snapshot=event.op == "r",
    )


def decide_transaction(origin: Origin, key: bytes | None, value: bytes | None) -> Action | None:
    """The action for one message of the transaction metadata topic: an END marker counts; a
    BEGIN says nothing the events do not (None)."""
    if value is None:
        return None
    try:
        marker = orjson.loads(value)
        status, ident = marker["status"], str(marker["id"])
        if status == "END":
            return TransactionEnd(ident, int(marker["event_count"]))
        if status != "BEGIN":
            raise ValueError(f"unknown status {status!r}")
        return None
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        return _dead(origin, Reason.EVENEMENT_ILLISIBLE, f"transaction marker: {exc}", key, value)


def _dead(origin: Origin, reason: Reason, error: str, key: bytes | None, value: bytes | None) -> DeadLetter:
    return DeadLetter(origin, reason, error[:2000], key, value)
