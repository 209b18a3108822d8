"""A person's decisions on a parked dossier, through the pipeline's sink on a real database:
recorded → ANEF changes at once; revoked → parked again; the legacy value changed since → the
decision is flagged, not applied; a held conflict resolved; an expired permit's defect no longer
holds today's card back."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from pipeline.decisions import DecisionError, listed, record, revoke
from pipeline.sink import DossierSink
from schemas.anef_tables import parked, usager
from tests.integration.conftest import Chain
from tests.integration.test_sink import _one, permit, person

pytestmark = pytest.mark.integration


def _parked_reasons(chain: Chain) -> list[str]:
    row = _one(chain, parked, "0000000001")
    return sorted(row["reasons"]) if row else []


def test_a_successor_state_decided_by_a_person_reaches_anef_at_once_and_leaves_with_its_revocation(chain: Chain):
    sink = DossierSink(chain.anef)
    sink.apply([person(10, nationalite="YU "), permit(11)])
    assert _parked_reasons(chain) == ["NATIONALITE_ETAT_DISPARU"]
    ident, result = record(chain.anef, "0000000001", "nationality", "SRB", "passport seen at the counter", "an agent")
    assert (result.migrated, result.parked) == (1, 0)
    assert _one(chain, usager, "0000000001")["nationalite"] == "SRB" and _parked_reasons(chain) == []
    assert [r["status"] for r in listed(chain.anef)] == ["applied"]
    revoke(chain.anef, ident, "an agent", "recorded on the wrong person")
    assert _parked_reasons(chain) == ["NATIONALITE_ETAT_DISPARU"]
    assert [r["status"] for r in listed(chain.anef)] == ["revoked"]


def test_a_decision_whose_legacy_value_changed_since_is_flagged_instead_of_applied(chain: Chain):
    sink = DossierSink(chain.anef)
    sink.apply([person(20, nationalite="YU "), permit(21)])
    record(chain.anef, "0000000001", "nationality", "SRB", "passport seen", "an agent")
    sink.apply([person(22, nationalite="SU ")])  # AGDREF corrected otherwise since
    assert _parked_reasons(chain) == ["DECISION_PERIMEE", "NATIONALITE_ETAT_DISPARU"]
    assert [r["status"] for r in listed(chain.anef)] == ["stale"]


def test_a_decision_the_rules_refuse_is_not_recorded(chain: Chain):
    DossierSink(chain.anef).apply([person(30, nationalite="YU "), permit(31)])
    with pytest.raises(DecisionError, match="current state"):
        record(chain.anef, "0000000001", "nationality", "SU", "a former state again", "an agent")
    with pytest.raises(DecisionError, match="no titre row"):
        record(chain.anef, "0000000001", "date", "20260101", "x", "an agent", row="titre:T999", field="date_fin_val")
    assert listed(chain.anef) == []


def test_the_command_records_a_corsican_department_and_lists_it(chain: Chain):
    DossierSink(chain.anef).apply([person(40, code_dept="020"), permit(41, lieu_delivrance="02A")])
    assert _parked_reasons(chain) == ["CORSE_INDETERMINEE"]
    env = {**os.environ, **chain.environment}
    done = subprocess.run([sys.executable, "-m", "cli", "decisions", "record", "0000000001", "--rule", "corsica",
                           "--value", "2B", "--reason", "birth certificate from Bastia", "--by", "an agent"],
                          env=env, capture_output=True, text=True)
    assert done.returncode == 0 and "1 migrated" in done.stdout, done.stdout + done.stderr
    assert _one(chain, usager, "0000000001")["prefecture"] == "2B"
    listing = subprocess.run([sys.executable, "-m", "cli", "decisions", "list"], env=env, capture_output=True,
                             text=True).stdout
    assert "applied" in listing and "'020' -> '02B'" in listing
