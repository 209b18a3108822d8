"""Every page of the web application at N persons and D open divergences: server time per page
(median and slowest of R requests, in process, through the application's whole stack), next to a
bare ``SELECT 1`` round trip to the same database as the floor, measured in the same run.

AGDREF is seeded by the generator and ANEF filled by the plain SQL copy of ``bench.rights`` (both
schemas in one scratch database); D divergences are kept through the reconciliation's store; the
streams page reads the demo profile's Kafka.

    .venv/bin/python -m bench.web_pages [--persons 1000000] [--divergences 10000] [--requests 20]
"""
from __future__ import annotations

import argparse
import secrets
import statistics
import time
from datetime import date

from sqlalchemy import text

from bench.common import figure, scratch_database
from bench.rights import _FILL
from synthetic.seed import seed_population

GOAL_MS = 300
# The pages read dates back through Python: only complete, plausible legacy dates are copied (the
# rights bench's copy lets PostgreSQL read 00 months leniently, which no page needs).
_STRICT_DATE = """CREATE FUNCTION pg_temp.d(value text) RETURNS date LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN IF value !~ '^(19|20)[0-9]{2}(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])$' THEN RETURN NULL; END IF;
RETURN to_date(value, 'YYYYMMDD'); EXCEPTION WHEN others THEN RETURN NULL; END $$"""
_FILL_PAGES = [f.replace("'CARTE_RESIDENT', pg_temp.d(t.date_debut_val)",
                         "CASE WHEN pg_temp.d(t.date_fin_val) IS NULL THEN 'CARTE_RESIDENT_PERMANENT'"
                         " ELSE 'CARTE_RESIDENT' END, pg_temp.d(t.date_debut_val)") for f in _FILL]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--divergences", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=20)
    args = parser.parse_args()
    from fastapi.testclient import TestClient

    from common.settings import Settings
    from infra.database import init_agdref, init_anef
    from infra.profile import profile
    from operations.gonogo import StreamFacts
    from operations.verdicts import evaluate_all
    from operations.web.app import create_app
    from operations.web.auth import add_user
    from reconciliation import store
    from reconciliation.divergence import Divergence, FieldDifference, Kind, RunSummary, Severity

    with scratch_database("web", start_kafka=True) as (url, db):
        init_agdref(db)
        init_anef(db)
        seed_population(db, args.persons, seed=13)
        with db.begin() as conn:
            conn.execute(text(_STRICT_DATE))
            for statement in _FILL_PAGES:
                conn.execute(text(statement))
            conn.execute(text("ANALYZE"))
            numbers = list(conn.execute(text("SELECT numero_etranger FROM anef.usager ORDER BY 1 LIMIT :n"),
                                        {"n": args.divergences}).scalars())
            store.record_run(conn, RunSummary(store.start_run(conn, 1), persons_agdref=args.persons, divergences=[
                Divergence(n, list(Kind)[i % 6], list(Severity)[i % 4],
                           (FieldDifference("usager.nom_naissance", "A", "B"),), prefecture="75", urgency_days=i % 400)
                for i, n in enumerate(numbers)]))
            for role in ("engineer", "admin"):
                add_user(conn, role, "a bench password", role)
        evaluate_all(db, db, StreamFacts(0.1, 0), "bench", date.today())
        p = profile("demo")
        settings = Settings(agdref_database_url=url, anef_database_url=url, kafka_bootstrap_servers=p.bootstrap_servers,
                            web_session_secret=secrets.token_urlsafe(40))
        pages = ["/streams", "/reconciliation", "/reconciliation?severity=critical&sort=urgency&page=3",
                 f"/reconciliation?q={numbers[len(numbers) // 2].strip()}", "/gonogo", "/gonogo?scope=75",
                 "/gonogo/FRANCE/sheet", f"/dossiers/{numbers[0].strip()}", "/admin", "/api/divergences?severity=high"]
        with TestClient(create_app(settings, metrics_url=None, sample_every=3600)) as client:
            client.post("/login", data={"username": "admin", "password": "a bench password"})
            floor = []
            for _ in range(args.requests):
                started = time.perf_counter()
                with db.connect() as conn:
                    conn.execute(text("SELECT 1"))
                floor.append((time.perf_counter() - started) * 1000)
            print(f"{args.persons:,} persons, {len(numbers):,} open divergences, {args.requests} requests per page")
            figure("floor: SELECT 1 round trip (median)", statistics.median(floor), "ms")
            worst = 0.0
            for path in pages:
                client.get(path)  # warm: the first request builds the sampler's first look
                took = []
                for _ in range(args.requests):
                    started = time.perf_counter()
                    answer = client.get(path)
                    took.append((time.perf_counter() - started) * 1000)
                    assert answer.status_code == 200, f"{path}: {answer.status_code}"
                worst = max(worst, statistics.median(took))
                figure(f"{path[:44]} median / slowest", statistics.median(took), "ms",
                       f"slowest {max(took):.0f} ms; goal ≤ {GOAL_MS} ms")
            figure("slowest page's median / floor", worst / statistics.median(floor), "")


if __name__ == "__main__":
    main()
