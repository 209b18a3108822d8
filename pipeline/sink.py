"""The ANEF sink, in two steps of one database transaction each.

``record``: a batch of legacy changes is kept in the assembly area (``migration.legacy_row``) and
the numbers it touched are marked as waiting (``pipeline.pending``). ``rebuild_ready``: the ready
numbers are picked, their dossiers rebuilt from the whole kept state and written to ANEF or the
parking, and the marks removed. A crash between the two loses nothing: the marks are committed
with the changes, and the next rebuild picks them.

Exactly once in effect: a change not newer than the kept state of its row is ignored, and a
dossier is always rebuilt from the whole kept state, so replays, duplicates and restarts leave
ANEF as it was. Several workers may run: every number of a dossier is locked (a transaction-level
advisory lock, taken in sorted order) before the dossier is read and written, so two rebuilds of
the same person are applied one after the other, never interleaved, and never the older last.

Blocking (synchronous SQLAlchemy): the worker calls it from a thread, never on its event loop.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Engine, text

from common.bulk import array_literal
from domain.dossier import map_dossier
from pipeline import anef_writer, mirror, pending, range_writer
from pipeline.actions import RowChange, TransactionEnd


@dataclass
class SinkResult:
    changes: int = 0
    applied: int = 0
    replays: int = 0
    rebuilt: int = 0
    migrated: int = 0
    parked: int = 0
    erased: int = 0
    held: int = 0
    refused: int = 0
    waited: list[float] = field(default_factory=list, repr=False)  # per dossier: seconds since its legacy commit
    # What ANEF now holds, for the dossiers topic: root → the dossier as JSON (None: erased)
    published: dict[str, bytes | None] = field(default_factory=dict, repr=False)

    def add_rebuilds(self, step: SinkResult) -> None:
        """Count another rebuild step's dossiers in this result."""
        for name in ("rebuilt", "migrated", "parked", "erased", "held", "refused"):
            setattr(self, name, getattr(self, name) + getattr(step, name))


def _locked_dossiers(conn, touched: set[str]) -> tuple[dict[str, set[str]], dict[str, str | None]]:
    """The dossiers of ``touched`` and their alias graph, read while every member number is
    locked (a transaction-level advisory lock per number), so no other rebuild writes any of
    them until this transaction ends.

    The graph is read again after each round of locks until it holds no number left unlocked. A
    graph read before its locks may be overtaken by a recording that moved a number to another
    dossier and by the rebuild of that dossier; writing it afterwards would bring the old state
    back (an alias parked again after its reference arrived). Locks by number rather than by root:
    the old and the new dossier of a moved number share only that number. Extra rounds take locks
    out of order; the rare deadlock is aborted by PostgreSQL and the step retried. The first read
    comes before any lock on purpose: it lets the first round take every number of an alias's
    dossier in sorted order (locking the touched numbers first and the rest after deadlocked two
    rebuilds of the same alias and reference, measured with tests/integration/test_concurrent_rebuilds.py).
    A range of the initial load being written holds the gate alone (``pipeline.range_writer``)."""
    conn.execute(text(range_writer.GATE_SHARED))
    dossiers, links = mirror.dossiers_of(conn, touched)
    locked: set[str] = set()
    while unlocked := {n for members in dossiers.values() for n in members} - locked:
        conn.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(n, 0))"
                          " FROM (SELECT n FROM unnest(CAST(:n AS text[])) AS n ORDER BY n) AS ordered"),
                     {"n": array_literal(sorted(unlocked))})
        locked |= unlocked
        dossiers, links = mirror.dossiers_of(conn, touched)
    return dossiers, links


