"""Rebuilding the dossiers an older mapping made (``agdref-anef rebuild --outdated-mapping``).

After a mapping fix is deployed, the workers apply it to the dossiers AGDREF changes from then on;
the others keep what the old rules made until something touches them. This rebuilds them from the
assembly area with the running mapping, in batches of one transaction each, alongside the workers
(a dossier's rebuilds never interleave: the sink locks it). Dossiers the rules now refuse are
parked; those they now accept leave the parking.
"""
from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Engine, text

from domain.version import mapping_version
from pipeline.sink import DossierSink, SinkResult


def outdated(db: Engine, limit: int) -> list[str]:
    """Up to ``limit`` reference numbers of dossiers another mapping than the running one made."""
    with db.connect() as conn:
        return list(conn.execute(text(
            "SELECT numero_etranger FROM migration.mapped_with WHERE mapping_version <> :v"
            " ORDER BY numero_etranger LIMIT :limit"), {"v": mapping_version(), "limit": limit}).scalars())


def rebuild_outdated(db: Engine, batch: int = 1000, progress: Callable[[SinkResult], None] = lambda _: None) -> SinkResult:
    """Rebuild every dossier an older mapping made, ``batch`` per transaction; returns the totals.
    Blocks until none is left. Raises what the database raises (batches already done stay done)."""
    sink, total, before = DossierSink(db), SinkResult(), None
    # A dossier held as a conflict keeps its old version (a person decides): once only such
    # dossiers are left, the same numbers come back, and it stops.
    while (numbers := outdated(db, batch)) and numbers != before:
        total.add_rebuilds(sink.rebuild(set(numbers)))
        progress(total)
        before = numbers
    return total
