"""A connector and a worker started while the broker is down wait for it, then carry everything to
ANEF: a broker restarting is not a reason for the rest of the chain to stay down."""
from __future__ import annotations

import time

import pytest

from tests.integration.conftest import Chain, settled, wait_for, where_it_stands
from synthetic.seed import seed_population


def test_a_connector_and_a_worker_started_while_the_broker_is_down_carry_on_once_it_is_back(chain: Chain):
    if chain.infra.provided_by != "local launcher":
        pytest.skip("a broker given by the environment is not ours to stop")
    from infra import kafka
    from infra.profile import profile

    broker = profile("test")
    seed_population(chain.agdref, 60, seed=31, processes=1)
    kafka.stop(broker)
    try:
        wait_for(lambda: not kafka.status(broker).running, 30, "the broker to stop")
        chain.process("connector").start("connector", "run", env=chain.environment)
        chain.process("worker").start("worker", env=chain.environment)
        time.sleep(12)  # longer than any client's first connection timeout
        for name in ("connector", "worker"):
            assert chain.process(name).pid is not None, f"the {name} gave up; see {chain.process(name).log_file}"
    finally:
        kafka.start(broker)
    wait_for(lambda: settled(chain.agdref, chain.anef), 180, "the backlog to reach ANEF once the broker is back",
             explain=lambda: where_it_stands(chain))