class DossierSink:
    def __init__(self, db: Engine, settle_seconds: float = 0.0, transaction_wait_seconds: float = 10.0,
                 snapshot_max_wait_seconds: float = 1800.0, worker_id: str = "sink") -> None:
        self._db = db
        self._settle, self._max_wait = settle_seconds, snapshot_max_wait_seconds
        self._wait = transaction_wait_seconds
        self._worker_id = worker_id

    def record(self, changes: list[RowChange], ends: list[TransactionEnd] = (), rebuild_limit: int = 0) -> SinkResult:
        """Keep the batch and mark what it touched, atomically; raises (and commits nothing) if
        the database fails, so the caller can retry the very same batch.

        With ``rebuild_limit``, the dossiers this batch made ready (its live changes, the legacy
        transactions it completed) are rebuilt in the same transaction, up to that many: a live
        change then reaches ANEF in one commit instead of two. The worker passes
        ``RECORD_REBUILD_LIMIT`` (0 by default): its agent is serial, and rebuilding there made the
        record step the bottleneck above ~150 transactions/s (docs/performance.md, stops 30 and 34)."""
        result = SinkResult(changes=len(changes))
        if not changes and not ends:
            return result
        with self._db.begin() as conn:
            # The load gate, shared: a range of the initial load being written (which holds it
            # alone) is never raced by a recording between its check and its COPY. Without it a
            # live stream recording the very rows a range was writing (persons added while the
            # load ran: ``make demo``) made every retry of the range fail, and the worker exit.
            conn.execute(text(range_writer.GATE_SHARED))
            recorded = mirror.record(conn, changes)
            result.applied, result.replays = recorded.applied, recorded.replays
            released = pending.mark(conn, recorded.touches, self._worker_id)
            released |= pending.end_transactions(conn, list(ends))
            picked = pending.pick_among(conn, recorded.touches.live | released, rebuild_limit, self._wait) \
                if rebuild_limit else []
            if picked:
                self._rebuild_picked(conn, picked, result)
        self._committed(picked, result)
        return result

    def rebuild_ready(self, limit: int = 1000) -> SinkResult:
        """Rebuild and write up to ``limit`` waiting dossiers that are ready, atomically."""
        result = SinkResult()
        with self._db.begin() as conn:
            picked = pending.pick(conn, limit, self._wait, self._settle, self._max_wait)
            if not picked:
                return result
            self._rebuild_picked(conn, picked, result)
        self._committed(picked, result)
        return result

    def _rebuild_picked(self, conn, picked: list[pending.Waiting], result: SinkResult) -> None:
        latest = {w.numero: (w.position, int(w.committed_at.timestamp() * 1000)) for w in picked}
        self._rebuild(conn, set(latest), latest, result)
        pending.done(conn, picked)

    @staticmethod
    def _committed(picked: list[pending.Waiting], result: SinkResult) -> None:
        now = datetime.now(UTC)
        result.waited = [(now - w.committed_at).total_seconds() for w in picked]

    def apply(self, changes: list[RowChange], ends: list[TransactionEnd] = ()) -> SinkResult:
        """``record``, then rebuild whatever is ready until nothing is: both steps at once, for
        callers that want ANEF up to date when it returns (tests, tools)."""
        result = self.record(changes, ends)
        while True:
            step = self.rebuild_ready()
            if not step.rebuilt:
                return result
            result.add_rebuilds(step)

    def housekeeping(self) -> int:
        """Forget legacy transactions that can no longer hold anything back (an END marker or an
        event lost); returns how many dossiers wait for a rebuild."""
        with self._db.begin() as conn:
            pending.forget_abandoned(conn, older_than_seconds=2 * self._wait)
            return pending.backlog(conn)

    def rebuild(self, numbers: set[str]) -> SinkResult:
        """Rebuild and write the dossiers of these numbers from what is kept, without any new
        change: a replay after a mapping fix or a decision (``agdref-anef rejects replay``)."""
        result = SinkResult()
        with self._db.begin() as conn:
            self._rebuild(conn, numbers, {}, result)
        return result

    @staticmethod
    def _rebuild(conn, touched: set[str], latest: dict[str, tuple[int, int]], result: SinkResult) -> None:
        dossiers, links = _locked_dossiers(conn, touched)
        legacy = mirror.load(conn, dossiers, links)
        rebuilt = []
        for root, members in dossiers.items():
            position, committed_ms = max(latest.get(n, (0, 0)) for n in members)
            changed_at = datetime.fromtimestamp(committed_ms / 1000, tz=UTC) if committed_ms else \
                datetime.now(UTC)
            rebuilt.append(anef_writer.Rebuilt(root, frozenset(members), map_dossier(legacy[root], changed_at), position))
        written = anef_writer.write(conn, rebuilt)
        result.rebuilt = len(rebuilt)
        result.migrated, result.parked, result.erased = written.migrated, written.parked, written.erased
        result.held, result.refused = len(written.held), len(written.refused)
        result.published.update(anef_writer.published(rebuilt, written))
