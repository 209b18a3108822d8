"""The way back (issue 18), real processes: what ANEF decides reaches AGDREF in the legacy's form,
never comes back to ANEF, never overwrites the legacy application, and survives kill -9."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time

from sqlalchemy import Engine, insert, select, text, update

from common import prometheus_text
from connectors import source
from reconciliation.rollback_check import mirror_divergences
from schemas import agdref_tables as legacy
from schemas.anef_tables import attestation, demande, legacy_row, mesure_eloignement, parked, titre, usager
from tests.integration.anef_native import application, measure, permit, person, receipt
from tests.integration.conftest import Chain, free_port, scrape, wait_for

NUMBER = "0000000042"


def _start_way_back(chain: Chain, metrics_port: int = 0) -> None:
    chain.process("way-back").start("connector", "way-back", env=chain.environment)
    chain.process("way-back-worker").start("way-back", "worker",
                                           env={**chain.environment, "WAY_BACK_METRICS_PORT": str(metrics_port)})
    wait_for(lambda: source.slot_state(chain.anef, f"{chain.name}_back").ready, 60, "the way back's slot")


def _legacy(agdref: Engine, table, *where) -> list[dict]:
    with agdref.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(select(table).where(*where))]


def _in_agdref(chain: Chain, table, *where) -> bool:
    return bool(_legacy(chain.agdref, table, *where))


def _scalar(db: Engine, statement):
    """One value, the connection closed at once (one left open would hold its locks, and the
    teardown's DROP SCHEMA would wait for it for ever)."""
    with db.connect() as conn:
        return conn.execute(statement).scalar()


def test_an_application_filed_and_decided_in_anef_reaches_agdref_in_legacy_form_and_never_comes_back(chain: Chain):
    chain.start_connector_past_its_snapshot()
    chain.process("worker").start("worker", env=chain.environment)
    port = free_port()
    _start_way_back(chain, port)
    with chain.anef.begin() as conn:  # warm-up: the way back's group has formed once this is through
        conn.execute(insert(usager), [person("0000000041")])
    wait_for(lambda: _in_agdref(chain, legacy.etranger, legacy.etranger.c.num_etranger == "0000000041"), 90,
             "the first ANEF-native person in AGDREF")

    with chain.anef.begin() as conn:  # filed online
        conn.execute(insert(usager), [person(NUMBER)])
        conn.execute(insert(demande), [application("D00000000042", NUMBER)])
    wait_for(lambda: _in_agdref(chain, legacy.demande, legacy.demande.c.num_demande == "D00000000042"), 10,
             "the application in AGDREF")
    decided = time.monotonic()
    with chain.anef.begin() as conn:  # decided in ANEF: granted, the permit issued, in one transaction
        conn.execute(update(demande).where(demande.c.numero_demande == "D00000000042")
                     .values(statut="ACCORDEE", date_decision=application("x", NUMBER)["date_depot"]))
        conn.execute(insert(titre), [permit("T000000042", NUMBER, numero_demande="D00000000042")])
    wait_for(lambda: _in_agdref(chain, legacy.titre, legacy.titre.c.num_titre == "T000000042"), 2,
             "the decision in AGDREF within 2 s")
    assert time.monotonic() - decided <= 2.0
    page = scrape(port)  # the way back's own metrics: rows written, freshness from ANEF's commit
    assert prometheus_text.total(page, "agdref_anef_way_back_rows_total") >= 5
    assert prometheus_text.total(page, "agdref_anef_way_back_freshness_seconds_count") >= 4
    shown = subprocess.run([sys.executable, "-m", "cli", "status", "--json"], capture_output=True, text=True,
                           env={**os.environ, **chain.environment, "WAY_BACK_METRICS_PORT": str(port)}, timeout=60)
    back = json.loads(shown.stdout)["way_back"]  # status reads the same freshness
    assert back["worker_reachable"] and 0 < back["freshness_p50_seconds"] <= back["freshness_p99_seconds"] < 5, back
    [filed] = _legacy(chain.agdref, legacy.demande, legacy.demande.c.num_demande == "D00000000042")
    assert (filed["decision"], filed["code_mouvement"], filed["type_titre"], filed["code_dept"],
            filed["date_depot"]) == ("F", "PR", "CST", "013", "20260502")
    [card] = _legacy(chain.agdref, legacy.titre, legacy.titre.c.num_titre == "T000000042")
    assert (card["date_remise"], card["autor_travail"], card["lieu_delivrance"]) == ("00000000", "O", "075")
    [record] = _legacy(chain.agdref, legacy.etranger, legacy.etranger.c.num_etranger == NUMBER)
    assert (record["prenoms"].strip(), record["nationalite"].strip(), record["nom_pere"].strip()) == (
        "JEAN MARIE CLAIRE", "MA", "INC")

    # A legacy change after it: once ANEF holds it, the forward chain has read past the way back's writes.
    with chain.agdref.begin() as conn:
        conn.execute(text("INSERT INTO agdref.etranger (num_etranger, nom, sexe, nationalite, code_dept, date_maj)"
                          " VALUES ('0000000099', 'MARTIN', 'F', 'MA', '075', '20260601120000')"))
    wait_for(lambda: _scalar(chain.anef, select(usager.c.numero_etranger).where(
        usager.c.numero_etranger == "0000000099")) is not None, 90, "the forward chain to carry a legacy change")
    with chain.anef.connect() as conn:
        assert conn.execute(select(legacy_row.c.source_key).where(legacy_row.c.numero_etranger == NUMBER)).all() == [], \
            "the way back's rows never reached the forward pipeline"
        assert conn.execute(select(titre.c.numero_titre, titre.c.origine).where(titre.c.numero_etranger == NUMBER)
                            ).all() == [("T000000042", "ANEF")], "one permit, ANEF's: no echo, no duplicate"

    # A prefecture agent then changes the copy in AGDREF: held and listed on the way in, ANEF kept.
    with chain.agdref.begin() as conn:
        conn.execute(update(legacy.titre).where(legacy.titre.c.num_titre == "T000000042").values(date_fin_val="20300101"))
    wait_for(lambda: _scalar(chain.anef, select(parked.c.reason).where(parked.c.numero_etranger == NUMBER)), 60,
             "the legacy edit of ANEF's dossier to be parked")
    with chain.anef.connect() as conn:
        assert conn.execute(select(parked.c.reason, parked.c.reasons).where(parked.c.numero_etranger == NUMBER)
                            ).one() == ("DOSSIER_CREE_DANS_ANEF", ["DOSSIER_CREE_DANS_ANEF", "PERSONNE_ABSENTE"])
        assert conn.execute(select(titre.c.date_fin, titre.c.origine).where(titre.c.numero_etranger == NUMBER)
                            ).all() == [(permit("x", NUMBER)["date_fin"], "ANEF")], "ANEF's permit as ANEF issued it"


def test_a_row_the_legacy_application_changed_since_is_held_not_overwritten(chain: Chain):
    _start_way_back(chain)
    with chain.anef.begin() as conn:
        conn.execute(insert(usager), [person(NUMBER)])
        conn.execute(insert(demande), [application("D00000000042", NUMBER)])
    wait_for(lambda: _in_agdref(chain, legacy.demande, legacy.demande.c.num_demande == "D00000000042"), 90,
             "the application in AGDREF")
    with chain.agdref.begin() as conn:  # a prefecture agent records a refusal in AGDREF meanwhile
        conn.execute(update(legacy.demande).where(legacy.demande.c.num_demande == "D00000000042")
                     .values(decision="R", motif_refus="DOSSIER INCOMPLET"))
    with chain.anef.begin() as conn:  # and ANEF grants it
        conn.execute(update(demande).where(demande.c.numero_demande == "D00000000042").values(statut="ACCORDEE"))
    wait_for(lambda: _scalar(chain.agdref, text(
        "SELECT reason FROM agdref_anef.way_back_hold WHERE anef_key = 'D00000000042'")) is not None, 30,
        "the conflict to be listed")
    with chain.agdref.connect() as conn:
        assert conn.execute(text("SELECT kind, reason FROM agdref_anef.way_back_hold")).all() == [
            ("conflict", "MODIFIEE_DANS_AGDREF")]
    [kept] = _legacy(chain.agdref, legacy.demande, legacy.demande.c.num_demande == "D00000000042")
    assert (kept["decision"], kept["motif_refus"].strip()) == ("R", "DOSSIER INCOMPLET"), "the agent's refusal stays"
    refused = _rollback_check(chain, "13")
    assert refused.returncode == 1 and "differs: demande D00000000042" in refused.stdout and ": decision" in refused.stdout
    _the_exporter_shows_the_held_row(chain)


def _the_exporter_shows_the_held_row(chain: Chain) -> None:
    """What the way back's alerts read (deploy/prometheus/alerts.yml)."""
    from prometheus_client import CollectorRegistry, generate_latest

    from operations.exporter import MigrationCollector

    registry = CollectorRegistry()
    registry.register(MigrationCollector(chain.settings(), chain.agdref, chain.anef))
    page = generate_latest(registry).decode()
    assert prometheus_text.total(page, "agdref_anef_way_back_held_rows", reason="MODIFIEE_DANS_AGDREF") == 1.0
    assert prometheus_text.total(page, "agdref_anef_way_back_slot_active") == 1.0
    assert prometheus_text.total(page, "agdref_anef_exporter_source_up", source="way back") == 1.0


def test_killing_the_way_backs_capture_and_worker_under_load_leaves_every_anef_row_in_agdref_once(chain: Chain):
    _start_way_back(chain)
    with chain.anef.begin() as conn:
        conn.execute(insert(usager), [person(NUMBER)])
    written: list[str] = []

    def anef_issues_permits() -> None:
        for i in range(240):
            with chain.anef.begin() as conn:
                conn.execute(insert(titre), [permit(f"T{i:09d}", NUMBER)])
            written.append(f"T{i:09d}")
            time.sleep(0.01)

    issuing = threading.Thread(target=anef_issues_permits)
    issuing.start()
    wait_for(lambda: len(written) >= 60, 30, "a quarter of the permits")
    chain.kill("way-back-worker")
    wait_for(lambda: len(written) >= 120, 30, "half of the permits")
    chain.kill("way-back")
    _start_way_back(chain)
    issuing.join(60)

    def agdref_permits() -> list[str]:
        return [r["num_titre"] for r in _legacy(chain.agdref, legacy.titre, legacy.titre.c.num_etranger == NUMBER)]

    wait_for(lambda: len(agdref_permits()) >= len(written), 90, "every permit in AGDREF")
    assert sorted(agdref_permits()) == sorted(written) and len(written) == 240
    with chain.agdref.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM agdref_anef.way_back_row WHERE source_table = 'titre'")
                            ).scalar() == 240


