"""The web application in a real browser (Debian's Chromium, driven by Playwright), on a real
chain: login, the two roles that differ, a prefecture at NO-GO that a recorded decision brings to
GO, another at GO, and screenshots of every page (``SCREENSHOTS_DIR``, docs/screenshots/ in the
repository)."""
from __future__ import annotations

import os
import re
import secrets
import urllib.request
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import text

from infra.process import ensure_debian_packages
from operations.gonogo import StreamFacts, evaluate
from operations.web import facts
from operations.web.auth import add_user
from reconciliation.engine import Options
from tests.integration.conftest import Chain, free_port, wait_for
from tests.integration.test_reconciliation import _reconciler, _start

PASSWORD = "correct horse battery"
QUIET = StreamFacts(freshness_p99_seconds=0.0, lag=0)


AXE_VERSION = "4.14.1"  # axe-core, from the npm registry (into .cache/npm, never committed)


@pytest.fixture(scope="module")
def chromium() -> str:
    ensure_debian_packages("chromium", check="chromium")
    return "/usr/bin/chromium"


@pytest.fixture(scope="module")
def axe() -> str:
    """axe-core's script, to inject into each page (accessibility rules, run in the browser)."""
    import subprocess

    folder = Path(__file__).parents[2] / ".cache" / "npm"
    script = folder / "node_modules" / "axe-core" / "axe.min.js"
    if not script.exists():
        subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--prefix", str(folder), f"axe-core@{AXE_VERSION}"],
                       check=True, capture_output=True, timeout=300)
    return script.read_text()


def serious_violations(page, axe: str) -> list[str]:
    """axe-core's serious and critical findings on the page as it is now ("rule: how many nodes")."""
    page.add_script_tag(content=axe)
    return page.evaluate("""async () => (await axe.run()).violations
        .filter(v => v.impact === 'serious' || v.impact === 'critical')
        .map(v => v.id + ': ' + v.nodes.length + ' (' + v.nodes[0].target.join(' ') + ')')""")


def _prefectures(chain: Chain) -> tuple[str, str]:
    """(a prefecture at GO, one whose only failing criterion is an untriaged parked dossier)."""
    rules = facts.current_criteria(chain.anef)
    verdicts = {scope: evaluate(scope, measured, QUIET, rules)
                for scope, measured in facts.scope_facts(chain.agdref, chain.anef, 3, date.today()).items()}
    going = sorted(s for s, v in verdicts.items() if v.go and s.isdigit())
    parked = sorted(s for s, v in verdicts.items() if [c.name for c in v.criteria if not c.ok] == ["parked_triaged"])
    assert going and parked, f"the seeded population lacks the prefectures this test needs: {verdicts}"
    return going[0], parked[0]


