"""The local launcher's services are real processes the project started, and `infra` says so."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.infrastructure import Infrastructure


def test_infra_status_shows_the_broker_and_the_database_running(infrastructure: Infrastructure):
    if infrastructure.provided_by != "local launcher":
        pytest.skip("services were not started by the project's launcher in this run")
    out = subprocess.run([sys.executable, "-m", "cli", "infra", "status", "--profile", "test"],
                         capture_output=True, text=True, check=True).stdout
    lines = {line.split()[0]: line for line in out.splitlines()}
    for service, program in (("postgresql", "postgres"), ("kafka", "java")):
        assert " running " in lines[service], out
        pid = int(lines[service].split(" pid ")[1].split()[0])
        assert Path(f"/proc/{pid}/exe").resolve().name.startswith(program)


def test_infra_env_prints_exports_that_reach_the_test_profile():
    out = subprocess.run([sys.executable, "-m", "cli", "infra", "env", "--profile", "test"],
                         capture_output=True, text=True, check=True, env={**os.environ}).stdout
    assert "export KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:29092" in out
    assert "export AGDREF_DATABASE_URL=postgresql+psycopg2://postgres@127.0.0.1:54339/agdref" in out