def _rollback_check(chain: Chain, scope: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cli", "rollback-check", "--scope", scope],
                          env={**os.environ, **chain.environment}, capture_output=True, text=True, timeout=60)


def test_rollback_check_passes_once_agdref_holds_what_anef_decided_and_fails_when_a_permit_is_missing(chain: Chain,
                                                                                                     app):
    _start_way_back(chain)
    with chain.anef.begin() as conn:
        conn.execute(insert(usager), [person(NUMBER, adresse_ligne="12 BIS RUE DES LILAS", code_postal="75011",
                                             commune="PARIS", code_insee="75111")])
        conn.execute(insert(demande), [application("D00000000042", NUMBER, prefecture="75")])
        conn.execute(insert(titre), [permit("T000000042", NUMBER)])
        conn.execute(insert(attestation), [receipt("R00000000042", NUMBER)])
        conn.execute(insert(mesure_eloignement), [measure("M00000000042", NUMBER)])
    wait_for(lambda: _in_agdref(chain, legacy.mesure_eloignement), 90, "the way back to write the person")
    done = _rollback_check(chain, "75")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "titre" in done.stdout and "1 / 1" in done.stdout and "rollback possible" in done.stdout
    assert _rollback_check(chain, "13").returncode == 0, "nothing ANEF decided in the 13: nothing to miss"
    _the_mirror_is_read_as_anefs_not_as_the_legacys(chain)
    shown = subprocess.run([sys.executable, "-m", "cli", "status", "--json"], env={**os.environ, **chain.environment},
                           capture_output=True, text=True, timeout=60)
    back = json.loads(shown.stdout)["way_back"]
    assert back["slot_active"] and back["rows_written"] == 6 and back["held_by_reason"] == {}, back
    _the_streams_page_shows_the_way_back(chain, app)
    _an_echo_through_a_capture_that_cannot_skip_origins_changes_nothing_in_anef(chain)

    assert mirror_divergences(chain.agdref, chain.anef, recheck_after=0.2) == []

    with chain.agdref.begin() as conn:  # an ANEF-native permit removed from AGDREF
        conn.execute(text("DELETE FROM agdref.titre WHERE num_titre = 'T000000042'"))
    done = _rollback_check(chain, "75")
    assert done.returncode == 1
    assert "differs: titre T000000042" in done.stdout and ": absent" in done.stdout and "NOT possible" in done.stdout
    _the_nightly_run_lists_the_missing_mirror_outside_the_go_no_go_rate(chain)


