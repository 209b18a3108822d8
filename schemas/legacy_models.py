"""What a legacy row may hold, as it arrives in a change event.

These models accept exactly what the AGDREF columns can store (text of at most the column's
width, possibly blank, possibly with accents or mojibake; small integers); they reject only what
the legacy database itself could never have produced, which is a technical error (a malformed
event), never a remediation.
"""
from __future__ import annotations

from typing import Annotated, Any, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

SMALLINT = Annotated[int, Field(ge=-32768, le=32767)]


# Text of at most the column's width (CHAR/VARCHAR(n)): one alias per width used, so that type
# checkers read the models as plainly as pydantic does.
Text1 = Annotated[str, StringConstraints(max_length=1)]
Text2 = Annotated[str, StringConstraints(max_length=2)]
Text3 = Annotated[str, StringConstraints(max_length=3)]
Text4 = Annotated[str, StringConstraints(max_length=4)]
Text5 = Annotated[str, StringConstraints(max_length=5)]
Text8 = Annotated[str, StringConstraints(max_length=8)]
Text10 = Annotated[str, StringConstraints(max_length=10)]
Text12 = Annotated[str, StringConstraints(max_length=12)]
Text14 = Annotated[str, StringConstraints(max_length=14)]
Text21 = Annotated[str, StringConstraints(max_length=21)]
Text24 = Annotated[str, StringConstraints(max_length=24)]
Text28 = Annotated[str, StringConstraints(max_length=28)]
Text32 = Annotated[str, StringConstraints(max_length=32)]
Text40 = Annotated[str, StringConstraints(max_length=40)]
Text41 = Annotated[str, StringConstraints(max_length=41)]
Text44 = Annotated[str, StringConstraints(max_length=44)]
Text60 = Annotated[str, StringConstraints(max_length=60)]


class LegacyRow(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    @classmethod
    def from_kept(cls, row: dict[str, Any]) -> Self:
        """The model of a row validated on arrival and kept as the model dumped it, built again
        without validating: what ``model_construct(**row)`` builds, without its per-field search
        for aliases and defaults (these models have none), which was a twentieth of a live
        rebuild's time. ``row`` becomes the instance's own: not to be used by the caller after.
        A row that lacks a field (kept before the field existed) goes through ``model_construct``."""
        if row.keys() != cls.__pydantic_fields__.keys():
            return cls.model_construct(**row)
        model = cls.__new__(cls)
        _set(model, "__dict__", row)
        _set(model, "__pydantic_fields_set__", set(row))
        _set(model, "__pydantic_extra__", None)
        _set(model, "__pydantic_private__", None)
        return model


_set = object.__setattr__  # what pydantic itself uses: the models are frozen


class Etranger(LegacyRow):
    num_etranger: Text10
    nom: Text44
    nom_usage: Text41 | None = None
    prenoms: Text32 | None = None
    sexe: Text1 | None = None
    date_nais: Text8 | None = None
    pays_nais: Text3 | None = None
    ville_nais: Text28 | None = None
    nationalite: Text3 | None = None
    nom_pere: Text21 | None = None
    nom_mere: Text21 | None = None
    prenom_pere: Text10 | None = None
    prenom_mere: Text10 | None = None
    sit_matrim: Text1 | None = None
    date_entree: Text8 | None = None
    cond_entree: Text1 | None = None
    ind_alias: Text1 | None = None
    num_etranger_ref: Text10 | None = None
    code_dept: Text3 | None = None
    date_naturalisation: Text8 | None = None
    date_maj: Text14 | None = None


class Adresse(LegacyRow):
    num_etranger: Text10
    num_ordre: int
    chez: Text21 | None = None
    num_voie: Text4 | None = None
    code_voie: Text4 | None = None
    lib_voie: Text24 | None = None
    code_postal: Text5 | None = None
    lib_commune: Text28 | None = None
    code_insee: Text5 | None = None
    date_debut: Text8 | None = None
    date_maj: Text14 | None = None


class Demande(LegacyRow):
    num_demande: Text12
    num_etranger: Text10 | None = None
    code_dept: Text3 | None = None
    type_titre: Text5 | None = None
    code_mouvement: Text2 | None = None
    ref_reglementaire: Text12 | None = None
    date_depot: Text8 | None = None
    decision: Text1 | None = None
    date_decision: Text8 | None = None
    motif_refus: Text60 | None = None
    date_maj: Text14 | None = None


class Titre(LegacyRow):
    num_titre: Text10
    num_etranger: Text10 | None = None
    num_demande: Text12 | None = None
    type_titre: Text5 | None = None
    mention: Text40 | None = None
    date_debut_val: Text8 | None = None
    date_fin_val: Text8 | None = None
    date_remise: Text8 | None = None
    autor_travail: Text1 | None = None
    num_duplicata: SMALLINT | None = None
    lieu_delivrance: Text3 | None = None
    date_maj: Text14 | None = None


class DocProvisoire(LegacyRow):
    num_doc: Text12
    num_etranger: Text10 | None = None
    num_demande: Text12 | None = None
    type_doc: Text3 | None = None
    date_debut: Text8 | None = None
    date_fin: Text8 | None = None
    nb_renouv: SMALLINT | None = None
    autor_travail: Text1 | None = None
    date_maj: Text14 | None = None


class MesureEloignement(LegacyRow):
    num_mesure: Text12
    num_etranger: Text10 | None = None
    nature: Text10 | None = None
    date_decision: Text8 | None = None
    date_notif: Text12 | None = None
    delai_depart: SMALLINT | None = None
    contentieux: Text1 | None = None
    annulee: Text1 | None = None
    execution: Text1 | None = None
    date_execution: Text8 | None = None
    date_maj: Text14 | None = None


LEGACY_MODELS: dict[str, type[LegacyRow]] = {
    "etranger": Etranger,
    "adresse": Adresse,
    "demande": Demande,
    "titre": Titre,
    "doc_provisoire": DocProvisoire,
    "mesure_eloignement": MesureEloignement,
}
