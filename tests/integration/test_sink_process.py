"""A sink process killed -9 while live changes flow: the worker stops without acknowledging the
batch it was writing, a restarted worker reads it again, and nothing is lost or applied twice."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from common.settings import Settings
from connectors import source
from synthetic.seed import seed_population
from tests.integration.conftest import Chain, assert_anef_equals_the_mapping_of_agdref, wait_for
from tests.integration.test_overlap import AGDREF_ONLY

WORKLOAD_SECONDS = 20
SHIPPED = Settings.model_fields["sink_processes"].default  # the defaults are what is tested


def _sink_processes(worker_pid: int) -> list[int]:
    """The worker's sink processes: its children (forked, or spawned by multiprocessing), the
    resource tracker a spawn starts aside."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                parent = int(stat.read().rsplit(")", 1)[1].split()[1])
            with open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                command = cmdline.read()
        except (OSError, ValueError):
            continue
        if parent == worker_pid and b"resource_tracker" not in command:
            found.append(int(entry))
    return found


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def started_chain(chain: Chain, env: dict, seed: int, sink_processes: int):
    """300 persons seeded, the connector's slot ready, a worker running with its sink processes
    started: the worker's process handle."""
    seed_population(chain.agdref, 300, seed=seed, processes=1)
    chain.process("connector").start("connector", "run", env=env)
    wait_for(lambda: source.slot_state(chain.agdref, chain.name).ready, 60, "the connector's slot")
    worker = chain.process("worker")
    worker.start("worker", env=env)
    wait_for(lambda: len(_sink_processes(worker.pid or 0)) == sink_processes, 60, "the worker's sink processes")
    return worker


def test_a_killed_sink_process_stops_its_worker_and_the_restart_loses_nothing(chain: Chain):
    env = chain.environment
    worker = started_chain(chain, env, seed=31, sink_processes=SHIPPED)
    workload = subprocess.Popen(
        [sys.executable, "-m", "cli", "simulate", "--rate", "25", "--duration", str(WORKLOAD_SECONDS), "--seed", "8",
         "--mix", AGDREF_ONLY], env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(WORKLOAD_SECONDS / 2)

    first = worker.pid
    assert first is not None
    sinks = _sink_processes(first)
    os.kill(sinks[0], signal.SIGKILL)
    wait_for(lambda: worker.pid is None, 30, "the worker to stop once its sink process died")
    wait_for(lambda: not any(map(_alive, sinks)), 10, "the other sink processes to end with their worker")
    assert "pipeline.fatal" in worker.log_tail(), "the worker did not say why it stopped"
    worker.start("worker", env=env)

    out, err = workload.communicate(timeout=WORKLOAD_SECONDS + 120)
    assert workload.returncode == 0, err[-3000:]
    assert_anef_equals_the_mapping_of_agdref(chain)
    assert worker.pid is not None, f"the restarted worker died; see {worker.log_file}"
    assert len(_sink_processes(worker.pid)) == SHIPPED
