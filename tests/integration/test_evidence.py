"""The evidence chain over real databases: a hand-made UPDATE or DELETE of a run, a decision, a
criteria version, a verdict or a chain record is named by `evidence verify`; an export verifies
with the procedure written in docs/evidence.md, and its signature with OpenSSL."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import text

from evidence import store as evidence
from operations.gonogo import StreamFacts
from operations.verdicts import change_criteria, evaluate_all
from reconciliation import store
from reconciliation.divergence import Divergence, Kind, RunSummary, Severity
from tests.integration.infrastructure import Infrastructure
from tests.integration.test_rights import fresh_systems

pytestmark = pytest.mark.integration
DOCUMENTED = Path(__file__).parents[2] / "docs" / "evidence.md"


@pytest.fixture(scope="module")
def systems(infrastructure: Infrastructure):
    with fresh_systems(infrastructure) as made:
        evaluate_all(made.agdref, made.anef, StreamFacts(None, 0), "test", date.today())  # NO-GO: unmeasured
        change_criteria(made.anef, "an admin", "rehearsal", {**_criteria(made), "coverage_min": 0.99})
        with made.anef.begin() as conn:
            run = store.start_run(conn, 1)
            store.record_run(conn, RunSummary(run, divergences=[
                Divergence("0100000002", Kind.PARKED, Severity.MEDIUM, prefecture="13", detail="x")]))
            ident = conn.execute(text("SELECT id FROM reconciliation.divergence")).scalar_one()
            store.accept(conn, ident, "an engineer", "known and explained")
        yield made


def _criteria(made) -> dict:
    from operations.verdicts import current_criteria

    return current_criteria(made.anef).body()


TAMPERING = {
    "a verdict turned to GO": ("UPDATE web.verdict SET go = true WHERE id = (SELECT min(id) FROM web.verdict"
                               " WHERE NOT go)", "verdict"),
    "a run's counts": ("UPDATE reconciliation.run SET persons = persons + 1 WHERE id = 1", "run"),
    "a decision's reason": ("UPDATE reconciliation.decision SET reason = 'nobody said that'", "decision"),
    "a criteria version": ("UPDATE web.criteria SET body = jsonb_set(body, '{coverage_min}', '0.5') WHERE version = 2",
                           "criteria"),
    "a verdict deleted": ("DELETE FROM web.verdict WHERE id = 2", "verdict"),
    # (chr(58) is ":", which SQLAlchemy's text() would read as a bind parameter)
    "a chain record edited": ("UPDATE evidence.record SET canonical = replace(canonical, '\"go\"' || chr(58) || 'false',"
                              " '\"go\"' || chr(58) || 'true') WHERE seq = (SELECT min(seq) FROM evidence.record"
                              " WHERE kind = 'verdict' AND strpos(canonical, '\"go\"' || chr(58) || 'false') > 0)",
                              "verdict"),
    "a chain record removed": ("DELETE FROM evidence.record WHERE seq = 2", None),
}


def test_an_untouched_chain_verifies(systems):
    with systems.anef.connect() as conn:
        found = evidence.verify(conn)
    assert found.ok and found.records >= 8, found
    assert {r["kind"] for r in systems.sql("anef", "SELECT DISTINCT kind FROM evidence.record")} == \
        {"run", "decision", "criteria", "verdict"}


@pytest.mark.parametrize("case", list(TAMPERING))
def test_a_hand_made_change_is_named_at_its_record(systems, case: str):
    statement, kind = TAMPERING[case]
    with systems.anef.connect() as conn:
        transaction = conn.begin()
        try:
            assert conn.execute(text(statement)).rowcount == 1
            found = evidence.verify(conn)
        finally:
            transaction.rollback()  # the next case starts from the untouched chain
    assert not found.ok and found.broken is not None, found
    if kind:
        assert found.broken.kind == kind, found.broken


def test_the_command_exits_1_and_names_the_record(systems, tmp_path: Path):
    env = {"ANEF_DATABASE_URL": systems.anef.url.render_as_string(hide_password=False), "PATH": "/usr/bin:/bin"}
    ok = subprocess.run([sys.executable, "-m", "cli", "evidence", "verify"], env=env, capture_output=True, text=True)
    assert ok.returncode == 0 and "evidence chain verified" in ok.stdout, ok.stdout + ok.stderr
    systems.sql("anef", "UPDATE reconciliation.decision SET reason = 'nobody said that'")
    try:
        broken = subprocess.run([sys.executable, "-m", "cli", "evidence", "verify"], env=env, capture_output=True,
                                text=True)
        assert broken.returncode == 1 and re.search(r"BROKEN at record \d+ \(decision 1\)", broken.stdout), broken.stdout
    finally:
        systems.sql("anef", "UPDATE reconciliation.decision SET reason = 'known and explained'")


def _documented_procedure() -> str:
    return re.search(r"```python\n(.*?)```", DOCUMENTED.read_text(), re.S).group(1)


def test_an_export_verifies_with_the_documented_procedure_and_a_tampered_one_does_not(systems, tmp_path: Path):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate().private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                     serialization.NoEncryption()).decode()
    with systems.anef.connect() as conn:
        manifest = evidence.export(conn, tmp_path, key)
    procedure = _documented_procedure()
    checked = subprocess.run([sys.executable, "-c", procedure], cwd=tmp_path, capture_output=True, text=True)
    assert checked.returncode == 0 and f"head {manifest['head']}" in checked.stdout, checked.stdout + checked.stderr
    if shutil.which("openssl"):
        signature = subprocess.run(["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", "public_key.pem", "-rawin",
                                    "-in", "manifest.json", "-sigfile", "manifest.sig"], cwd=tmp_path,
                                   capture_output=True, text=True)
        assert signature.returncode == 0 and "Success" in signature.stdout, signature.stdout + signature.stderr
    chain = tmp_path / "chain.jsonl"
    chain.write_text(chain.read_text().replace('"go":false', '"go":true', 1))
    tampered = subprocess.run([sys.executable, "-c", procedure], cwd=tmp_path, capture_output=True, text=True)
    assert tampered.returncode != 0 and "does not hold" in tampered.stderr
    assert evidence.read_export(tmp_path) is not None
