"""The synthetic AGDREF: deterministic, shaped like the legacy tables, with its defects at their rates."""
from collections import Counter
from datetime import UTC

import pytest

from domain.assembly import assemble
from domain.dossier import DossierRejected, map_dossier
from schemas.legacy_models import LEGACY_MODELS
from synthetic.population import dossier
from synthetic.seed import chunk_rows

PERSONS = 20_000


@pytest.fixture(scope="module")
def population():
    return chunk_rows(0, PERSONS, seed=11)


def test_the_same_seed_gives_the_same_rows_and_another_seed_other_rows():
    assert dossier(123, seed=4) == dossier(123, seed=4)
    assert dossier(123, seed=4) != dossier(123, seed=5)
    assert chunk_rows(10, 5, seed=4)["titre"] == [t for i in range(10, 15) for t in dossier(i, seed=4)["titre"]]


def test_every_row_fits_its_legacy_table(population):
    for table, rows in population.items():
        for row in rows:
            LEGACY_MODELS[table](**row)


def test_primary_keys_are_unique(population):
    for table, key in (("titre", "num_titre"), ("demande", "num_demande"), ("doc_provisoire", "num_doc"),
                       ("mesure_eloignement", "num_mesure"), ("etranger", "num_etranger")):
        keys = [r[key] for r in population[table]]
        assert len(keys) == len(set(keys)), table
    addresses = [(r["num_etranger"], r["num_ordre"]) for r in population["adresse"]]
    assert len(addresses) == len(set(addresses))


def _rate(rows, predicate) -> float:
    return sum(1 for r in rows if predicate(r)) / len(rows)


def test_person_defects_appear_at_the_rates_the_legacy_spec_states(population):
    persons = [r for r in population["etranger"] if r["ind_alias"] == "N"]
    assert 0.001 <= _rate(persons, lambda r: r["num_etranger"].endswith(" ")) <= 0.004      # ~0.2 %
    assert 0.03 <= _rate(persons, lambda r: r["date_nais"][4:] == "0000" or r["date_nais"][6:] == "00") <= 0.05
    assert 0.001 <= _rate(persons, lambda r: not r["nom"].isascii()) <= 0.006                 # ~0.3 %
    assert 0.02 <= _rate(persons, lambda r: r["date_naturalisation"] != "00000000") <= 0.04
    assert 0.1 <= _rate(persons, lambda r: r["nom_pere"] == "INC") <= 0.2
    assert 0.005 <= sum(1 for r in population["etranger"] if r["ind_alias"] == "O") / PERSONS <= 0.02


def test_addresses_permits_and_applications_look_like_the_legacy(population):
    assert 0.01 <= _rate(population["adresse"], lambda r: r["code_insee"] == "00000") <= 0.03
    assert max(r["num_ordre"] for r in population["adresse"]) >= 3
    assert {r["type_titre"] for r in population["titre"]} >= {"CST", "CSP", "CPT", "CR", "CRP", "APS", "CRA1", "CRA10", "VLS"}
    assert 0.01 <= _rate(population["titre"], lambda r: r["date_remise"] == "00000000") <= 0.06
    assert {r["decision"] for r in population["demande"]} >= {"", "F", "R"}
    assert {r["code_mouvement"] for r in population["demande"]} == {"PR", "RN", "CS", "DU"}
    assert any(r["nb_renouv"] > 0 for r in population["doc_provisoire"])
    assert {r["type_doc"] for r in population["doc_provisoire"]} == {"RCP", "ADA"}
    measures = population["mesure_eloignement"]
    assert any(r["contentieux"] == "O" for r in measures) and any(r["annulee"] == "O" for r in measures)


def test_permit_histories_follow_the_real_paths(population):
    paths = Counter()
    by_holder: dict[str, list] = {}
    for t in population["titre"]:
        by_holder.setdefault(t["num_etranger"], []).append(t)
    for permits in by_holder.values():
        paths[tuple(dict.fromkeys(p["type_titre"] for p in sorted(permits, key=lambda p: p["date_debut_val"])))] += 1
    assert any(p[:4] == ("APS", "CST", "CSP", "CR") for p in paths)
    assert any(p[:2] == ("CRA1", "CRA10") for p in paths)
    assert any(p[0] == "CPT" for p in paths)


def test_some_dossiers_need_a_person_for_each_kind_of_legacy_defect(population):
    from datetime import datetime

    from schemas.legacy_models import LEGACY_MODELS as M

    models = {t: [M[t](**r) for r in rows] for t, rows in population.items()}
    reasons = Counter()
    for legacy in assemble(models).values():
        outcome = map_dossier(legacy, datetime(2026, 11, 1, tzinfo=UTC))
        if isinstance(outcome, DossierRejected):
            reasons[outcome.remediations[0].reason.value] += 1
    assert {"DATE_INEXISTANTE", "VALIDITE_HORS_REGLES", "ALIAS_SANS_REFERENCE", "ALIAS_BOUCLE"} <= set(reasons)
    assert sum(reasons.values()) / PERSONS < 0.03