def _the_nightly_run_lists_the_missing_mirror_outside_the_go_no_go_rate(chain: Chain) -> None:
    from reconciliation import store
    from reconciliation.divergence import FieldDifference, Kind, RunSummary, Severity

    [found] = mirror_divergences(chain.agdref, chain.anef, recheck_after=0.2)
    assert (found.numero_etranger, found.kind, found.severity, found.prefecture) == (
        NUMBER, Kind.MIRROR_DIFFERS, Severity.HIGH, "75")
    assert found.fields == (FieldDifference("titre[T000000042]", None, "T000000042"),)
    with chain.anef.begin() as conn:
        summary = RunSummary(store.start_run(conn, 0), persons_by_prefecture={"75": 1}, divergences=[found])
        store.record_run(conn, summary)
        kept = conn.execute(text("SELECT kind, severity, status FROM reconciliation.divergence")).all()
        rate = conn.execute(text("SELECT by_prefecture FROM reconciliation.run WHERE id = :i"),
                            {"i": summary.run_id}).scalar()
    assert kept == [("mirror_differs", "high", "new")] and rate["75"]["divergences"] == 0, (kept, rate)


def _anef_rows(chain: Chain) -> dict[str, list[tuple]]:
    with chain.anef.connect() as conn:
        return {t.name: sorted(tuple(r) for r in conn.execute(select(t))) for t in
                (usager, titre, demande, attestation, mesure_eloignement)}


