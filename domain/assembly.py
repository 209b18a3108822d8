"""Assembling dossiers from legacy rows (pure): who belongs to whom.

Used wherever the whole of AGDREF is seen at once (the reconciliation, the tests' oracle). The
worker assembles the same dossiers incrementally from its assembly area (``pipeline.mirror``);
both follow these rules:
- a row belongs to the person whose number (normalised, ID1) it carries;
- an alias record and everything attached to its number belong to the reference person its
  chain resolves to (ID3); a broken chain leaves the alias as its own, rejected, dossier;
- records normalising to the same number are one person (ID5).
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from domain.aliases import resolve_reference
from domain.dossier import LegacyDossier
from domain.errors import RemediationNeeded
from domain.identity import normalise_foreigner_number
from domain.person import is_alias
from schemas.legacy_models import Etranger, LegacyRow

DOSSIER_FIELDS = {"adresse": "adresses", "demande": "demandes", "titre": "titres",
                  "doc_provisoire": "documents", "mesure_eloignement": "mesures"}


def owner(raw: str | None) -> str | None:
    """The number a row belongs to: normalised, the stripped raw value when it cannot be, None
    when blank."""
    if raw is None or not raw.strip():
        return None
    try:
        return normalise_foreigner_number(raw)
    except RemediationNeeded:
        return raw.strip()


def owner_sql(column: str) -> str:
    """SQL twin of ``owner`` as the assembly area stores it: the
    normalised foreigner number (a 9-digit number gets its leading zero back), the stripped raw
    value when it is not a number, ``''`` when blank."""
    value = f"btrim(CAST({column} AS text))"
    return f"(CASE WHEN {value} ~ '^[0-9]{{9}}$' THEN '0' || {value} ELSE coalesce({value}, '') END)"


def alias_links(persons: Iterable[Etranger]) -> dict[str, str | None]:
    """number → reference for alias records (``""`` when unreadable), None for persons."""
    by_number: dict[str, list[Etranger]] = defaultdict(list)
    for record in persons:
        number = owner(record.num_etranger)
        if number:
            by_number[number].append(record)
    links: dict[str, str | None] = {}
    for number, records in by_number.items():
        if any(not is_alias(r) for r in records):
            links[number] = None
        else:
            links[number] = owner(records[0].num_etranger_ref) or ""
    return links


def root_of(number: str, links: Mapping[str, str | None]) -> str:
    try:
        return resolve_reference(number, links)
    except RemediationNeeded:
        return number


def assemble(rows: Mapping[str, Iterable[LegacyRow]]) -> dict[str, LegacyDossier]:
    """Every dossier, keyed by its root number, from every legacy row (table name → rows)."""
    persons = [row for row in rows.get("etranger", ()) if isinstance(row, Etranger)]
    links = alias_links(persons)
    parts: dict[str, dict[str, list[LegacyRow]]] = defaultdict(lambda: defaultdict(list))
    for record in persons:
        number = owner(record.num_etranger)
        if number is None:
            continue
        root = root_of(number, links)
        parts[root]["persons" if number == root else "aliases"].append(record)
    for table, field in DOSSIER_FIELDS.items():
        for row in rows.get(table, ()):
            number = owner(getattr(row, "num_etranger", None))
            if number is None:
                number = ""
            root = root_of(number, links) if number in links else number
            if table == "adresse" and root != number:
                continue  # (ADR2) an alias's own addresses are not the reference person's
            parts[root][field].append(row)
    def dossier(root: str, fields: dict[str, list[LegacyRow]]) -> LegacyDossier:
        grouped: dict[str, Any] = {name: tuple(found) for name, found in fields.items()}  # field → its rows
        return LegacyDossier(root, alias_links=links, **grouped)

    return {root: dossier(root, p) for root, p in parts.items()}
