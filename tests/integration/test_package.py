"""The installed package is complete: built as a wheel, installed with the lock file into a fresh
virtual environment far from the checkout (as the image does), it starts the web application,
answers ``worker --help`` and creates both databases with ``db init``."""
from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import text

from common.db import engine
from tests.integration.conftest import drop_databases, free_port, wait_for
from tests.integration.infrastructure import Infrastructure

PROJECT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The ``bin`` folder of a virtual environment holding the wheel and the locked dependencies."""
    folder = tmp_path_factory.mktemp("package")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(folder / "wheels"), str(PROJECT)],
                   check=True, capture_output=True, cwd=folder, timeout=600)
    subprocess.run([sys.executable, "-m", "venv", str(folder / "venv")], check=True, timeout=120)
    # --no-compile: byte-compiling every dependency took a quarter of this fixture (56 → 41 s); Python
    # compiles what the test imports on first use anyway.
    pip = [str(folder / "venv/bin/python"), "-m", "pip", "install", "-q", "--disable-pip-version-check", "--no-compile"]
    subprocess.run([*pip, "--require-hashes", "-r", str(PROJECT / "deploy/requirements.lock")], check=True,
                   capture_output=True, cwd=folder, timeout=900)
    shutil.rmtree(PROJECT / "build", ignore_errors=True)  # setuptools' scratch folder in the checkout
    wheel = next((folder / "wheels").glob("agdref_anef-*.whl"))
    subprocess.run([*pip, "--no-deps", str(wheel)], check=True, capture_output=True, cwd=folder, timeout=300)
    return folder / "venv/bin"


def run(installed: Path, *arguments: str, env: dict | None = None) -> subprocess.CompletedProcess:
    # from a folder outside the checkout, with nothing of it on the path: only the wheel answers
    clean = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return subprocess.run([str(installed / "agdref-anef"), *arguments], env={**clean, **(env or {})}, text=True,
                          capture_output=True, cwd=installed.parent.parent, timeout=300)


def test_the_wheel_carries_its_data_and_runs_from_site_packages(installed: Path):
    where = subprocess.run([str(installed / "python"), "-c",
                            "import operations, operations.verdicts as v, json; print(operations.__file__);"
                            " print(json.loads(v.INITIAL_CRITERIA.read_text())['version'])"],
                           capture_output=True, text=True, check=True, cwd=installed.parent.parent).stdout.split()
    assert "site-packages" in where[0] and int(where[1]) >= 1
    helped = run(installed, "worker", "--help")
    assert helped.returncode == 0 and "Usage: agdref-anef worker" in helped.stdout, helped.stderr


def test_db_init_from_the_wheel_creates_both_databases(installed: Path, infrastructure: Infrastructure):
    name = "pkg" + secrets.token_hex(4)
    urls = {"AGDREF_DATABASE_URL": infrastructure.database_url(f"agdref_{name}"),
            "ANEF_DATABASE_URL": infrastructure.database_url(f"anef_{name}")}
    try:
        done = run(installed, "db", "init", env=urls)
        assert done.returncode == 0, done.stdout + done.stderr
        anef = engine(urls["ANEF_DATABASE_URL"])
        with anef.connect() as conn:
            schemas = set(conn.execute(text("SELECT nspname FROM pg_namespace")).scalars())
        anef.dispose()
        assert {"anef", "migration", "reconciliation", "web", "evidence"} <= schemas
    finally:
        drop_databases(infrastructure, f"agdref_{name}", f"anef_{name}")


def test_the_web_application_starts_from_the_wheel_with_its_pages_and_assets(installed: Path, chain):
    port = free_port()
    env = {**{k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}, **chain.environment,
           "WEB_PORT": str(port), "WEB_SESSION_SECRET": secrets.token_urlsafe(40)}
    web = subprocess.Popen([str(installed / "agdref-anef"), "web"], env=env, cwd=installed.parent.parent,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)

    def get(path: str) -> tuple[int, str]:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as answer:
            return answer.status, answer.read().decode()

    try:
        wait_for(lambda: web.poll() is not None or _answers(get), 60, "the web application")
        assert web.poll() is None, web.stderr.read()
        status, page = get("/login")
        assert status == 200 and 'name="password"' in page
        assert get("/static/style.css")[0] == 200
    finally:
        web.terminate()
        web.wait(timeout=30)


def _answers(get) -> bool:
    try:
        return get("/login")[0] == 200
    except OSError:
        return False
