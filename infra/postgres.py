"""PostgreSQL from Debian's packages, in a cluster the project owns (its own folder and port).

The server refuses to run as root; when we are root (our machines, CI) every server command runs
as the ``postgres`` user that the Debian package creates. ``wal_level=logical`` because the
connector decodes the write-ahead log.
"""
from __future__ import annotations

import glob
import os
import shutil
import subprocess
import time
from pathlib import Path

from infra.exceptions import InfraError, MissingToolError, StartTimeoutError
from infra.process import ServiceStatus, install_debian_packages, pid_alive, started_at
from infra.profile import Profile

SERVER_SETTINGS = """
# Written by infra/postgres.py for the local profile.
listen_addresses = '127.0.0.1'
port = {port}
unix_socket_directories = '{socket_dir}'
max_connections = 200
shared_buffers = 256MB
wal_level = logical
max_replication_slots = 20
max_wal_senders = 20
# A slot nobody acknowledges would otherwise keep WAL forever and fill the disk.
max_slot_wal_keep_size = 4GB
# Local only: an OS crash could corrupt this cluster. Killed processes (ours or PostgreSQL's) are
# still safe, because commits reach the kernel before they are acknowledged.
fsync = off
full_page_writes = off
log_min_messages = warning
"""
ACCESS_RULES = """
# Local profile: loopback only, no password (never use these rules outside a developer machine).
local all all trust
host all all 127.0.0.1/32 trust
host replication all 127.0.0.1/32 trust
"""


def _bin_dir() -> Path:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(p.split("/")[4]))
    if candidates:
        return Path(candidates[-1]).parent
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).resolve().parent
    raise MissingToolError("PostgreSQL's server binaries are missing (apt-get install postgresql)")


def ensure_installed() -> None:
    """Install Debian's PostgreSQL server when its binaries are missing. Blocks for apt-get."""
    try:
        _bin_dir()
    except MissingToolError:
        install_debian_packages("postgresql")
        _bin_dir()


def _as_server_user(cmd: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return cmd
    return ["runuser", "-u", "postgres", "--", *cmd]


def _run(cmd: list[str]) -> subprocess.CompletedProcess:
    result = subprocess.run(_as_server_user(cmd), capture_output=True, text=True)
    if result.returncode != 0:
        raise InfraError(f"{' '.join(cmd[:2])} failed ({result.returncode}): {result.stderr.strip() or result.stdout.strip()}")
    return result


def _data_dir(profile: Profile) -> Path:
    return profile.postgres_dir / "data"


def _initialise(profile: Profile) -> None:
    data = _data_dir(profile)
    if (data / "PG_VERSION").exists():
        return
    data.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        shutil.chown(profile.postgres_dir, "postgres", "postgres")
        shutil.chown(data, "postgres", "postgres")
    os.chmod(data, 0o700)
    _run([str(_bin_dir() / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
          "--no-locale", "--no-sync"])
    with open(data / "postgresql.conf", "a") as conf:
        conf.write(SERVER_SETTINGS.format(port=profile.postgres_port, socket_dir=data))
    (data / "pg_hba.conf").write_text(ACCESS_RULES)
    if os.geteuid() == 0:
        shutil.chown(data / "pg_hba.conf", "postgres", "postgres")


def _postmaster_pid(profile: Profile) -> int | None:
    try:
        return int((_data_dir(profile) / "postmaster.pid").read_text().splitlines()[0])
    except (OSError, ValueError, IndexError):
        return None


def status(profile: Profile) -> ServiceStatus:
    pid = _postmaster_pid(profile)
    alive = pid_alive(pid)
    return ServiceStatus(
        name="postgresql", running=alive, pid=pid if alive else None,
        address=f"127.0.0.1:{profile.postgres_port}", since=started_at(pid) if alive and pid else None,
        folder=_data_dir(profile), log=profile.postgres_dir / "server.log",
    )


def start(profile: Profile, timeout: float = 60.0) -> ServiceStatus:
    """Create the cluster on first use and start it; blocks until it accepts connections."""
    if not status(profile).running:
        ensure_installed()
        _initialise(profile)
        log = profile.postgres_dir / "server.log"
        if not log.exists():
            log.touch()
            if os.geteuid() == 0:
                shutil.chown(log, "postgres", "postgres")
        _run([str(_bin_dir() / "pg_ctl"), "-D", str(_data_dir(profile)), "-l", str(log), "-w",
              "-t", str(int(timeout)), "start"])
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready = subprocess.run([str(_bin_dir() / "pg_isready"), "-h", "127.0.0.1", "-p", str(profile.postgres_port)],
                               capture_output=True)
        if ready.returncode == 0:
            return status(profile)
        time.sleep(0.3)
    raise StartTimeoutError(f"PostgreSQL did not accept connections within {timeout:.0f}s; see {profile.postgres_dir}/server.log")


def stop(profile: Profile) -> None:
    """Fast shutdown: running transactions are rolled back, committed data is kept."""
    if status(profile).running:
        _run([str(_bin_dir() / "pg_ctl"), "-D", str(_data_dir(profile)), "-m", "fast", "-w", "stop"])
