"""The web application against real databases: login everywhere, roles, CSRF, escaping, audit,
and go/no-go verdicts from measured facts."""
from __future__ import annotations

import json
import secrets
from datetime import date

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import text

from common.log import pseudonym
from operations.gonogo import StreamFacts, evaluate
from operations.web import facts
from operations.web.app import create_app
from operations.web.auth import add_user
from reconciliation import store
from reconciliation.divergence import Divergence, FieldDifference, Kind, RunSummary, Severity
from tests.integration.conftest import Chain
from tests.integration.web_client import PASSWORD, login


def a_divergence(chain: Chain, number: str = "0123456789", prefecture: str = "75") -> int:
    with chain.anef.begin() as conn:
        run_id = store.start_run(conn, 1)
        summary = RunSummary(run_id, persons_agdref=10, persons_by_prefecture={prefecture: 10}, divergences=[
            Divergence(number, Kind.FIELD_MISMATCH, Severity.HIGH,
                       (FieldDifference("usager.nom_naissance", "DIALLO", "DIALO"),), prefecture=prefecture)])
        store.record_run(conn, summary)
        return conn.execute(text("SELECT id FROM reconciliation.divergence WHERE numero_etranger = :n"),
                            {"n": number}).scalar_one()


def test_every_page_and_api_route_requires_a_login(app: TestClient):
    from operations.web import api, pages

    routes = [r for r in (*api.router.routes, *pages.router.routes) if isinstance(r, APIRoute) and r.path != "/login"]
    assert len(routes) > 15
    for route in routes:
        path = route.path.replace("{ident}", "1").replace("{numero}", "0123456789").replace("{action}", "accept")
        for method in route.methods:
            answer = app.request(method, path, follow_redirects=False)
            expected = 401 if path.startswith("/api/") else 303
            assert answer.status_code in (expected, 422), f"{method} {path}: {answer.status_code}"
            if answer.status_code == 303:
                assert answer.headers["location"] == "/login"


def test_a_wrong_password_does_not_log_in(app: TestClient):
    answer = app.post("/login", data={"username": "admin", "password": "wrong password!"}, follow_redirects=False)
    assert answer.headers["location"] == "/login?failed=1" and "agdref_anef_session" not in answer.cookies


def test_a_viewer_sees_aggregates_only_and_cannot_decide(app: TestClient, chain: Chain):
    ident = a_divergence(chain)
    csrf = login(app, "viewer")
    [row] = app.get("/api/divergences").json()
    assert row["numero_etranger"] == pseudonym("0123456789", chain.settings().pii_pseudonym_key)
    assert row["fields"] == [{"field": "usager.nom_naissance"}]
    page = app.get("/reconciliation").text
    assert "0123456789" not in page and "DIALLO" not in page
    assert app.get("/dossiers/0123456789").status_code == 403
    assert app.post(f"/api/divergences/{ident}/accept", json={"reason": "fine"},
                    headers={"X-CSRF-Token": csrf}).status_code == 403
    assert app.get("/admin").status_code == 403


def test_an_engineer_decides_only_with_the_csrf_token_and_the_decision_is_audited(app: TestClient, chain: Chain):
    ident = a_divergence(chain)
    csrf = login(app, "engineer")
    assert "DIALLO" in app.get("/reconciliation").text  # engineers see the values
    assert app.post(f"/api/divergences/{ident}/accept", json={"reason": "ANEF is right"}).status_code == 403
    assert app.post(f"/divergences/{ident}/accept", data={"reason": "ANEF is right", "csrf": "forged"},
                    follow_redirects=False).status_code == 403
    answer = app.post(f"/divergences/{ident}/accept", data={"reason": "ANEF is right <b>", "csrf": csrf},
                      follow_redirects=False)
    assert answer.status_code == 303
    with chain.anef.connect() as conn:
        decided = conn.execute(text("SELECT status, accepted_by, accepted_reason FROM reconciliation.divergence"
                                    " WHERE id = :i"), {"i": ident}).one()
        audited = conn.execute(text("SELECT username, action, reason FROM web.audit WHERE target = :t"),
                               {"t": f"divergence {ident}"}).one()
    assert tuple(decided) == ("accepted", "engineer", "ANEF is right <b>")
    assert tuple(audited) == ("engineer", "divergence.accept", "ANEF is right <b>")
    assert "ANEF is right <b>" not in app.get("/reconciliation").text  # escaped, never markup


