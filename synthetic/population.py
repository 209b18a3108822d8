"""One whole synthetic dossier per person index: the person, their addresses, their history,
and sometimes an alias record (a duplicate found later, possibly holding permits of its own).

Defects appear at the rates ``agdref.md`` states (see ``DossierDefects``). Deterministic: each
index draws from its own random stream, so the same seed gives the same rows in any order.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from synthetic import names
from synthetic.draw import d8, pick, randint
from synthetic.histories import History, Holder, history
from synthetic.persons import DefectRates, foreigner_number, person_row

TABLES = ("etranger", "adresse", "demande", "titre", "doc_provisoire", "mesure_eloignement")
ALIAS_INDEX_OFFSET = 5_000_000_000  # alias records take numbers from another part of the number space
TODAY = date(2026, 11, 1)


@dataclass(frozen=True)
class DossierDefects:
    alias: float = 0.01                 # a duplicate record flagged as alias of this person
    alias_with_permits: float = 0.3     # of aliases: it collected permits of its own
    alias_chain: float = 0.05           # of aliases: it points to another alias (resolved transitively)
    alias_broken: float = 0.05          # of aliases: its reference does not exist
    alias_loop: float = 0.05            # of aliases: two aliases pointing at each other
    other_number_variant: float = 0.5   # of lost-zero persons: child rows carry the 10-digit number
    validity_anomaly: float = 0.003     # of permits: end before start, or longer than the type allows
    unknown_insee: float = 0.02         # 1–3 %
    corsica_before_1976: float = 0.002  # a dossier still coded 020
    corsica_without_address: float = 0.1


def _addresses(rng: random.Random, numero: str, dept: str, entry: date, corsica: bool,
               defects: DossierDefects) -> list[dict]:
    rows = []
    moved = entry
    area = pick(rng, ("02A", "02B")) if corsica else dept
    for order in range(1, pick(rng, (1, 1, 2, 2, 3, 4)) + 1):
        commune = pick(rng, names.COMMUNES.get(area, ("PARIS",)))
        prefix = names.POSTCODE_PREFIX.get(area, area[1:] if area.startswith("0") else area[:2])
        postcode = (prefix + f"{randint(rng, 0, 99):02d}")[:5].ljust(5, "0")
        insee_dept = area[1:] if area.startswith("0") else area[:2]
        insee = "00000" if rng.random() < defects.unknown_insee else (insee_dept + f"{randint(rng, 1, 399):03d}")[:5]
        street = pick(rng, names.STREET_TYPES)
        number = str(randint(rng, 1, 180)) + ("B" if rng.random() < 0.05 else "")
        rows.append({
            "num_etranger": numero, "num_ordre": order, "chez": pick(rng, names.SURNAMES)[:21] if rng.random() < 0.05 else "",
            "num_voie": number, "code_voie": street, "lib_voie": pick(rng, names.STREET_NAMES),
            "code_postal": postcode, "lib_commune": commune, "code_insee": insee, "date_debut": d8(moved),
            "date_maj": f"{d8(moved)}1000",
        })
        moved = moved + timedelta(days=randint(rng, 200, 2000))
        if moved > TODAY:
            break
    return rows


def _break_validity(rng: random.Random, titre: dict) -> None:
    if titre["date_fin_val"] == "00000000":
        titre["date_fin_val"] = titre["date_debut_val"][:4] + "1231"
    elif rng.random() < 0.5:
        titre["date_fin_val"], titre["date_debut_val"] = titre["date_debut_val"], titre["date_fin_val"]
    else:
        titre["date_fin_val"] = str(int(titre["date_fin_val"][:4]) + 12) + titre["date_fin_val"][4:]


def _parse(day: str) -> date:
    return date(int(day[:4]), max(int(day[4:6]), 1), max(int(day[6:8]), 1))


def dossier(index: int, seed: int, rates: DefectRates = DefectRates(),
            defects: DossierDefects = DossierDefects()) -> dict[str, list[dict]]:
    """Every legacy row of person ``index``: table → rows."""
    person = person_row(index, seed, rates, TODAY)
    rng = random.Random(seed * 7_000_003 + index * 31 + 17)
    numero = person["num_etranger"]
    child_numero = numero
    if numero.endswith(" ") and rng.random() < defects.other_number_variant:
        child_numero = "0" + numero.strip()  # the same person keyed both ways
    corsica = rng.random() < defects.corsica_before_1976
    if corsica:
        person["code_dept"] = "020"
    dept = person["code_dept"] if person["code_dept"] != "020" else pick(rng, ("02A", "02B"))
    entry = _parse(person["date_entree"]) if person["date_entree"][4:] != "0000" else date(2000, 1, 1)
    naturalised = None if person["date_naturalisation"] == "00000000" else _parse(person["date_naturalisation"])
    rows: dict[str, list[dict]] = {t: [] for t in TABLES}
    rows["etranger"].append(person)
    if not (corsica and rng.random() < defects.corsica_without_address):
        rows["adresse"] = _addresses(rng, child_numero, dept, entry, corsica, defects)
    algerian = person["nationalite"].strip() == "DZ"
    past = history(rng, Holder(index, child_numero, dept, entry, algerian, TODAY, naturalised))
    for titre in past.titres:
        if rng.random() < defects.validity_anomaly:
            _break_validity(rng, titre)
    _extend(rows, past)
    if rng.random() < defects.alias:
        _alias(rng, index, seed, person, rows, defects, dept, entry)
    return rows


def _extend(rows: dict[str, list[dict]], past: History) -> None:
    rows["demande"] += past.demandes
    rows["titre"] += past.titres
    rows["doc_provisoire"] += past.documents
    rows["mesure_eloignement"] += past.mesures


def _alias(rng: random.Random, index: int, seed: int, person: dict, rows: dict[str, list[dict]],
           defects: DossierDefects, dept: str, entry: date) -> None:
    """A duplicate record of this person, flagged as alias (sometimes with permits of its own).
    A few are defective: pointing at a number with no record, in a loop, or through another alias."""
    alias_numero = foreigner_number(ALIAS_INDEX_OFFSET + index, seed)
    second = foreigner_number(ALIAS_INDEX_OFFSET + ALIAS_INDEX_OFFSET // 2 + index, seed)
    reference, extra = person["num_etranger"], None
    draw = rng.random()
    if draw < defects.alias_broken:
        reference = f"{9_999_000_000 + index % 999_999:010d}"
    elif draw < defects.alias_broken + defects.alias_loop:
        reference = second
        extra = {**person, "num_etranger": second, "ind_alias": "O", "num_etranger_ref": alias_numero}
    elif draw < defects.alias_broken + defects.alias_loop + defects.alias_chain:
        reference = second
        extra = {**person, "num_etranger": second, "ind_alias": "O", "num_etranger_ref": person["num_etranger"]}
    rows["etranger"].append({**person, "num_etranger": alias_numero, "ind_alias": "O", "num_etranger_ref": reference,
                             "date_maj": f"{d8(TODAY - timedelta(days=randint(rng, 1, 900)))}093015"})
    if extra:
        rows["etranger"].append(extra)
    if rng.random() < defects.alias_with_permits:
        _extend(rows, history(rng, Holder(index, alias_numero, dept, entry, False, TODAY, None, tag="A")))
