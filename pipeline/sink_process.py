"""The sink's steps in processes of their own, beside the Faust worker.

Why: Faust's event loops (the consumer's and the agents') and the sink's steps (record, rebuild:
mostly Python, mapping whole dossiers) shared one interpreter lock. Measured under live changes
(`bench.freshness`, pgbench mix, 93 legacy transactions/s), the event loop kept the lock ~45 % of
the time and a sink step ran about twice as long inside the worker as in a process alone: the
worker saturated near 80 transactions/s. In processes of their own the steps run beside the event
loop instead of taking turns with it.

Each process holds its own connection pool and ``DossierSink``; a step is one call (its arguments
and its ``SinkResult`` travel pickled: plain dataclasses). ``SINK_PROCESSES`` of them (3: a
recording and the two rebuild loops of ``REBUILD_TASKS`` run side by side); 0 keeps the steps in
threads of the worker's own process.

What a step raises comes back as one of two errors, whatever the process: ``SinkUnavailable``
(ANEF's database cannot be reached: the caller waits and runs the very same step again) or
``SinkDefect`` (anything else: the caller exits without acknowledging). A sink process that dies
breaks the pool (``BrokenProcessPool``): the worker exits too, and the batch is read again after
its restart. A sink process never outlives the worker (``PR_SET_PDEATHSIG``): one left behind
would hold connections and locks nobody waits for.
"""
from __future__ import annotations

import ctypes
import multiprocessing
import signal
from concurrent.futures import Executor, ProcessPoolExecutor
from functools import partial
from typing import Any

from pipeline.exceptions import SinkDefect, SinkUnavailable

_parts: dict[str, Any] = {}  # this sink process's own "sink" (DossierSink)
_PR_SET_PDEATHSIG = 1


class Steps:
    """Where the worker's blocking steps run: ``pool`` (sink processes), or threads of the worker
    (no pool) on its own ``parts``."""

    def __init__(self, pool: Executor | None, parts: dict[str, Any]) -> None:
        self.pool, self._parts = pool, parts

    def __call__(self, part: str, method: str, *args: Any) -> partial:
        """The call that runs ``method`` of ``part`` (in a sink process: "sink", its
        ``DossierSink``) with ``args``. Wherever it runs, it raises only ``SinkUnavailable`` or
        ``SinkDefect``."""
        if self.pool is None:
            return partial(_guarded, getattr(self._parts[part], method), *args)
        return partial(_in_process, part, method, *args)


def start(processes: int, parts: dict[str, Any], options: dict[str, Any], logging: tuple[str, str, str]) -> Steps:
    """``processes`` sink processes to take steps, each with a ``DossierSink`` of its own built
    from ``options`` (0: the steps run in threads, on ``parts``). Does not wait for them to be
    ready (~1.5 s of imports): Faust starts meanwhile, and the first step waits; one that cannot
    start breaks the pool at that step, and the worker exits."""
    if processes <= 0:
        return Steps(None, parts)
    # Spawned, not forked: a forked child shares the worker's whole heap copy-on-write, and its
    # reference counts and collections copied it page by page (measured with the same bench: p50
    # at 100 transactions/s 742 ms forked, 496 ms spawned; 200/s 9.5 s against 6.5 s). A spawned
    # child imports the pipeline again (~1.5 s per worker start), once.
    method = "spawn"
    pool = ProcessPoolExecutor(max_workers=processes, mp_context=multiprocessing.get_context(method),
                               initializer=_start, initargs=(options, logging))
    # Started now, from this (the main) thread: the death signal follows the thread that started a
    # process, and the pool would otherwise start them from whichever thread submits first.
    for _ in range(processes):
        pool.submit(_ready)
    from common.log import get_logger

    get_logger(__name__).info("worker.sink_processes", processes=processes, started_by=method)
    return Steps(pool, parts)


def _start(options: dict[str, Any], logging: tuple[str, str, str]) -> None:
    try:
        ctypes.CDLL(None).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: the pool's own checks still end it with the worker
        pass
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the worker decides when to stop, not a Ctrl-C to the group
    from common.db import engine
    from common.log import configure_logging
    from pipeline.sink import DossierSink

    configure_logging(*logging)
    _parts["sink"] = DossierSink(engine(options["anef_url"], pool_size=1, pool_pre_ping=False), **options["sink"])
    from common.collector import tune_for_mapping

    tune_for_mapping()


def _ready() -> bool:
    return "sink" in _parts


def _in_process(part: str, method: str, *args: Any) -> Any:
    return _guarded(getattr(_parts[part], method), *args)


def _guarded(method: Any, *args: Any) -> Any:
    """Run a step; translate what it raises (a database error may not survive pickling, and the
    caller needs one question answered: wait and retry, or stop)."""
    import psycopg2
    from sqlalchemy.exc import DBAPIError, OperationalError

    try:
        return method(*args)
    except psycopg2.OperationalError as exc:  # AGDREF unreachable while the initial load reads it
        raise SinkUnavailable(type(exc).__name__) from None
    except DBAPIError as exc:
        if isinstance(exc, OperationalError) or exc.connection_invalidated:
            raise SinkUnavailable(type(exc.orig or exc).__name__) from None
        raise SinkDefect(f"{type(exc).__name__}: {str(exc)[:500]}") from None
    except Exception as exc:  # noqa: BLE001 - any other failure is a defect: the worker stops without acknowledging
        raise SinkDefect(f"{type(exc).__name__}: {str(exc)[:500]}") from None
