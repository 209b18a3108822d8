"""The rights ledger over real databases: each way a person can lose a right between the systems,
injected into AGDREF or ANEF, is found with its kind, as critical, with the urgency of the
earlier end date, and puts that person's prefecture (and the country) at NO-GO and no other;
taking it back gives GO again. Dossiers are migrated by the pipeline's own sink."""
from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from sqlalchemy import Engine, text

from common.db import engine
from operations.gonogo import COUNTRY, StreamFacts, evaluate
from operations.verdicts import current_criteria, scope_facts
from pipeline.direct import migrate
from reconciliation import store
from reconciliation.divergence import RunSummary, Severity
from reconciliation.engine import rights_divergences
from rights.identity import UNDETERMINED
from rights.ledger import read
from tests.integration import rights_population as population
from tests.integration.conftest import drop_databases
from tests.integration.infrastructure import Infrastructure

pytestmark = pytest.mark.integration
QUIET = StreamFacts(freshness_p99_seconds=0.1, lag=0)


@dataclass
class Systems:
    agdref: Engine
    anef: Engine
    position: int = 1 << 32

    def migrate(self) -> None:
        """Every AGDREF row again, at a newer legacy position (so that changed rows win)."""
        self.position += 1 << 20
        migrate(self.agdref, self.anef, self.position)

    def sql(self, side: str, statement: str, **params) -> list:
        with (self.agdref if side == "agdref" else self.anef).begin() as conn:
            result = conn.execute(text(statement), params)
            return [dict(r._mapping) for r in result] if result.returns_rows else []

    def verdicts(self) -> dict[str, bool]:
        rules = current_criteria(self.anef)
        facts = scope_facts(self.agdref, self.anef, rules.divergence_rate_nights, population.TODAY)
        return {scope: evaluate(scope, measured, QUIET, rules).go for scope, measured in facts.items()}


@contextmanager
def fresh_systems(infrastructure: Infrastructure) -> Iterator[Systems]:
    """Two new databases with the hand-built population migrated, and three quiet nights."""
    from infra.database import init_all

    name = "r" + secrets.token_hex(4)
    urls = infrastructure.database_url(f"agdref_{name}"), infrastructure.database_url(f"anef_{name}")
    init_all(*urls)
    made = Systems(engine(urls[0]), engine(urls[1]))
    try:
        population.seed(made.agdref)
        made.migrate()
        with made.anef.begin() as conn:
            for _ in range(3):  # three quiet nights of the mapping's reconciliation
                store.record_run(conn, RunSummary(store.start_run(conn, 1)))
        yield made
    finally:
        made.agdref.dispose()
        made.anef.dispose()
        drop_databases(infrastructure, f"agdref_{name}", f"anef_{name}")


@pytest.fixture(scope="module")
def systems(infrastructure: Infrastructure) -> Iterator[Systems]:
    with fresh_systems(infrastructure) as made:
        yield made


def _restore(systems: Systems, table: str, rows: list[dict]) -> Callable[[], None]:
    def put_back() -> None:
        from sqlalchemy import insert

        from schemas.anef_tables import metadata

        with systems.anef.begin() as conn:
            conn.execute(insert(metadata.tables[f"anef.{table}"]), rows)
    return put_back


def _anef_change(table: str, key: str, number: str, change: str) -> Callable[[Systems], Callable[[], None]]:
    """An UPDATE (or DELETE when ``change`` is "delete") of one ANEF row; undone by putting it back."""
    def inject(systems: Systems) -> Callable[[], None]:
        saved = systems.sql("anef", f"SELECT * FROM anef.{table} WHERE {key} = :n", n=number)
        assert saved, f"{table} {number} is not in ANEF: the baseline migration failed"
        systems.sql("anef", f"DELETE FROM anef.{table} WHERE {key} = :n", n=number)
        if change != "delete":
            changed = [{**saved[0], **{k: v for k, v in (item.split("=") for item in change.split(","))}}]
            for row in changed:
                for k, v in row.items():
                    row[k] = {"true": True, "false": False}.get(v, v) if isinstance(v, str) else v
            _restore(systems, table, changed)()
            return lambda: (systems.sql("anef", f"DELETE FROM anef.{table} WHERE {key} = :n", n=number),
                            _restore(systems, table, saved)())
        return _restore(systems, table, saved)
    return inject


