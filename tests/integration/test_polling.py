"""The polling connector (no log access: date_maj and key comparison) feeds the same worker, and
ANEF ends up as the mapping of AGDREF says: inserts, updates and deletes, across a restart."""
from __future__ import annotations

from sqlalchemy import delete, select, update

from schemas import agdref_tables as legacy
from schemas.anef_tables import usager
from synthetic.seed import seed_population
from tests.integration.conftest import Chain, settled, wait_for


def test_the_polling_connector_carries_inserts_updates_and_deletes_across_a_restart(chain: Chain):
    env = chain.environment
    seed_population(chain.agdref, 200, seed=31, processes=1)
    poller = chain.process("connector")
    poller.start("connector", "run", "--mode", "polling", "--interval", "0.5", env=env)
    chain.process("worker").start("worker", env=env)
    wait_for(lambda: settled(chain.agdref, chain.anef), 120, "the initial read to reach ANEF")

    with chain.agdref.begin() as conn:
        someone = conn.execute(select(legacy.etranger.c.num_etranger).where(legacy.etranger.c.ind_alias == "N")
                               .order_by(legacy.etranger.c.num_etranger).limit(1)).scalar_one()
        conn.execute(update(legacy.etranger).where(legacy.etranger.c.num_etranger == someone)
                     .values(nom="POLLED", date_maj="20261127120000"))
    poller.stop()
    with chain.agdref.begin() as conn:  # a purge while the connector is down
        gone = conn.execute(select(legacy.etranger.c.num_etranger).where(legacy.etranger.c.ind_alias == "N")
                            .order_by(legacy.etranger.c.num_etranger.desc()).limit(1)).scalar_one()
        for name in ("titre", "demande", "doc_provisoire", "mesure_eloignement", "adresse", "etranger"):
            table = legacy.metadata.tables[f"agdref.{name}"]
            conn.execute(delete(table).where(table.c.num_etranger == gone))
    poller.start("connector", "run", "--mode", "polling", "--interval", "0.5", env=env)
    wait_for(lambda: settled(chain.agdref, chain.anef), 120, "ANEF to follow the update and the purge")
    with chain.anef.connect() as conn:
        names = dict(conn.execute(select(usager.c.numero_etranger, usager.c.nom_naissance)).all())
    assert names[someone.strip().rjust(10, "0")] == "POLLED"
    assert gone.strip().rjust(10, "0") not in names
