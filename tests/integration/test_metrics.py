"""The worker exports its metrics for Prometheus, without personal data."""
from __future__ import annotations

import re

from sqlalchemy import insert

from schemas import agdref_tables as legacy
from synthetic.persons import person_row
from tests.integration.conftest import Chain, free_port, scrape, wait_for


def test_the_worker_exports_events_outcomes_batches_and_freshness(chain: Chain):
    port = free_port()
    env = {**chain.environment, "WORKER_METRICS_PORT": str(port)}
    chain.start_connector_past_its_snapshot()  # else its snapshot may read the new rows too: more events in
    chain.process("worker").start("worker", env=env)
    with chain.agdref.begin() as conn:
        conn.execute(insert(legacy.etranger), [{**person_row(i, seed=6), "num_etranger": f"{i:010d}"} for i in range(1, 6)])

    wait_for(lambda: 'agdref_anef_dossiers_total{outcome="migrated"} 5.0' in scrape(port), 60, "five migrated dossiers")
    wait_for(lambda: "agdref_anef_consumer_lag{" in scrape(port), 30, "the consumer lag per partition")
    text = scrape(port)
    assert "agdref_anef_dossiers_waiting 0.0" in text
    assert re.search(r'agdref_anef_consumer_lag\{partition="\d",topic="' + chain.name + r'\.agdref\.etranger"\} 0\.0', text)
    events_in = re.search(r'agdref_anef_events_in_total\{topic="' + chain.name + r'\.agdref\.etranger"\} (\S+)', text)
    assert events_in and float(events_in.group(1)) == 5.0, events_in and events_in.group(0)
    assert "agdref_anef_freshness_seconds_count" in text and "agdref_anef_sink_batch_seconds_count" in text
    # As a token (a label value), not any run of digits: a float such as 11.160300000000001 holds those too.
    assert not re.search(r"(?<![0-9.])0000000001(?![0-9])", text)
