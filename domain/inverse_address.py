"""The way back for an address: ANEF's four address fields → one legacy ``adresse`` row.

``domain.address.to_anef`` writes the line as ``[CHEZ <c/o> - ]<number> <street type in full>
<street name>``, joining the parts with single spaces; this reads it back the same way. A token
goes to ``num_voie`` or ``code_voie`` only when the forward rule writes it back exactly as it is
(``12 BIS`` ↔ ``12B``, ``BOULEVARD`` ↔ ``BD``); anything else stays in the street name, which the
forward rule joins unchanged. The commune is written in full when it fits, else with the legacy's
own abbreviations (``SAINT`` → ``ST``, ``SAINTE`` → ``STE``, ``SUR`` → ``S/``), which the forward
rule writes out again.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

from domain import address
from domain.text import canonical
from schemas.rejections import WayBackReason as Why

if TYPE_CHECKING:
    from schemas.anef_models import Usager

_STREET_CODES = {full: code for code, full in address.STREET_TYPES.items()}
_SUFFIX = {"BIS": "B", "TER": "T"}
_ABBREVIATIONS = ((re.compile(r"\bSAINTE\b"), "STE"), (re.compile(r"\bSAINT\b"), "ST"),
                  (re.compile(r"\bSUR\s+"), "S/"))
_WIDTHS = {"chez": 21, "num_voie": 4, "code_voie": 4, "lib_voie": 24, "code_postal": 5, "lib_commune": 28,
           "code_insee": 5}
# which ANEF field a loss in each legacy column shows up in
_SHOWN_IN = {"chez": "adresse_ligne", "num_voie": "adresse_ligne", "code_voie": "adresse_ligne",
             "lib_voie": "adresse_ligne", "code_postal": "code_postal", "lib_commune": "commune",
             "code_insee": "code_insee"}


def legacy_address(row: Usager, hints: dict[str, Why]) -> dict[str, str] | None:
    """The ``adresse`` columns (without number and dates) of a person's current address; None
    when ANEF holds none. A column cut to its width is noted in ``hints`` (ANEF field → reason)."""
    if not any((row.adresse_ligne, row.code_postal, row.commune, row.code_insee)):
        return None
    line, commune = (_legacy_text(value, field, hints) for value, field in
                     ((row.adresse_ligne, "adresse_ligne"), (row.commune, "commune")))
    values = {"chez": "", "num_voie": "", "code_voie": "", **_street(line),
              "code_postal": row.code_postal or "", "lib_commune": _commune(commune),
              "code_insee": row.code_insee or address.UNKNOWN_INSEE}
    for column, width in _WIDTHS.items():
        if len(values[column]) > width:
            values[column] = values[column][:width].rstrip()
            hints[_SHOWN_IN[column]] = Why.TRONQUE
    return values


def _legacy_text(value: str | None, field: str, hints: dict[str, Why]) -> str:
    folded = canonical(value or "")
    if folded != (value or ""):
        hints[field] = Why.FORME_LEGACY
    return folded


def _street(line: str) -> dict[str, str]:
    found: dict[str, str] = {}
    if line.startswith("CHEZ "):
        care_of, _, line = line[len("CHEZ "):].partition(" - ")
        found["chez"] = care_of
    tokens = line.split(" ") if line else []
    number = _number_back(tokens[:2]) if tokens else None
    if number:
        found["num_voie"], tokens = number[0], tokens[number[1]:]
    if tokens and tokens[0] in _STREET_CODES:
        found["code_voie"], tokens = _STREET_CODES[tokens[0]], tokens[1:]
    found["lib_voie"] = " ".join(tokens)
    return found


def _number_back(tokens: list[str]) -> tuple[str, int] | None:
    """The legacy street number the first tokens came from, and how many it takes: ``12 BIS`` →
    ``12B``; a plain number as it is. None when the forward rule would not write it back as is."""
    first = tokens[0]
    if len(tokens) == 2 and first.isdigit() and tokens[1] in _SUFFIX and len(first) <= 3:
        return first + _SUFFIX[tokens[1]], 2
    if first[:1].isdigit() and len(first) <= 4 and address.street_number(first) == first:
        return first, 1
    return None


def _commune(name: str) -> str:
    if len(name) <= _WIDTHS["lib_commune"]:
        return name
    for pattern, short in _ABBREVIATIONS:
        name = pattern.sub(short, name)
    return name
