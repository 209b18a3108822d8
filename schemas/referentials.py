"""AGDREF's country referential (the project's copy of ``shared/spec/ref_pays.csv``).

Read once from the package's data, never from the network or the database, so the mapping stays
pure and gives the same answer in a unit test, a worker and the reconciliation.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from importlib import resources


@dataclass(frozen=True)
class Country:
    code_agdref: str
    iso3: str
    libelle: str
    date_fin: date | None  # set for a former state (ISO 3166-3)

    @property
    def former_state(self) -> bool:
        return self.date_fin is not None


def _parse_end(value: str) -> date | None:
    value = value.strip()
    return date(int(value[:4]), int(value[4:6]), int(value[6:8])) if value else None


@lru_cache(maxsize=1)
def countries() -> dict[str, Country]:
    """The referential keyed by AGDREF code (without the legacy's space padding)."""
    text = resources.files("schemas").joinpath("data/ref_pays.csv").read_text(encoding="utf-8")
    return {
        row["code_agdref"].strip(): Country(
            row["code_agdref"].strip(), row["iso3"].strip(), row["libelle"].strip(), _parse_end(row["date_fin"])
        )
        for row in csv.DictReader(io.StringIO(text))
    }


def ref_pays_rows() -> list[dict[str, str | None]]:
    """The rows of ``agdref.ref_pays`` as the legacy database holds them (``date_fin`` as text)."""
    return [
        {"code_agdref": c.code_agdref, "iso3": c.iso3, "libelle": c.libelle,
         "date_fin": c.date_fin.strftime("%Y%m%d") if c.date_fin else None}
        for c in countries().values()
    ]


@lru_cache(maxsize=1)
def former_state_iso3() -> frozenset[str]:
    """ISO 3166-3 codes of former states: valid for a country of birth, never for a nationality."""
    return frozenset(c.iso3 for c in countries().values() if c.former_state)


# AGDREF's codes for "unknown" and "stateless": they map to ICAO codes, not to countries.
SPECIAL_CODES = ("ZZZ", "INC", "APA")


@lru_cache(maxsize=1)
def current_iso3() -> frozenset[str]:
    """ISO 3166-1 alpha-3 codes of the referential's current states."""
    return frozenset(c.iso3 for c in countries().values() if not c.former_state and c.code_agdref not in SPECIAL_CODES)


@dataclass(frozen=True)
class Department:
    code: str  # ANEF's notation: "01", "75", "2A", "971"
    nom: str


@lru_cache(maxsize=1)
def departments() -> dict[str, Department]:
    """France's departments, the scopes of a prefecture's go/no-go, by ANEF code (``data/departements.csv``)."""
    text = resources.files("schemas").joinpath("data/departements.csv").read_text(encoding="utf-8")
    return {row["code"]: Department(row["code"], row["nom"]) for row in csv.DictReader(io.StringIO(text))}


def department_name(code: str) -> str:
    """"Paris" for "75"; the code itself when it names no department (e.g. the undetermined scope)."""
    found = departments().get(code)
    return found.nom if found else code
