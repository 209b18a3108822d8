"""Debezium takes over from our connector at the same slot position: our connector is stopped in
the middle of the overlap workload, Debezium (the configuration deployed, snapshot "no_data")
starts on the same slot, publication and topics, the same workers go on reading, and ANEF ends
equal to the mapping of the final AGDREF: no change is skipped (Debezium's ``source.sequence``
starts with the previous transaction's commit LSN where ours has the transaction's own:
``ChangeEvent.position`` must still order Debezium's first change of a row after ours)."""
from __future__ import annotations

import os
import subprocess
import sys

from sqlalchemy import select, update

from connectors import source
from infra import connect
from schemas import agdref_tables as legacy
from schemas.anef_tables import usager
from synthetic.seed import seed_population
from tests.integration.conftest import Chain, free_port, settled, wait_for, where_it_stands
from tests.integration.test_oracle import AGDREF_ONLY

WORKLOAD_SECONDS = 20


def _workload(env: dict, seconds: int, seed: int) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "cli", "simulate", "--rate", "20", "--duration", str(seconds),
                             "--seed", str(seed), "--mix", AGDREF_ONLY], env={**os.environ, **env},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _finished(workload: subprocess.Popen) -> None:
    _, err = workload.communicate(timeout=WORKLOAD_SECONDS + 120)
    assert workload.returncode == 0, err[-3000:]


def _usage_name(chain: Chain, person: str) -> str | None:
    with chain.anef.connect() as conn:
        return conn.execute(select(usager.c.nom_usage).where(usager.c.numero_etranger == person)).scalar()


def test_debezium_continues_from_our_connectors_slot_without_skipping_a_change(chain: Chain, tmp_path):
    env = {**chain.environment, "KAFKA_TOPIC_PARTITIONS": "3"}
    seed_population(chain.agdref, 300, seed=23, processes=1)
    chain.process("connector").start("connector", "run", env=env)
    wait_for(lambda: source.slot_state(chain.agdref, chain.name).ready, 60, "our connector's slot")
    chain.process("worker").start("worker", env=env)
    _finished(_workload(env, WORKLOAD_SECONDS // 2, seed=7))  # the overlap, through our connector
    wait_for(lambda: settled(chain.agdref, chain.anef), 120, "ANEF to follow our connector",
             explain=lambda: where_it_stands(chain))
    chain.process("connector").stop(grace_seconds=30)  # acknowledges what Kafka has, releases the slot
    wait_for(lambda: not source.slot_state(chain.agdref, chain.name).active, 60, "the slot to be free")
    # The first transaction Debezium will stream changes a person our connector migrated: its
    # event must not look older than ours (it would be skipped as a replay).
    with chain.anef.connect() as conn:
        person = conn.execute(select(usager.c.numero_etranger).where(usager.c.origine == "AGDREF")
                              .order_by(usager.c.numero_etranger).limit(1)).scalar_one()
    with chain.agdref.begin() as conn:
        conn.execute(update(legacy.etranger).where(legacy.etranger.c.num_etranger == person)
                     .values(nom_usage="TAKEOVER", date_maj="20261130120000"))
    debezium = connect.start(tmp_path / "connect", name=f"takeover-{chain.name}", agdref_url=env["AGDREF_DATABASE_URL"],
                             bootstrap=chain.infra.kafka_bootstrap, prefix=chain.name, slot=chain.name,
                             publication=chain.name, rest_port=free_port(), snapshot_mode="no_data")
    try:
        wait_for(lambda: source.slot_state(chain.agdref, chain.name).ready, 120, "Debezium on the same slot",
                 explain=lambda: (tmp_path / "connect" / "connect.log").read_text()[-3000:])
        wait_for(lambda: _usage_name(chain, person) == "TAKEOVER", 60,
                 "the first change Debezium streams to reach ANEF (not taken for an older one)")
        _finished(_workload(env, WORKLOAD_SECONDS // 2, seed=8))  # the overlap goes on, through Debezium
        wait_for(lambda: settled(chain.agdref, chain.anef), 180, "ANEF to match the mapping of the final AGDREF",
                 explain=lambda: where_it_stands(chain))
    finally:
        debezium.kill()
        debezium.wait(timeout=30)