def test_login_roles_a_decision_and_go_no_go_in_a_real_browser(chain: Chain, chromium: str, axe: str):
    from playwright.sync_api import expect, sync_playwright

    metrics, port = free_port(), free_port()
    _start(chain, 400, WORKER_METRICS_PORT=str(metrics))
    for _ in range(3):  # three nights
        _reconciler(chain).run(Options(max_wait_seconds=60))
    with chain.anef.begin() as conn:
        for role in ("viewer", "engineer", "admin"):
            add_user(conn, role, PASSWORD, role)
    going, parked = _prefectures(chain)
    chain.process("web").start("web", env={
        **chain.environment, "WEB_SESSION_SECRET": secrets.token_urlsafe(40), "WEB_PORT": str(port),
        "WEB_SAMPLE_SECONDS": "0.5", "WORKER_METRICS_PORT": str(metrics)})
    base = f"http://127.0.0.1:{port}"

    def answers() -> bool:
        try:
            return urllib.request.urlopen(f"{base}/login", timeout=2).status == 200
        except OSError:
            return False

    wait_for(answers, 30, "the web application")
    shots = Path(os.environ.get("SCREENSHOTS_DIR", str(chain.folder / "screenshots")))
    shots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        # bypass_csp: the pages allow only their own scripts; axe-core is injected by the test
        page = browser.new_context(viewport={"width": 1400, "height": 1000}, bypass_csp=True).new_page()
        inaccessible: dict[str, list[str]] = {}

        def check_accessibility(name: str) -> None:
            found = serious_violations(page, axe)
            if found:
                inaccessible[name] = found

        def log_in(name: str) -> None:
            page.goto(f"{base}/login")
            page.fill("#username", name)
            page.fill("#password", PASSWORD)
            page.click("button[type=submit]")
            expect(page).to_have_url(f"{base}/streams")

        def log_out() -> None:
            page.click("header button")
            expect(page).to_have_url(f"{base}/login")

        page.goto(f"{base}/reconciliation")
        expect(page).to_have_url(f"{base}/login")  # nothing without a login
        page.screenshot(path=str(shots / "login.png"))
        check_accessibility("login")
        page.fill("#username", "engineer")
        page.fill("#password", "not the password")
        page.click("button[type=submit]")
        expect(page.locator(".problem")).to_contain_text("wrong password")

        # a viewer: aggregates, pseudonyms, no decision, no detail, no admin
        log_in("viewer")
        expect(page.locator("#overview")).to_contain_text("persons migrated")
        page.screenshot(path=str(shots / "streams.png"), full_page=True)
        check_accessibility("streams")
        page.goto(f"{base}/reconciliation")
        table = page.locator("#divergences").inner_text()
        assert "p:" in table and not re.search(r"(?<![:\w])\d{10}\b", table)  # a pseudonym may be all digits
        assert page.locator("#divergences form").count() == 0
        assert page.goto(f"{base}/admin").status == 403
        page.goto(f"{base}/streams")
        log_out()

        # an engineer: NO-GO for one prefecture, a decision recorded, then GO
        log_in("engineer")
        page.goto(f"{base}/gonogo")
        page.click("text=Evaluate now")
        expect(page.locator(f"#scope-{parked}")).to_contain_text("NO-GO")
        assert "NO-GO" not in page.locator(f"#scope-{going}").inner_text()
        page.screenshot(path=str(shots / "gonogo-no-go.png"), full_page=True)
        check_accessibility("gonogo")
        page.goto(f"{base}/reconciliation?kind=parked&prefecture={parked}")
        page.screenshot(path=str(shots / "reconciliation.png"), full_page=True)
        check_accessibility("reconciliation")
        assert page.locator("#divergences tr").count() >= 2
        # one parked dossier accepted from its row's form, the rest ticked at once with one reason
        page.goto(f"{base}/reconciliation?kind=parked&prefecture={parked}")
        first = page.locator("#divergences form:has(button[value=accept])").first
        first.locator("input[name=reason]").fill("triaged: the legacy date is being corrected")
        first.locator("button[value=accept]").click()
        page.goto(f"{base}/reconciliation?kind=parked&prefecture={parked}")
        page.check("#tick-all")
        page.fill("#bulk input[name=reason]", "triaged in bulk: the legacy dates are being corrected")
        page.click("#bulk button[value=accept]")
        expect(page.locator("h1")).to_contain_text("Reconciliation")
        assert page.locator("#divergences form:has(button[value=accept])").count() == 0
        expect(page.locator("#divergences")).to_contain_text("accepted by engineer")
        number = page.locator("#divergences a").first.inner_text()
        page.click(f"text={number}")
        expect(page.locator("h1")).to_contain_text(number)
        expect(page.locator("#legacy-rows")).to_contain_text("etranger")  # a parked dossier: its legacy rows
        page.screenshot(path=str(shots / "dossier.png"), full_page=True)
        check_accessibility("dossier")
        assert page.goto(f"{base}/dossiers/0000000000").status == 404
        expect(page.locator("#why")).to_contain_text("no such dossier")
        page.screenshot(path=str(shots / "error.png"), full_page=True)
        check_accessibility("error page")
        page.goto(f"{base}/gonogo")
        page.click("text=Evaluate now")
        expect(page.locator(f"#scope-{parked}")).to_contain_text("GO")
        assert "NO-GO" not in page.locator(f"#scope-{parked}").inner_text()
        page.goto(f"{base}/gonogo?scope={parked}")
        history = page.locator("#history").inner_text()
        assert history.index("GO") < history.index("NO-GO")  # the latest first: GO, after a NO-GO
        page.screenshot(path=str(shots / "gonogo-go.png"), full_page=True)
        log_out()

        # an admin: users, criteria and the audit of the decision
        log_in("admin")
        page.goto(f"{base}/admin")
        expect(page.locator("#audit")).to_contain_text("divergence.accept")
        page.screenshot(path=str(shots / "admin.png"), full_page=True)
        check_accessibility("admin")
        page.goto(f"{base}/gonogo/FRANCE/sheet")
        page.screenshot(path=str(shots / "decision-sheet.png"), full_page=True)
        check_accessibility("decision sheet")
        page.goto(f"{base}/dead-letters")
        check_accessibility("dead letters")
        browser.close()
    assert not inaccessible, f"axe-core finds serious or critical accessibility violations: {inaccessible}"
    with chain.anef.connect() as conn:
        decided = conn.execute(text("SELECT count(*) FROM web.audit WHERE username = 'engineer'"
                                    " AND action = 'divergence.accept'")).scalar_one()
    assert decided >= 1
