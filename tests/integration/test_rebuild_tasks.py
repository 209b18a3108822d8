"""Two rebuild loops in one worker share the waiting dossiers without losing or doubling any:
under live changes, ANEF ends equal to the mapping of AGDREF."""
from __future__ import annotations

import os
import subprocess
import sys

from tests.integration.conftest import Chain, assert_anef_equals_the_mapping_of_agdref
from tests.integration.test_overlap import AGDREF_ONLY
from tests.integration.test_sink_process import started_chain

WORKLOAD_SECONDS = 15


def test_two_rebuild_loops_side_by_side_leave_anef_equal_to_the_mapping_of_agdref(chain: Chain):
    env = {**chain.environment, "REBUILD_TASKS": "2", "SINK_PROCESSES": "3", "RECORD_REBUILD_LIMIT": "0",
           "REBUILD_BATCH_SIZE": "20"}
    worker = started_chain(chain, env, seed=37, sink_processes=3)
    workload = subprocess.run(
        [sys.executable, "-m", "cli", "simulate", "--rate", "40", "--duration", str(WORKLOAD_SECONDS), "--seed", "9",
         "--mix", AGDREF_ONLY], env={**os.environ, **env}, capture_output=True, text=True, timeout=WORKLOAD_SECONDS + 120)
    assert workload.returncode == 0, workload.stderr[-3000:]
    assert_anef_equals_the_mapping_of_agdref(chain)
    assert worker.pid is not None, f"the worker died; see {worker.log_file}"
    assert "pipeline.fatal" not in worker.log_tail()
