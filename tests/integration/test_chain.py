"""AGDREF → connector (logical decoding) → Kafka → Faust worker → ANEF, all real processes, with
whole dossiers: inserts, updates and deletes in every table reach ANEF as the rules say."""
from __future__ import annotations

import orjson
from sqlalchemy import delete, insert, select, update

from connectors import source
from reconciliation.dossiers import compare_dossiers
from schemas import agdref_tables as legacy
from schemas.anef_tables import parked, titre, usager
from schemas.topics import dossier_topic
from synthetic.persons import person_row
from synthetic.seed import seed_population
from tests.integration.conftest import Chain, settled, wait_for
from tests.integration.kafka_reader import latest_by_key

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
PERMIT = dict(num_titre="X000000001", num_etranger="0123456789", num_demande="", type_titre="CSP",
              mention="SALARIE", date_debut_val="20240101", date_fin_val="20271231", date_remise="20240110",
              autor_travail="O", num_duplicata=0, lieu_delivrance="013", date_maj="20240110120000")


def _anef(chain: Chain, table, column, value):
    with chain.anef.connect() as conn:
        return conn.execute(select(table).where(table.c[column] == value)).mappings().first()


def test_changes_in_every_agdref_table_reach_anef_as_whole_dossiers(chain: Chain):
    env = chain.environment
    chain.process("connector").start("connector", "run", env=env)
    wait_for(lambda: source.slot_state(chain.agdref, chain.name).ready, 60, "the connector's slot")
    chain.process("worker").start("worker", env=env)

    seed_population(chain.agdref, 300, seed=5, processes=1)
    with chain.agdref.begin() as conn:
        conn.execute(insert(legacy.etranger), [{**person_row(900_000 + i, seed=99), **o} for i, o in enumerate(CRAFTED.values())])
        conn.execute(insert(legacy.titre), [PERMIT])
    wait_for(lambda: settled(chain.agdref, chain.anef), 120, "every legacy row applied and ANEF settled")

    lost_zero = _anef(chain, usager, "numero_etranger", "0123456789")
    assert (lost_zero["nom_naissance"], lost_zero["prenoms"]) == ("LEFEVRE", ["JEAN", "PAUL"])
    assert (lost_zero["date_naissance"].isoformat(), lost_zero["precision_naissance"]) == ("1987-01-01", "ANNEE")
    assert _anef(chain, titre, "numero_titre", "X000000001")["prefecture"] == "13"
    assert _anef(chain, usager, "numero_etranger", "0000000044")["pays_naissance"] == "SUN"
    assert _anef(chain, parked, "numero_etranger", "0000000042")["reason"] == "DATE_INEXISTANTE"
    assert _anef(chain, parked, "numero_etranger", "0000000043")["reason"] == "NATIONALITE_ETAT_DISPARU"

    def published() -> dict:  # the dossiers topic: what ANEF holds, one value per migrated person
        return {k.decode(): orjson.loads(v) for k, v in
                latest_by_key(chain.infra.kafka_bootstrap, dossier_topic(chain.name)).items() if v is not None}

    with chain.anef.connect() as conn:
        migrated = set(conn.execute(select(usager.c.numero_etranger)).scalars())
    wait_for(lambda: set(published()) == migrated, 30, "every migrated dossier on the dossiers topic")
    assert published()["0123456789"]["usager"]["nom_naissance"] == "LEFEVRE"

    # Updates in one legacy transaction: a name, a hand-over, and the impossible date corrected.
    with chain.agdref.begin() as conn:
        conn.execute(update(legacy.etranger).where(legacy.etranger.c.num_etranger == "123456789 ").values(nom="NOUVEAU"))
        conn.execute(update(legacy.titre).where(legacy.titre.c.num_titre == "X000000001").values(lieu_delivrance="069"))
        conn.execute(update(legacy.etranger).where(legacy.etranger.c.num_etranger == "0000000042")
                     .values(date_nais="19870228"))
    # Legal purges: a migrated dossier (its permit too) and a parked one.
    with chain.agdref.begin() as conn:
        conn.execute(delete(legacy.titre).where(legacy.titre.c.num_titre == "X000000001"))
        conn.execute(delete(legacy.etranger).where(legacy.etranger.c.num_etranger.in_(["0000000044", "0000000043"])))

    wait_for(lambda: compare_dossiers(chain.agdref, chain.anef).consistent, 60, "ANEF to match the mapping of AGDREF")
    assert _anef(chain, usager, "numero_etranger", "0123456789")["nom_naissance"] == "NOUVEAU"
    assert _anef(chain, titre, "numero_titre", "X000000001") is None
    assert _anef(chain, usager, "numero_etranger", "0000000042")["date_naissance"].isoformat() == "1987-02-28"
    assert _anef(chain, usager, "numero_etranger", "0000000044") is None
    assert _anef(chain, parked, "numero_etranger", "0000000042") is None
    assert _anef(chain, parked, "numero_etranger", "0000000043") is None
    comparison = compare_dossiers(chain.agdref, chain.anef)
    assert comparison.tables["etranger"].seeded == comparison.tables["etranger"].migrated + sum(
        comparison.tables["etranger"].rejected.values())
