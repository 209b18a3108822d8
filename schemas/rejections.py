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
    DOSSIER_CREE_DANS_ANEF = "DOSSIER_CREE_DANS_ANEF"
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
    Reason.DOSSIER_CREE_DANS_ANEF: "the legacy application changed rows of a person ANEF created (the way back's "
                                   "copy in AGDREF): ANEF's dossier is not overwritten; a person decides",
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


class WayBackReason(StrEnum):
    """Why an ANEF-native row cannot go back to AGDREF as it is (issue 18, ``domain.inverse``).

    Two kinds, as on the way in: a row *not representable* is not written at all and is listed for
    a person; a row *carried with a loss* is written in the legacy's form, and the loss (which
    field, why) is listed beside it, because the legacy reader sees less than ANEF holds."""

    # not representable: the row is held back
    NOM_NAISSANCE_INTRANSCRIPTIBLE = "NOM_NAISSANCE_INTRANSCRIPTIBLE"
    NATURALISATION_SANS_DATE = "NATURALISATION_SANS_DATE"
    VALEUR_HORS_LIMITES = "VALEUR_HORS_LIMITES"
    # conflicts: AGDREF holds the row otherwise; the legacy application's row is never overwritten
    MODIFIEE_DANS_AGDREF = "MODIFIEE_DANS_AGDREF"
    CLE_PRISE_DANS_AGDREF = "CLE_PRISE_DANS_AGDREF"
    # carried with a loss
    TRONQUE = "TRONQUE"
    FORME_LEGACY = "FORME_LEGACY"
    SANS_CODE_AGDREF = "SANS_CODE_AGDREF"
    ALIAS_NON_REPORTE = "ALIAS_NON_REPORTE"
    RELU_AUTREMENT = "RELU_AUTREMENT"


WAY_BACK_DESCRIPTIONS: dict[WayBackReason, str] = {
    WayBackReason.NOM_NAISSANCE_INTRANSCRIPTIBLE: "the birth surname cannot be brought to plain A-Z, space, ' and -, "
                                                  "or is INC (AGDREF's 'unknown')",
    WayBackReason.NATURALISATION_SANS_DATE: "a naturalised person: AGDREF records it as a date, which ANEF does not keep",
    WayBackReason.VALEUR_HORS_LIMITES: "a number beyond the legacy's smallint column",
    WayBackReason.MODIFIEE_DANS_AGDREF: "the legacy application changed (or removed) the row since the way back "
                                        "wrote it: held, never overwritten",
    WayBackReason.CLE_PRISE_DANS_AGDREF: "AGDREF already holds a row of its own under that key: held, never overwritten",
    WayBackReason.TRONQUE: "text longer than the legacy column: cut to its width, as the legacy always did",
    WayBackReason.FORME_LEGACY: "text brought to the legacy's form (uppercase, no accents): the accents are lost",
    WayBackReason.SANS_CODE_AGDREF: "a value the legacy has no code for (the ICAO refugee nationality XXB)",
    WayBackReason.ALIAS_NON_REPORTE: "aliases merged in ANEF: the legacy's alias records are not ANEF's to change",
    WayBackReason.RELU_AUTREMENT: "the legacy value reads back differently (a date inconsistent with its "
                                  "precision, an hour repeated when summer time ends, a status without its date)",
}
