"""Where each local service lives: folders and ports, per profile.

Two profiles exist so that the test suite never touches the demo's data: ``demo`` (the default of
every command) and ``test`` (the pytest fixtures). Each gets its own folders and ports.
"""
from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEPLOY_LOCAL = PROJECT_ROOT / "deploy" / "local"
CACHE = PROJECT_ROOT / ".cache"
KAFKA_LIBS = CACHE / "kafka" / "libs"

_PORTS = {
    "demo": {"postgres": 54329, "kafka": 19092, "controller": 19093},
    "test": {"postgres": 54339, "kafka": 29092, "controller": 29093},
    # The three-broker rehearsal (`infra up --profile rehearsal --brokers 3`): nodes on 39092,
    # 39094, 39096, their controllers on the port after each.
    "rehearsal": {"postgres": 54349, "kafka": 39092, "controller": 39093},
}


@dataclass(frozen=True)
class Profile:
    name: str
    postgres_port: int
    kafka_port: int
    controller_port: int

    @property
    def state_dir(self) -> Path:
        return CACHE / "infra" / self.name

    @property
    def kafka_dir(self) -> Path:
        return self.state_dir / "kafka"

    @property
    def postgres_dir(self) -> Path:
        """PostgreSQL's folder. The server refuses to run as root, so it runs as the ``postgres``
        user, who must be able to reach the folder: when the checkout sits below a folder others
        cannot enter (``/root``), the cluster goes to ``/var/tmp`` under a name tied to this checkout."""
        inside = self.state_dir / "postgres"
        if os.geteuid() != 0 or _reachable_by_others(PROJECT_ROOT):
            return inside
        tag = hashlib.sha1(str(PROJECT_ROOT).encode()).hexdigest()[:8]
        return Path("/var/tmp") / f"agdref-anef-{tag}" / self.name / "postgres"

    @property
    def bootstrap_servers(self) -> str:
        return f"127.0.0.1:{self.kafka_port}"

    def database_url(self, database: str) -> str:
        return f"postgresql+psycopg2://postgres@127.0.0.1:{self.postgres_port}/{database}"

    def environment(self) -> dict[str, str]:
        """The settings that point any tool at this profile's services."""
        return {
            "AGDREF_DATABASE_URL": self.database_url("agdref"),
            "ANEF_DATABASE_URL": self.database_url("anef"),
            "KAFKA_BOOTSTRAP_SERVERS": self.bootstrap_servers,
        }


def profile(name: str = "demo") -> Profile:
    try:
        ports = _PORTS[name]
    except KeyError:
        raise ValueError(f"unknown infrastructure profile {name!r}; known: {', '.join(_PORTS)}") from None
    return Profile(name, ports["postgres"], ports["kafka"], ports["controller"])


def _reachable_by_others(path: Path) -> bool:
    for folder in [path, *path.parents]:
        if not folder.stat().st_mode & stat.S_IXOTH:
            return False
    return True
