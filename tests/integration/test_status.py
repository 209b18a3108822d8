"""``agdref-anef status`` tells where the migration stands, from the real services."""
from __future__ import annotations

import json
import os
import subprocess
import sys

from sqlalchemy import text

from tests.integration.conftest import Chain, free_port, scrape, wait_for
from tests.integration.test_reconciliation import _start


def test_status_reports_the_connector_the_lag_the_worker_and_anef(chain: Chain):
    port = free_port()
    _start(chain, 150, WORKER_METRICS_PORT=str(port))
    wait_for(lambda: "agdref_anef_dossiers_total" in scrape(port), 30, "the worker's metrics")
    done = subprocess.run([sys.executable, "-m", "cli", "status", "--json"],
                          env={**os.environ, **chain.environment, "WORKER_METRICS_PORT": str(port)},
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    status = json.loads(done.stdout)
    assert status["connector"]["slot_exists"] and status["connector"]["slot_active"]
    assert status["lag"] == 0 and len(status["partitions"]) == 6 * 3 + 1  # 6 tables × 3 partitions + transactions
    assert status["worker"]["reachable"] and status["worker"]["dossiers"]["migrated"] > 0
    with chain.anef.connect() as conn:
        parked = dict(conn.execute(text("SELECT reason, count(*) FROM migration.parked GROUP BY 1")).all())
        migrated = conn.execute(text("SELECT count(*) FROM anef.usager WHERE origine = 'AGDREF'")).scalar_one()
    assert status["anef"]["parked_by_reason"] == parked and status["anef"]["persons_migrated"] == migrated
    # 150 persons (and their alias records): one range per partition of the chain's 3, all written
    load = status["anef"]["initial_load"]
    assert (load["written"], load["ranges"]) == (3, 3) and load["persons"] >= 150
    assert status["throughput"]["events_per_second"] >= 0 and not status["problems"]


def test_status_says_what_does_not_answer_and_exits_1(chain: Chain):
    done = subprocess.run([sys.executable, "-m", "cli", "status", "--metrics-url", "http://127.0.0.1:9/metrics"],
                          env={**os.environ, **chain.environment}, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and "nothing answers at http://127.0.0.1:9/metrics" in done.stdout


def test_the_exporter_serves_the_slot_the_parking_and_the_divergences(chain: Chain):
    from prometheus_client import CollectorRegistry, generate_latest

    from common import prometheus_text as prom
    from operations.exporter import MigrationCollector
    from reconciliation.engine import Options
    from tests.integration.test_reconciliation import _reconciler

    _start(chain, 150)
    summary = _reconciler(chain).run(Options(max_wait_seconds=60))
    registry = CollectorRegistry()
    registry.register(MigrationCollector(chain.settings(), chain.agdref, chain.anef))
    page = generate_latest(registry).decode()
    with chain.anef.connect() as conn:
        parked = conn.execute(text("SELECT count(*) FROM migration.parked")).scalar_one()
    assert prom.total(page, "agdref_anef_slot_active") == 1.0
    assert prom.total(page, "agdref_anef_parked_dossiers") == parked > 0
    assert prom.total(page, "agdref_anef_divergences_open", severity="critical", status="new") == summary.critical
    assert prom.total(page, "agdref_anef_last_reconciliation_timestamp_seconds") > 0
    assert all(v == 1.0 for _, v in prom.samples(page, "agdref_anef_exporter_source_up"))
