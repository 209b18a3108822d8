"""Freshness: from a legacy commit to the ANEF commit of the dossier it changes, under the overlap
workload at 500 legacy transactions per second (p50, p99), after a backfill of N persons.

The worker measures each dossier it commits (``agdref_anef_freshness_seconds``: ANEF commit time
minus the legacy commit time of the newest change it carries); the histogram is read before and
after the workload and only the difference counts. Baseline in the same run: the connector's
share, legacy commit to the event in Kafka (each event's Kafka timestamp minus its ``ts_ms``).

    .venv/bin/python -m bench.freshness [--persons 20000] [--rate 500] [--seconds 30]
"""
from __future__ import annotations

import argparse
import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, select, text

from bench.common import CommitToKafka, figure, scratch_chain
from cli.processes import Background
from common import prometheus_text
from common.kafka_admin import ensure_topics
from common.prometheus_text import percentile
from connectors import source
from infra.profile import profile
from schemas.agdref_tables import CAPTURED_TABLES
from schemas.anef_tables import legacy_row, pending
from schemas.envelope import topic_name
from synthetic.seed import seed_population

METRICS_PORT = 9196
HISTOGRAMS = ("agdref_anef_freshness_seconds", "agdref_anef_arrival_seconds")
AGDREF_ONLY = ("file_application=20,decide_application=18,hand_over=12,renew_receipt=8,change_address=10,"
               "issue_measure=4,appeal_or_annul_measure=3,discover_alias=2,purge_dossier=2,new_person=5")


def histogram(port: int, name: str) -> dict[float, float]:
    """Cumulative counts of one of the worker's histograms, by upper bound."""
    return prometheus_text.histogram(prometheus_text.scrape(f"http://127.0.0.1:{port}/metrics", 5), name)


def _settled(anef, rows: int) -> bool:
    with anef.connect() as conn:
        kept = conn.execute(select(func.count()).select_from(legacy_row)).scalar_one()
        waiting = conn.execute(select(func.count()).select_from(pending)).scalar_one()
    return kept >= rows and waiting == 0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=20_000)
    parser.add_argument("--rate", type=int, default=500, help="legacy transactions per second")
    parser.add_argument("--seconds", type=int, default=30)
    args = parser.parse_args()
    p = profile("demo")
    with scratch_chain("fresh") as (agdref_url, agdref, anef_url, anef):
        rows = sum(seed_population(agdref, args.persons, seed=6).values())
        name = "f" + secrets.token_hex(3)
        env = {"AGDREF_DATABASE_URL": agdref_url, "ANEF_DATABASE_URL": anef_url, "KAFKA_BOOTSTRAP_SERVERS":
               p.bootstrap_servers, "KAFKA_TOPIC_PREFIX": name, "REPLICATION_SLOT": name, "PUBLICATION": name,
               "WORKER_ID": f"worker-{name}", "LOG_FORMAT": "json"}
        topics = [topic_name(name, t) for t in CAPTURED_TABLES]
        ensure_topics(p.bootstrap_servers, topics, 6)
        folder = Path(tempfile.mkdtemp(prefix="bench-freshness-"))
        connector, worker = Background("connector", folder), Background("worker", folder)
        try:
            connector.start("connector", "run", env=env)
            worker.start("worker", env={**env, "WORKER_METRICS_PORT": str(METRICS_PORT)})
            started = time.monotonic()
            while not _settled(anef, rows):
                if time.monotonic() - started > 1800 or worker.pid is None or connector.pid is None:
                    raise SystemExit(f"the backfill did not settle; see {folder}")
                time.sleep(1)
            print(f"backfill of {args.persons:,} persons settled in {time.monotonic() - started:.0f}s")

            reader = CommitToKafka(p.bootstrap_servers, topics)
            reader.start()
            before = {h: histogram(METRICS_PORT, h) for h in HISTOGRAMS}
            clock = time.monotonic()
            done = subprocess.run(
                [sys.executable, "-m", "cli", "simulate", "--rate", str(args.rate), "--duration", str(args.seconds),
                 "--seed", "8", "--mix", AGDREF_ONLY], env={**os.environ, **env}, capture_output=True, text=True)
            elapsed = time.monotonic() - clock
            if done.returncode != 0:
                raise SystemExit(done.stderr[-2000:])
            written = sum(int(part.rsplit(" ", 1)[1]) for part in done.stdout.split(": ", 1)[1].strip().split(", "))
            while not _settled(anef, 0):
                time.sleep(0.2)
            time.sleep(1.5)  # the last rebuild's observation, then one scrape
            after = {h: histogram(METRICS_PORT, h) for h in HISTOGRAMS}
            with anef.connect() as conn:
                incomplete = conn.execute(text(
                    "SELECT count(*), count(*) FILTER (WHERE expected IS NULL), sum(seen), sum(expected)"
                    " FROM migration.legacy_transaction")).one()
            connector_latencies = [ms / 1000 for ms in reader.stop()]
        finally:
            worker.stop()
            connector.stop()
            source.drop(agdref, name, name)
        during, arrival = ({bound: after[h][bound] - before[h].get(bound, 0.0) for bound in after[h]}
                           for h in HISTOGRAMS)
        print(f"\n{written:,} legacy transactions in {elapsed:.1f}s ({written / elapsed:,.0f}/s asked {args.rate}/s), "
              f"{int(during[float('inf')]):,} dossier commits measured")
        print(f"legacy transactions left incomplete: {incomplete[0]} ({incomplete[1]} without their END marker; "
              f"events seen {incomplete[2]}, expected {incomplete[3]})")
        figure("freshness p50 (legacy commit → ANEF commit)", percentile(during, 0.50) * 1000, "ms", "goal <= 250")
        figure("freshness p99", percentile(during, 0.99) * 1000, "ms", "goal <= 1,000")
        figure("  of which legacy commit → recorded, p50", percentile(arrival, 0.50) * 1000, "ms")
        figure("  of which legacy commit → recorded, p99", percentile(arrival, 0.99) * 1000, "ms")
        if connector_latencies:
            figure("baseline: legacy commit → Kafka, p50", connector_latencies[len(connector_latencies) // 2] * 1000, "ms")
            figure("baseline: legacy commit → Kafka, p99",
                   connector_latencies[int(0.99 * (len(connector_latencies) - 1))] * 1000, "ms")


if __name__ == "__main__":
    main()
