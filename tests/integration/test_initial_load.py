"""The initial load: key ranges read at consistent snapshots and written in bulk by the workers,
while the overlap workload writes AGDREF and processes are killed, ends with ANEF equal to the
mapping of the final AGDREF, every range written once, nothing in the dead letters."""
from __future__ import annotations

import os
import subprocess
import sys
import time

from sqlalchemy import func, select, text

from connectors import source
from pipeline.rejects import dead_letters
from schemas.anef_tables import legacy_row, load_range, usager
from schemas.topics import dead_letter_topic
from synthetic.seed import seed_population
from tests.integration.conftest import (
    Chain,
    assert_anef_equals_the_mapping_of_agdref,
    settled,
    wait_for,
    where_it_stands,
)
from tests.integration.test_overlap import AGDREF_ONLY

PERSONS, RANGE_PERSONS = 2400, 100
WORKLOAD_SECONDS = 30


def _ranges_written(chain: Chain) -> int:
    with chain.anef.connect() as conn:
        return conn.execute(select(func.count()).select_from(load_range)).scalar_one()


def test_the_load_survives_killed_workers_and_connector_under_live_changes(chain: Chain):
    env = {**chain.environment, "KAFKA_TOPIC_PARTITIONS": "3"}
    seed_population(chain.agdref, PERSONS, seed=21, processes=1)
    run = ["connector", "run", "--range-persons", str(RANGE_PERSONS)]
    chain.process("connector").start(*run, env=env)
    wait_for(lambda: source.slot_state(chain.agdref, chain.name).ready, 60, "the connector's slot")
    workload = subprocess.Popen(
        [sys.executable, "-m", "cli", "simulate", "--rate", "25", "--duration", str(WORKLOAD_SECONDS), "--seed", "8",
         "--mix", AGDREF_ONLY], env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for worker in ("worker", "worker2"):
        chain.process(worker).start("worker", env=env)
    # Killed while ranges are being written: a range in flight is rolled back and handed out again.
    wait_for(lambda: _ranges_written(chain) >= 3, 120, "the first ranges")
    chain.kill("worker")
    chain.kill("connector")
    time.sleep(1)
    chain.process("connector").start(*run, env=env)
    chain.process("worker").start("worker", env=env)
    wait_for(lambda: _ranges_written(chain) >= 12, 120, "more ranges")
    chain.kill("worker2")
    chain.process("worker2").start("worker", env=env)
    out, err = workload.communicate(timeout=WORKLOAD_SECONDS + 120)
    assert workload.returncode == 0, err[-3000:]

    assert_anef_equals_the_mapping_of_agdref(chain)
    with chain.anef.connect() as conn:
        ranges = conn.execute(select(load_range.c.range_index, load_range.c.ranges, load_range.c.mapped)).all()
        assert sorted(r.range_index for r in ranges) == list(range(ranges[0].ranges))  # each range once
        assert sum(r.mapped for r in ranges) > PERSONS * 0.6  # most dossiers written from memory (the rest:
        # aliases, and persons a live change reached before their range)
        assert conn.execute(select(func.count()).select_from(usager)).scalar_one() > PERSONS * 0.9
    assert dead_letters(chain.infra.kafka_bootstrap, dead_letter_topic(chain.name)) == []


def test_rows_loaded_in_bulk_are_kept_as_the_stream_would_keep_them(chain: Chain):
    """The assembly area after the load holds, for every legacy row, what recording its snapshot
    event would have kept: same owner, same row, same fingerprint (one rule, two paths)."""
    from datetime import UTC, datetime

    from connectors.events import Transaction, key_of, snapshot_reads
    from pipeline.actions import Origin
    from pipeline.decide import decide
    from schemas.agdref_tables import CAPTURED_TABLES, primary_key_columns
    from schemas.fingerprint import row_digest

    seed_population(chain.agdref, 300, seed=22, processes=1)
    chain.process("connector").start("connector", "run", "--range-persons", "40", env=chain.environment)
    chain.process("worker").start("worker", env=chain.environment)
    wait_for(lambda: settled(chain.agdref, chain.anef), 120, "the load", explain=lambda: where_it_stands(chain))
    tx = Transaction(0, datetime.now(UTC), 1)
    with chain.agdref.connect() as source_conn, chain.anef.connect() as conn:
        kept = {(r.source_table, r.source_key): r for r in conn.execute(select(legacy_row))}
        for table in CAPTURED_TABLES:
            for raw in source_conn.execute(text(f"SELECT * FROM agdref.{table}")).mappings():
                row = dict(raw)
                value, = snapshot_reads([row], prefix="p", database="d", schema="agdref", table=table, tx=tx, lsn=1,
                                        emitted_at_ms=0)
                change = decide(Origin(table, 0, 0), key_of(row, primary_key_columns(table)), value)
                found = kept[(table, change.key)]
                assert (found.numero_etranger, found.alias_of, found.is_alias, found.row) == \
                    (change.numero or "", change.alias_of, change.is_alias, change.row)
                assert found.digest == row_digest(table, change.row)


def test_the_ranges_come_in_a_multiple_of_the_partitions_and_are_dealt_round_them(chain: Chain):
    from collections import defaultdict

    from common.kafka_admin import ensure_topics, read_to_end
    from connectors import load_plan
    from schemas.key_range import KeyRange
    from schemas.topics import initial_load_topic

    seed_population(chain.agdref, 520, seed=23, processes=1)
    load_plan.request_once(chain.agdref, persons_per_range=40, partitions=3)
    topic = initial_load_topic(chain.name)
    ensure_topics(chain.infra.kafka_bootstrap, [topic], 3)
    published = load_plan.publish_unpublished(chain.agdref, chain.infra.kafka_bootstrap, topic)
    by_partition: dict[int, list[int]] = defaultdict(list)
    for record in read_to_end(chain.infra.kafka_bootstrap, topic):
        by_partition[record.partition].append(KeyRange.from_json(record.value).index)
    assert published >= 13 and published % 3 == 0  # 520 persons (and a few alias records), 40 a range
    assert {p: sorted(indexes) for p, indexes in by_partition.items()} == {
        p: [i for i in range(published) if i % 3 == p] for p in range(3)}
