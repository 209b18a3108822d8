"""Rows ANEF creates itself (``origine = 'ANEF'``), for the way back's tests (issue 18)."""
from __future__ import annotations

from datetime import UTC, date, datetime

MAJ = datetime(2026, 6, 1, 10, 0, 0, 123450, tzinfo=UTC)


def person(number: str, origine: str = "ANEF", **changes) -> dict:
    return dict(numero_etranger=number, nom_naissance="DUPONT", prenoms=["JEAN", "MARIE CLAIRE"], sexe="M",
                precision_naissance="INCONNUE", nationalite="MAR", prefecture="75", numeros_alias=[],
                statut="ACTIF", origine=origine, maj_le=MAJ) | changes


def permit(key: str, number: str, origine: str = "ANEF", **changes) -> dict:
    return dict(numero_titre=key, numero_etranger=number, categorie="CARTE_TEMPORAIRE", date_debut=date(2026, 1, 1),
                date_fin=date(2026, 12, 31), statut="DISPONIBLE", autorisation_travail=True, numero_duplicata=0,
                prefecture="75", origine=origine, maj_le=MAJ) | changes


def application(key: str, number: str, **changes) -> dict:
    return dict(numero_demande=key, numero_etranger=number, nature="PREMIERE", categorie_demandee="CARTE_TEMPORAIRE",
                date_depot=date(2026, 5, 2), statut="EN_INSTRUCTION", prefecture="13", origine="ANEF",
                maj_le=MAJ) | changes


def receipt(key: str, number: str) -> dict:
    return dict(numero=key, numero_etranger=number, type="PROLONGATION_INSTRUCTION", date_debut=date(2026, 5, 2),
                date_fin=date(2026, 11, 1), renouvellements=0, autorisation_travail=False, origine="ANEF", maj_le=MAJ)


def measure(key: str, number: str) -> dict:
    return dict(numero=key, numero_etranger=number, nature="OQTF", date_decision=date(2026, 3, 1), notifiee_le=MAJ,
                delai_depart_jours=30, contentieux=True, annulee=False, executee=False, origine="ANEF", maj_le=MAJ)
