"""Where the time goes: py-spy (PyPI) attached to a running process of the chain, a flame graph
as SVG when it stops. py-spy is installed on first use into a virtual environment of its own
(``.cache/tools/py-spy``); attaching needs ptrace (root here).

    with flame_graph(pid, Path("docs/performance/worker-backfill-before.svg")):
        ...  # the work to profile
"""
from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from infra.profile import CACHE

PY_SPY = "py-spy==0.4.3"


def py_spy() -> Path:
    binary = CACHE / "tools" / "py-spy" / "bin" / "py-spy"
    if not binary.exists():
        subprocess.run([sys.executable, "-m", "venv", str(binary.parent.parent)], check=True)
        subprocess.run([str(binary.parent / "pip"), "install", "-q", PY_SPY], check=True)
    return binary


@contextmanager
def flame_graph(pid: int, svg: Path, rate: int = 50) -> Iterator[None]:
    """Samples ``pid`` (and its sub-processes and native frames skipped: Python time only) while
    the block runs; writes ``svg`` when it ends."""
    svg.parent.mkdir(parents=True, exist_ok=True)
    recorder = subprocess.Popen([str(py_spy()), "record", "--pid", str(pid), "--rate", str(rate), "--subprocesses",
                                 "--format", "flamegraph", "--output", str(svg), "--nonblocking"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        yield
    finally:
        recorder.send_signal(signal.SIGINT)  # py-spy writes the graph when interrupted
        try:
            recorder.wait(timeout=60)
        except subprocess.TimeoutExpired:
            recorder.kill()
