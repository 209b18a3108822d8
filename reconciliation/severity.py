"""How much a divergence matters to the person, from legal facts. Pure.

A dossier is a dict[str, Any] shaped like ``anef_models.Dossier.model_dump()``: ``usager`` and the lists
``titres``, ``demandes``, ``attestations``, ``mesures`` (rows as dicts). The AGDREF side is the
mapping of the legacy dossier; the ANEF side is what ANEF holds (its own rows left out).

- critical: the right to stay or to work differs. A permit or receipt valid today in AGDREF is
  missing in ANEF, not valid today there, or without the work authorisation AGDREF gives; a
  removal measure of AGDREF is missing in ANEF, or annulled in one system only;
- high: identity (names, birth, nationality, sex, parents), or a whole person missing or
  unexpected;
- low: only the address differs;
- medium: anything else (applications, permit details).
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from reconciliation.divergence import FieldDifference, Severity

IDENTITY_FIELDS = frozenset({
    "nom_naissance", "nom_usage", "prenoms", "sexe", "date_naissance", "precision_naissance", "pays_naissance",
    "ville_naissance", "nationalite", "nom_pere", "prenom_pere", "nom_mere", "prenom_mere", "numeros_alias",
    "statut",
})
ADDRESS_FIELDS = frozenset({"adresse_ligne", "code_postal", "commune", "code_insee"})
RIGHTS = (("titres", "numero_titre"), ("attestations", "numero"))


def _key(value: Any) -> str:
    return value.rstrip() if isinstance(value, str) else str(value)


def _valid(row: dict[str, Any], today: date) -> bool:
    start, end = row.get("date_debut"), row.get("date_fin")
    return start is not None and start <= today and (end is None or end >= today)


def rights_today(dossier: dict[str, Any] | None, today: date) -> dict[str, dict[str, Any]]:
    """The permits and receipts valid today, by "<list>:<number>"."""
    if not dossier:
        return {}
    return {f"{name}:{_key(row[key])}": row for name, key in RIGHTS for row in dossier.get(name) or ()
            if _valid(row, today)}


def days_left(dossier: dict[str, Any] | None, today: date) -> int | None:
    """Days until the first permit or receipt valid today runs out (None: none, or permanent)."""
    ends = [row["date_fin"] for row in rights_today(dossier, today).values() if row.get("date_fin") is not None]
    return (min(ends) - today).days if ends else None


def _measures(dossier: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    return {_key(m["numero"]): m for m in (dossier or {}).get("mesures") or ()}


def right_to_stay_or_work_differs(agdref: dict[str, Any] | None, anef: dict[str, Any] | None, today: date) -> bool:
    expected, held = rights_today(agdref, today), rights_today(anef, today)
    for key, row in expected.items():
        if key not in held:
            return True  # missing in ANEF, or not valid today there
        if row.get("autorisation_travail") and not held[key].get("autorisation_travail"):
            return True
    expected_measures, held_measures = _measures(agdref), _measures(anef)
    for key, measure in expected_measures.items():
        if key not in held_measures or bool(measure.get("annulee")) != bool(held_measures[key].get("annulee")):
            return True
    return any(m.get("annulee") for k, m in held_measures.items() if k not in expected_measures)


def _field_name(difference: FieldDifference) -> str:
    return difference.field.rsplit(".", 1)[-1]


def severity(agdref: dict[str, Any] | None, anef: dict[str, Any] | None, fields: Iterable[FieldDifference], today: date,
             whole_person: bool = False) -> Severity:
    """The severity of a divergence between the two views of one dossier."""
    if right_to_stay_or_work_differs(agdref, anef, today):
        return Severity.CRITICAL
    fields = list(fields)
    if whole_person:
        return Severity.HIGH
    usager_fields = {_field_name(f) for f in fields if f.field.startswith("usager.")}
    if usager_fields & IDENTITY_FIELDS:
        return Severity.HIGH
    if fields and all(f.field.startswith("usager.") and _field_name(f) in ADDRESS_FIELDS for f in fields):
        return Severity.LOW
    return Severity.MEDIUM
