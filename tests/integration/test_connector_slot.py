"""The replication slot keeps moving when the legacy tables are quiet, heartbeats say the connector
is alive, and `connector status` reports the lag."""
from __future__ import annotations

import os
import subprocess
import sys
import threading

import pytest
from kafka import KafkaConsumer, TopicPartition
from sqlalchemy import text

from connectors import source
from connectors.exceptions import SlotInUseError
from schemas.topics import heartbeat_topic
from tests.integration.conftest import Chain, wait_for


def test_a_quiet_connector_moves_its_slot_with_other_writes_and_sends_heartbeats(chain: Chain):
    env = chain.environment
    chain.process("connector").start("connector", "run", env=env)
    wait_for(lambda: source.slot_state(chain.agdref, chain.name).ready, 60, "the connector's slot")
    start = source.slot_state(chain.agdref, chain.name).confirmed_flush_lsn
    with chain.anef.begin() as conn:  # WAL written by another database on the same server
        conn.execute(text("CREATE TABLE IF NOT EXISTS wal_noise AS SELECT g, md5(g::text) FROM generate_series(1, 20000) g"))
    wait_for(lambda: source.slot_state(chain.agdref, chain.name).confirmed_flush_lsn > start + 1_000_000, 40,
             "the slot to move past writes that are not AGDREF's")

    consumer = KafkaConsumer(bootstrap_servers=chain.infra.kafka_bootstrap)
    part = TopicPartition(heartbeat_topic(chain.name), 0)
    consumer.assign([part])
    consumer.seek_to_beginning(part)
    wait_for(lambda: consumer.end_offsets([part])[part] >= 1, 30, "a heartbeat")
    consumer.close()

    out = subprocess.run([sys.executable, "-m", "cli", "connector", "status"], env={**os.environ, **env},
                         capture_output=True, text=True, check=True).stdout
    assert f"slot {chain.name}: active" in out and "bytes behind" in out


def test_dropping_a_slot_waits_for_its_holder_to_let_go_and_refuses_one_that_does_not(chain: Chain):
    source.prepare(chain.agdref, chain.name, chain.name)
    holder = chain.hold_slot()
    with pytest.raises(SlotInUseError, match="still in use"):
        source.drop(chain.agdref, chain.name, chain.name, wait_seconds=1.5)
    assert source.slot_state(chain.agdref, chain.name).exists
    threading.Timer(1.0, holder.close).start()  # a connector stopping a moment after the drop began
    source.drop(chain.agdref, chain.name, chain.name)
    assert not source.slot_state(chain.agdref, chain.name).exists


def test_restarting_a_connector_takes_no_lock_on_the_legacy_tables(chain: Chain):
    """A connector restarted while the legacy application writes does not queue behind its writes
    (nor deadlock with them): a source already prepared is not altered again."""
    from schemas.agdref_tables import CAPTURED_TABLES, SCHEMA

    source.prepare(chain.agdref, chain.name, chain.name)
    writer = chain.agdref.connect()
    transaction = writer.begin()  # the legacy application, mid-transaction on every captured table
    for table in CAPTURED_TABLES:
        writer.execute(text(f"LOCK TABLE {SCHEMA}.{table} IN ROW EXCLUSIVE MODE"))
    restart = threading.Thread(target=source.prepare, args=(chain.agdref, chain.name, chain.name), daemon=True)
    try:
        restart.start()
        restart.join(10)
        assert not restart.is_alive(), "the connector's start waited for the legacy application's transaction"
    finally:
        transaction.rollback()
        writer.close()
        restart.join(10)
