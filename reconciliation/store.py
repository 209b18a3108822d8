"""Runs and divergences, kept across runs (``schemas.reconciliation_tables``): the lifecycle.

Blocking; raises ``DivergenceNotFound`` for a decision on an unknown or resolved divergence.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import asdict
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, bindparam, func, insert, select, text, update

from evidence import store as evidence
from evidence.chain import canonical, digest
from reconciliation.divergence import Divergence, Kind, RunSummary, Severity
from reconciliation.exceptions import DecisionRefused, DivergenceNotFound
from schemas.reconciliation_tables import decision, divergence, run


def _json(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_json(v) for v in value]
    return value


def fields_json(found: Divergence) -> list[dict]:
    return [{"field": f.field, "agdref": _json(f.agdref), "anef": _json(f.anef)} for f in found.fields]


def start_run(conn: Connection, agdref_position: int) -> int:
    return conn.execute(insert(run).values(agdref_position=agdref_position).returning(run.c.id)).scalar_one()


def fields_digest(fields: list[dict]) -> str:
    """SHA-256 of the fields and values a divergence shows (what a decision was taken on)."""
    return digest(canonical(fields))


def _decide(conn: Connection, row, action: str, by: str, reason: str) -> None:
    """Append one decision on a divergence, and to the evidence chain."""
    ident = conn.execute(insert(decision).values(
        divergence_id=row.id, action=action, by=by, reason=reason, kind=row.kind, severity=row.severity,
        fields_digest=fields_digest(row.fields)).returning(decision.c.id)).scalar_one()
    evidence.append(conn, "decision", ident)


def _reopened_because(row, found: Divergence) -> str | None:
    """Why an accepted divergence no longer stands as accepted: it became more severe, or what it
    shows changed. None: still the divergence that was accepted."""
    if found.severity.rank < Severity(row.severity).rank:
        return f"severity rose from {row.severity} to {found.severity.value}"
    if fields_digest(fields_json(found)) != fields_digest(row.fields):
        return "its fields or values changed since it was accepted"
    return None


def record_run(conn: Connection, summary: RunSummary, rights: dict | None = None) -> None:
    """Keep what this run found and move every open divergence along its lifecycle: found again
    → confirmed (accepted stays accepted unless it became more severe or shows other values, then
    it re-opens), not found → resolved, first found → new. The run goes to the evidence chain."""
    found = {(d.numero_etranger, d.kind.value): d for d in summary.divergences}
    open_rows = {(r.numero_etranger, r.kind): r for r in conn.execute(
        select(divergence.c.id, divergence.c.numero_etranger, divergence.c.kind, divergence.c.status,
               divergence.c.severity, divergence.c.fields)
        .where(divergence.c.status != "resolved"))}
    now = func.now()
    gone = [row.id for key, row in open_rows.items() if key not in found]
    if gone:
        conn.execute(update(divergence).where(divergence.c.id.in_(gone)).values(status="resolved", resolved_at=now))
    new_rows, updates, reopened = [], [], []
    for key, d in found.items():
        values = dict(severity=d.severity.value, fields=fields_json(d), detail=d.detail, prefecture=d.prefecture,
                      urgency_days=d.urgency_days, last_run=summary.run_id)
        if key in open_rows:
            row = open_rows[key]
            why = _reopened_because(row, d) if row.status == "accepted" else None
            if why:
                reopened.append((row, why))
            status = "accepted" if row.status == "accepted" and not why else "confirmed"
            updates.append((row.id, dict(values, status=status)))
        else:
            new_rows.append(dict(values, numero_etranger=d.numero_etranger, kind=d.kind.value, status="new",
                                 first_run=summary.run_id))
    if updates:  # one statement for all of them (batched by the driver), not a round trip each
        conn.execute(update(divergence).where(divergence.c.id == bindparam("ident")).values(
            {**{name: bindparam(f"v_{name}") for name in updates[0][1]}, "last_seen_at": now}),
            [{"ident": ident, **{f"v_{k}": v for k, v in values.items()}} for ident, values in updates])
    for row, why in reopened:
        current = conn.execute(select(divergence).where(divergence.c.id == row.id)).first()
        _decide(conn, current, "reopen", "reconciliation", why)
    if new_rows:
        conn.execute(insert(divergence), new_rows)
    counts = Counter(f"{d.kind.value}/{d.severity.value}" for d in summary.divergences)
    # The nightly rate the go/no-go follows counts what still needs someone: parked dossiers have
    # their own criterion (triage), and an accepted divergence has been explained. The mirror of
    # ANEF's decisions in AGDREF decides a roll-back, not the switch-off (shown beside the verdict).
    accepted = {key for key, row in open_rows.items() if row.status == "accepted"} - {
        (row.numero_etranger, row.kind) for row, _ in reopened}
    found = Counter(d.prefecture or "?" for d in summary.divergences
                    if d.kind not in (Kind.PARKED, Kind.MIRROR_DIFFERS) and (d.numero_etranger, d.kind.value) not in accepted)
    by_prefecture = {p: {"persons": summary.persons_by_prefecture.get(p, 0), "divergences": found.get(p, 0)}
                     for p in set(summary.persons_by_prefecture) | set(found)}
    conn.execute(update(run).where(run.c.id == summary.run_id).values(
        finished_at=now, persons=summary.persons_agdref, suspects=summary.suspects,
        unconfirmed=summary.unconfirmed, outdated_mapping=summary.outdated_mapping, seconds=summary.seconds,
        counts=dict(counts), by_prefecture=by_prefecture, rights=rights or {}))
    evidence.append(conn, "run", summary.run_id)


def _open(conn: Connection, ident: int):
    row = conn.execute(select(divergence).where(divergence.c.id == ident, divergence.c.status != "resolved")
                       .with_for_update()).first()
    if row is None:
        raise DivergenceNotFound(f"no open divergence {ident}")
    return row


def accept(conn: Connection, ident: int, by: str, reason: str, admin: bool = True) -> None:
    """A named person accepts an open divergence, with a reason (kept in the decisions and the
    evidence chain). A critical divergence of a right needs an administrator (``admin``); the
    go/no-go's rights criterion ignores acceptance anyway: it reads the rights ledger."""
    if not by.strip() or not reason.strip():
        raise DivergenceNotFound("accepting a divergence needs a name and a reason")
    row = _open(conn, ident)
    if Kind(row.kind).from_rights_ledger and row.severity == Severity.CRITICAL.value and not admin:
        raise DecisionRefused(f"divergence {ident} puts a person's right at risk: only an administrator may accept it")
    conn.execute(update(divergence).where(divergence.c.id == ident)
                 .values(status="accepted", accepted_by=by, accepted_reason=reason, accepted_at=func.now()))
    _decide(conn, row, "accept", by, reason)


