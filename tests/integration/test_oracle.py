"""The oracle: whatever crashes, ANEF ends equal to the mapping applied to the final AGDREF.

A population is seeded, the connector snapshots it while the overlap workload writes, two workers
share the partitions, and workers are killed with SIGKILL at random moments three times, the
connector once and the broker once (when the tests run their own broker). Once everything has settled, ANEF is compared with the
mapping applied directly to AGDREF: no dossier missing, none extra, none stale; every dossier not
in ANEF is parked with its reason; nothing went to the dead letters.
"""
from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time

from connectors import source
from pipeline.rejects import dead_letters
from schemas.anef_tables import conflict
from schemas.topics import dead_letter_topic
from synthetic.seed import seed_population
from tests.integration.conftest import Chain, assert_anef_equals_the_mapping_of_agdref, wait_for
from tests.integration.test_overlap import AGDREF_ONLY

WORKLOAD_SECONDS = 40
WORKERS = ("worker", "worker2")  # one consumer group: they share the partitions and the waiting dossiers


def _kill_broker() -> None:
    from infra import kafka
    from infra.profile import profile

    p = profile("test")
    pid = kafka.status(p).pid
    assert pid is not None, "the test broker is not running"
    os.kill(pid, signal.SIGKILL)
    wait_for(lambda: not kafka.status(p).running, 15, "the broker to die")
    time.sleep(2)
    kafka.start(p)


def test_anef_equals_the_mapping_of_agdref_after_workers_connector_and_broker_are_killed(chain: Chain):
    seed = int(os.environ.get("ORACLE_SEED") or random.randrange(1 << 32))
    print(f"oracle kill schedule seed {seed} (ORACLE_SEED={seed} replays it)")
    rng = random.Random(seed)
    env = {**chain.environment, "KAFKA_TOPIC_PARTITIONS": "3"}
    seed_population(chain.agdref, 400, seed=12, processes=1)
    chain.process("connector").start("connector", "run", "--chunk-size", "300", env=env)
    wait_for(lambda: source.slot_state(chain.agdref, chain.name).ready, 60, "the connector's slot")
    for worker in WORKERS:
        chain.process(worker).start("worker", env=env)
    workload = subprocess.Popen(
        [sys.executable, "-m", "cli", "simulate", "--rate", "25", "--duration", str(WORKLOAD_SECONDS), "--seed", "4",
         "--mix", AGDREF_ONLY], env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    victims = [rng.choice(WORKERS) for _ in range(3)] + ["connector"]
    if chain.infra.provided_by == "local launcher":  # a broker given by the environment is not ours to kill
        victims.append("broker")
    rng.shuffle(victims)
    moments = sorted(rng.uniform(2, WORKLOAD_SECONDS - 2) for _ in victims)
    started = time.monotonic()
    for moment, victim in zip(moments, victims):
        time.sleep(max(0.0, started + moment - time.monotonic()))
        if victim == "broker":
            _kill_broker()
            continue
        chain.kill(victim)
        time.sleep(rng.uniform(0.2, 2.0))
        chain.process(victim).start(*(["connector", "run", "--chunk-size", "300"] if victim == "connector"
                                      else ["worker"]), env=env)
    for name in ("connector", *WORKERS):
        assert chain.process(name).pid is not None, f"the {name} died on its own; see {chain.process(name).log_file}"
    out, err = workload.communicate(timeout=WORKLOAD_SECONDS + 120)
    assert workload.returncode == 0, err[-3000:]

    assert_anef_equals_the_mapping_of_agdref(chain)
    with chain.anef.connect() as conn:
        assert conn.execute(conflict.select()).all() == []  # AGDREF-only workload: nothing to hold
    letters = dead_letters(chain.infra.kafka_bootstrap, dead_letter_topic(chain.name))
    assert letters == [], letters[:3]
