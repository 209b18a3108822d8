"""Background processes of the project (connector, worker) started by the demo and the tests:
detached, logging to a file, tracked by a pid file, stopped with SIGTERM."""
from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from infra.process import pid_alive, read_pid, stop_pid


@dataclass(frozen=True)
class Background:
    name: str
    folder: Path

    @property
    def pid_file(self) -> Path:
        return self.folder / f"{self.name}.pid"

    @property
    def log_file(self) -> Path:
        return self.folder / f"{self.name}.log"

    def log_tail(self, chars: int = 2000) -> str:
        """The end of the process's log ("" before it ever ran): for the message of a failure."""
        try:
            return self.log_file.read_text(errors="replace")[-chars:]
        except FileNotFoundError:
            return ""

    def start(self, *args: str, env: dict[str, str] | None = None) -> int:
        """Start ``agdref-anef ARGS`` in its own session; returns its pid. Does not block."""
        self.folder.mkdir(parents=True, exist_ok=True)
        log = open(self.log_file, "ab")
        proc = subprocess.Popen(
            [sys.executable, "-m", "cli", *args], stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True, env={**os.environ, **(env or {})},
        )
        self.pid_file.write_text(str(proc.pid))
        return proc.pid

    @property
    def pid(self) -> int | None:
        pid = read_pid(self.pid_file)
        return pid if pid_alive(pid) else None

    def stop(self, grace_seconds: float = 20.0) -> None:
        pid = read_pid(self.pid_file)
        if pid_alive(pid):
            stop_pid(pid, grace_seconds)
        self.pid_file.unlink(missing_ok=True)
