"""The nightly report's summary never shows a foreigner number or a value, and its charts
cannot carry markup."""
from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from common.log import pseudonym
from reconciliation import report
from reconciliation.charts import bars
from reconciliation.divergence import Kind

ROW = {"id": 7, "numero_etranger": "0123456789", "kind": "field_mismatch", "severity": "high", "status": "new",
       "prefecture": "75", "urgency_days": 12, "age_days": 1.25, "detail": "",
       "fields": [{"field": "usager.nom_naissance", "agdref": "DIALLO", "anef": "DIALO"}],
       "first_seen_at": datetime(2026, 11, 27, tzinfo=UTC)}
RUN = {"id": 3, "finished_at": datetime(2026, 11, 27, tzinfo=UTC), "persons": 10, "suspects": 1,
       "unconfirmed": 0, "seconds": 1.0, "counts": {"field_mismatch/high": 1}}


def test_the_summary_names_fields_but_shows_neither_number_nor_value(tmp_path):
    facts = report.write(tmp_path, [RUN], [ROW], "key")
    for name in ("report.html", "divergences.csv", "report.json"):
        text = (tmp_path / name).read_text()
        assert "0123456789" not in text and "DIALLO" not in text and "DIALO" not in text
        assert pseudonym("0123456789", "key") in text and "usager.nom_naissance" in text
    assert facts["critical_not_accepted"] == 0 and not (tmp_path / "restricted").exists()


def test_the_restricted_export_holds_the_full_detail_for_its_owner_only(tmp_path):
    report.write(tmp_path, [RUN], [ROW], "key", restricted=True)
    full = json.loads((tmp_path / "restricted" / "divergences-full.json").read_text())
    assert full[0]["numero_etranger"] == "0123456789" and full[0]["fields"][0]["agdref"] == "DIALLO"
    assert oct((tmp_path / "restricted").stat().st_mode)[-3:] == "700"


def test_critical_divergences_not_accepted_are_counted_accepted_ones_are_not(tmp_path):
    rows = [{**ROW, "severity": "critical"}, {**ROW, "id": 8, "severity": "critical", "status": "accepted"}]
    assert report.write(tmp_path, [RUN], rows, "key")["critical_not_accepted"] == 1


def test_chart_labels_are_escaped():
    assert "<script>" not in bars("by prefecture", [("<script>alert(1)</script>", 3)])


@pytest.mark.parametrize("kind", [k.value for k in Kind])
def test_a_divergence_of_any_kind_shows_no_number_no_key_and_no_value_to_people_without_access(kind):
    import json
    import re

    from reconciliation.divergence import for_everyone

    row = {"numero_etranger": "0123456789", "kind": kind, "accepted_reason": "seen with 0123456789",
           "detail": "titre:0000006607, usager:0123456789",
           "fields": [{"field": "titre[0000006607].date_fin", "agdref": "2026-01-01", "anef": "2025-01-01"}]}
    shown = json.dumps(for_everyone(row, "key"), ensure_ascii=False)
    assert not re.search(r"\d{9,10}", shown) and "2026-01-01" not in shown
    assert "titre[…].date_fin" in shown and "titre:…" in shown


def test_a_trend_has_a_graduated_axis_with_its_unit_and_one_run_is_a_dot_not_an_empty_chart():
    from reconciliation.charts import trend

    one = trend("Divergences over runs", {"total": [12]}, ["30/11 01:00"], unit="divergences")
    assert one.count("<circle") == 1 and "<polyline" not in one and "Divergences over runs (divergences)" in one
    many = trend("Lag", {"total": [0, 50, 100]}, ["a", "b"], unit="messages")
    assert many.count("<line") == 5 and ">100<" in many and ">50<" in many and many.count("<circle") == 3
