"""Synthetic ``agdref.etranger`` rows, with the legacy's defects at the rates ``agdref.md`` states.

Deterministic: the same seed gives the same rows, whatever the machine. Each person draws from
its own random stream (seeded by the run seed and its index), so row ``i`` does not depend on how
many rows were drawn before it, and the population can be generated in parallel chunks later.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from synthetic import names
from synthetic.draw import d8, pick, randint

NUMBER_SPACE = 10**10
_MULTIPLIER = 7_919_000_003  # coprime with 10**10: i → (i * m + o) mod 10**10 is a bijection


@dataclass(frozen=True)
class DefectRates:
    """Rates from ``shared/spec/agdref.md`` (and our choice where it gives a range)."""

    lost_leading_zero: float = 0.002    # of all persons (only numbers starting with 0 can lose it)
    encoding_damage: float = 0.003      # accents or mojibake in a name
    partial_birth_date: float = 0.04    # 3–5 %
    invalid_birth_date: float = 0.0005
    unknown_parent: float = 0.15        # INC for a parent's name
    indeterminate_sex: float = 0.001
    naturalised: float = 0.03
    former_state_nationality: float = 0.0003


def foreigner_number(index: int, seed: int) -> str:
    """The ``index``-th person's 10-digit number: unique within a seed, scattered over the space."""
    return f"{(index * _MULTIPLIER + seed * 104_729 + 1) % NUMBER_SPACE:010d}"


def _mojibake(text: str) -> str:
    return text.encode("utf-8").decode("cp1252", errors="replace")


def _damaged_name(rng: random.Random, name: str) -> str:
    accented = name.replace("E", "É", 1) if "E" in name else name + "É"
    return _mojibake(accented) if rng.random() < 0.5 else accented


def _legacy_date(day: date) -> str:
    return d8(day)


def person_row(index: int, seed: int, rates: DefectRates = DefectRates(), today: date = date(2026, 11, 1)) -> dict:
    """One ``etranger`` row (a dict of column → legacy text)."""
    rng = random.Random(seed * 1_000_003 + index)
    number = foreigner_number(index, seed)
    if number.startswith("0") and rng.random() < rates.lost_leading_zero * 10:
        number = number[1:] + " "  # keyed without its leading zero, space-padded to 10
    female = rng.random() < 0.48
    sexe = "I" if rng.random() < rates.indeterminate_sex else ("F" if female else "M")
    nom = pick(rng, names.SURNAMES)
    given = names.FIRST_NAMES_F if female else names.FIRST_NAMES_M
    prenoms = " ".join(rng.sample(given, pick(rng, (1, 1, 1, 2, 2, 3))))[:32]
    if rng.random() < rates.encoding_damage:
        nom = _damaged_name(rng, nom)[:44]
    birth = today - timedelta(days=randint(rng, 18 * 365, 80 * 365))
    date_nais = _legacy_date(birth)
    draw = rng.random()
    if draw < rates.invalid_birth_date:
        date_nais = pick(rng, (f"{birth.year}0229" if birth.year % 4 else f"{birth.year}1341", f"{birth.year}1341"))
    elif draw < rates.invalid_birth_date + rates.partial_birth_date:
        date_nais = f"{birth.year}0000" if rng.random() < 0.6 else f"{birth.year}{birth.month:02d}00"
    nationality = _weighted(rng, names.NATIONALITIES)
    if rng.random() < rates.former_state_nationality:
        nationality = pick(rng, names.FORMER_STATES)
    born_before_1990 = birth.year < 1990
    pays_nais = pick(rng, names.FORMER_STATES) if born_before_1990 and rng.random() < 0.03 else nationality
    entry = birth + timedelta(days=randint(rng, 0, max(1, (today - birth).days - 30)))
    naturalised = rng.random() < rates.naturalised
    modified = datetime(today.year, today.month, today.day) - timedelta(minutes=randint(rng, 0, 5 * 365 * 24 * 60))
    return {
        "num_etranger": number,
        "nom": nom,
        "nom_usage": pick(rng, names.SURNAMES) if female and rng.random() < 0.2 else "",
        "prenoms": prenoms,
        "sexe": sexe,
        "date_nais": date_nais,
        "pays_nais": pays_nais.ljust(3),
        "ville_nais": pick(rng, names.CITIES),
        "nationalite": nationality.ljust(3),
        "nom_pere": "INC" if rng.random() < rates.unknown_parent else pick(rng, names.SURNAMES)[:21],
        "nom_mere": "INC" if rng.random() < rates.unknown_parent else pick(rng, names.SURNAMES)[:21],
        "prenom_pere": pick(rng, names.FIRST_NAMES_M)[:10],
        "prenom_mere": pick(rng, names.FIRST_NAMES_F)[:10],
        "sit_matrim": pick(rng, "CCCMMMDVS "),
        "date_entree": _legacy_date(entry),
        "cond_entree": pick(rng, "NNNNNNI "),
        "ind_alias": "N",
        "num_etranger_ref": None,
        "code_dept": pick(rng, names.DEPARTMENTS),
        "date_naturalisation": _legacy_date(today - timedelta(days=randint(rng, 30, 3000))) if naturalised else "00000000",
        "date_maj": f"{d8(modified)}{modified.hour:02d}{modified.minute:02d}00",
    }


def _weighted(rng: random.Random, choices: tuple[tuple[str, int], ...]) -> str:
    codes, weights = zip(*choices)
    return rng.choices(codes, weights=weights)[0]
