"""Hand-built dossiers for the rights tests: each person carries the rights one case changes.

Dates are relative to today, so the rights stay current whatever day the suite runs. Today is
read once (``TODAY``): a test run across midnight must compare the ledger's "today" with the
"tomorrow" its cases were built on, not with the next day's.
"""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import Engine, insert

from schemas import agdref_tables as legacy

TODAY = date.today()


def day(days: int) -> str:
    return (TODAY + timedelta(days=days)).strftime("%Y%m%d")


def _person(numero: str, dept: str, **extra) -> dict:
    return {"num_etranger": numero, "nom": "MARTIN", "nom_usage": "", "prenoms": "ALI", "sexe": "M",
            "date_nais": "19850304", "pays_nais": "MA", "ville_nais": "RABAT", "nationalite": "MA",
            "nom_pere": "INC", "nom_mere": "INC", "prenom_pere": "", "prenom_mere": "", "sit_matrim": "C",
            "date_entree": "20100101", "cond_entree": "N", "ind_alias": "N", "num_etranger_ref": "",
            "code_dept": dept, "date_naturalisation": "00000000", "date_maj": "20260101120000", **extra}


def _address(numero: str, postcode: str, insee: str) -> dict:
    return {"num_etranger": numero, "num_ordre": 1, "chez": "", "num_voie": "3", "code_voie": "RUE",
            "lib_voie": "DES LILAS", "code_postal": postcode, "lib_commune": "VILLE", "code_insee": insee,
            "date_debut": "20100101", "date_maj": "20260101120000"}


def _permit(number: str, numero: str, dept: str, start: str, end: str, kind: str = "CST", work: str = "O") -> dict:
    return {"num_titre": number, "num_etranger": numero, "num_demande": "", "type_titre": kind, "mention": "SALARIE",
            "date_debut_val": start, "date_fin_val": end, "date_remise": start, "autor_travail": work,
            "num_duplicata": 0, "lieu_delivrance": dept, "date_maj": "20260101120000"}


def _application(number: str, numero: str, dept: str, movement: str, filed: str, decision: str, decided: str) -> dict:
    return {"num_demande": number, "num_etranger": numero, "code_dept": dept, "type_titre": "CST",
            "code_mouvement": movement, "ref_reglementaire": "L422-1", "date_depot": filed, "decision": decision,
            "date_decision": decided, "motif_refus": "", "date_maj": "20260101120000"}


# (number, department, postcode, INSEE) of each person; P6 is an alias record of P1.
P1, P2, P3, P4, P5, P6, P7 = ("0100000001", "0100000002", "0100000003", "0100000004", "0100000005",
                              "0100000006", "0100000007")
SCOPES = {P1: "75", P2: "13", P3: "01", P4: "69", P5: "2A", P7: "2B"}


def rows() -> dict[str, list[dict]]:
    people = [_person(P1, "075"), _person(P2, "013"), _person(P3, "001"), _person(P4, "069"), _person(P5, "02A"),
              _person(P6, "075", ind_alias="O", num_etranger_ref=P1), _person(P7, "020")]
    addresses = [_address(P1, "75011", "75111"), _address(P2, "13001", "13201"), _address(P3, "01000", "01053"),
                 _address(P4, "69001", "69381"), _address(P5, "20090", "2A004"), _address(P7, "20600", "2B033")]
    permits = [_permit("T000000001", P1, "075", day(-200), day(165)),
               _permit("T000000003", P3, "001", day(-30), day(150), kind="APS", work="N"),
               _permit("T000000004", P4, "069", day(-60), day(3590), kind="CR"),
               _permit("T000000005", P5, "02A", day(-360), day(5)),
               _permit("T000000055", P5, "02A", day(7), day(371)),
               _permit("T000000006", P6, "075", day(-100), day(265)),
               _permit("T000000007", P7, "020", day(-100), day(265))]
    applications = [_application("D00000000001", P1, "075", "RN", day(-20), "", "00000000"),
                    _application("D00000000002", P2, "013", "PR", day(-40), "", "00000000"),
                    _application("D00000000004", P4, "069", "RN", day(-120), "F", day(-61))]
    receipts = [{"num_doc": "R00000000002", "num_etranger": P2, "num_demande": "D00000000002", "type_doc": "RCP",
                 "date_debut": day(-38), "date_fin": day(52), "nb_renouv": 1, "autor_travail": "O",
                 "date_maj": "20260101120000"}]
    measures = [{"num_mesure": "M00000000003", "num_etranger": P3, "nature": "OQTF", "date_decision": day(-90),
                 "date_notif": day(-85) + "1000", "delai_depart": 30, "contentieux": "N", "annulee": "N",
                 "execution": "N", "date_execution": "00000000", "date_maj": "20260101120000"}]
    return {"etranger": people, "adresse": addresses, "titre": permits, "demande": applications,
            "doc_provisoire": receipts, "mesure_eloignement": measures}


def seed(agdref: Engine) -> None:
    with agdref.begin() as conn:
        for name, values in rows().items():
            conn.execute(insert(legacy.metadata.tables[f"agdref.{name}"]), values)
