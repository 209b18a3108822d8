"""The ANEF sink: one transaction per batch records the legacy changes, rebuilds every dossier
they touch from the assembly area, and writes those dossiers to ANEF or the parking.

Exactly once in effect: a change not newer than the kept state of its row is ignored, and a
dossier is always rebuilt from the whole kept state, so replays, duplicates and restarts leave
ANEF as it was. Several workers may run: each dossier is locked (a transaction-level advisory lock,
taken in sorted order) before it is read and written, so two batches touching the same person are
applied one after the other, never interleaved.

Blocking (synchronous SQLAlchemy): the worker calls it from a thread, never on its event loop.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import Engine, text

from pipeline import anef_writer, mirror
from pipeline.actions import RowChange
from pipeline.mapping.dossier import map_dossier


@dataclass
class SinkResult:
    changes: int = 0
    applied: int = 0
    replays: int = 0
    migrated: int = 0
    parked: int = 0
    erased: int = 0
    held: int = 0
    refused: int = 0


class DossierSink:
    def __init__(self, db: Engine) -> None:
        self._db = db

    def apply(self, changes: list[RowChange]) -> SinkResult:
        """Apply the batch atomically; raises (and commits nothing) if the database fails, so the
        caller can retry the very same batch."""
        result = SinkResult(changes=len(changes))
        if not changes:
            return result
        with self._db.begin() as conn:
            recorded = mirror.record(conn, changes)
            result.applied, result.replays = recorded.applied, recorded.replays
            if recorded.touched:
                self._rebuild(conn, recorded.touched, recorded.latest, result)
        return result

    def rebuild(self, numbers: set[str]) -> SinkResult:
        """Rebuild and write the dossiers of these numbers from what is kept, without any new
        change: a replay after a mapping fix or a decision (``agdref-anef rejects replay``)."""
        result = SinkResult()
        with self._db.begin() as conn:
            self._rebuild(conn, numbers, {}, result)
        return result

    @staticmethod
    def _rebuild(conn, touched: set[str], latest: dict[str, tuple[int, int]], result: SinkResult) -> None:
        dossiers, _ = mirror.dossiers_of(conn, touched)
        conn.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(r, 0)) "
                          "FROM (SELECT r FROM unnest(CAST(:roots AS text[])) AS r ORDER BY r) AS ordered"),
                     {"roots": sorted(dossiers)})
        dossiers, links = mirror.dossiers_of(conn, touched)  # as they are now that we hold them
        legacy = mirror.load(conn, dossiers, links)
        rebuilt = []
        for root, members in dossiers.items():
            position, committed_ms = max(latest.get(n, (0, 0)) for n in members)
            changed_at = datetime.fromtimestamp(committed_ms / 1000, tz=timezone.utc) if committed_ms else \
                datetime.now(timezone.utc)
            rebuilt.append(anef_writer.Rebuilt(root, frozenset(members), map_dossier(legacy[root], changed_at), position))
        written = anef_writer.write(conn, rebuilt)
        result.migrated, result.parked, result.erased = written.migrated, written.parked, written.erased
        result.held, result.refused = written.held, len(written.refused)