def _agdref_change(statement: str, undo: str) -> Callable[[Systems], Callable[[], None]]:
    """A change made in AGDREF that has not reached ANEF (the pipeline lags, or the mapping lost it)."""
    def inject(systems: Systems) -> Callable[[], None]:
        systems.sql("agdref", statement)
        return lambda: systems.sql("agdref", undo)
    return inject


M3 = "M00000000003"
CASES = {
    # id: (injection, holder, kind, urgency in days)
    "permit missing in ANEF": (_anef_change("titre", "numero_titre", "T000000001", "delete"),
                               population.P1, "right_missing", 165),
    "ANEF ending tomorrow, AGDREF later": (
        _anef_change("titre", "numero_titre", "T000000001", f"date_fin={population.day(1)}"),
        population.P1, "right_weaker", 1),
    "work authorisation lost in ANEF": (_anef_change("titre", "numero_titre", "T000000001",
                                                     "autorisation_travail=false"), population.P1, "right_weaker", 165),
    "renewal filed in time missing in ANEF": (_anef_change("demande", "numero_demande", "D00000000001", "delete"),
                                              population.P1, "application_missing", 165),
    "receipt extended in AGDREF, old end in ANEF": (
        _agdref_change("UPDATE agdref.doc_provisoire SET date_fin = '" + population.day(142) + "', nb_renouv = 2"
                       " WHERE num_doc = 'R00000000002'",
                       "UPDATE agdref.doc_provisoire SET date_fin = '" + population.day(52) + "', nb_renouv = 1"
                       " WHERE num_doc = 'R00000000002'"), population.P2, "right_weaker", 52),
    "granted in AGDREF, refused in ANEF": (_anef_change("demande", "numero_demande", "D00000000004", "statut=REFUSEE"),
                                           population.P4, "decision_differs", 3590),
    "OQTF annulled by a court in AGDREF, in force in ANEF": (
        _agdref_change(f"UPDATE agdref.mesure_eloignement SET annulee = 'O' WHERE num_mesure = '{M3}'",
                       f"UPDATE agdref.mesure_eloignement SET annulee = 'N' WHERE num_mesure = '{M3}'"),
        population.P3, "measure_harsher", 0),
    "suspensive appeal lost in ANEF": (
        _agdref_change(f"UPDATE agdref.mesure_eloignement SET contentieux = 'O' WHERE num_mesure = '{M3}'",
                       f"UPDATE agdref.mesure_eloignement SET contentieux = 'N' WHERE num_mesure = '{M3}'"),
        population.P3, "measure_harsher", 0),
    "longer departure period lost in ANEF": (
        _agdref_change(f"UPDATE agdref.mesure_eloignement SET delai_depart = 60 WHERE num_mesure = '{M3}'",
                       f"UPDATE agdref.mesure_eloignement SET delai_depart = 30 WHERE num_mesure = '{M3}'"),
        population.P3, "measure_harsher", 0),
    "OQTF in force in ANEF that AGDREF no longer has": (
        _agdref_change(f"UPDATE agdref.mesure_eloignement SET num_mesure = 'X00000000003' WHERE num_mesure = '{M3}'",
                       f"UPDATE agdref.mesure_eloignement SET num_mesure = '{M3}' WHERE num_mesure = 'X00000000003'"),
        population.P3, "measure_harsher", 0),
    "renewal card starting next week missing, current card ends in 5 days": (
        _anef_change("titre", "numero_titre", "T000000055", "delete"), population.P5, "right_missing", 5),
    "permit held under an alias number missing in ANEF": (
        _anef_change("titre", "numero_titre", "T000000006", "delete"), population.P1, "right_missing", 165),
}


def _at_risk(systems: Systems):
    return rights_divergences(read(systems.agdref, systems.anef, population.TODAY))


def test_the_baseline_has_no_right_at_risk_and_every_prefecture_at_go(systems: Systems):
    assert _at_risk(systems) == []
    verdicts = systems.verdicts()
    assert set(population.SCOPES.values()) <= set(verdicts) and all(verdicts.values()), verdicts


