"""What every benchmark shares: where to run (a database of its own on the local profile's
server, created and dropped by the benchmark), and how to print figures."""
from __future__ import annotations

import secrets
import time
from contextlib import contextmanager
from typing import Iterator

from sqlalchemy import Engine, text

from common.db import engine, server_url
from infra import kafka, postgres
from infra.profile import profile


@contextmanager
def scratch_database(prefix: str, start_kafka: bool = False) -> Iterator[tuple[str, Engine]]:
    """A fresh database on the demo profile's server (started if needed), dropped afterwards."""
    p = profile("demo")
    postgres.start(p)
    if start_kafka:
        kafka.start(p)
    name = f"bench_{prefix}_{secrets.token_hex(3)}"
    url = p.database_url(name)
    admin = engine(server_url(url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    db = engine(url)
    try:
        yield url, db
    finally:
        db.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


class Stopwatch:
    def __enter__(self) -> "Stopwatch":
        self.started = time.perf_counter()
        return self

    def __exit__(self, *exc) -> None:
        self.seconds = time.perf_counter() - self.started


def figure(name: str, value: float, unit: str, goal: str = "") -> None:
    shown = f"{value:>14.3f}" if not unit else f"{value:>14,.1f}"  # ratios need their decimals
    print(f"{name:<48} {shown} {unit:<14} {goal}")
