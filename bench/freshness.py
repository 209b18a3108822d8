"""Freshness: from a legacy commit to the ANEF commit of the dossier it changes, under the overlap
workload at 500 legacy transactions per second (p50, p99), after a backfill of N persons; the knee
(the highest rate whose p99 stays under 1 s); the catch-up after the workers were stopped.

The worker measures each dossier it commits (``agdref_anef_freshness_seconds``: ANEF commit time
minus the legacy commit time of the newest change it carries); the histogram is read before and
after the workload and only the difference counts. Baseline in the same run: the connector's
share, legacy commit to the event in Kafka (each event's Kafka timestamp minus its ``ts_ms``).

The load is ``pgbench`` playing the overlap mix (``bench.pgbench_load``; ``--load simulator``: the
Python simulator, which needs a core of its own).

    .venv/bin/python -m bench.freshness [--persons 20000] [--rate 500] [--seconds 300]
        [--knee 100,200,300,400,500 --knee-seconds 30] [--catch-up 600]
"""
from __future__ import annotations

import argparse
import os
import secrets
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

from sqlalchemy import func, select, text

from bench import pgbench_load
from bench.common import CommitToKafka, figure, scratch_chain
from bench.profiles import flame_graph
from cli.processes import Background
from common import prometheus_text
from common.kafka_admin import committed_offsets, end_offsets, ensure_topics
from common.prometheus_text import percentile
from connectors import source
from infra.profile import profile
from schemas.agdref_tables import CAPTURED_TABLES
from schemas.anef_tables import legacy_row, pending
from schemas.envelope import topic_name, transaction_topic
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
    parser.add_argument("--seconds", type=int, default=300)
    parser.add_argument("--load", choices=("pgbench", "simulator"), default="pgbench")
    parser.add_argument("--workers", type=int, default=1,
                        help="1 by default: on 2 cores a second Faust worker costs more than it adds (measured)")
    parser.add_argument("--knee", default="", help="rates to try first, e.g. 100,200,300,400,500")
    parser.add_argument("--knee-seconds", type=int, default=30)
    parser.add_argument("--profile", type=Path, default=None,
                        help="write py-spy flame graphs of the connector and a worker during the measured run here")
    parser.add_argument("--catch-up", type=int, default=0,
                        help="then stop the workers this many seconds under 100 transactions/s and time the catch-up")
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
        connector = Background("connector", folder)
        workers = [Background(f"worker{i}", folder) for i in range(args.workers)]
        ports = [METRICS_PORT + i for i in range(args.workers)]

        def start_workers() -> None:
            for worker, port in zip(workers, ports):
                worker.start("worker", env={**env, "WORKER_METRICS_PORT": str(port)})

        try:
            connector.start("connector", "run", *os.environ.get("BENCH_CONNECTOR_ARGS", "").split(), env=env)
            start_workers()
            started = time.monotonic()
            while not _settled(anef, rows):
                if time.monotonic() - started > 1800 or any(w.pid is None for w in workers) or connector.pid is None:
                    raise SystemExit(f"the backfill did not settle; see {folder}")
                time.sleep(1)
            print(f"backfill of {args.persons:,} persons settled in {time.monotonic() - started:.0f}s")
            # Statistics as autovacuum leaves them a minute after a load: measured before it, the
            # first minute planned the rebuild's statements for empty tables (sequential scans,
            # the conflict check 2 to 3 times slower).
            with anef.connect() as conn:
                conn.execute(text("ANALYZE"))
                conn.commit()
            variables = pgbench_load.prepare(agdref) if args.load == "pgbench" else {}
            reader = CommitToKafka(p.bootstrap_servers, topics)
            reader.start()
            knee = [(rate, _measure(args, env, agdref_url, anef, variables, ports, rate, args.knee_seconds))
                    for rate in (int(r) for r in args.knee.split(",") if r)]
            with ExitStack() as profiles:
                if args.profile:
                    profiles.enter_context(flame_graph(connector.pid, args.profile / "connector-live.svg"))
                    profiles.enter_context(flame_graph(workers[0].pid, args.profile / "worker-live.svg"))
                result = _measure(args, env, agdref_url, anef, variables, ports, args.rate, args.seconds)
            connector_latencies = [ms / 1000 for ms in reader.stop()]
            catch_up = _catch_up(args, agdref_url, anef, variables, workers, start_workers, p.bootstrap_servers, env) \
                if args.catch_up else None
        finally:
            for process in (*workers, connector):
                process.stop()
            source.drop(agdref, name, name)
    for rate, (played, during, _) in knee:
        print(f"  {rate:>4}/s asked: {played.rate:6.0f}/s played, freshness p50 {(percentile(during, 0.5) or 0) * 1000:7.0f} ms,"
              f" p99 {(percentile(during, 0.99) or 0) * 1000:7.0f} ms")
    within = [rate for rate, (played, during, _) in knee if (percentile(during, 0.99) or 99) <= 1.0]
    if knee:
        figure("knee: highest rate tried with freshness p99 <= 1 s", max(within, default=0), "transactions/s")
    played, during, arrival = result
    print(f"\n{played.transactions:,} legacy transactions in {played.seconds:.0f}s ({played.rate:,.0f}/s, asked "
          f"{args.rate}/s, {played.failed} failed), {int(during[float('inf')]):,} dossier commits measured")
    figure("freshness p50 (legacy commit → ANEF commit)", (percentile(during, 0.50) or 0) * 1000, "ms", "goal <= 250")
    figure("freshness p99", (percentile(during, 0.99) or 0) * 1000, "ms", "goal <= 1,000")
    figure("  of which legacy commit → recorded, p50", (percentile(arrival, 0.50) or 0) * 1000, "ms")
    figure("  of which legacy commit → recorded, p99", (percentile(arrival, 0.99) or 0) * 1000, "ms")
    if connector_latencies:
        connector_latencies.sort()
        figure("baseline: legacy commit → Kafka, p50", connector_latencies[len(connector_latencies) // 2] * 1000, "ms")
        figure("baseline: legacy commit → Kafka, p99",
               connector_latencies[int(0.99 * (len(connector_latencies) - 1))] * 1000, "ms")
    if catch_up:
        backlog, seconds, rate = catch_up
        figure("catch-up: backlog when the workers came back", backlog, "transactions")
        figure("catch-up: time to drain it (freshness back under 1 s)", seconds, "s")
        figure("catch-up: drain rate / incoming rate", (backlog + rate * seconds) / seconds / rate, "", "goal >= 5")


def _play(args, env, agdref_url: str, variables: dict, rate: int, seconds: int) -> pgbench_load.Played:
    if args.load == "pgbench":
        return pgbench_load.play(agdref_url, variables, rate, seconds)
    clock = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "cli", "simulate", "--rate", str(rate), "--duration", str(seconds),
         "--seed", "8", "--mix", AGDREF_ONLY], env={**os.environ, **env}, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(done.stderr[-2000:])
    written = sum(int(part.rsplit(" ", 1)[1]) for part in done.stdout.split(": ", 1)[1].strip().split(", "))
    return pgbench_load.Played(written, time.monotonic() - clock, 0)


def _measure(args, env, agdref_url: str, anef, variables: dict, ports: list[int], rate: int, seconds: int):
    """Play ``rate`` for ``seconds``, wait until ANEF settled: (played, freshness, arrival) histograms
    of that period only."""
    before = {h: _histograms(ports, h) for h in HISTOGRAMS}
    played = _play(args, env, agdref_url, variables, rate, seconds)
    while not _settled(anef, 0):
        time.sleep(0.2)
    time.sleep(1.5)  # the last rebuild's observation, then one scrape
    after = {h: _histograms(ports, h) for h in HISTOGRAMS}
    during, arrival = ({bound: after[h][bound] - before[h].get(bound, 0.0) for bound in after[h]} for h in HISTOGRAMS)
    return played, during, arrival


def _histograms(ports: list[int], name: str) -> dict[float, float]:
    total: dict[float, float] = {}
    for port in ports:
        for bound, count in histogram(port, name).items():
            total[bound] = total.get(bound, 0.0) + count
    return total


def _catch_up(args, agdref_url: str, anef, variables: dict, workers, start_workers, bootstrap: str,
              env: dict) -> tuple[int, float, int]:
    """Workers stopped for ``--catch-up`` seconds under 100 transactions/s, then started again while
    the load goes on: (backlog in transactions, seconds until caught up, incoming rate).

    Caught up: the worker group's committed offsets are within about a second of traffic of the
    legacy topics' ends, and fewer dossiers than a second of traffic wait for a rebuild. Read from
    Kafka, not from the workers' lag gauge: a restarted worker reports no lag before its
    partitions are assigned (a first version of this loop measured a 5 s "catch-up" that way)."""
    import threading

    rate = 100
    for worker in workers:
        worker.stop()
    _play(args, {}, agdref_url, variables, rate, args.catch_up)
    backlog = rate * args.catch_up
    going_on = threading.Thread(target=_play, args=(args, {}, agdref_url, variables, rate, 600))
    going_on.daemon = True
    going_on.start()
    legacy = [topic_name(env["KAFKA_TOPIC_PREFIX"], t) for t in CAPTURED_TABLES] + \
        [transaction_topic(env["KAFKA_TOPIC_PREFIX"])]
    clock = time.monotonic()
    start_workers()
    while True:
        ends, done = end_offsets(bootstrap, legacy), committed_offsets(bootstrap, env["WORKER_ID"])
        behind = sum(end - done.get(tp, 0) for tp, end in ends.items())
        if behind <= rate * EVENTS_PER_TRANSACTION and _waiting(anef) < rate:
            return backlog, time.monotonic() - clock, rate
        if time.monotonic() - clock > 1800:
            raise SystemExit("no catch-up within 30 minutes")
        time.sleep(0.5)


#: About how many events a legacy transaction of the pgbench mix makes (its rows and its END marker).
EVENTS_PER_TRANSACTION = 4


def _waiting(anef) -> int:
    with anef.connect() as conn:
        return conn.execute(select(func.count()).select_from(pending)).scalar_one()


if __name__ == "__main__":
    main()