@pytest.mark.parametrize("case", list(CASES))
def test_a_right_at_risk_is_critical_urgent_from_the_earlier_date_and_stops_its_prefecture_only(
        systems: Systems, case: str):
    inject, holder, kind, urgency = CASES[case]
    undo = inject(systems)
    try:
        found = _at_risk(systems)
        assert [(d.numero_etranger, d.kind.value) for d in found] == [(holder, kind)], found
        assert found[0].severity is Severity.CRITICAL and found[0].urgency_days == urgency
        assert found[0].prefecture == population.SCOPES[holder]
        verdicts = systems.verdicts()
        assert {s for s, go in verdicts.items() if not go} == {COUNTRY, population.SCOPES[holder]}, verdicts
    finally:
        undo()
    assert _at_risk(systems) == [] and all(systems.verdicts().values())


def test_a_parked_dossier_showing_an_older_card_in_anef_puts_the_new_one_at_risk_and_is_not_covered(
        systems: Systems):
    systems.sql("agdref", "UPDATE agdref.etranger SET nationalite = 'YU' WHERE num_etranger = :n", n=population.P2)
    systems.sql("agdref", "INSERT INTO agdref.titre (num_titre, num_etranger, num_demande, type_titre, mention,"
                " date_debut_val, date_fin_val, date_remise, autor_travail, num_duplicata, lieu_delivrance, date_maj)"
                " VALUES ('T000000022', :n, '', 'CST', 'SALARIE', :start, :end, :start, 'O', 0, '013',"
                " '20260101120000')", n=population.P2, start=population.day(-1), end=population.day(364))
    systems.migrate()
    try:
        assert systems.sql("anef", "SELECT 1 FROM migration.parked WHERE numero_etranger = :n", n=population.P2), \
            "a former-state nationality must park the dossier"
        found = _at_risk(systems)
        assert [(d.numero_etranger, d.kind.value) for d in found] == [(population.P2, "right_missing")]
        reading = read(systems.agdref, systems.anef, population.TODAY)
        assert reading.scopes["13"].covered == reading.scopes["13"].persons_with_rights - 1
    finally:
        systems.sql("agdref", "UPDATE agdref.etranger SET nationalite = 'MA' WHERE num_etranger = :n", n=population.P2)
        systems.migrate()
    assert [(d.numero_etranger, d.kind.value) for d in _at_risk(systems)] == []
    systems.sql("agdref", "DELETE FROM agdref.titre WHERE num_titre = 'T000000022'")
    systems.sql("anef", "DELETE FROM anef.titre WHERE numero_titre = 'T000000022'")


def test_corsica_before_1976_is_decided_by_postcode_and_otherwise_undetermined(systems: Systems):
    reading = read(systems.agdref, systems.anef, population.TODAY)
    assert "2B" in reading.scopes and "20" not in reading.scopes
    systems.sql("agdref", "DELETE FROM agdref.adresse WHERE num_etranger = :n", n=population.P7)
    try:
        reading = read(systems.agdref, systems.anef, population.TODAY)
        assert reading.scopes[UNDETERMINED].persons_with_rights == 1 and "2B" not in reading.scopes
    finally:
        systems.sql("agdref", "INSERT INTO agdref.adresse (num_etranger, num_ordre, code_postal, code_insee)"
                    " VALUES (:n, 1, '20600', '2B033')", n=population.P7)


def _without_work_authorisation(map_dossier):
    """A test double of the mapping with a defect: every permit loses its work authorisation."""
    from domain.dossier import DossierMapped

    def defective(legacy, changed_at):
        outcome = map_dossier(legacy, changed_at)
        if not isinstance(outcome, DossierMapped):
            return outcome
        titres = [t.model_copy(update={"autorisation_travail": False}) for t in outcome.dossier.titres]
        return DossierMapped(outcome.dossier.model_copy(update={"titres": titres}))
    return defective


