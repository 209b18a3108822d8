"""Address rules: the current address of a person, in ANEF's four fields."""
from __future__ import annotations

import re
from dataclasses import dataclass

from domain.text import text_or_none
from schemas.legacy_models import Adresse

STREET_TYPES = {
    "RUE": "RUE", "BD": "BOULEVARD", "AV": "AVENUE", "CHE": "CHEMIN", "IMP": "IMPASSE", "PL": "PLACE",
    "ALL": "ALLEE", "QU": "QUAI", "RTE": "ROUTE",
}
_NUMBER_SUFFIX = re.compile(r"^(\d+)\s*([BT])$")
_COMMUNE_ABBREVIATIONS = ((re.compile(r"\bSTE\b"), "SAINTE"), (re.compile(r"\bST\b"), "SAINT"),
                          (re.compile(r"\bS/"), "SUR "), (re.compile(r"\bS\b"), "SUR"))
UNKNOWN_INSEE = "00000"


@dataclass(frozen=True)
class CurrentAddress:
    adresse_ligne: str | None
    code_postal: str | None
    commune: str | None
    code_insee: str | None


NO_ADDRESS = CurrentAddress(None, None, None, None)


def current(addresses: tuple[Adresse, ...] | list[Adresse]) -> Adresse | None:
    """(settled) The current address is the one with the highest ``num_ordre``."""
    return max(addresses, key=lambda a: a.num_ordre, default=None)


def street_number(raw: str | None) -> str | None:
    """``12B`` → ``12 BIS``, ``3T`` → ``3 TER``; anything else as it is."""
    value = (raw or "").strip().upper()
    match = _NUMBER_SUFFIX.match(value)
    if match:
        return f"{match.group(1)} {'BIS' if match.group(2) == 'B' else 'TER'}"
    return value or None


def commune(raw: str | None) -> str | None:
    """Commune names with the legacy's abbreviations written out: ``ST DENIS`` → ``SAINT DENIS``,
    ``STE``→``SAINTE``, ``S/`` or ``S`` → ``SUR``."""
    value = text_or_none(raw)
    if value is None:
        return None
    for pattern, word in _COMMUNE_ABBREVIATIONS:
        value = pattern.sub(word, value)
    return " ".join(value.split())


def to_anef(address: Adresse | None) -> CurrentAddress:
    """The address line is ``[CHEZ <c/o> - ]<number> <street type in full> <street name>``; an
    INSEE code of ``00000`` is unknown (null); blank fields are null."""
    if address is None:
        return NO_ADDRESS
    street_type = (address.code_voie or "").strip().upper()
    parts = [street_number(address.num_voie), STREET_TYPES.get(street_type, street_type) or None,
             text_or_none(address.lib_voie)]
    line = " ".join(p for p in parts if p) or None
    care_of = text_or_none(address.chez)
    if care_of:
        line = f"CHEZ {care_of} - {line}" if line else f"CHEZ {care_of}"
    insee = (address.code_insee or "").strip().upper()
    postcode = (address.code_postal or "").strip()
    return CurrentAddress(line, postcode or None, commune(address.lib_commune),
                          None if insee in ("", UNKNOWN_INSEE) else insee)
