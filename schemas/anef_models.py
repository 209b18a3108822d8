"""ANEF's rows as pydantic models that enforce every vocabulary of ``shared/spec/anef.md``.

A mapped dossier is validated against these before it is written, so a rule that produced a value
ANEF does not accept fails here, loudly, instead of in the database or, worse, in ANEF's screens.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints, model_validator

from schemas import referentials
from schemas import vocabularies as v

NumeroEtranger = Annotated[str, StringConstraints(pattern=r"^[0-9]{10}$")]
Alpha3 = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]


def _country_of_birth(code: str) -> str:
    if code not in referentials.current_iso3() and code not in referentials.former_state_iso3():
        raise ValueError(f"{code!r} is not an ISO 3166-1 or 3166-3 alpha-3 code of the referential")
    return code


def _nationality(code: str) -> str:
    if code in referentials.former_state_iso3():
        raise ValueError(f"{code!r} is a former state: never a nationality")
    if code not in referentials.current_iso3() and code not in v.ICAO_NATIONALITES:
        raise ValueError(f"{code!r} is neither ISO 3166-1 alpha-3 nor an ICAO 9303 code")
    return code


def _prefecture(code: str) -> str:
    """ANEF's notation: ``01``…``95``, ``2A``, ``2B``, ``971``…``976`` (the department referential)."""
    if code not in referentials.departments():
        raise ValueError(f"{code!r} is not a department in ANEF's notation (01, 75, 2A, 971)")
    return code


CountryOfBirth = Annotated[Alpha3, AfterValidator(_country_of_birth)]
Nationality = Annotated[Alpha3, AfterValidator(_nationality)]
Prefecture = Annotated[str, AfterValidator(_prefecture)]


class AnefRow(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Usager(AnefRow):
    numero_etranger: NumeroEtranger
    nom_naissance: Annotated[str, StringConstraints(min_length=1)]
    nom_usage: str | None = None
    prenoms: list[str]
    sexe: v.Sexe
    date_naissance: date | None = None
    precision_naissance: v.PrecisionNaissance
    pays_naissance: CountryOfBirth | None = None
    ville_naissance: str | None = None
    nationalite: Nationality
    nom_pere: str | None = None
    prenom_pere: str | None = None
    nom_mere: str | None = None
    prenom_mere: str | None = None
    situation_familiale: v.SituationFamiliale | None = None
    date_entree_france: date | None = None
    entree_reguliere: bool | None = None
    prefecture: Prefecture
    adresse_ligne: str | None = None
    code_postal: str | None = None
    commune: str | None = None
    code_insee: str | None = None
    numeros_alias: list[NumeroEtranger] = []
    statut: v.StatutUsager
    origine: v.Origine
    maj_le: datetime


Numero12 = Annotated[str, StringConstraints(min_length=1, max_length=12)]


class Titre(AnefRow):
    numero_titre: Annotated[str, StringConstraints(min_length=1, max_length=10)]
    numero_etranger: NumeroEtranger
    numero_demande: Numero12 | None = None
    categorie: v.CategorieTitre
    mention: str | None = None
    date_debut: date
    date_fin: date | None = None
    statut: v.StatutTitre
    date_remise: date | None = None
    autorisation_travail: bool
    numero_duplicata: int
    prefecture: Prefecture
    origine: v.Origine
    maj_le: datetime

    @model_validator(mode="after")
    def _end_required_unless_permanent(self) -> Titre:
        if self.date_fin is None and self.categorie != "CARTE_RESIDENT_PERMANENT":
            raise ValueError("date_fin may be null only for CARTE_RESIDENT_PERMANENT")
        return self


class Demande(AnefRow):
    numero_demande: Numero12
    numero_etranger: NumeroEtranger
    nature: v.NatureDemande
    categorie_demandee: v.CategorieTitre
    fondement: str | None = None
    date_depot: date
    statut: v.StatutDemande
    date_decision: date | None = None
    motif_refus: str | None = None
    prefecture: Prefecture
    origine: v.Origine
    maj_le: datetime


class Attestation(AnefRow):
    numero: Numero12
    numero_etranger: NumeroEtranger
    numero_demande: Numero12 | None = None
    type: v.TypeAttestation
    date_debut: date
    date_fin: date
    renouvellements: int
    autorisation_travail: bool
    origine: v.Origine
    maj_le: datetime


class MesureEloignement(AnefRow):
    numero: Numero12
    numero_etranger: NumeroEtranger
    nature: v.NatureMesure
    date_decision: date
    notifiee_le: datetime | None = None
    delai_depart_jours: int
    contentieux: bool
    annulee: bool
    executee: bool
    date_execution: date | None = None
    origine: v.Origine
    maj_le: datetime


class Dossier(AnefRow):
    """One person and everything attached to them: what the sink writes in one transaction."""

    usager: Usager
    titres: list[Titre] = []
    demandes: list[Demande] = []
    attestations: list[Attestation] = []
    mesures: list[MesureEloignement] = []


# Exported as JSON Schema for the teams that consume ANEF's model (`agdref-anef schemas export`).
EXPORTED_MODELS: dict[str, type[AnefRow]] = {
    "usager": Usager, "titre": Titre, "demande": Demande, "attestation": Attestation,
    "mesure_eloignement": MesureEloignement, "dossier": Dossier,
}