def test_filters_are_values_never_sql(app: TestClient, chain: Chain):
    a_divergence(chain)
    login(app, "viewer")
    assert app.get("/api/divergences", params={"prefecture": "75' OR '1'='1"}).json() == []
    assert len(app.get("/api/divergences", params={"prefecture": "75"}).json()) == 1
    assert app.get("/api/divergences", params={"kind": "x'; DROP TABLE web.user; --"}).status_code == 422
    assert app.get("/reconciliation", params={"prefecture": "<script>alert(1)</script>"}).status_code == 200
    assert "<script>alert(1)</script>" not in app.get("/reconciliation", params={"prefecture": "<script>alert(1)</script>"}).text


def test_an_admin_changes_the_criteria_as_a_new_audited_version(app: TestClient, chain: Chain):
    csrf = login(app, "admin")
    body = app.get("/api/gonogo").json()["criteria"]
    changed = {**body, "coverage_min": 0.95}
    answer = app.post("/admin/criteria", data={"body": json.dumps(changed), "reason": "rehearsal", "csrf": csrf},
                      follow_redirects=False)
    assert answer.status_code == 303
    after = app.get("/api/gonogo").json()["criteria"]
    assert (after["version"], after["coverage_min"]) == (body["version"] + 1, 0.95)
    assert app.post("/admin/criteria", data={"body": "{}", "reason": "x", "csrf": csrf}).status_code == 400
    assert any(a["action"] == "criteria.change" and a["reason"] == "rehearsal" for a in app.get("/api/audit").json())
    login(app, "engineer")
    assert app.get("/api/audit").status_code == 403


def test_a_prefecture_goes_from_no_go_to_go_on_evidence(chain: Chain):
    """Facts measured in the real databases: one prefecture, one person with a valid permit."""
    with chain.agdref.begin() as conn:
        conn.execute(text("INSERT INTO agdref.etranger (num_etranger, nom, code_dept, ind_alias) VALUES"
                          " ('0000000077', 'A', '077', 'N')"))
        conn.execute(text("INSERT INTO agdref.titre (num_titre, num_etranger, type_titre, date_debut_val,"
                          " date_fin_val) VALUES ('T000000077', '0000000077', 'CST', '20200101', '20991231')"))
    streams = StreamFacts(freshness_p99_seconds=0.4, lag=0)

    def verdict():
        found = facts.scope_facts(chain.agdref, chain.anef, 3, date.today())
        return evaluate("77", found["77"], streams, facts.current_criteria(chain.anef))

    first = verdict()
    assert not first.go and {c.name for c in first.criteria if not c.ok} == {"coverage", "divergence_rate",
                                                                            "rights_at_risk"}
    with chain.anef.begin() as conn:
        conn.execute(text("INSERT INTO anef.usager (numero_etranger, nom_naissance, prenoms, sexe, precision_naissance,"
                          " nationalite, prefecture, numeros_alias, statut, origine, maj_le) VALUES ('0000000077', 'A',"
                          " '{}', 'M', 'INCONNUE', 'XXX', '77', '{}', 'ACTIF', 'AGDREF', now())"))
    assert {c.name for c in verdict().criteria if not c.ok} == {"divergence_rate", "rights_at_risk"}, \
        "the person is covered, the permit is still missing"
    with chain.anef.begin() as conn:
        conn.execute(text("INSERT INTO anef.titre (numero_titre, numero_etranger, categorie, date_debut, date_fin,"
                          " statut, autorisation_travail, numero_duplicata, prefecture, origine, maj_le) VALUES"
                          " ('T000000077', '0000000077', 'CARTE_TEMPORAIRE', '2020-01-01', '2099-12-31', 'REMIS',"
                          " false, 0, '77', 'AGDREF', now())"))
        for _ in range(3):  # three quiet nights
            store.record_run(conn, RunSummary(store.start_run(conn, 1), persons_by_prefecture={"77": 1}))
    assert verdict().go


