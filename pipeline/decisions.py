"""Recording and revoking a person's decisions (``migration.decision``); the mapping applies them
(``domain.decisions``) on every rebuild of the dossier, and the dossier is rebuilt at once.

A decision is taken on the legacy value the pipeline holds for that field now (its assembly
area, what the mapping sees): kept beside it, so that a later change in AGDREF flags the decision
instead of being overridden. Every decision and revocation is audited. Blocking; raises
``DecisionError`` (unknown dossier or row, a value the rule refuses, no reason).
"""
from __future__ import annotations

from sqlalchemy import Engine, insert, select, text, update

from domain.assembly import owner
from domain.decisions import CORSICA_FIELDS, KEY_FIELDS, RULES, DecisionRefused, check
from pipeline import mirror
from pipeline.exceptions import PipelineError
from pipeline.sink import DossierSink, SinkResult
from schemas.anef_tables import decision, legacy_row
from schemas.web_tables import audit

# The field a rule decides when no row or field is named: the person record's.
DEFAULT_FIELDS = {"nationality": "nationalite", "corsica": "code_dept", "date": "date_nais", "name": "nom",
                  "merge": "ind_alias"}


class DecisionError(PipelineError):
    """A decision that cannot be recorded or revoked, with the reason why."""


def _target(conn, numero: str, rule: str, row: str | None, field: str | None) -> tuple[str, str, str, str]:
    """(table, key, field, legacy value) of the row the decision is about."""
    table, key = row.split(":", 1) if row else ("etranger", None)
    field = field or (CORSICA_FIELDS.get(table) if rule == "corsica" else DEFAULT_FIELDS[rule])
    if table not in KEY_FIELDS:
        raise DecisionError(f"--row names a table among {', '.join(KEY_FIELDS)}")
    query = select(legacy_row.c.source_key, legacy_row.c.row).where(
        legacy_row.c.source_table == table, ~legacy_row.c.deleted,
        legacy_row.c.numero_etranger == (owner(key) if table == "etranger" and key else numero))
    candidates = [(r.row or {}) for r in conn.execute(query)]
    if table == "etranger" and key is None:
        candidates = [c for c in candidates if (c.get("ind_alias") or "").strip() != "O"] or candidates
    else:
        candidates = [c for c in candidates if (c.get(KEY_FIELDS[table]) or "").strip() == (key or "").strip()]
    if not candidates:
        raise DecisionError(f"the pipeline holds no {table} row {key or numero} of dossier {numero}")
    found = candidates[0]
    if field not in found:
        raise DecisionError(f"{table} has no field {field}")
    return table, (found.get(KEY_FIELDS[table]) or "").strip(), field, (found.get(field) or "").strip()


def record(db: Engine, numero: str, rule: str, value: str, reason: str, by: str,
           row: str | None = None, field: str | None = None) -> tuple[int, SinkResult]:
    """Record a decision on dossier ``numero`` and rebuild it; returns its id and the rebuild."""
    if rule not in RULES:
        raise DecisionError(f"the rule is one of {', '.join(RULES)}")
    if not reason.strip() or not by.strip():
        raise DecisionError("a decision needs a name and a reason")
    with db.begin() as conn:
        dossiers, _ = mirror.dossiers_of(conn, {numero})
        root = next((r for r, members in dossiers.items() if numero in members), numero)
        table, key, field, legacy_value = _target(conn, numero, rule, row, field)
        try:
            decided = check(rule, table, field, value)
        except DecisionRefused as exc:
            raise DecisionError(str(exc)) from None
        ident = conn.execute(insert(decision).values(
            numero_etranger=root, rule=rule, source_table=table, source_key=key, field=field,
            legacy_value=legacy_value, value=decided, reason=reason, by=by).returning(decision.c.id)).scalar_one()
        conn.execute(insert(audit).values(username=by, action="decision.record", target=f"dossier {root}",
                                          reason=reason, detail={"id": ident, "rule": rule, "table": table,
                                                                 "field": field}))
    return ident, DossierSink(db).rebuild({root})


def revoke(db: Engine, ident: int, by: str, reason: str) -> SinkResult:
    """Revoke a decision; its dossier is rebuilt without it at once."""
    if not reason.strip() or not by.strip():
        raise DecisionError("revoking a decision needs a name and a reason")
    with db.begin() as conn:
        done = conn.execute(update(decision).where(decision.c.id == ident, decision.c.revoked_at.is_(None)).values(
            revoked_at=text("now()"), revoked_by=by, revoke_reason=reason).returning(decision.c.numero_etranger))
        root = done.scalar()
        if root is None:
            raise DecisionError(f"no decision {ident} in force")
        conn.execute(insert(audit).values(username=by, action="decision.revoke", target=f"dossier {root}",
                                          reason=reason, detail={"id": ident}))
    return DossierSink(db).rebuild({root})


def listed(db: Engine, numero: str | None = None) -> list[dict]:
    """Decisions, newest first, with whether each still applies (``stale``: the legacy value it
    was taken on has changed since; the dossier is parked for it)."""
    query = select(decision).order_by(decision.c.id.desc())
    if numero:
        query = query.where(decision.c.numero_etranger == numero)
    with db.connect() as conn:
        rows = [dict(r) for r in conn.execute(query).mappings()]
        stale = {(r.numero_etranger, r.key) for r in conn.execute(text(
            "SELECT numero_etranger, e->>'key' AS key FROM migration.parked, jsonb_array_elements(remediations) e"
            " WHERE e->>'reason' = 'DECISION_PERIMEE'"))}
    for r in rows:
        r["status"] = ("revoked" if r["revoked_at"] else
                       "stale" if (r["numero_etranger"], r["source_key"]) in stale else "applied")
    return rows
