"""The reconciliation finds every injected divergence, with its kind and severity, and nothing
else: on quiet data and while the overlap workload runs, with the real chain running."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date

from sqlalchemy import text

from connectors import source
from reconciliation.divergence import Kind, Severity
from reconciliation.engine import Options, Reconciler
from reconciliation.inflight import PipelinePosition
from reconciliation.sources import forms
from synthetic.seed import seed_population
from tests.integration.conftest import Chain, settled, wait_for, where_it_stands
from tests.integration.test_overlap import AGDREF_ONLY


def _start(chain: Chain, persons: int, seed: int = 8, **worker_env: str) -> None:
    """Seed, start connector and worker, wait for the backfill to settle."""
    seed_population(chain.agdref, persons, seed=seed, processes=1)
    chain.process("connector").start("connector", "run", "--chunk-size", "500", env=chain.environment)
    wait_for(lambda: source.slot_state(chain.agdref, chain.name).ready, 60, "the connector's slot")
    chain.process("worker").start("worker", env={**chain.environment, **worker_env})
    wait_for(lambda: settled(chain.agdref, chain.anef), 180, "the backfill", explain=lambda: where_it_stands(chain))


def _reconciler(chain: Chain) -> Reconciler:
    return Reconciler(chain.agdref, chain.anef, PipelinePosition(chain.settings(), chain.agdref, chain.anef))


def _run(db, sql: str, **params) -> list:
    with db.begin() as conn:
        result = conn.execute(text(sql), params)
        return result.all() if result.returns_rows else []


def _anef(chain: Chain, sql: str, **params) -> list:
    return _run(chain.anef, sql, **params)


def _agdref(chain: Chain, sql: str, **params) -> list:
    return _run(chain.agdref, sql, **params)


def _parked(chain: Chain) -> set[str]:
    return {r[0] for r in _anef(chain, "SELECT numero_etranger FROM migration.parked")}


def _persons_with_a_valid_permit(chain: Chain, count: int, exclude: set[str]) -> list[str]:
    """Migrated persons holding a permit valid today that allows work (several fates to share)."""
    rows = _anef(chain, "SELECT DISTINCT rtrim(t.numero_etranger) FROM anef.titre t JOIN anef.usager u USING"
                 " (numero_etranger) WHERE t.date_debut <= current_date AND coalesce(t.date_fin, current_date)"
                 " >= current_date AND t.autorisation_travail AND cardinality(u.numeros_alias) = 0"
                 " ORDER BY 1")
    return [r[0] for r in rows if r[0] not in exclude][:count]


def _plain_persons(chain: Chain, count: int, exclude: set[str]) -> list[str]:
    rows = _anef(chain, "SELECT rtrim(numero_etranger) FROM anef.usager u WHERE cardinality(numeros_alias) = 0"
                 " AND NOT EXISTS (SELECT 1 FROM anef.mesure_eloignement m WHERE m.numero_etranger = u.numero_etranger)"
                 " AND NOT EXISTS (SELECT 1 FROM anef.titre t WHERE t.numero_etranger = u.numero_etranger"
                 "   AND t.date_debut <= current_date AND coalesce(t.date_fin, current_date) >= current_date)"
                 " AND NOT EXISTS (SELECT 1 FROM anef.attestation a WHERE a.numero_etranger = u.numero_etranger"
                 "   AND a.date_debut <= current_date AND a.date_fin >= current_date)"
                 " ORDER BY 1 DESC")
    return [r[0] for r in rows if r[0] not in exclude][:count]


def _inject(chain: Chain) -> dict[tuple[str, Kind], Severity]:
    """One divergence of each kind (and each severity rule), in either database; returns what the
    reconciliation must find."""
    used = _parked(chain)
    critical = _persons_with_a_valid_permit(chain, 3, used)
    used |= set(critical)
    plain = _plain_persons(chain, 5, used)
    assert len(critical) == 3 and len(plain) == 5, "the seeded population lacks the persons this test needs"
    lost, no_work, measure_person = critical
    renamed, moved, unexpected_twin, stale, conflicted = plain
    # missing, critical: ANEF lost a person holding a valid permit
    for table in ("titre", "demande", "attestation", "mesure_eloignement", "usager"):
        _anef(chain, f"DELETE FROM anef.{table} WHERE numero_etranger = :n", n=lost)
    # field mismatch, critical: ANEF no longer lets them work
    _anef(chain, "UPDATE anef.titre SET autorisation_travail = false WHERE numero_etranger = :n"
          " AND date_debut <= current_date AND coalesce(date_fin, current_date) >= current_date", n=no_work)
    # field mismatch, critical: a removal measure annulled in ANEF only (one is created for the person first)
    _anef(chain, "INSERT INTO anef.mesure_eloignement (numero, numero_etranger, nature, date_decision,"
          " delai_depart_jours, contentieux, annulee, executee, origine, maj_le) VALUES"
          " ('MESINJECTED1', :n, 'OQTF', current_date, 30, false, true, false, 'AGDREF', now())", n=measure_person)
    # field mismatch, high: identity changed in ANEF
    _anef(chain, "UPDATE anef.usager SET nom_naissance = nom_naissance || 'X' WHERE numero_etranger = :n", n=renamed)
    # field mismatch, low: the address changed in ANEF
    _anef(chain, "UPDATE anef.usager SET commune = 'AILLEURS' WHERE numero_etranger = :n", n=moved)
    # unexpected, high: a migrated person AGDREF never had
    ghost = "0000000042"  # no synthetic person has it
    _anef(chain, "INSERT INTO anef.usager SELECT :g, nom_naissance, nom_usage, prenoms, sexe, date_naissance,"
          " precision_naissance, pays_naissance, ville_naissance, nationalite, nom_pere, prenom_pere, nom_mere,"
          " prenom_mere, situation_familiale, date_entree_france, entree_reguliere, prefecture, adresse_ligne,"
          " code_postal, commune, code_insee, '{}', statut, origine, maj_le FROM anef.usager WHERE numero_etranger = :n",
          g=ghost, n=unexpected_twin)
    # stale, high: an AGDREF change the capture never saw (its table left the publication meanwhile)
    _agdref(chain, f"ALTER PUBLICATION {chain.name} DROP TABLE agdref.etranger")
    _agdref(chain, "UPDATE agdref.etranger SET nom = 'OUBLIE' WHERE num_etranger = :n", n=stale)
    _agdref(chain, f"ALTER PUBLICATION {chain.name} ADD TABLE agdref.etranger")
    # conflict: ANEF changed the person, then AGDREF did too: the pipeline holds the AGDREF change
    _anef(chain, "UPDATE anef.usager SET nom_usage = 'ANEF' WHERE numero_etranger = :n", n=conflicted)
    _agdref(chain, "UPDATE agdref.etranger SET nom_usage = 'AGDREF' WHERE num_etranger = :n", n=conflicted)
    wait_for(lambda: _anef(chain, "SELECT 1 FROM migration.conflict WHERE numero_etranger = :n", n=conflicted),
             60, "the pipeline to hold the conflicting change")
    return {(lost, Kind.MISSING): Severity.CRITICAL, (no_work, Kind.FIELD_MISMATCH): Severity.CRITICAL,
            (measure_person, Kind.FIELD_MISMATCH): Severity.CRITICAL, (renamed, Kind.FIELD_MISMATCH): Severity.HIGH,
            (moved, Kind.FIELD_MISMATCH): Severity.LOW, (ghost, Kind.UNEXPECTED): Severity.HIGH,
            (stale, Kind.STALE): Severity.HIGH, (conflicted, Kind.CONFLICT): Severity.HIGH}


def _cli(chain: Chain, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cli", *args], env={**os.environ, **chain.environment},
                          capture_output=True, text=True, timeout=300)


def test_quiet_equal_data_gives_an_empty_report(chain: Chain, tmp_path):
    _start(chain, 300)
    summary = _reconciler(chain).run(Options(max_wait_seconds=60))
    # AGDREF's fingerprints, computed in its database, equal those the pipeline kept as it
    # recorded each row (else every bucket would differ): nothing is even a suspect
    assert summary.suspects == 0 and summary.buckets_differing == 0
    mapped = [d for d in summary.divergences if not d.kind.from_rights_ledger]
    assert {(d.numero_etranger, d.kind) for d in mapped} == {(n, Kind.PARKED) for n in _parked(chain)}
    # the rights ledger (no mapping) sees the rights of parked persons missing from ANEF, nothing else
    rights = {d.numero_etranger for d in summary.divergences if d.kind.from_rights_ledger}
    assert rights <= set(_parked(chain)) | {m for r in _anef(chain, "SELECT members FROM migration.parked") for m in r[0]}
    assert rights == {d.numero_etranger for d in mapped if d.severity is Severity.CRITICAL}
    assert all(d.detail for d in summary.divergences)  # each parked one with its reason
    # reported from three queries, they are what the deep comparison of each one gives
    deep = _reconciler(chain).compare(_parked(chain), set(), date.today(), everything_parked=False)
    facts = sorted((d.numero_etranger, d.severity, d.prefecture, d.urgency_days, d.detail) for d in mapped)
    assert facts == sorted((d.numero_etranger, d.severity, d.prefecture, d.urgency_days, d.detail) for d in deep)
    # the parked persons purged from AGDREF (their parking goes with them): the data are equal
    for members in [r[0] for r in _anef(chain, "SELECT members FROM migration.parked")]:
        for table in ("adresse", "demande", "titre", "doc_provisoire", "mesure_eloignement", "etranger"):
            _agdref(chain, f"DELETE FROM agdref.{table} WHERE num_etranger = ANY(CAST(:m AS char(10)[]))",
                    m=forms(set(members)))
    wait_for(lambda: not _parked(chain) and settled(chain.agdref, chain.anef), 60, "the purges to reach ANEF")
    assert _reconciler(chain).run(Options(max_wait_seconds=60)).divergences == []
    done = _cli(chain, "report", "--out", str(tmp_path / "report"))
    assert done.returncode == 0, done.stdout + done.stderr
    assert json.loads((tmp_path / "report" / "report.json").read_text())["open"] == 0


def test_every_injected_divergence_is_found_with_its_kind_and_severity_and_nothing_else(chain: Chain, tmp_path):
    _start(chain, 400)
    expected = _inject(chain)
    done = _cli(chain, "reconcile", "--json", str(tmp_path / "found.json"), "--max-wait", "60")
    assert done.returncode == 1, done.stdout + done.stderr  # critical divergences are open
    listed = json.loads((tmp_path / "found.json").read_text())
    found = {(d["numero_etranger"], Kind(d["kind"])): Severity(d["severity"]) for d in listed["divergences"]
             if d["kind"] != Kind.PARKED.value and not Kind(d["kind"]).from_rights_ledger}
    assert found == expected
    # the rights ledger, reading AGDREF without the mapping, flags injected or parked persons only
    rights = {d["numero_etranger"] for d in listed["divergences"] if Kind(d["kind"]).from_rights_ledger}
    injected = {n for n, _ in expected}
    assert rights and rights <= injected | _parked(chain) | {
        m for r in _anef(chain, "SELECT members FROM migration.parked") for m in r[0]}
    assert {n for (n, _), severity in expected.items() if severity is Severity.CRITICAL} & rights
    assert {d["run_id"] for d in listed["divergences"]} == {listed["run_id"]}
    [moved] = [d for d in listed["divergences"] if d["severity"] == "low"]
    assert moved["fields"] == [{"field": "usager.commune", "agdref": moved["fields"][0]["agdref"], "anef": "AILLEURS"}]

    # the nightly report: numbers and values only in the restricted export; exit code 1 (critical open)
    done = _cli(chain, "report", "--out", str(tmp_path / "report"), "--restricted")
    assert done.returncode == 1, done.stdout + done.stderr
    numbers = {number for number, _ in expected}
    for name in ("report.html", "divergences.csv", "report.json"):
        published = (tmp_path / "report" / name).read_text()
        assert not [n for n in numbers if n in published], f"a foreigner number in clear in {name}"
    assert "<svg" in (tmp_path / "report" / "report.html").read_text()
    restricted = (tmp_path / "report" / "restricted" / "divergences-full.csv").read_text()
    assert numbers <= {n for n in numbers if n in restricted} and "AILLEURS" in restricted
    assert oct((tmp_path / "report" / "restricted" / "divergences-full.csv").stat().st_mode)[-3:] == "600"

    # one person, now
    lost = next(n for (n, kind) in expected if kind is Kind.MISSING)
    done = _cli(chain, "reconcile", "--dossier", lost, "--json", str(tmp_path / "one.json"))
    assert done.returncode == 1 and "missing" in done.stdout, done.stdout + done.stderr
    one = json.loads((tmp_path / "one.json").read_text())
    assert one["anef"] is None and one["agdref"]["usager"]["numero_etranger"] == lost
    assert [d["kind"] for d in one["divergences"]] == ["missing"] and one["pipeline"]["in_flight"] is False


def test_live_traffic_gives_no_false_positive(chain: Chain):
    _start(chain, 300)
    renamed = _plain_persons(chain, 1, _parked(chain))[0]
    _anef(chain, "UPDATE anef.usager SET nom_naissance = 'CHANGE' WHERE numero_etranger = :n", n=renamed)
    workload = subprocess.Popen(
        [sys.executable, "-m", "cli", "simulate", "--rate", "30", "--duration", "40", "--seed", "11",
         "--mix", AGDREF_ONLY], env={**os.environ, **chain.environment}, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True)
    try:
        summary = _reconciler(chain).run(Options(max_wait_seconds=60))
        assert workload.poll() is None, "the workload ended before the reconciliation: it proved nothing"
    finally:
        workload.communicate(timeout=120)
    parked = _parked(chain) | {m for r in _anef(chain, "SELECT members FROM migration.parked") for m in r[0]}
    # (the workload flags duplicates as aliases of other persons: merges of differing records are
    # real, listed as suspicious, and not what this test is about)
    found = {d.numero_etranger for d in summary.divergences if d.kind not in (Kind.PARKED, Kind.SUSPICIOUS_MERGE)
             and not (d.kind.from_rights_ledger and d.numero_etranger in parked)}
    # live changes in flight were suspects at most, never divergences (the rights ledger's either)
    assert found == {renamed}, [(d.numero_etranger, d.kind.value, [f.field for f in d.fields])
                                for d in summary.divergences if d.numero_etranger in found - {renamed}]
    assert summary.unconfirmed == 0


def test_runs_keep_the_lifecycle_of_a_divergence(chain: Chain):
    from reconciliation import store

    _start(chain, 200)
    renamed = _plain_persons(chain, 1, _parked(chain))[0]
    original = _anef(chain, "SELECT nom_naissance FROM anef.usager WHERE numero_etranger = :n", n=renamed)[0][0]
    _anef(chain, "UPDATE anef.usager SET nom_naissance = 'CHANGE' WHERE numero_etranger = :n", n=renamed)
    reconciler = _reconciler(chain)

    def status() -> str:
        return _anef(chain, "SELECT status FROM reconciliation.divergence WHERE numero_etranger = :n"
                     " ORDER BY id DESC LIMIT 1", n=renamed)[0][0]

    reconciler.run(Options(max_wait_seconds=30))
    assert status() == "new"
    reconciler.run(Options(max_wait_seconds=30))
    assert status() == "confirmed"
    ident = _anef(chain, "SELECT id FROM reconciliation.divergence WHERE numero_etranger = :n", n=renamed)[0][0]
    with chain.anef.begin() as conn:
        store.accept(conn, ident, "a.martin", "ANEF is right: corrected at the counter")
    reconciler.run(Options(max_wait_seconds=30))
    assert status() == "accepted"
    assert _anef(chain, "SELECT accepted_by, accepted_reason FROM reconciliation.divergence WHERE id = :i",
                 i=ident)[0] == ("a.martin", "ANEF is right: corrected at the counter")
    # ANEF put back as the migration wrote it: the next run resolves it
    _anef(chain, "UPDATE anef.usager SET nom_naissance = :v WHERE numero_etranger = :n", n=renamed, v=original)
    reconciler.run(Options(max_wait_seconds=30))
    assert status() == "resolved"