def test_an_engineer_records_a_decision_from_the_web_and_anef_follows_at_once(app: TestClient, chain: Chain):
    from pipeline.sink import DossierSink
    from tests.integration.test_sink import permit, person

    DossierSink(chain.anef).apply([person(10, nationalite="YU "), permit(11)])
    form = {"rule": "nationality", "value": "SRB", "reason": "passport seen at the counter"}
    csrf = login(app, "viewer")
    assert app.post("/dossiers/0000000001/decisions", data={**form, "csrf": csrf},
                    follow_redirects=False).status_code == 403
    csrf = login(app, "engineer")
    assert app.post("/dossiers/0000000001/decisions", data={**form, "csrf": "forged"},
                    follow_redirects=False).status_code == 403
    answer = app.post("/dossiers/0000000001/decisions", data={**form, "csrf": csrf}, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    with chain.anef.connect() as conn:
        assert conn.execute(text("SELECT nationalite FROM anef.usager")).scalar() == "SRB"
        assert conn.execute(text("SELECT username, action FROM web.audit WHERE action = 'decision.record'")).all() \
            == [("engineer", "decision.record")]
    refused = app.post("/dossiers/0000000001/decisions", data={**form, "value": "SU", "csrf": csrf})
    assert refused.status_code == 400 and "current state" in refused.text


def _session_works(app: TestClient, cookie: str) -> bool:
    from operations.web.auth import SESSION_COOKIE

    app.cookies.clear()
    app.cookies.set(SESSION_COOKIE, cookie)
    return app.get("/api/gonogo").status_code == 200


def test_a_session_ends_for_good_at_logout_password_change_and_deactivation(app: TestClient, chain: Chain):
    from operations.web.auth import SESSION_COOKIE, set_active

    csrf = login(app, "engineer")
    kept = app.cookies.get(SESSION_COOKIE)
    assert app.post("/logout", data={"csrf": csrf}, follow_redirects=False).status_code == 303
    assert not _session_works(app, kept), "the old cookie still works after logout"
    login(app, "engineer")
    kept = app.cookies.get(SESSION_COOKIE)
    with chain.anef.begin() as conn:
        add_user(conn, "engineer", PASSWORD + "!", "engineer")  # password changed
    assert not _session_works(app, kept)
    with chain.anef.begin() as conn:
        add_user(conn, "engineer", PASSWORD, "engineer")
    login(app, "engineer")
    kept = app.cookies.get(SESSION_COOKIE)
    with chain.anef.begin() as conn:
        set_active(conn, "engineer", False)
    assert not _session_works(app, kept)
    with chain.anef.begin() as conn, pytest.raises(ValueError, match="last active administrator"):
        set_active(conn, "admin", False)


def test_failed_logins_are_audited_and_throttled_per_user(app: TestClient, chain: Chain):
    for _ in range(5):
        answer = app.post("/login", data={"username": "viewer", "password": "wrong password!"}, follow_redirects=False)
        assert answer.headers["location"] == "/login?failed=1"
    answer = app.post("/login", data={"username": "viewer", "password": PASSWORD}, follow_redirects=False)
    assert answer.headers["location"] == "/login?throttled=1", "the right password is refused while throttled"
    with chain.anef.connect() as conn:
        actions = [a for (a,) in conn.execute(text("SELECT action FROM web.audit WHERE target = 'viewer' ORDER BY id"))]
    assert actions == ["login.failed"] * 5 + ["login.refused"]
    assert "Too many failed logins" in app.get("/login?throttled=1").text


def test_a_form_posted_from_another_site_is_refused_and_pages_are_not_cached(app: TestClient):
    answer = app.post("/login", data={"username": "viewer", "password": PASSWORD},
                      headers={"Origin": "https://elsewhere.example"}, follow_redirects=False)
    assert answer.status_code == 403
    login(app, "viewer")
    assert app.get("/gonogo").headers["cache-control"] == "no-store"
    assert app.get("/streams%00").status_code == 400


def test_an_unknown_dossier_is_404_and_every_dossier_opened_is_audited_by_pseudonym(app: TestClient, chain: Chain):
    from pipeline.sink import DossierSink
    from tests.integration.test_sink import person

    DossierSink(chain.anef).apply([person(10)])
    login(app, "engineer")
    assert app.get("/api/dossiers/0000000000").status_code == 404
    assert app.get("/api/dossiers/0000000001").status_code == 200
    with chain.anef.connect() as conn:
        seen = conn.execute(text("SELECT username, target FROM web.audit WHERE action = 'dossier.view'")).all()
    assert [tuple(r) for r in seen] == [("engineer", pseudonym("0000000001", chain.settings().pii_pseudonym_key))]


def test_divergences_are_paged_sorted_searched_and_downloaded_masked_for_viewers(app: TestClient, chain: Chain):
    import re

    numbers = [f"{n:010d}" for n in range(1, 151)]
    with chain.anef.begin() as conn:
        store.record_run(conn, RunSummary(store.start_run(conn, 1), divergences=[
            Divergence(n, Kind.FIELD_MISMATCH, Severity.HIGH if i % 3 else Severity.CRITICAL,
                       (FieldDifference(f"titre[T{n}].date_fin", "2027-01-01", "2026-01-01"),), prefecture="75",
                       urgency_days=i) for i, n in enumerate(numbers)]))
    login(app, "engineer")
    first = app.get("/reconciliation").text
    assert "Open divergences (150, page 1 of 2)" in first and 'href="/reconciliation?sort=severity&amp;page=2"' in first
    assert "page 2 of 2" in app.get("/reconciliation?page=2").text
    assert "Open divergences (1)" in app.get("/reconciliation?q=0000000042").text
    key = chain.settings().pii_pseudonym_key
    login(app, "viewer")
    assert "Open divergences (0)" in app.get("/reconciliation?q=0000000042").text, "viewers search by pseudonym only"
    assert "Open divergences (1)" in app.get(f"/reconciliation?q={pseudonym('0000000042', key)}").text
    csv_text = app.get("/reconciliation.csv?severity=critical").text
    # (a pseudonym is 10 hexadecimal digits after "p:": it may be all digits)
    assert csv_text.count("\n") == 1 + 50 and not re.search(r"(?<![:\w])\d{10}\b", csv_text)
    assert "titre[…].date_fin" in csv_text
    csrf = login(app, "engineer")
    ident = app.get("/api/divergences").json()[0]["id"]
    answer = app.post(f"/divergences/{ident}/decide", data={"reason": "checked", "decision": "accept", "csrf": csrf},
                      follow_redirects=False)
    assert answer.status_code == 303
    assert [d["status"] for d in app.get("/api/divergences").json() if d["id"] == ident] == ["accepted"]


def test_the_streams_history_is_kept_in_the_database_and_survives_a_restart(app: TestClient, chain: Chain):
    login(app, "viewer")
    first = app.get("/api/streams").json()["history"]
    assert len(first) == 1
    settings = chain.settings().model_copy(update={"web_session_secret": secrets.token_urlsafe(40)})
    with TestClient(create_app(settings, metrics_url=None, sample_every=3600)) as restarted:
        login(restarted, "viewer")
        history = restarted.get("/api/streams").json()["history"]
        assert first[0]["at"] in [h["at"] for h in history], "the sample taken before the restart is gone"
        assert "Consumer lag (messages)" in restarted.get("/streams").text


def test_engineers_browse_open_and_replay_dead_letters(app: TestClient, chain: Chain):
    from kafka import KafkaProducer

    from common.kafka_admin import ensure_topics
    from schemas.topics import dead_letter_topic

    topic = dead_letter_topic(chain.name)
    ensure_topics(chain.infra.kafka_bootstrap, [topic], 1)
    producer = KafkaProducer(bootstrap_servers=chain.infra.kafka_bootstrap)
    producer.send(topic, key=b'{"num_titre": "T1"}', value=b"not an envelope", headers=[
        ("origin.topic", f"{chain.name}.agdref.titre".encode()), ("origin.partition", b"0"),
        ("origin.offset", b"7"), ("error.reason", b"EVENEMENT_ILLISIBLE"), ("error.message", b"not JSON")]).get(10)
    producer.close()
    login(app, "viewer")
    assert app.get("/dead-letters").status_code == 403
    csrf = login(app, "engineer")
    listed = app.get("/dead-letters").text
    assert "Dead letters (1)" in listed and "EVENEMENT_ILLISIBLE" in listed and "agdref.titre[0]@7" in listed
    assert "not an envelope" in app.get("/dead-letters/0").text
    replayed = app.post("/dead-letters/replay", data={"reason": "after the decoder fix", "csrf": csrf}).text
    assert "0 change(s) applied, 1 still unusable" in replayed


def test_the_admin_filters_the_audit_by_who_action_and_target(app: TestClient):
    app.post("/login", data={"username": "viewer", "password": "wrong password!"})
    login(app, "engineer")
    login(app, "admin")
    page = app.get("/admin?action=login.failed").text
    audit = page.split('id="audit"', 1)[1]
    assert "login.failed" in audit and "dossier.view" not in audit and ">login<" not in audit
    assert audit.count("<tr>") == 2  # the header and the one failure
    assert app.get("/admin?who=engineer&action=login").text.split('id="audit"', 1)[1].count("<tr>") == 2


def test_a_scope_has_a_decision_sheet_to_print_and_sign_with_the_chains_head(app: TestClient, chain: Chain):
    import shutil

    csrf = login(app, "engineer")
    assert app.post("/api/gonogo/evaluate", headers={"X-CSRF-Token": csrf}).status_code == 200
    sheet = app.get("/gonogo/FRANCE/sheet")
    assert sheet.status_code == 200 and "decision sheet" in sheet.text and "criteria version" in sheet.text
    from evidence import store as evidence

    with chain.anef.connect() as conn:
        assert evidence.head(conn)[1] in sheet.text
    assert app.get("/gonogo/99/sheet").status_code == 404
    if shutil.which("chromium"):
        pdf = app.get("/gonogo/FRANCE/sheet.pdf")
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
