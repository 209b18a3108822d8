"""Triage in bulk, error pages that keep what was typed, and each failing criterion's trend on
the go/no-go page: the web application against real databases."""
from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import text

from operations.web import facts
from reconciliation import store
from reconciliation.divergence import Divergence, FieldDifference, Kind, RunSummary, Severity
from tests.integration.conftest import Chain
from tests.integration.web_client import login

NUMBERS = [f"{n:010d}" for n in range(500, 505)]


def divergences(chain: Chain, kind: Kind = Kind.FIELD_MISMATCH, severity: Severity = Severity.HIGH) -> list[int]:
    with chain.anef.begin() as conn:
        run_id = store.start_run(conn, 1)
        store.record_run(conn, RunSummary(run_id, persons_agdref=10, persons_by_prefecture={"75": 10}, divergences=[
            Divergence(n, kind, severity, (FieldDifference("usager.nom_naissance", "A", "B"),), prefecture="75")
            for n in NUMBERS]))
        return list(conn.execute(text("SELECT id FROM reconciliation.divergence ORDER BY id")).scalars())


def statuses(chain: Chain) -> list[str]:
    with chain.anef.connect() as conn:
        return list(conn.execute(text("SELECT status FROM reconciliation.divergence ORDER BY id")).scalars())


def test_ticked_divergences_are_resolved_with_one_reason_each_decision_audited(app: TestClient, chain: Chain):
    ids = divergences(chain)
    csrf = login(app, "engineer")
    page = app.get("/reconciliation").text
    assert 'form="bulk"' in page and 'id="tick-all"' in page
    answer = app.post("/divergences/bulk", data={"ids": ids[:3], "decision": "resolve", "reason": "fixed in AGDREF",
                                                 "csrf": csrf}, follow_redirects=False,
                      headers={"referer": "http://testserver/reconciliation?kind=field_mismatch&page=1"})
    assert answer.status_code == 303 and answer.headers["location"] == "/reconciliation?kind=field_mismatch&page=1"
    assert statuses(chain) == ["resolved"] * 3 + ["new"] * 2
    audited = [a for a in facts.audit_log(chain.anef) if a["action"] == "divergence.resolve"]
    assert sorted(a["target"] for a in audited) == sorted(f"divergence {i}" for i in ids[:3])
    assert {a["reason"] for a in audited} == {"fixed in AGDREF"}


def test_a_bulk_decision_with_one_refused_divergence_decides_none_and_keeps_the_reason(app: TestClient, chain: Chain):
    ids = divergences(chain, Kind.RIGHT_MISSING, Severity.CRITICAL)
    csrf = login(app, "engineer")
    reason = "long explanation that took ten minutes to write"
    answer = app.post("/divergences/bulk", data={"ids": ids, "decision": "accept", "reason": reason, "csrf": csrf},
                      headers={"accept": "text/html"})
    assert answer.status_code == 403 and answer.headers["content-type"].startswith("text/html")
    assert "nothing was decided" in answer.text and f'value="{reason}"' in answer.text
    assert answer.text.count('name="ids"') == len(ids), "the selection is kept"
    assert statuses(chain) == ["new"] * len(ids)


def test_a_refused_form_answers_an_html_page_with_the_form_filled_again(app: TestClient, chain: Chain):
    ids = divergences(chain)
    csrf = login(app, "engineer")
    answer = app.post(f"/divergences/{ids[0]}/decide", data={"reason": "no", "decision": "accept", "csrf": csrf})
    assert answer.status_code == 400 and "a reason of 3 to 2,000 characters is required" in answer.text
    assert f'<form method="post" action="/divergences/{ids[0]}/decide"' in answer.text
    assert f'name="csrf" value="{csrf}"' in answer.text and 'value="forged"' not in answer.text
    again = answer.text.split('id="again"', 1)[1]
    assert 'name="decision" value="accept"' in again and 'name="reason" value="no"' in again
    assert app.get("/api/divergences/999999999").status_code in (404, 405), "the API still answers JSON"
    assert app.post(f"/api/divergences/{ids[0]}/accept", json={"reason": "x"},
                    headers={"x-csrf-token": csrf}).headers["content-type"].startswith("application/json")


def test_criteria_that_do_not_validate_come_back_in_the_textarea_and_the_password_is_never_echoed(app: TestClient):
    csrf = login(app, "admin")
    body = '{"version": 9, "coverage_min": "abc"}'
    answer = app.post("/admin/criteria", data={"body": body, "reason": "tighten", "csrf": csrf})
    assert answer.status_code == 400 and "criteria refused" in answer.text
    assert "<textarea" in answer.text and "&#34;coverage_min&#34;: &#34;abc&#34;" in answer.text
    answer = app.post("/admin/users", data={"username": " ", "password": "a secret typed once", "role": "viewer",
                                            "reason": "new colleague", "csrf": csrf})
    assert answer.status_code == 400 and "a secret typed once" not in answer.text
    assert 'name="password"' in answer.text and 'value="new colleague"' in answer.text


def test_a_failing_criterion_shows_its_values_over_the_last_nights(app: TestClient, chain: Chain):
    with chain.anef.begin() as conn:
        for night, open_critical in ((3, 5), (2, 3), (1, 2)):
            conn.execute(text(
                "INSERT INTO web.verdict (at, scope, go, criteria_version, criteria) VALUES"
                " (now() - make_interval(days => :night), 'FRANCE', false, 1, CAST(:c AS jsonb))"),
                {"night": night, "c": '[{"name": "critical_divergences", "label": "critical divergences open",'
                                      f' "value": {open_critical}, "threshold": 0, "ok": false, "evidence": ""}}]'})
    login(app, "viewer")
    page = app.get("/gonogo").text
    assert "Last nights: 5 · 3 · 2 — improving over 3 nights (5 → 2)" in page
