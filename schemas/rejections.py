"""The two kinds of rejection of ``shared/spec/mapping.md`` and the reasons a dossier is parked.

Reason codes are stable identifiers: reports count by them, replays filter by them, and a person
reads the description. Adding a reason is fine; renaming one breaks every saved filter.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class RejectionKind(StrEnum):
    TECHNICAL = "technical"      # the event itself is unusable: dead-letter topic
    REMEDIATION = "remediation"  # the data needs a human decision: the dossier is parked


class Reason(StrEnum):
    # remediation
    NUMERO_ETRANGER_INVALIDE = "NUMERO_ETRANGER_INVALIDE"
    NOM_NAISSANCE_ABSENT = "NOM_NAISSANCE_ABSENT"
    DATE_INEXISTANTE = "DATE_INEXISTANTE"
    DATE_ILLISIBLE = "DATE_ILLISIBLE"
    CODE_PAYS_INCONNU = "CODE_PAYS_INCONNU"
    NATIONALITE_ETAT_DISPARU = "NATIONALITE_ETAT_DISPARU"
    CODE_INCONNU = "CODE_INCONNU"
    DEPARTEMENT_INCONNU = "DEPARTEMENT_INCONNU"
    CORSE_INDETERMINEE = "CORSE_INDETERMINEE"
    DATE_MANQUANTE = "DATE_MANQUANTE"
    DATE_INCOMPLETE = "DATE_INCOMPLETE"
    VALIDITE_HORS_REGLES = "VALIDITE_HORS_REGLES"
    ALIAS_SANS_REFERENCE = "ALIAS_SANS_REFERENCE"
    ALIAS_BOUCLE = "ALIAS_BOUCLE"
    PERSONNE_ABSENTE = "PERSONNE_ABSENTE"
    ECRITURE_REFUSEE = "ECRITURE_REFUSEE"
    NOM_NON_TRANSCRIPTIBLE = "NOM_NON_TRANSCRIPTIBLE"
    ALIAS_DOUBLON_PERSONNE = "ALIAS_DOUBLON_PERSONNE"
    ALIAS_REFERENCES_MULTIPLES = "ALIAS_REFERENCES_MULTIPLES"
    PROTECTION_INCONNUE = "PROTECTION_INCONNUE"
    VALEUR_IMPOSSIBLE = "VALEUR_IMPOSSIBLE"
    DECISION_PERIMEE = "DECISION_PERIMEE"
    # technical
    EVENEMENT_ILLISIBLE = "EVENEMENT_ILLISIBLE"
    TABLE_INCONNUE = "TABLE_INCONNUE"
    LIGNE_NON_CONFORME = "LIGNE_NON_CONFORME"


REASON_DESCRIPTIONS: dict[Reason, str] = {
    Reason.NUMERO_ETRANGER_INVALIDE: "the foreigner number is not 10 digits, even with its leading zero restored",
    Reason.NOM_NAISSANCE_ABSENT: "the birth surname is blank or INC; ANEF requires it",
    Reason.DATE_INEXISTANTE: "a date that does not exist in the calendar; it is not guessed",
    Reason.DATE_ILLISIBLE: "a date or timestamp that is not in the legacy format",
    Reason.CODE_PAYS_INCONNU: "a country code absent from the referential",
    Reason.NATIONALITE_ETAT_DISPARU: "a nationality that is a former state (never valid in ANEF)",
    Reason.CODE_INCONNU: "a coded value outside the legacy's list",
    Reason.DEPARTEMENT_INCONNU: "a department code that is not a French department",
    Reason.CORSE_INDETERMINEE: "a pre-1976 Corsica code (020) with no postcode or commune to tell 2A from 2B",
    Reason.DATE_MANQUANTE: "a date ANEF requires is unknown (00000000 or blank)",
    Reason.DATE_INCOMPLETE: "a partial date (YYYY0000, YYYYMM00) where only a full date is meaningful",
    Reason.VALIDITE_HORS_REGLES: "a validity that breaks the rules of its permit type (end before start, too long)",
    Reason.ALIAS_SANS_REFERENCE: "an alias whose reference record does not exist",
    Reason.ALIAS_BOUCLE: "an alias chain that loops back on itself",
    Reason.PERSONNE_ABSENTE: "rows attached to a foreigner number that has no person record",
    Reason.ECRITURE_REFUSEE: "ANEF's database refused the dossier (a constraint, or rows ANEF itself attached)",
    Reason.NOM_NON_TRANSCRIPTIBLE: "a name that cannot be brought to plain A-Z, space, ' and - (Cyrillic letters, symbols)",
    Reason.ALIAS_DOUBLON_PERSONNE: "a person record and an alias record normalise to the same number",
    Reason.ALIAS_REFERENCES_MULTIPLES: "alias records of one number point to different reference persons",
    Reason.PROTECTION_INCONNUE: "a removal measure's departure period, appeal or annulment is blank or impossible: "
                                "never read as the least favourable value",
    Reason.VALEUR_IMPOSSIBLE: "a count that cannot be (a negative number of renewals)",
    Reason.DECISION_PERIMEE: "a recorded decision whose legacy value has changed since: a person looks again",
    Reason.EVENEMENT_ILLISIBLE: "the message is not a change event (malformed JSON or envelope)",
    Reason.TABLE_INCONNUE: "the event comes from a table the pipeline does not know",
    Reason.LIGNE_NON_CONFORME: "the row does not have the legacy table's shape",
}


@dataclass(frozen=True)
class Remediation:
    """Why a legacy row cannot be migrated without a person: which rule, which field, what value."""

    reason: Reason
    field: str
    detail: str
    table: str = "etranger"
    key: str = ""

    @property
    def kind(self) -> RejectionKind:
        return RejectionKind.REMEDIATION
