"""Schema versions: ``db init`` is an Alembic upgrade to the latest revision; the result equals the
declared tables (Alembic's autogenerate and the CHECKs find nothing); a database of the first
release (before versions) is upgraded in place with its data; drift made by hand is found and the
safe part of it restored."""
from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from common.db import engine
from infra.database import ensure_database
from tests.integration.conftest import drop_databases
from tests.integration.infrastructure import Infrastructure

DATA = Path(__file__).parent / "data"


@pytest.fixture
def databases(infrastructure: Infrastructure) -> Iterator[dict[str, str]]:
    name = "sv" + secrets.token_hex(4)
    urls = {"AGDREF_DATABASE_URL": infrastructure.database_url(f"agdref_{name}"),
            "ANEF_DATABASE_URL": infrastructure.database_url(f"anef_{name}")}
    yield urls
    drop_databases(infrastructure, f"agdref_{name}", f"anef_{name}")


def db(command: str, urls: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cli", "db", command], env={**os.environ, **urls},
                          capture_output=True, text=True, timeout=300)


def test_db_init_on_empty_databases_reaches_the_latest_revision_equal_to_the_declared_tables(databases):
    from migrations import versions

    done = db("init", databases)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "agdref at revision 0003, anef at revision 0003" in done.stdout
    assert "both databases match the declared tables" in done.stdout
    for name, url in (("anef", databases["ANEF_DATABASE_URL"]), ("agdref", databases["AGDREF_DATABASE_URL"])):
        assert versions.differences(engine(url), name) == [], name
    with engine(databases["AGDREF_DATABASE_URL"]).connect() as conn:
        assert conn.execute(text("SELECT to_regclass('agdref_anef.signal')")).scalar() is not None


def test_a_first_release_database_is_upgraded_in_place_and_keeps_its_data(databases):
    for url, dump in ((databases["ANEF_DATABASE_URL"], "release-0.1.0-anef.sql"),
                      (databases["AGDREF_DATABASE_URL"], "release-0.1.0-agdref-control.sql")):
        ensure_database(url)
        with engine(url).begin() as conn:
            conn.exec_driver_sql((DATA / dump).read_text())
    with engine(databases["ANEF_DATABASE_URL"]).begin() as conn:
        conn.execute(text("INSERT INTO web.criteria (version, username, reason, body) VALUES (1, 'x', 'kept', '{}')"))
    done = db("init", databases)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "agdref at revision 0003, anef at revision 0003" in done.stdout and "both databases match the declared tables" in done.stdout
    with engine(databases["ANEF_DATABASE_URL"]).connect() as conn:
        assert conn.execute(text("SELECT reason FROM web.criteria")).scalar_one() == "kept"


def test_a_dropped_check_and_index_are_reported_then_restored_by_repair(databases):
    assert db("init", databases).returncode == 0
    with engine(databases["ANEF_DATABASE_URL"]).begin() as conn:
        conn.execute(text("ALTER TABLE anef.usager DROP CONSTRAINT usager_sexe_check"))
        conn.execute(text("DROP INDEX migration.pending_live_since"))
    checked = db("check", databases)
    assert checked.returncode == 1
    assert "missing CHECK usager_sexe_check on anef.usager" in checked.stdout
    assert "add_index pending_live_since" in checked.stdout
    repaired = db("repair", databases)
    assert repaired.returncode == 0, repaired.stdout + repaired.stderr
    assert "restored CHECK usager_sexe_check on anef.usager" in repaired.stdout
    assert "restored index pending_live_since" in repaired.stdout
    with engine(databases["ANEF_DATABASE_URL"]).begin() as conn, pytest.raises(Exception, match="usager_sexe_check"):
        conn.execute(text("INSERT INTO anef.usager (numero_etranger, nom_naissance, prenoms, sexe,"
                          " precision_naissance, nationalite, prefecture, statut, origine, maj_le) VALUES"
                          " ('0000000001', 'A', '{}', 'Z', 'COMPLETE', 'FRA', '75', 'ACTIF', 'ANEF', now())"))
