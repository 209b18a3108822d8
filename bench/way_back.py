"""The way back's freshness (issue 18): from an ANEF commit of a row ANEF created to the AGDREF
commit of its legacy form, p50 and p99, at 100 ANEF-native transactions per second; next to the
capture's own share in the same run (ANEF commit → the event in Kafka).

The load is ``pgbench`` on ANEF (``bench/pgbench_anef/``: applications filed online and permits
issued, half each, for a pool of ANEF-native persons), so the generator leaves the cores to the
chain. The AGDREF side's time is ``agdref_anef.way_back_row.written_at`` (``clock_timestamp()``
in the writing transaction, its last statements: the commit follows within milliseconds).

    .venv/bin/python -m bench.way_back [--persons 1000] [--rate 100] [--seconds 60]
"""
from __future__ import annotations

import argparse
import secrets
import tempfile
import time
from pathlib import Path

from sqlalchemy import text

from bench import pgbench_load
from bench.common import CommitToKafka, figure, scratch_chain
from cli.processes import Background
from common.kafka_admin import ensure_declared, read_to_end
from common.settings import Settings
from connectors import source, way_back_source
from infra.profile import profile
from pipeline.way_back_writer import drop_origins
from schemas.envelope import ChangeEvent, topic_name
from schemas.topics import WAY_BACK, WAY_BACK_ORIGIN, WAY_BACK_TABLES, owned_by

SCRIPTS = Path(__file__).parent / "pgbench_anef"


def _persons(anef, count: int) -> None:
    with anef.begin() as conn:
        conn.exec_driver_sql((SCRIPTS / "setup.sql").read_text())
        conn.execute(text(
            "INSERT INTO anef.usager (numero_etranger, nom_naissance, prenoms, sexe, precision_naissance, nationalite,"
            " prefecture, numeros_alias, statut, origine, maj_le)"
            " SELECT '9' || lpad(g::text, 9, '0'), 'PERSONNE', ARRAY['ANNE'], 'F', 'INCONNUE', 'MAR', '75', '{}',"
            " 'ACTIF', 'ANEF', now() FROM generate_series(1, :n) g"), {"n": count})


def _play(anef_url: str, persons: int, rate: int, seconds: int) -> int:
    scripts = {SCRIPTS / "file_online.sql": 1, SCRIPTS / "issue_permit.sql": 1}
    return pgbench_load.run(anef_url, scripts, {"persons": persons}, rate, seconds, clients=4).transactions


def _committed_in_anef(bootstrap: str, prefix: str) -> dict[tuple[str, str], int]:
    """(ANEF table, key) → the ANEF commit time of its creation (ms), from the captured events."""
    found = {}
    for table, key in (("titre", "numero_titre"), ("demande", "numero_demande")):
        for message in read_to_end(bootstrap, topic_name(prefix, table, "anef")):
            if message.value is not None:
                event = ChangeEvent.from_json(message.value)
                if event.op == "c":
                    found[(table, event.after[key].rstrip())] = event.source.ts_ms
    return found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=1000)
    parser.add_argument("--rate", type=int, default=100)
    parser.add_argument("--seconds", type=int, default=60)
    args = parser.parse_args()
    p = profile("demo")
    with scratch_chain("wayback") as (agdref_url, agdref, anef_url, anef):
        name = "w" + secrets.token_hex(3)
        env = {"AGDREF_DATABASE_URL": agdref_url, "ANEF_DATABASE_URL": anef_url, "KAFKA_BOOTSTRAP_SERVERS":
               p.bootstrap_servers, "KAFKA_TOPIC_PREFIX": name, "WAY_BACK_SLOT": name, "WAY_BACK_PUBLICATION": name,
               "WORKER_ID": f"worker-{name}", "LOG_FORMAT": "json", "KAFKA_TOPIC_PARTITIONS": "6"}
        ensure_declared(p.bootstrap_servers, owned_by(Settings(**{k.lower(): v for k, v in env.items()}).topics(),
                                                      WAY_BACK))
        _persons(anef, args.persons)
        folder = Path(tempfile.mkdtemp(prefix="bench-way-back-"))
        capture, writer = Background("way-back", folder), Background("way-back-worker", folder)
        try:
            capture.start("connector", "way-back", env=env)
            writer.start("way-back", "worker", env=env)
            deadline = time.monotonic() + 120
            while not source.slot_state(anef, name).active and time.monotonic() < deadline:
                time.sleep(0.5)
            _play(anef_url, args.persons, 10, 5)  # warm-up: the worker's group formed, caches filled
            time.sleep(5)
            kafka = CommitToKafka(p.bootstrap_servers, [topic_name(name, t, "anef") for t in WAY_BACK_TABLES])
            kafka.start()
            with agdref.connect() as conn:
                started = conn.execute(text("SELECT clock_timestamp()")).scalar_one()
            played = _play(anef_url, args.persons, args.rate, args.seconds)
            time.sleep(5)  # the last transactions reach AGDREF
            baseline = kafka.stop()
        finally:
            writer.stop()
            capture.stop()
        anef_commits = _committed_in_anef(p.bootstrap_servers, name)
        with agdref.connect() as conn:
            written = {(r.anef_table, r.anef_key): r.ms for r in conn.execute(text(
                "SELECT anef_table, anef_key, extract(epoch FROM written_at) * 1000 AS ms"
                " FROM agdref_anef.way_back_row WHERE written_at >= :t AND source_table IN ('titre', 'demande')"),
                {"t": started})}
        latencies = sorted(written[k] - anef_commits[k] for k in written if k in anef_commits)
        way_back_source.drop(anef, name, name)
        drop_origins(agdref, f"{WAY_BACK_ORIGIN}:worker-{name}")
    print(f"\n{played:,} ANEF-native transactions in {args.seconds} s ({played / args.seconds:.1f}/s asked "
          f"{args.rate}/s), {len(latencies):,} rows measured in AGDREF, logs in {folder}")

    def pct(values: list[float], q: float) -> float:
        return values[min(len(values) - 1, int(q * len(values)))] if values else float("nan")

    figure("way back, ANEF commit → AGDREF commit, p50", pct(latencies, 0.5), "ms")
    figure("way back, ANEF commit → AGDREF commit, p99", pct(latencies, 0.99), "ms")
    figure("baseline: ANEF commit → Kafka, p50", pct(baseline, 0.5), "ms")
    figure("baseline: ANEF commit → Kafka, p99", pct(baseline, 0.99), "ms")
    figure("rows written back / rows ANEF created", len(latencies) / max(1, played), "")


if __name__ == "__main__":
    main()