def open_divergences(conn: Connection, **filters: Any) -> list[dict]:
    """Open divergences (not resolved), most severe and most urgent first, with their age in
    days. ``filters``: kind, severity, prefecture, status (exact values, bound as parameters)."""
    query = select(divergence, (func.extract("epoch", func.now() - divergence.c.first_seen_at) / 86400)
                   .label("age_days")).where(divergence.c.status != "resolved")
    for name, value in filters.items():
        if value:
            query = query.where(divergence.c[name] == value)
    rank = text("array_position(ARRAY['critical','high','medium','low'], severity)")
    rows = [dict(r) for r in conn.execute(query.order_by(rank, divergence.c.urgency_days.asc().nulls_last(),
                                                          divergence.c.numero_etranger)).mappings()]
    return rows


SORTS = {"severity": "array_position(ARRAY['critical','high','medium','low'], severity), urgency_days NULLS LAST",
         "urgency": "urgency_days NULLS LAST", "age": "first_seen_at", "prefecture": "prefecture NULLS LAST",
         "kind": "kind"}


def page_of_divergences(conn: Connection, numbers: list[str] | None = None, sort: str = "severity",
                        offset: int = 0, limit: int = 100, **filters: Any) -> tuple[list[dict], int]:
    """One page of open divergences and how many match in all: ``filters`` as in
    ``open_divergences``, ``numbers`` restricting to some persons (a search), ``sort`` one of
    ``SORTS`` (ties broken by number). Sorted and cut in the database: a page costs the same with
    10 or 10,000 open divergences."""
    where = ["status <> 'resolved'"]
    params: dict[str, Any] = {"offset": max(offset, 0), "limit": min(max(limit, 1), 1000)}
    for name, value in filters.items():
        if name not in ("kind", "severity", "prefecture", "status"):
            raise ValueError(f"no filter {name!r}")
        if value:
            where.append(f"{name} = :{name}")
            params[name] = value
    if numbers is not None:
        where.append("numero_etranger = ANY(CAST(:numbers AS text[]))")
        params["numbers"] = numbers
    order = SORTS.get(sort, SORTS["severity"])
    condition = " AND ".join(where)
    total = conn.execute(text(f"SELECT count(*) FROM reconciliation.divergence WHERE {condition}"), params).scalar_one()
    rows = conn.execute(text(
        "SELECT *, extract(epoch FROM now() - first_seen_at) / 86400 AS age_days FROM reconciliation.divergence"
        f" WHERE {condition} ORDER BY {order}, numero_etranger, id OFFSET :offset LIMIT :limit"), params).mappings()
    return [dict(r) for r in rows], total


def open_numbers(conn: Connection) -> list[str]:
    """The persons with an open divergence (to find one by pseudonym)."""
    return list(conn.execute(text("SELECT DISTINCT numero_etranger FROM reconciliation.divergence"
                                  " WHERE status <> 'resolved'")).scalars())


def runs(conn: Connection, limit: int = 60) -> list[dict]:
    """The latest runs, oldest first (the trend)."""
    rows = conn.execute(select(run).where(run.c.finished_at.is_not(None)).order_by(run.c.id.desc()).limit(limit))
    return [dict(r) for r in reversed(rows.mappings().all())]


def open_critical(conn: Connection) -> int:
    """Critical divergences nobody accepted: what the nightly job's exit code reports."""
    return conn.execute(select(func.count()).select_from(divergence).where(
        divergence.c.status.in_(("new", "confirmed")), divergence.c.severity == Severity.CRITICAL.value)).scalar_one()


def as_dict(found: Divergence) -> dict:
    data = asdict(found)
    data.update(kind=found.kind.value, severity=found.severity.value, fields=fields_json(found))
    return data


def resolve(conn: Connection, ident: int, by: str, reason: str) -> None:
    """A named person marks an open divergence resolved (fixed in one system), with a reason; a
    later run that still finds it opens it again as new."""
    if not by.strip() or not reason.strip():
        raise DivergenceNotFound("resolving a divergence needs a name and a reason")
    row = _open(conn, ident)
    conn.execute(update(divergence).where(divergence.c.id == ident)
                 .values(status="resolved", resolved_at=func.now(), accepted_by=by, accepted_reason=reason))
    _decide(conn, row, "resolve", by, reason)
