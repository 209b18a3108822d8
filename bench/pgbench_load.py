"""The overlap workload's AGDREF transactions played by ``pgbench`` (PostgreSQL's own C client):
a load generator that leaves the cores to the chain it measures (the Python simulator needed one
of the two at 400 transactions/s).

The scripts in ``bench/pgbench/`` reproduce the legacy mix of ``synthetic.workload`` (weights
below): an application filed with its receipt, a decision creating its permit in the same
transaction, hand-overs, receipt renewals, moves, removal measures. Aliases, purges and newcomers
(5 % of the simulator's mix) are left out: they need the generator's Python.
"""
from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

SCRIPTS = Path(__file__).parent / "pgbench"
MIX = {"file_application": 20, "decide_application": 18, "hand_over": 12, "renew_receipt": 8, "change_address": 10,
       "issue_measure": 4}


@dataclass(frozen=True)
class Played:
    transactions: int
    seconds: float
    failed: int

    @property
    def rate(self) -> float:
        return self.transactions / self.seconds if self.seconds else 0.0


def pgbench() -> str:
    for candidate in ("/usr/lib/postgresql/15/bin/pgbench", shutil.which("pgbench")):
        if candidate and Path(candidate).exists():
            return candidate
    raise SystemExit("pgbench not found (Debian's postgresql-15 package ships it)")


def prepare(agdref: Engine) -> dict[str, int]:
    """The pools the scripts draw from (schema ``bench_load``); returns pgbench's variables."""
    with agdref.begin() as conn:
        conn.exec_driver_sql((SCRIPTS / "setup.sql").read_text())
        persons = conn.execute(text("SELECT count(*) FROM bench_load.person")).scalar_one()
        receipts = conn.execute(text("SELECT count(*) FROM bench_load.receipt")).scalar_one()
    return {"persons": persons, "receipts": receipts}


def play(agdref_url: str, variables: dict[str, int], rate: int, seconds: int, clients: int = 8) -> Played:
    """``rate`` transactions per second for ``seconds`` (blocks); raises SystemExit if pgbench fails."""
    return run(agdref_url, {SCRIPTS / f"{name}.sql": weight for name, weight in MIX.items()}, variables, rate,
               seconds, clients)


def run(url_text: str, scripts: dict[Path, int], variables: dict[str, int], rate: int, seconds: int,
        clients: int) -> Played:
    """pgbench playing ``scripts`` (path → weight) on the database at ``url_text`` (blocks); raises
    SystemExit if pgbench fails. Shared by the benchmarks of both directions."""
    url = make_url(url_text)
    # Prepared statements: the load is what is measured against, not part of the chain; parsed and
    # planned at every call ("extended") its backends took 0.53 ms of processor time per
    # transaction, prepared 0.33 ms (400/s for 30 s on 3,000 persons, no chain running).
    command = [pgbench(), "-n", "-h", url.host or "127.0.0.1", "-p", str(url.port or 5432), "-U", url.username or "postgres",
               "-M", "prepared", "-c", str(clients), "-j", "2", "-R", str(rate), "-T", str(seconds)]
    command += [f"-D{name}={value}" for name, value in variables.items()]
    command += [f"-f{script}@{weight}" for script, weight in scripts.items()]
    done = subprocess.run([*command, url.database or ""], capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"pgbench failed: {done.stderr[-2000:]}")
    processed = re.search(r"number of transactions actually processed: (\d+)", done.stdout)
    failed = re.search(r"number of failed transactions: (\d+)", done.stdout)
    return Played(int(processed.group(1)) if processed else 0, float(seconds), int(failed.group(1)) if failed else 0)
