"""A worker killed after a backfill comes back without reprocessing the world: its state is in
PostgreSQL and its offsets in Kafka, so it reads only what it had not acknowledged."""
from __future__ import annotations

import re
import time

from sqlalchemy import insert

from connectors import source
from schemas import agdref_tables as legacy
from schemas.anef_tables import usager
from synthetic.persons import person_row
from synthetic.seed import seed_population
from tests.integration.conftest import Chain, free_port, legacy_rows, scrape, settled, wait_for
from tests.integration.test_sink import _one


def _events_in(text: str) -> float:
    return sum(float(v) for v in re.findall(r"^agdref_anef_events_in_total\{[^}]*\} ([0-9.e+]+)$", text, re.M))


def test_a_worker_killed_after_a_backfill_resumes_from_its_offsets_in_seconds(chain: Chain):
    seed_population(chain.agdref, 1500, seed=21, processes=1)
    env = chain.environment
    chain.process("connector").start("connector", "run", env=env)
    wait_for(lambda: source.slot_state(chain.agdref, chain.name).ready, 60, "the connector's slot")
    chain.process("worker").start("worker", env=env)
    wait_for(lambda: settled(chain.agdref, chain.anef), 180, "the backfill")
    time.sleep(2)  # offsets are committed every second

    chain.kill("worker")
    port = free_port()
    restarted = time.monotonic()
    chain.process("worker").start("worker", env={**env, "WORKER_METRICS_PORT": str(port)})
    with chain.agdref.begin() as conn:
        conn.execute(insert(legacy.etranger), [{**person_row(1, seed=3), "num_etranger": "0999999999"}])
    wait_for(lambda: _one(chain, usager, "0999999999") is not None, 60, "a new person after the restart")
    resumed_in = time.monotonic() - restarted
    read_again = _events_in(scrape(port))
    print(f"worker restarted: new change in ANEF after {resumed_in:.1f}s, {read_again:.0f} events read "
          f"of {legacy_rows(chain.agdref)} legacy rows")
    assert read_again < 0.05 * legacy_rows(chain.agdref), "the restarted worker read the topics again"
    assert resumed_in < 30
