"""Two rebuild loops in one worker share the waiting dossiers without losing or doubling any:
under live changes, ANEF ends equal to the mapping of AGDREF."""
from __future__ import annotations

import os
import subprocess
import sys

from connectors import source
from synthetic.seed import seed_population
from tests.integration.conftest import Chain, assert_anef_equals_the_mapping_of_agdref, wait_for
from tests.integration.test_overlap import AGDREF_ONLY
from tests.integration.test_sink_process import _sink_processes

WORKLOAD_SECONDS = 15


def test_two_rebuild_loops_side_by_side_leave_anef_equal_to_the_mapping_of_agdref(chain: Chain):
    env = {**chain.environment, "REBUILD_TASKS": "2", "SINK_PROCESSES": "3", "RECORD_REBUILD_LIMIT": "0",
           "REBUILD_BATCH_SIZE": "20"}
    seed_population(chain.agdref, 300, seed=37, processes=1)
    chain.process("connector").start("connector", "run", env=env)
    wait_for(lambda: source.slot_state(chain.agdref, chain.name).ready, 60, "the connector's slot")
    worker = chain.process("worker")
    worker.start("worker", env=env)
    wait_for(lambda: len(_sink_processes(worker.pid or 0)) == 3, 60, "the worker's three sink processes")
    workload = subprocess.run(
        [sys.executable, "-m", "cli", "simulate", "--rate", "40", "--duration", str(WORKLOAD_SECONDS), "--seed", "9",
         "--mix", AGDREF_ONLY], env={**os.environ, **env}, capture_output=True, text=True, timeout=WORKLOAD_SECONDS + 120)
    assert workload.returncode == 0, workload.stderr[-3000:]
    assert_anef_equals_the_mapping_of_agdref(chain)
    assert worker.pid is not None, f"the worker died; see {worker.log_file}"
    assert "pipeline.fatal" not in worker.log_tail()
