"""The go/no-go verdict: GO only when every criterion holds, and never on missing evidence."""
from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from operations.gonogo import COUNTRY, Criteria, ScopeFacts, StreamFacts, evaluate

CRITERIA = Criteria.from_dict(json.loads((Path(__file__).parents[2] / "operations/data/criteria.json").read_text()))
GOOD = ScopeFacts(active_in_agdref=10_000, active_in_anef=10_000, critical_open=0,
                  divergence_rates=(0.0002, 0.0001, 0.0), parked_untriaged=0, unexplained_anef_writes=0, run_id=4,
                  rights_at_risk=0)
STREAMS = StreamFacts(freshness_p99_seconds=0.8, lag=120)


def test_every_criterion_holding_gives_go_with_its_evidence():
    verdict = evaluate("75", GOOD, STREAMS, CRITERIA)
    assert verdict.go and len(verdict.criteria) == 9 and all(c.ok for c in verdict.criteria)
    assert all("/reconciliation/runs/4" in c.evidence for c in verdict.criteria[:2])


def test_one_critical_divergence_or_one_untriaged_parked_dossier_gives_no_go():
    assert not evaluate("75", replace(GOOD, critical_open=1), STREAMS, CRITERIA).go
    assert not evaluate("75", replace(GOOD, parked_untriaged=1), STREAMS, CRITERIA).go


def test_the_rate_must_hold_for_n_nights_in_a_row_and_fewer_nights_is_not_evidence():
    assert not evaluate("75", replace(GOOD, divergence_rates=(0.0, 0.002, 0.0)), STREAMS, CRITERIA).go
    assert not evaluate("75", replace(GOOD, divergence_rates=(0.0, 0.0)), STREAMS, CRITERIA).go
    assert evaluate("75", replace(GOOD, divergence_rates=(0.5, 0.0, 0.0, 0.0)), STREAMS, CRITERIA).go


def test_coverage_below_the_threshold_or_unmeasured_streams_give_no_go():
    failed = evaluate("13", replace(GOOD, active_in_anef=9_980), STREAMS, CRITERIA)
    assert [c.name for c in failed.criteria if not c.ok] == ["coverage"]
    assert not evaluate("13", GOOD, StreamFacts(None, 0), CRITERIA).go


def test_one_dossier_made_by_an_older_mapping_gives_no_go_until_it_is_rebuilt():
    failed = evaluate("75", replace(GOOD, made_by_older_mapping=1), STREAMS, CRITERIA)
    assert [c.name for c in failed.criteria if not c.ok] == ["current_mapping"]


def test_criteria_saved_before_the_current_mapping_criterion_existed_load_with_the_strict_default():
    body = json.loads((Path(__file__).parents[2] / "operations/data/criteria.json").read_text())
    del body["outdated_mapping_max"]
    assert Criteria.from_dict(body).outdated_mapping_max == 0
    del body["lag_max"]
    with pytest.raises(ValueError, match="lag_max"):
        Criteria.from_dict(body)


def test_one_person_with_a_right_at_risk_or_a_ledger_not_read_gives_no_go():
    failed = evaluate("75", replace(GOOD, rights_at_risk=1), STREAMS, CRITERIA)
    assert [c.name for c in failed.criteria if not c.ok] == ["rights_at_risk"]
    assert not evaluate("75", replace(GOOD, rights_at_risk=None), STREAMS, CRITERIA).go


@pytest.mark.parametrize("change", [{"coverage_min": "abc"}, {"divergence_rate_nights": -5}, {"coverage_min": 1.5},
                                    {"rights_at_risk_max": -1}, {"lag_max": "10"}])
def test_criteria_with_a_wrong_type_or_range_are_refused_naming_the_criterion(change):
    body = json.loads((Path(__file__).parents[2] / "operations/data/criteria.json").read_text())
    with pytest.raises(ValueError, match=next(iter(change))):
        Criteria.from_dict({**body, **change})


def test_each_failing_criterion_is_explained_in_a_sentence_with_its_distance_to_the_threshold():
    from operations.gonogo import explain

    failed = evaluate("75", replace(GOOD, rights_at_risk=3, active_in_anef=9_980, divergence_rates=(0.0,)),
                      STREAMS, CRITERIA)
    why = {c.name: explain(c) for c in failed.criteria if not c.ok}
    assert why["rights_at_risk"].startswith("3 person(s) hold a right in AGDREF")
    assert "99.8000% of the persons" in why["coverage"] and "0.1000% short" in why["coverage"]
    assert "not measured (1 nights measured)" in why["divergence_rate"]
    assert all(explain(c) == "holds" for c in failed.criteria if c.ok)


def test_freshness_is_the_p99_of_a_recent_window_and_zero_only_when_nothing_is_late():
    from operations.freshness import window_p99

    before = {0.1: 100.0, 1.0: 100.0, 60.0: 1000.0, float("inf"): 1000.0}  # a backfill's minutes, long ago
    after = {0.1: 190.0, 1.0: 200.0, 60.0: 1100.0, float("inf"): 1100.0}   # 100 dossiers since, all within 1 s
    assert window_p99(before, after, quiet=False) <= 1.0
    assert window_p99(after, after, quiet=True) == 0.0
    assert window_p99(after, after, quiet=False) is None


def test_a_prefectures_evidence_links_are_filtered_to_it():
    verdict = evaluate("13", GOOD, STREAMS, CRITERIA)
    assert "/reconciliation?kind=right_missing&prefecture=13" in verdict.criteria[0].evidence
    assert "prefecture=" not in evaluate(COUNTRY, GOOD, STREAMS, CRITERIA).criteria[0].evidence


def test_a_criterion_trend_says_whether_it_moves_towards_its_threshold():
    from operations.gonogo import trend

    assert trend("critical_divergences", [5, 3, 1]) == "improving over 3 nights (5 → 1)"
    assert trend("critical_divergences", [1, None, 4]) == "worsening over 2 nights (1 → 4)"
    assert trend("coverage", [0.97, 0.99]) == "improving over 2 nights (0.97 → 0.99)"
    assert trend("lag", [7, 7]) == "unchanged over 2 nights (7 → 7)"
    assert trend("lag", [7]) == "first night measured" and trend("freshness", [None]) == "never measured"
