"""AGDREF → connector (logical decoding) → Kafka → Faust worker → ANEF, all real processes."""
from __future__ import annotations

from sqlalchemy import delete, func, insert, select, update

from connectors import source
from reconciliation.persons import compare_persons
from schemas.agdref_tables import etranger
from schemas.anef_tables import lineage, parked, usager
from synthetic.persons import person_row
from synthetic.seed import seed_persons
from tests.integration.conftest import Chain, wait_for

CRAFTED = {
    # a 9-digit number keyed without its leading zero, and a mojibake name
    "lost_zero": {"num_etranger": "123456789 ", "nom": "LEFÃˆVRE", "prenoms": "JEAN  PAUL", "date_nais": "19870000"},
    # a birth date that does not exist: parked, then fixed in AGDREF
    "bad_date": {"num_etranger": "0000000042", "date_nais": "19870229"},
    # a former state as nationality: parked
    "former_state": {"num_etranger": "0000000043", "nationalite": "YU "},
    # a former state as country of birth is fine
    "born_in_ussr": {"num_etranger": "0000000044", "pays_nais": "SU ", "nationalite": "UA "},
}


def _crafted_row(index: int, overrides: dict) -> dict:
    return {**person_row(100_000 + index, seed=99), **overrides}


def _settled(chain: Chain, expected_total: int) -> bool:
    with chain.anef.connect() as conn:
        done = conn.execute(select(func.count()).select_from(usager)).scalar_one()
        done += conn.execute(select(func.count()).select_from(parked)).scalar_one()
    return done == expected_total


def _anef_person(chain: Chain, numero: str):
    with chain.anef.connect() as conn:
        return conn.execute(select(usager).where(usager.c.numero_etranger == numero)).mappings().first()


def test_inserts_updates_and_deletes_in_agdref_reach_anef(chain: Chain):
    env = chain.environment
    chain.process("connector").start("connector", "run", env=env)
    wait_for(lambda: source.slot_state(chain.agdref, chain.name).active, 60, "the connector's slot")
    chain.process("worker").start("worker", env=env)

    seeded = seed_persons(chain.agdref, 300, seed=5)
    with chain.agdref.begin() as conn:
        conn.execute(insert(etranger), [_crafted_row(i, o) for i, o in enumerate(CRAFTED.values())])
    total = seeded + len(CRAFTED)
    wait_for(lambda: _settled(chain, total), 120, "every person in ANEF or parked")

    lost_zero = _anef_person(chain, "0123456789")
    assert (lost_zero["nom_naissance"], lost_zero["prenoms"]) == ("LEFEVRE", ["JEAN", "PAUL"])
    assert (lost_zero["date_naissance"].isoformat(), lost_zero["precision_naissance"]) == ("1987-01-01", "ANNEE")
    assert _anef_person(chain, "0000000044")["pays_naissance"] == "SUN"
    with chain.anef.connect() as conn:
        parked_reasons = dict(conn.execute(select(parked.c.source_key, parked.c.reason)).all())
    assert parked_reasons["0000000042"] == "DATE_INEXISTANTE"
    assert parked_reasons["0000000043"] == "NATIONALITE_ETAT_DISPARU"

    # Updates: a name and a sex change; the impossible date corrected in AGDREF (leaves the parking).
    with chain.agdref.begin() as conn:
        someone = conn.execute(select(etranger.c.num_etranger).where(etranger.c.sexe == "M").limit(1)).scalar_one()
        conn.execute(update(etranger).where(etranger.c.num_etranger == someone).values(nom="NOUVEAU", sexe="F"))
        conn.execute(update(etranger).where(etranger.c.num_etranger == "0000000042").values(date_nais="19870228"))
    # Deletes (legal purges): a migrated person and a parked one.
    with chain.agdref.begin() as conn:
        conn.execute(delete(etranger).where(etranger.c.num_etranger.in_(["0000000044", "0000000043"])))

    wait_for(lambda: compare_persons(chain.agdref, chain.anef).consistent, 60, "ANEF to match the mapping of AGDREF")
    assert (_anef_person(chain, someone.strip().rjust(10, "0"))["nom_naissance"], ) == ("NOUVEAU",)
    assert _anef_person(chain, "0000000042")["date_naissance"].isoformat() == "1987-02-28"
    assert _anef_person(chain, "0000000044") is None
    with chain.anef.connect() as conn:
        assert conn.execute(select(func.count()).select_from(parked)).scalar_one() == 0 + sum(
            1 for r in parked_reasons if r not in ("0000000042", "0000000043"))
        erased = conn.execute(select(lineage.c.deleted).where(lineage.c.source_key == "0000000044")).scalar_one()
    assert erased is True
    comparison = compare_persons(chain.agdref, chain.anef)
    assert comparison.legacy_rows == total - 2
    assert comparison.identical == total - 2 - sum(comparison.rejected_expected.values())
