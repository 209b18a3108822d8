"""ANEF's closed vocabularies, as ``shared/spec/anef.md`` lists them. Each is declared once, as a
``Literal`` type the pydantic models (and type checkers) use; its tuple of values, derived from it,
feeds the table checks: the two can never disagree."""
from typing import Literal, get_args

Origine = Literal["AGDREF", "ANEF"]
Sexe = Literal["M", "F", "X"]
PrecisionNaissance = Literal["COMPLETE", "MOIS", "ANNEE", "INCONNUE"]
SituationFamiliale = Literal["CELIBATAIRE", "MARIE", "DIVORCE", "VEUF", "SEPARE"]
StatutUsager = Literal["ACTIF", "NATURALISE"]
CategorieTitre = Literal[
    "CARTE_TEMPORAIRE", "CARTE_PLURIANNUELLE", "PASSEPORT_TALENT", "CARTE_RESIDENT",
    "CARTE_RESIDENT_PERMANENT", "AUTORISATION_PROVISOIRE", "CERTIFICAT_ALGERIEN_1AN",
    "CERTIFICAT_ALGERIEN_10ANS", "VISA_LONG_SEJOUR",
]
StatutTitre = Literal["DISPONIBLE", "REMIS"]
NatureDemande = Literal["PREMIERE", "RENOUVELLEMENT", "CHANGEMENT_STATUT", "DUPLICATA"]
StatutDemande = Literal["EN_INSTRUCTION", "ACCORDEE", "REFUSEE", "CLASSEE_SANS_SUITE"]
TypeAttestation = Literal["PROLONGATION_INSTRUCTION", "DEMANDE_ASILE"]
NatureMesure = Literal["OQTF", "OQTF_IRTF", "APRF", "EXPULSION", "ITF", "IAT", "DUBLIN"]

ORIGINES: tuple[str, ...] = get_args(Origine)
SEXES: tuple[str, ...] = get_args(Sexe)
PRECISIONS_NAISSANCE: tuple[str, ...] = get_args(PrecisionNaissance)
SITUATIONS_FAMILIALES: tuple[str, ...] = get_args(SituationFamiliale)
STATUTS_USAGER: tuple[str, ...] = get_args(StatutUsager)
CATEGORIES_TITRE: tuple[str, ...] = get_args(CategorieTitre)
STATUTS_TITRE: tuple[str, ...] = get_args(StatutTitre)
NATURES_DEMANDE: tuple[str, ...] = get_args(NatureDemande)
STATUTS_DEMANDE: tuple[str, ...] = get_args(StatutDemande)
TYPES_ATTESTATION: tuple[str, ...] = get_args(TypeAttestation)
NATURES_MESURE: tuple[str, ...] = get_args(NatureMesure)
# ICAO 9303 codes a nationality may take besides ISO 3166-1.
ICAO_NATIONALITES = ("XXA", "XXB", "XXX")
