"""Deep comparison of one dossier, AGDREF seen through the mapping against ANEF. Pure.

Only suspects come here (``reconciliation.engine`` narrows with fingerprints first). Each side is
a dict[str, Any] shaped like ``anef_models.Dossier.model_dump()``; ANEF's own rows (``origine = 'ANEF'``)
are left out by the caller: they are expected, not divergences.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from reconciliation import severity as rules
from reconciliation.divergence import Divergence, FieldDifference, Kind, Severity

IGNORED_FIELDS = frozenset({"maj_le", "origine"})  # bookkeeping, not legal facts
CHILD_LISTS = (("titres", "titre", "numero_titre"), ("demandes", "demande", "numero_demande"),
               ("attestations", "attestation", "numero"), ("mesures", "mesure_eloignement", "numero"))


@dataclass(frozen=True)
class PipelineState:
    """Where the dossier stands in the pipeline, as far as the comparison needs it."""

    parked_reason: str | None = None
    parked_field: str | None = None
    conflict_rows: tuple[str, ...] = ()
    legacy_behind: bool = False      # AGDREF holds rows the pipeline never recorded
    legacy_days_left: int | None = None  # raw legacy: days until a right valid today runs out
    legacy_right_today: bool = False
    rejected_reason: str | None = None   # the mapping rejects AGDREF's dossier (parked or not yet)


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return value.rstrip()
    if isinstance(value, (list, tuple)):
        return tuple(_clean(v) for v in value)
    return value


def _row_differences(prefix: str, want: dict[str, Any], have: dict[str, Any]) -> list[FieldDifference]:
    names = [k for k in dict.fromkeys([*want, *have]) if k not in IGNORED_FIELDS]
    return [FieldDifference(f"{prefix}.{k}", _clean(want.get(k)), _clean(have.get(k))) for k in names
            if _clean(want.get(k)) != _clean(have.get(k))]


def field_differences(agdref: dict[str, Any], anef: dict[str, Any]) -> list[FieldDifference]:
    """Every field that differs: the person's, and each child row's by its number (a row on one
    side only is one difference with ``None`` on the other)."""
    found = _row_differences("usager", agdref.get("usager") or {}, anef.get("usager") or {})
    for name, table, key in CHILD_LISTS:
        want = {_clean(r[key]): r for r in agdref.get(name) or ()}
        have = {_clean(r[key]): r for r in anef.get(name) or ()}
        for number in sorted(set(want) | set(have)):
            if number not in have:
                found.append(FieldDifference(f"{table}[{number}]", "present", None))
            elif number not in want:
                found.append(FieldDifference(f"{table}[{number}]", None, "present"))
            else:
                found += _row_differences(f"{table}[{number}]", want[number], have[number])
    return found


def _prefecture(*dossiers: dict[str, Any] | None) -> str | None:
    for dossier in dossiers:
        if dossier and dossier.get("usager"):
            prefecture: str | None = dossier["usager"].get("prefecture")
            return prefecture
    return None


def compare(numero: str, agdref: dict[str, Any] | None, anef: dict[str, Any] | None, state: PipelineState, today: date,
            agdref_prefecture: str | None = None) -> list[Divergence]:
    """The divergences of one dossier. ``agdref``: the mapped legacy dossier (None when AGDREF
    has no such person, or when the mapping rejects it: then ``state`` says whether it is
    parked); ``anef``: what ANEF holds (None: no migrated person)."""
    prefecture = _prefecture(agdref, anef) or agdref_prefecture
    # the earlier of the two systems' end dates: a right ending tomorrow in ANEF is urgent whatever AGDREF says
    ends = [d for d in (rules.days_left(agdref, today) if agdref else state.legacy_days_left,
                        rules.days_left(anef, today)) if d is not None]
    days = min(ends) if ends else None
    found: list[Divergence] = []
    if state.parked_reason is not None:
        lost_right = state.legacy_right_today and not rules.rights_today(anef, today)
        found.append(Divergence(numero, Kind.PARKED, Severity.CRITICAL if lost_right else Severity.MEDIUM,
                                prefecture=prefecture, urgency_days=days,
                                detail=f"{state.parked_reason} ({state.parked_field})"))
        return found
    if state.rejected_reason is not None:  # rejected by the mapping, and not parked (yet)
        lost_right = state.legacy_right_today and not rules.rights_today(anef, today)
        found.append(Divergence(numero, Kind.STALE if anef else Kind.MISSING,
                                Severity.CRITICAL if lost_right else Severity.HIGH, prefecture=prefecture,
                                urgency_days=days, detail=f"rejected by the mapping ({state.rejected_reason}), not parked"))
        return found
    if agdref is None and anef is None:
        return found
    if agdref is None:
        found.append(Divergence(numero, Kind.UNEXPECTED, rules.severity(None, anef, (), today, whole_person=True),
                                prefecture=prefecture, urgency_days=None))
        return found
    if anef is None:
        kind = Kind.STALE if state.legacy_behind else Kind.MISSING
        found.append(Divergence(numero, kind, rules.severity(agdref, None, (), today, whole_person=True),
                                prefecture=prefecture, urgency_days=days))
        return found
    differences = field_differences(agdref, anef)
    if not differences:
        return found
    kind = Kind.CONFLICT if state.conflict_rows else Kind.STALE if state.legacy_behind else Kind.FIELD_MISMATCH
    found.append(Divergence(numero, kind, rules.severity(agdref, anef, differences, today), tuple(differences),
                            prefecture=prefecture, urgency_days=days,
                            detail=", ".join(state.conflict_rows)))
    return found
