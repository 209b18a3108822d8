"""Small helpers shared by the launchers: pid files, liveness, installing missing packages."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from infra.exceptions import MissingToolError


@dataclass(frozen=True)
class ServiceStatus:
    name: str
    running: bool
    pid: int | None
    address: str
    since: datetime | None
    folder: Path
    log: Path

    def describe(self) -> str:
        if not self.running:
            return f"{self.name:<10} stopped   {self.address:<22} folder {self.folder}"
        since = self.since.strftime("%Y-%m-%d %H:%M:%S UTC") if self.since else "?"
        return f"{self.name:<10} running   {self.address:<22} pid {self.pid} since {since}, log {self.log}"


def pid_alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child still answers kill(0); look at its state.
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return True


def started_at(pid: int) -> datetime | None:
    """When the process started, from /proc (boot time + start ticks)."""
    try:
        ticks = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19])
        boot = next(int(line.split()[1]) for line in Path("/proc/stat").read_text().splitlines()
                    if line.startswith("btime"))
    except (OSError, ValueError, IndexError, StopIteration):
        return None
    return datetime.fromtimestamp(boot + ticks / os.sysconf("SC_CLK_TCK"), tz=UTC)


def read_pid(path: Path) -> int | None:
    try:
        return int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def stop_pid(pid: int, grace_seconds: float = 30.0) -> None:
    """SIGTERM, then SIGKILL after the grace period. Returns when the process is gone."""
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + grace_seconds
    while time.monotonic() < deadline:
        if not pid_alive(pid):
            return
        time.sleep(0.2)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def ensure_debian_packages(*packages: str, check: str) -> None:
    """Install Debian packages when the program ``check`` is missing (we run as root on our machines)."""
    if not shutil.which(check):
        install_debian_packages(*packages)


def install_debian_packages(*packages: str) -> None:
    """apt-get install, after an update (a new machine's package lists are empty). Blocks."""
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise MissingToolError(f"missing: install {' '.join(packages)} (needs root and apt-get)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", *packages], check=True, env=env)
