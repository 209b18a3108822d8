"""A broker restarting stops nobody: a connector and a worker started while it is down wait for it,
a broker down longer than a request's timeout while AGDREF changes loses nothing, and a worker whose group forms while a restarted broker does not yet show its topics gets its
partitions within seconds, not after Faust's five-minute metadata refresh."""
from __future__ import annotations

import time

import pytest
from sqlalchemy import insert

from schemas import agdref_tables as legacy
from synthetic.persons import person_row
from synthetic.seed import seed_population
from tests.integration.conftest import Chain, settled, wait_for, where_it_stands

SETTLE_SECONDS = 120  # a worker left without partitions would wait five minutes (metadata refresh)


@pytest.fixture
def broker(chain: Chain):
    if chain.infra.provided_by != "local launcher":
        pytest.skip("a broker given by the environment is not ours to stop")
    from infra import kafka
    from infra.profile import profile

    p = profile("test")
    yield p
    if not kafka.status(p).running:  # whatever happened, the next tests get their broker back
        kafka.start(p)


def _alive(chain: Chain) -> None:
    for name in ("connector", "worker"):
        assert chain.process(name).pid is not None, f"the {name} gave up; see {chain.process(name).log_file}"


def test_a_connector_and_a_worker_outlive_a_broker_down_at_their_start_and_later_for_33_seconds(chain: Chain, broker):
    from infra import kafka

    seed_population(chain.agdref, 60, seed=31, processes=1)
    kafka.stop(broker)
    wait_for(lambda: not kafka.status(broker).running, 30, "the broker to stop")
    chain.process("connector").start("connector", "run", env=chain.environment)
    chain.process("worker").start("worker", env=chain.environment)
    time.sleep(12)  # longer than any client's first connection timeout
    _alive(chain)
    kafka.start(broker)
    wait_for(lambda: settled(chain.agdref, chain.anef), SETTLE_SECONDS, "the backlog to reach ANEF once the broker is back",
             explain=lambda: where_it_stands(chain))

    kafka.stop(broker)  # now while everything runs, for longer than a Kafka request's 30 s timeout
    for i in range(3):  # 33 s: past the 30 s request timeout, which is what this outage is for
        with chain.agdref.begin() as conn:
            conn.execute(insert(legacy.etranger), [{**person_row(i, seed=3), "num_etranger": f"09999999{i:02d}"}])
        time.sleep(11)
    _alive(chain)
    kafka.start(broker)
    wait_for(lambda: settled(chain.agdref, chain.anef), SETTLE_SECONDS, "the changes made during the outage",
             explain=lambda: where_it_stands(chain))


def test_a_worker_whose_group_forms_while_the_broker_restarts_gets_its_partitions(chain: Chain, broker):
    from tests.integration.test_oracle import _kill_broker

    seed_population(chain.agdref, 60, seed=32, processes=1)
    chain.process("connector").start("connector", "run", env=chain.environment)
    time.sleep(1.5)
    chain.process("worker").start("worker", env=chain.environment)
    time.sleep(1.5)  # the worker has its topics and is joining its group (seen to leave it without partitions)
    _kill_broker()
    _alive(chain)
    wait_for(lambda: settled(chain.agdref, chain.anef), SETTLE_SECONDS, "the dossiers to reach ANEF after the restart",
             explain=lambda: where_it_stands(chain))
