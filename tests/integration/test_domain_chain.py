"""The domain rules through the real chain (AGDREF → connector → Kafka → worker → ANEF): a decision
recorded on a parked dossier reaches ANEF at once and is flagged once AGDREF's value changes; an
expired permit with a partial date is not carried and no longer holds today's card back; a merge
of differing records is listed until a person confirms it."""
from __future__ import annotations

import subprocess
import sys
from datetime import date, timedelta

import pytest
from sqlalchemy import text

from reconciliation.divergence import Kind
from reconciliation.engine import Options, Reconciler
from reconciliation.inflight import PipelinePosition
from tests.integration.conftest import Chain, wait_for
from tests.integration.rights_population import _address, _permit, _person

pytestmark = pytest.mark.integration
P, ALIAS = "0200000001", "0200000002"


def _day(days: int) -> str:
    return (date.today() + timedelta(days=days)).strftime("%Y%m%d")


def _sql(db, statement: str, **params) -> list:
    with db.begin() as conn:
        result = conn.execute(text(statement), params)
        return result.all() if result.returns_rows else []


def _cli(chain: Chain, *args: str) -> subprocess.CompletedProcess:
    import os

    return subprocess.run([sys.executable, "-m", "cli", *args], env={**os.environ, **chain.environment},
                          capture_output=True, text=True, timeout=120)


def _insert(chain: Chain, table: str, row: dict) -> None:
    columns = ", ".join(row)
    _sql(chain.agdref, f"INSERT INTO agdref.{table} ({columns}) VALUES ({', '.join(':' + c for c in row)})", **row)


def _parked_reasons(chain: Chain) -> list[str]:
    rows = _sql(chain.anef, "SELECT reasons FROM migration.parked WHERE numero_etranger = :n", n=P)
    return sorted(rows[0][0]) if rows else []


def test_decisions_history_and_merges_through_the_real_chain(chain: Chain):
    chain.start_connector_past_its_snapshot()
    chain.process("worker").start("worker", env=chain.environment)
    _insert(chain, "etranger", _person(P, "075", nationalite="YU"))
    _insert(chain, "adresse", _address(P, "75011", "75111"))
    _insert(chain, "titre", _permit("T000000201", P, "075", _day(-100), _day(265)))
    old = _permit("T000000202", P, "075", "20100101", "20101231")
    _insert(chain, "titre", {**old, "date_remise": "20100300"})  # expired, with a partial hand-over date
    wait_for(lambda: _parked_reasons(chain) == ["NATIONALITE_ETAT_DISPARU"], 60, "the dossier to be parked")

    done = _cli(chain, "decisions", "record", P, "--rule", "nationality", "--value", "SRB", "--reason",
                "passport seen at the counter", "--by", "an agent")
    assert done.returncode == 0 and "1 migrated" in done.stdout, done.stdout + done.stderr
    assert _sql(chain.anef, "SELECT nationalite FROM anef.usager WHERE numero_etranger = :n", n=P) == [("SRB",)]
    # the expired permit is not carried; today's card is in ANEF
    assert [r[0].strip() for r in _sql(chain.anef, "SELECT numero_titre FROM anef.titre")] == ["T000000201"]
    history = _cli(chain, "rejects", "list", "--kind", "history")
    assert "T000000202" in history.stdout and "DATE_INCOMPLETE" in history.stdout, history.stdout
    counts = _cli(chain, "reconcile", "counts")
    assert counts.returncode == 0, counts.stdout + counts.stderr

    _sql(chain.agdref, "UPDATE agdref.etranger SET nationalite = 'SU', date_maj = '20261201120000'"
                       " WHERE num_etranger = :n", n=P)
    wait_for(lambda: "DECISION_PERIMEE" in _parked_reasons(chain), 60, "the decision to be flagged")
    assert "stale" in _cli(chain, "decisions", "list").stdout

    revoked = _cli(chain, "decisions", "revoke", "1", "--reason", "AGDREF was corrected", "--by", "an agent")
    assert revoked.returncode == 0 and "1 parked" in revoked.stdout, revoked.stdout + revoked.stderr
    _sql(chain.agdref, "UPDATE agdref.etranger SET nationalite = 'MA', date_maj = '20261202120000'"
                       " WHERE num_etranger = :n", n=P)
    wait_for(lambda: _parked_reasons(chain) == [], 60, "the corrected dossier to reach ANEF")

    # a duplicate found since, flagged as an alias although its sex and birth date differ
    _insert(chain, "etranger", _person(ALIAS, "075", ind_alias="O", num_etranger_ref=P, sexe="F",
                                       date_nais="19910101"))
    wait_for(lambda: _sql(chain.anef, "SELECT numeros_alias FROM anef.usager WHERE numero_etranger = :n", n=P)
             == [([ALIAS],)], 60, "the alias to be merged")
    reconciler = Reconciler(chain.agdref, chain.anef, PipelinePosition(chain.settings(), chain.agdref, chain.anef))
    merges = [d for d in reconciler.run(Options(max_wait_seconds=30)).divergences if d.kind is Kind.SUSPICIOUS_MERGE]
    assert [(d.numero_etranger, d.severity.value) for d in merges] == [(P, "high")]
    assert {f.field for f in merges[0].fields} == {f"etranger[{ALIAS}].sexe", f"etranger[{ALIAS}].date_nais"}
    done = _cli(chain, "decisions", "record", ALIAS, "--rule", "merge", "--value", "confirm", "--row",
                f"etranger:{ALIAS}", "--reason", "same person: sex keyed wrong on the duplicate", "--by", "an agent")
    assert done.returncode == 0, done.stdout + done.stderr
    assert not [d for d in reconciler.run(Options(max_wait_seconds=30)).divergences
                if d.kind is Kind.SUSPICIOUS_MERGE]
