"""A person resolves a conflict: a dossier whose AGDREF change was held back because ANEF changed
it since the migration wrote it (``pipeline.conflicts``).

- keep ANEF: ANEF's edit becomes the new written baseline (its digests are remembered), the hold
  is lifted; the held AGDREF change is not applied, later AGDREF changes flow again.
- keep AGDREF: the baseline is moved the same way, then the dossier is rebuilt from AGDREF's kept
  state at once, over ANEF's edit.
Either way the decision is audited (who, why, which rows ANEF had changed) in the same
transaction. Blocking; raises ``ConflictNotFound`` for a dossier that is not held.
"""
from __future__ import annotations

from sqlalchemy import Engine, delete, insert, select

from pipeline import conflicts, mirror
from pipeline.exceptions import PipelineError
from pipeline.sink import DossierSink, SinkResult
from schemas.anef_tables import conflict
from schemas.web_tables import audit

KEEP = ("anef", "agdref")


class ConflictNotFound(PipelineError):
    """No conflict is held for this dossier, or the decision lacks a name or a reason."""


def resolve(db: Engine, numero: str, keep: str, by: str, reason: str) -> SinkResult:
    """Resolve the conflict held for ``numero`` (its reference number) by keeping one side."""
    if keep not in KEEP:
        raise ConflictNotFound(f"keep must be one of {', '.join(KEEP)}")
    if not by.strip() or not reason.strip():
        raise ConflictNotFound("resolving a conflict needs a name and a reason")
    with db.begin() as conn:
        held = conn.execute(select(conflict).where(conflict.c.numero_etranger == numero).with_for_update()).first()
        if held is None:
            raise ConflictNotFound(f"no conflict is held for {numero}")
        dossiers, _ = mirror.dossiers_of(conn, {numero})
        members = sorted({n for numbers in dossiers.values() for n in numbers} | {numero})
        conflicts.remember(conn, members)  # ANEF's rows as they are now: the new baseline
        conn.execute(delete(conflict).where(conflict.c.numero_etranger == numero))
        conn.execute(insert(audit).values(username=by, action=f"conflict.keep_{keep}", target=f"dossier {numero}",
                                          reason=reason, detail={"rows_changed_in_anef": list(held.rows)}))
    if keep == "agdref":
        return DossierSink(db).rebuild({numero})
    return SinkResult()
