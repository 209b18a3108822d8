"""The initial load, pure part: one key range of AGDREF, read at a consistent snapshot, made into
what the worker writes (no I/O).

A range is every legacy row whose owner's number falls in ``[low, high)``. Its rows are validated
against the legacy tables' shapes exactly as ``pipeline.decide`` validates a change event (a row
that fails becomes a dead letter, as its event would have), assembled into dossiers by
``domain.assembly`` and mapped in memory by ``domain.dossier.map_dossier``: nothing goes through
the assembly area and back.

A dossier is mapped here only when the range holds all of it. The others are *deferred*: their
rows are recorded in the assembly area as snapshot reads and their numbers marked waiting, and the
rebuild assembles them once every range is in (``pipeline.pending``'s snapshot settling):
- alias records and the persons aliases point to (their records live in another part of the
  number space, hence in another range);
- rows whose owner number is not written the way it normalises (a 9-digit number, spaces): its
  other records may sort into another range;
- rows without an owner (parked under ``""`` by the rebuild, as the stream does).
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from pydantic import TypeAdapter, ValidationError

from domain.assembly import assemble, owner
from domain.dossier import map_dossier
from domain.person import is_alias
from pipeline.actions import RowChange
from pipeline.anef_writer import Rebuilt
from pipeline.decide import source_key
from schemas.fingerprint import row_digest
from schemas.key_range import KeyRange
from schemas.legacy_models import LEGACY_MODELS, Etranger

#: A row's fingerprint when the reader computed it (``pipeline.range_reader``).
DIGEST = "_digest"


@dataclass(frozen=True)
class RefusedRow:
    """A row that does not have its legacy table's shape: a dead letter, as its event would be."""

    table: str
    row: dict[str, Any]
    error: str


@dataclass
class Prepared:
    """What one range becomes: the dossiers mapped here, the assembly-area rows behind them, the
    rows left to the rebuild, and the refused rows."""

    dossiers: list[Rebuilt] = field(default_factory=list)
    kept_rows: list[dict[str, Any]] = field(default_factory=list)   # migration.legacy_row, mapped dossiers
    deferred: list[RowChange] = field(default_factory=list)
    refused: list[RefusedRow] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return len(self.kept_rows) + len(self.deferred) + len(self.refused)

    @property
    def persons(self) -> int:
        return len(self.dossiers) + len({c.numero for c in self.deferred if c.table == "etranger"})

    def without(self, numbers: set[str]) -> Prepared:
        """The same range with the dossiers of ``numbers`` moved to the deferred rows: their kept
        state changed since the snapshot (a live change recorded first), so only a rebuild from
        the assembly area is right for them."""
        moved = [d for d in self.dossiers if d.root in numbers]
        if not moved:
            return self
        by_root = {d.root for d in moved}
        deferred = list(self.deferred)
        for row in self.kept_rows:
            if row["numero_etranger"] in by_root:
                deferred.append(_as_change(row))
        return Prepared([d for d in self.dossiers if d.root not in by_root],
                        [r for r in self.kept_rows if r["numero_etranger"] not in by_root], deferred, self.refused)


def prepare(rows: dict[str, list[dict[str, Any]]], referenced: set[str], key_range: KeyRange, position: int,
            read_at: datetime, today: date | None = None) -> Prepared:
    """The range's rows (table → rows as AGDREF holds them), the numbers alias records point to
    (``referenced``, as AGDREF writes them), the snapshot's legacy position and time → what to write."""
    prepared = Prepared()
    valid: dict[str, list[Any]] = defaultdict(list)
    kept: dict[str, list[dict[str, Any]]] = defaultdict(list)     # owner → its kept rows
    deferred_numbers: set[str] = {owner(r) or "" for r in referenced}
    for table, found in rows.items():
        digests = [raw.pop(DIGEST, None) for raw in found]
        for raw, legacy, digest in _validated(table, found, digests, prepared.refused):
            row = raw  # what model_dump() gives back: the shapes accept AGDREF's values as they are
            number = owner(row.get("num_etranger")) or ""
            alias = isinstance(legacy, Etranger) and is_alias(legacy)
            alias_of = owner(legacy.num_etranger_ref) if alias else None
            if alias or not number or number != (row.get("num_etranger") or "").strip() or not key_range.holds(number):
                deferred_numbers.add(number)
            if alias_of:
                deferred_numbers.add(alias_of)
            kept[number].append(dict(
                source_table=table, source_key=source_key(table, row), numero_etranger=number, alias_of=alias_of,
                is_alias=alias, position=position, deleted=False, row=row, digest=digest or row_digest(table, row),
                committed_at=read_at))
            valid[table].append(legacy)
    for number in deferred_numbers:
        prepared.deferred.extend(_as_change(r) for r in kept.pop(number, ()))
    mapped_tables: dict[str, list[Any]] = defaultdict(list)
    for table, models in valid.items():
        for legacy in models:
            if (owner(getattr(legacy, "num_etranger", None)) or "") in kept:
                mapped_tables[table].append(legacy)
    changed_at = read_at.astimezone(UTC)
    for root, legacy in assemble(mapped_tables).items():
        prepared.dossiers.append(Rebuilt(root, frozenset({root}), map_dossier(legacy, changed_at, today), position))
    prepared.kept_rows = [r for rows_of in kept.values() for r in rows_of]
    return prepared


#: One validator per table for a whole list: pydantic-core then loops in Rust (a third faster than
#: one ``model_validate`` per row).
_LISTS = {table: TypeAdapter(list[model]) for table, model in LEGACY_MODELS.items()}


def _validated(table: str, found: list[dict[str, Any]], digests: list[str | None],
               refused: list[RefusedRow]) -> Iterator[tuple[dict[str, Any], Any, str | None]]:
    """(row, model, digest) for every row with its table's shape; the others go to ``refused``."""
    try:
        yield from zip(found, _LISTS[table].validate_python(found), digests)
        return
    except ValidationError:
        pass  # at least one row is refused: one by one, to know which
    model = LEGACY_MODELS[table]
    for raw, digest in zip(found, digests):
        try:
            yield raw, model.model_validate(raw), digest
        except (ValidationError, ValueError) as exc:
            refused.append(RefusedRow(table, raw, str(exc)[:2000]))


def _as_change(row: dict[str, Any]) -> RowChange:
    return RowChange(row["source_table"], row["source_key"], row["numero_etranger"], row["position"],
                     int(row["committed_at"].timestamp() * 1000), row["row"], alias_of=row["alias_of"],
                     is_alias=row["is_alias"], snapshot=True)