def test_a_mapping_defect_that_drops_work_authorisation_is_caught_by_the_ledger_while_the_mapping_check_is_clean(
        infrastructure: Infrastructure, monkeypatch: pytest.MonkeyPatch):
    import pipeline.sink
    import reconciliation.dossiers
    from reconciliation.dossiers import compare_dossiers

    monkeypatch.setattr(pipeline.sink, "map_dossier", _without_work_authorisation(pipeline.sink.map_dossier))
    monkeypatch.setattr(reconciliation.dossiers, "map_dossier",
                        _without_work_authorisation(reconciliation.dossiers.map_dossier))
    with fresh_systems(infrastructure) as defective:
        comparison = compare_dossiers(defective.agdref, defective.anef)
        assert comparison.consistent and not comparison.mismatched, "the mapping's own check sees nothing"
        found = {(d.numero_etranger, d.kind.value) for d in _at_risk(defective)}
        assert found == {(population.P1, "right_weaker"), (population.P4, "right_weaker"),
                         (population.P5, "right_weaker"), (population.P7, "right_weaker")}
        assert not any(systems_go for scope, systems_go in defective.verdicts().items()
                       if scope in {"75", "69", "2A", "2B", COUNTRY})


def test_accepting_a_critical_rights_divergence_leaves_the_verdict_no_go_and_needs_an_administrator(
        systems: Systems):
    from reconciliation.exceptions import DecisionRefused

    undo = CASES["permit missing in ANEF"][0](systems)
    try:
        with systems.anef.begin() as conn:
            run = store.start_run(conn, 1)
            store.record_run(conn, RunSummary(run, divergences=_at_risk(systems)))
            ident = conn.execute(text("SELECT id FROM reconciliation.divergence WHERE kind = 'right_missing'"
                                      " AND status <> 'resolved'")).scalar_one()
        with pytest.raises(DecisionRefused), systems.anef.begin() as conn:
            store.accept(conn, ident, "an engineer", "known", admin=False)
        with systems.anef.begin() as conn:
            store.accept(conn, ident, "an admin", "the permit is being re-issued in ANEF")
        assert not systems.verdicts()["75"], "acceptance must not hide a right at risk"
    finally:
        undo()
        with systems.anef.begin() as conn:  # the next night finds nothing: resolved
            store.record_run(conn, RunSummary(store.start_run(conn, 1)))
    assert systems.verdicts()["75"]


def test_an_accepted_medium_divergence_that_turns_critical_reopens(systems: Systems):
    from reconciliation.divergence import Divergence, FieldDifference, Kind

    medium = Divergence(population.P2, Kind.PARKED, Severity.MEDIUM, prefecture="13", detail="NATIONALITE (nationalite)")
    with systems.anef.begin() as conn:
        store.record_run(conn, RunSummary(store.start_run(conn, 1), divergences=[medium]))
        ident = conn.execute(text("SELECT id FROM reconciliation.divergence WHERE kind = 'parked'"
                                  " AND status <> 'resolved'")).scalar_one()
        store.accept(conn, ident, "an engineer", "waiting for the prefecture")
        store.record_run(conn, RunSummary(store.start_run(conn, 1), divergences=[medium]))
    assert systems.sql("anef", "SELECT status FROM reconciliation.divergence WHERE id = :i", i=ident) == \
        [{"status": "accepted"}], "the same divergence found again stays accepted"
    critical = Divergence(population.P2, Kind.PARKED, Severity.CRITICAL, prefecture="13", detail=medium.detail,
                          fields=(FieldDifference("attestation[R00000000002]", "present", None),))
    with systems.anef.begin() as conn:
        store.record_run(conn, RunSummary(store.start_run(conn, 1), divergences=[critical]))
    assert systems.sql("anef", "SELECT status FROM reconciliation.divergence WHERE id = :i", i=ident) == \
        [{"status": "confirmed"}]
    reopen = systems.sql("anef", "SELECT by, reason FROM reconciliation.decision WHERE divergence_id = :i"
                         " AND action = 'reopen'", i=ident)
    assert reopen == [{"by": "reconciliation", "reason": "severity rose from medium to critical"}]
    with systems.anef.begin() as conn:
        store.record_run(conn, RunSummary(store.start_run(conn, 1)))
