"""The connector killed with SIGKILL, in the middle of its snapshot and in the middle of streaming
under the overlap workload, loses no change: restarted, it publishes every row's latest state,
in order per key (replays are exact duplicates, recognisable by position)."""
from __future__ import annotations

import os
import subprocess
import sys
import time

from sqlalchemy import text

from connectors import source
from synthetic.seed import seed_population
from tests.integration.conftest import Chain, wait_for
from tests.integration.kafka_reader import agdref_rows, read_all

LAST_DIFFERENCE: list[str] = []


def _published_matches_agdref(chain: Chain) -> bool:
    published = read_all(chain.infra.kafka_bootstrap, chain.name)
    final = {k: v for k, v in published.final_rows().items() if v is not None}
    expected = agdref_rows(chain.agdref)
    LAST_DIFFERENCE[:] = (published.out_of_order[:5]
                          + [f"missing {k}" for k in list(set(expected) - set(final))[:5]]
                          + [f"extra {k}" for k in list(set(final) - set(expected))[:5]]
                          + [f"stale {k}: {final[k]} != {expected[k]}" for k in set(final) & set(expected)
                             if final[k] != expected[k]][:5])
    return not LAST_DIFFERENCE


def _difference_and_connector(chain: Chain) -> str:
    """The failed wait's message: what differs, and whether the connector still runs (its log's end)."""
    process = chain.process("connector")
    alive = process.pid is not None
    tail = "" if alive else process.log_tail()
    return "\n".join(LAST_DIFFERENCE) + f"\nconnector alive: {alive}" + (f"\nits log ends with:\n{tail}" if tail else "")


def _connector_past_its_snapshot(chain: Chain, persons: int, seed: int):
    """AGDREF seeded with ``persons``, and a connector running that has finished its initial snapshot."""
    seed_population(chain.agdref, persons, seed=seed, processes=1)
    return chain.start_connector_past_its_snapshot()


def test_a_connector_killed_during_its_snapshot_resumes_and_loses_nothing(chain: Chain):
    seed_population(chain.agdref, 1500, seed=21, processes=1)
    env = chain.environment
    connector = chain.process("connector")
    connector.start("connector", "run", "--snapshot", "events", "--chunk-size", "300", env=env)
    wait_for(lambda: chain.snapshot_state()[0] > 1000, 60, "the snapshot to be under way")
    chain.kill("connector")
    read_before, done = chain.snapshot_state()
    assert not done, "the snapshot finished before the kill: nothing was shown"
    connector.start("connector", "run", "--snapshot", "events", "--chunk-size", "300", env=env)
    wait_for(lambda: chain.snapshot_state()[1], 120, "the snapshot to finish after the restart")
    wait_for(lambda: _published_matches_agdref(chain), 60, "Kafka to hold every AGDREF row's latest state")
    assert read_all(chain.infra.kafka_bootstrap, chain.name).out_of_order == []


def test_a_connector_killed_while_streaming_under_the_workload_loses_nothing(chain: Chain):
    connector = _connector_past_its_snapshot(chain, 300, seed=22)
    env = chain.environment
    workload = subprocess.Popen([sys.executable, "-m", "cli", "simulate", "--rate", "60", "--duration", "12",
                                 "--seed", "5", "--mix", "file_application=20,decide_application=18,hand_over=12,"
                                 "renew_receipt=8,change_address=10,issue_measure=4,appeal_or_annul_measure=3,"
                                 "discover_alias=2,purge_dossier=3,new_person=5"],
                                env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    for pause in (3, 4):
        time.sleep(pause)
        chain.kill("connector")
        time.sleep(0.5)
        connector.start("connector", "run", env=env)
    assert workload.wait(timeout=60) == 0, workload.stderr.read()[-2000:]
    with chain.agdref.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM agdref.demande WHERE num_demande LIKE 'S%'")).scalar() > 50
    try:
        wait_for(lambda: _published_matches_agdref(chain), 90, "Kafka to hold every AGDREF row's latest state")
    except AssertionError:
        raise AssertionError(_difference_and_connector(chain)) from None
    published = read_all(chain.infra.kafka_bootstrap, chain.name)
    assert published.out_of_order == []


def test_a_connector_restarted_while_its_slot_is_still_held_waits_for_the_slot(chain: Chain):
    """A killed connector's server process may hold the slot a while after the kill: the new one waits."""
    connector = _connector_past_its_snapshot(chain, 30, seed=24)
    env = chain.environment
    chain.kill("connector")
    holder = chain.hold_slot()  # as the killed connector's server process does, for longer
    try:
        connector.start("connector", "run", env=env)
        with chain.agdref.begin() as conn:
            conn.execute(text("UPDATE agdref.etranger SET nom = 'RENOMME' WHERE num_etranger = "
                              "(SELECT min(num_etranger) FROM agdref.etranger)"))
        wait_for(lambda: "connector.slot_in_use" in connector.log_file.read_text(errors="replace"), 30,
                 "the connector to find the slot held")
        time.sleep(3)
        assert connector.pid is not None, connector.log_tail()
    finally:
        holder.close()
    try:
        wait_for(lambda: _published_matches_agdref(chain), 60, "Kafka to hold the change made while the slot was held")
    except AssertionError:
        raise AssertionError(_difference_and_connector(chain)) from None


def test_a_repair_snapshot_re_reads_the_asked_keys_only(chain: Chain):
    _connector_past_its_snapshot(chain, 50, seed=23)
    env = chain.environment
    with chain.agdref.connect() as conn:
        wanted = [r[0] for r in conn.execute(text("SELECT num_titre FROM agdref.titre ORDER BY num_titre LIMIT 2"))]
    before = read_all(chain.infra.kafka_bootstrap, chain.name)
    reads_before = sum(1 for (t, _), evs in before.events.items() if t == "titre" for e in evs if e.op == "r")
    subprocess.run([sys.executable, "-m", "cli", "connector", "snapshot", "--table", "titre", "--keys", ",".join(wanted)],
                   env={**os.environ, **env}, check=True, capture_output=True)
    wait_for(lambda: sum(1 for p in source.snapshot_progress(chain.agdref) if p.request_id.startswith("repair")
                         and p.done) == 1, 60, "the repair snapshot")
    wait_for(lambda: sum(1 for (t, _), evs in read_all(chain.infra.kafka_bootstrap, chain.name).events.items()
                         if t == "titre" for e in evs if e.op == "r") == reads_before + 2, 30,
             "exactly the two asked permits to be read again")