def _an_echo_through_a_capture_that_cannot_skip_origins_changes_nothing_in_anef(chain: Chain) -> None:
    """Debezium or the polling connector as the forward capture would carry the way back's rows
    forward (no origin to skip): every AGDREF row, the copy included, through the sink. The writer
    never writes over a row ANEF created, and the copy maps to what ANEF holds: nothing changes,
    nothing is added, nothing parked."""
    from pipeline.direct import migrate

    before = _anef_rows(chain)
    assert migrate(chain.agdref, chain.anef, 1 << 60) >= 1, "the copy went through the sink"
    assert _anef_rows(chain) == before
    assert _scalar(chain.anef, select(parked.c.reason).where(parked.c.numero_etranger == NUMBER)) is None


def _the_streams_page_shows_the_way_back(chain: Chain, app) -> None:
    from tests.integration.web_client import login

    login(app, "viewer")
    page = app.get("/streams").text
    table = page.split('<table id="way-back">', 1)[1].split("</table>", 1)[0]
    assert f"{chain.name}_back active" in table and "<th>rows written back</th><td>6," in table, table
    assert "<th>held out of AGDREF</th><td>none" in table


def _the_mirror_is_read_as_anefs_not_as_the_legacys(chain: Chain) -> None:
    """Whoever reads AGDREF as the legacy source (the reconciliation's fingerprints and dossiers, the
    initial load's ranges) leaves the way back's rows out, and the key they are known by is the same
    in Python and in SQL."""
    from common.db import psycopg2_dsn
    from pipeline.range_reader import SnapshotReader, read_range
    from reconciliation import fingerprints
    from reconciliation.sources import load_legacy
    from schemas.control_tables import way_back_key, way_back_key_sql
    from schemas.key_range import KeyRange

    with chain.agdref.connect() as conn:
        assert fingerprints.agdref_sums_of(conn, {NUMBER}) == {} and load_legacy(conn, {NUMBER}) == {}
        for table in ("etranger", "adresse", "titre", "doc_provisoire"):
            rows = conn.execute(text(f"SELECT r.*, {way_back_key_sql(table, 'r')} AS k FROM agdref.{table} r"
                                     " WHERE r.num_etranger = :n"), {"n": NUMBER}).mappings().all()
            assert [r["k"] for r in rows] == [way_back_key(table, dict(r)) for r in rows] and rows
    reader = SnapshotReader(psycopg2_dsn(chain.environment["AGDREF_DATABASE_URL"]))
    _, cursor = reader.reading()
    with cursor:
        rows, _ = read_range(cursor, KeyRange("load", 0, 1, None, None))
    reader.close()
    assert not any(rows.values()), "the initial load reads no mirrored row"


def test_the_go_no_go_page_shows_the_roll_back_check_beside_the_verdict(chain: Chain, app):
    from tests.integration.web_client import login

    with chain.anef.begin() as conn:  # ANEF issued a permit in the 75; nothing wrote it back
        conn.execute(insert(usager), [person(NUMBER)])
        conn.execute(insert(titre), [permit("T000000042", NUMBER)])
    login(app, "viewer")
    page = app.get("/gonogo?scope=75").text
    assert "rollback NOT possible" in page and "titre T000000042: absent" in page
    assert "rollback possible" in app.get("/gonogo?scope=13").text

    # What ANEF decided before the way back existed: a resync writes it back, without Kafka.
    done = subprocess.run([sys.executable, "-m", "cli", "way-back", "resync", "--scope", "75"],
                          env={**os.environ, **chain.environment}, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.startswith("1 persons: 2 legacy rows written"), done.stdout + done.stderr
    assert _rollback_check(chain, "75").returncode == 0
    assert "rollback possible" in app.get("/gonogo?scope=75").text
    assert _scalar(chain.agdref, text("SELECT count(*) FROM pg_replication_origin WHERE roname LIKE '%resync'")) == 0
