"""What a legacy row may hold, as it arrives in a change event.

These models accept exactly what the AGDREF columns can store (text of at most the column's
width, possibly blank, possibly with accents or mojibake); they reject only what the legacy
database itself could never have produced, which is a technical error (a malformed event).
"""
from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints


def _text(width: int):
    return Annotated[str, StringConstraints(max_length=width)]


class LegacyRow(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Etranger(LegacyRow):
    num_etranger: _text(10)
    nom: _text(44)
    nom_usage: _text(41) | None = None
    prenoms: _text(32) | None = None
    sexe: _text(1) | None = None
    date_nais: _text(8) | None = None
    pays_nais: _text(3) | None = None
    ville_nais: _text(28) | None = None
    nationalite: _text(3) | None = None
    nom_pere: _text(21) | None = None
    nom_mere: _text(21) | None = None
    prenom_pere: _text(10) | None = None
    prenom_mere: _text(10) | None = None
    sit_matrim: _text(1) | None = None
    date_entree: _text(8) | None = None
    cond_entree: _text(1) | None = None
    ind_alias: _text(1) | None = None
    num_etranger_ref: _text(10) | None = None
    code_dept: _text(3) | None = None
    date_naturalisation: _text(8) | None = None
    date_maj: _text(14) | None = None


LEGACY_MODELS: dict[str, type[LegacyRow]] = {"etranger": Etranger}
