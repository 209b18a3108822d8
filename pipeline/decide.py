"""From a raw Kafka message to the action the worker takes (pure: no I/O, never raises).

A message that is not a usable change event becomes a dead letter (technical rejection); a row
that the mapping cannot migrate is parked (remediation); a tombstone needs nothing.
"""
from __future__ import annotations

from datetime import datetime, timezone

from pydantic import ValidationError

from pipeline.actions import Action, DeadLetter, ErasePerson, MergeAlias, Origin, Park, SourceRow, UpsertPerson
from pipeline.mapping.errors import RemediationNeeded
from pipeline.mapping.identity import normalise_foreigner_number
from pipeline.mapping.person import AliasRecord, PersonMapped, map_person
from schemas.envelope import ChangeEvent, decode_key
from schemas.legacy_models import LEGACY_MODELS
from schemas.rejections import Reason


def _dead(origin: Origin, reason: Reason, error: str, key: bytes | None, value: bytes | None) -> DeadLetter:
    return DeadLetter(origin, reason, error[:2000], key, value)


def _source_key(key: dict | None, event: ChangeEvent) -> str:
    if key:
        return "|".join(str(v) for v in key.values())
    row = event.after or event.before or {}
    return str(row.get("num_etranger", ""))


def decide(origin: Origin, key: bytes | None, value: bytes | None) -> Action | None:
    """The action for one message of a legacy topic; None for a tombstone (the delete before it
    already said everything)."""
    if value is None:
        return None
    try:
        event = ChangeEvent.from_json(value)
        parsed_key = decode_key(key)
    except (ValidationError, ValueError) as exc:
        return _dead(origin, Reason.EVENEMENT_ILLISIBLE, str(exc), key, value)
    table = event.source.table
    model = LEGACY_MODELS.get(table)
    if model is None:
        return _dead(origin, Reason.TABLE_INCONNUE, f"no mapping for table {table!r}", key, value)
    if event.source.lsn is None:
        return _dead(origin, Reason.EVENEMENT_ILLISIBLE, "source.lsn is missing", key, value)
    source_key = _source_key(parsed_key if isinstance(parsed_key, dict) else None, event)
    try:
        numero = normalise_foreigner_number(source_key)
    except RemediationNeeded:
        numero = source_key.strip()
    row = SourceRow(table, source_key, numero, event.position, event.source.ts_ms)
    if event.op == "d":
        return ErasePerson(row)
    if event.op == "t" or event.after is None:
        return _dead(origin, Reason.EVENEMENT_ILLISIBLE, f"operation {event.op!r} without a row", key, value)
    try:
        legacy = model.model_validate(event.after)
    except ValidationError as exc:
        return _dead(origin, Reason.LIGNE_NON_CONFORME, str(exc), key, value)
    outcome = map_person(legacy, datetime.fromtimestamp(event.source.ts_ms / 1000, tz=timezone.utc))
    if isinstance(outcome, PersonMapped):
        return UpsertPerson(row, outcome.usager)
    if isinstance(outcome, AliasRecord):
        return MergeAlias(row, outcome.reference)
    return Park(row, outcome.remediations, value)
