"""What a legacy row may hold, as it arrives in a change event.

These models accept exactly what the AGDREF columns can store (text of at most the column's
width, possibly blank, possibly with accents or mojibake; small integers); they reject only what
the legacy database itself could never have produced, which is a technical error (a malformed
event), never a remediation.
"""
from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

SMALLINT = Annotated[int, Field(ge=-32768, le=32767)]


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


class Adresse(LegacyRow):
    num_etranger: _text(10)
    num_ordre: int
    chez: _text(21) | None = None
    num_voie: _text(4) | None = None
    code_voie: _text(4) | None = None
    lib_voie: _text(24) | None = None
    code_postal: _text(5) | None = None
    lib_commune: _text(28) | None = None
    code_insee: _text(5) | None = None
    date_debut: _text(8) | None = None
    date_maj: _text(14) | None = None


class Demande(LegacyRow):
    num_demande: _text(12)
    num_etranger: _text(10) | None = None
    code_dept: _text(3) | None = None
    type_titre: _text(5) | None = None
    code_mouvement: _text(2) | None = None
    ref_reglementaire: _text(12) | None = None
    date_depot: _text(8) | None = None
    decision: _text(1) | None = None
    date_decision: _text(8) | None = None
    motif_refus: _text(60) | None = None
    date_maj: _text(14) | None = None


class Titre(LegacyRow):
    num_titre: _text(10)
    num_etranger: _text(10) | None = None
    num_demande: _text(12) | None = None
    type_titre: _text(5) | None = None
    mention: _text(40) | None = None
    date_debut_val: _text(8) | None = None
    date_fin_val: _text(8) | None = None
    date_remise: _text(8) | None = None
    autor_travail: _text(1) | None = None
    num_duplicata: SMALLINT | None = None
    lieu_delivrance: _text(3) | None = None
    date_maj: _text(14) | None = None


class DocProvisoire(LegacyRow):
    num_doc: _text(12)
    num_etranger: _text(10) | None = None
    num_demande: _text(12) | None = None
    type_doc: _text(3) | None = None
    date_debut: _text(8) | None = None
    date_fin: _text(8) | None = None
    nb_renouv: SMALLINT | None = None
    autor_travail: _text(1) | None = None
    date_maj: _text(14) | None = None


class MesureEloignement(LegacyRow):
    num_mesure: _text(12)
    num_etranger: _text(10) | None = None
    nature: _text(10) | None = None
    date_decision: _text(8) | None = None
    date_notif: _text(12) | None = None
    delai_depart: SMALLINT | None = None
    contentieux: _text(1) | None = None
    annulee: _text(1) | None = None
    execution: _text(1) | None = None
    date_execution: _text(8) | None = None
    date_maj: _text(14) | None = None


LEGACY_MODELS: dict[str, type[LegacyRow]] = {
    "etranger": Etranger,
    "adresse": Adresse,
    "demande": Demande,
    "titre": Titre,
    "doc_provisoire": DocProvisoire,
    "mesure_eloignement": MesureEloignement,
}
