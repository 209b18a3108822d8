"""What the web pages show, read from the databases (I/O). Every filter is a bound parameter."""
from __future__ import annotations

import json
from collections import defaultdict
from datetime import date
from pathlib import Path

from sqlalchemy import Engine, func, insert, select, text

from operations.gonogo import COUNTRY, Criteria, ScopeFacts, StreamFacts, Verdict, evaluate
from pipeline.mapping.version import mapping_version
from reconciliation import store
from schemas.web_tables import audit, criteria, verdict

INITIAL_CRITERIA = Path(__file__).resolve().parents[2] / "deploy" / "gonogo" / "criteria.json"


def record_audit(conn, username: str, action: str, target: str, reason: str, detail: dict | None = None) -> None:
    conn.execute(insert(audit).values(username=username, action=action, target=target, reason=reason,
                                      detail=detail or {}))


def current_criteria(anef: Engine) -> Criteria:
    """The latest version; the repository's file becomes version 1 the first time."""
    with anef.begin() as conn:
        row = conn.execute(select(criteria.c.body).order_by(criteria.c.version.desc()).limit(1)).first()
        if row is None:
            body = json.loads(INITIAL_CRITERIA.read_text())
            conn.execute(insert(criteria).values(version=body["version"], username="deploy/gonogo/criteria.json",
                                                 reason="initial version", body=body))
            return Criteria.from_dict(body)
        return Criteria.from_dict(row.body)


def change_criteria(anef: Engine, username: str, reason: str, body: dict) -> int:
    """A new version of the criteria (validated), audited. Returns its number."""
    Criteria.from_dict(body)  # raises ValueError when a criterion is missing
    with anef.begin() as conn:
        latest = conn.execute(select(func.max(criteria.c.version))).scalar() or 0
        body = {**body, "version": latest + 1}
        conn.execute(insert(criteria).values(version=latest + 1, username=username, reason=reason, body=body))
        record_audit(conn, username, "criteria.change", f"criteria v{latest + 1}", reason, body)
    return latest + 1


def _active_numbers(agdref: Engine, today: date) -> dict[str, set[str]]:
    """Prefecture → persons with a permit or receipt valid today (raw legacy dates)."""
    day = today.strftime("%Y%m%d")
    sql = ("SELECT e.code_dept, rtrim(e.num_etranger) FROM agdref.etranger e WHERE coalesce(e.ind_alias, 'N') <> 'O'"
           " AND (EXISTS (SELECT 1 FROM agdref.titre t WHERE t.num_etranger = e.num_etranger AND t.date_debut_val <= :d"
           "   AND (t.date_fin_val >= :d OR t.date_fin_val = '00000000'))"
           " OR EXISTS (SELECT 1 FROM agdref.doc_provisoire p WHERE p.num_etranger = e.num_etranger"
           "   AND p.date_debut <= :d AND p.date_fin >= :d))")
    found: dict[str, set[str]] = defaultdict(set)
    with agdref.connect() as conn:
        for code, number in conn.execute(text(sql), {"d": day}):
            found[(code or "").strip().lstrip("0") or "?"].add(number if len(number) == 10 else "0" + number)
    return found


def scope_facts(agdref: Engine, anef: Engine, nights: int, today: date) -> dict[str, ScopeFacts]:
    """Measured facts for the country and for each prefecture."""
    active = _active_numbers(agdref, today)
    with anef.connect() as conn:
        migrated = set(conn.execute(text("SELECT rtrim(numero_etranger) FROM anef.usager WHERE origine = 'AGDREF'"))
                       .scalars())
        open_rows = conn.execute(text(
            "SELECT coalesce(prefecture, '?'), kind, severity, count(*) FROM reconciliation.divergence"
            " WHERE status IN ('new', 'confirmed') GROUP BY 1, 2, 3")).all()
        # per prefecture of the ANEF person; a parked dossier (no ANEF person) counts for the country
        outdated = conn.execute(text(
            "SELECT coalesce(nullif(ltrim(rtrim(u.prefecture), '0'), ''), '?'), count(*) FROM migration.mapped_with m"
            " LEFT JOIN anef.usager u ON u.numero_etranger = CAST(m.numero_etranger AS char(10))"
            " WHERE m.mapping_version <> :v GROUP BY 1"), {"v": mapping_version()}).all()
        runs = conn.execute(text("SELECT id, by_prefecture FROM reconciliation.run WHERE finished_at IS NOT NULL"
                                 " ORDER BY id DESC LIMIT :n"), {"n": nights}).all()[::-1]
    run_id = runs[-1][0] if runs else None
    scopes = set(active) | {r[0] for r in open_rows} | {p for _, by in runs for p in by}

    def facts(wanted: set[str] | None) -> ScopeFacts:
        def inside(p: str) -> bool:
            return wanted is None or p in wanted
        numbers = set().union(*(v for p, v in active.items() if inside(p))) if active else set()
        rates = []
        for _, by in runs:
            persons = sum(v["persons"] for p, v in by.items() if inside(p))
            found = sum(v["divergences"] for p, v in by.items() if inside(p))
            rates.append(found / persons if persons else 0.0)
        counted = [(kind, severity, n) for p, kind, severity, n in open_rows if inside(p)]
        return ScopeFacts(
            active_in_agdref=len(numbers), active_in_anef=len(numbers & migrated),
            critical_open=sum(n for k, s, n in counted if s == "critical"), divergence_rates=tuple(rates),
            parked_untriaged=sum(n for k, s, n in counted if k == "parked"),
            unexplained_anef_writes=sum(n for k, s, n in counted if k in ("conflict", "field_mismatch")),
            run_id=run_id, made_by_older_mapping=sum(n for p, n in outdated if inside(p)))

    found = {COUNTRY: facts(None)}
    for scope in sorted(scopes):
        found[scope] = facts({scope})
    return found


def evaluate_all(agdref: Engine, anef: Engine, streams: StreamFacts, username: str, today: date) -> list[Verdict]:
    """Evaluate every scope with the current criteria and keep the verdicts (history)."""
    rules = current_criteria(anef)
    verdicts = [evaluate(scope, facts, streams, rules)
                for scope, facts in scope_facts(agdref, anef, rules.divergence_rate_nights, today).items()]
    with anef.begin() as conn:
        for v in verdicts:
            conn.execute(insert(verdict).values(
                scope=v.scope, go=v.go, criteria_version=v.criteria_version, run_id=v.run_id,
                criteria=[{"name": c.name, "label": c.label, "value": c.value, "threshold": c.threshold, "ok": c.ok,
                           "evidence": c.evidence} for c in v.criteria]))
        record_audit(conn, username, "gonogo.evaluate", "all scopes", "evaluation requested",
                     {"go": [v.scope for v in verdicts if v.go]})
    return verdicts


def latest_verdicts(anef: Engine) -> list[dict]:
    with anef.connect() as conn:
        rows = conn.execute(text(
            "SELECT DISTINCT ON (scope) id, at, scope, go, criteria_version, run_id, criteria FROM web.verdict"
            " ORDER BY scope, id DESC")).mappings().all()
    return sorted((dict(r) for r in rows), key=lambda r: (r["scope"] != COUNTRY, r["scope"]))


def verdict_history(anef: Engine, scope: str, limit: int = 50) -> list[dict]:
    with anef.connect() as conn:
        return [dict(r) for r in conn.execute(select(verdict.c.id, verdict.c.at, verdict.c.go,
                                                     verdict.c.criteria_version, verdict.c.run_id)
                                              .where(verdict.c.scope == scope).order_by(verdict.c.id.desc())
                                              .limit(limit)).mappings()]


def divergences(anef: Engine, **filters) -> list[dict]:
    with anef.connect() as conn:
        return store.open_divergences(conn, **filters)


def runs(anef: Engine) -> list[dict]:
    with anef.connect() as conn:
        return store.runs(conn)


def audit_log(anef: Engine, limit: int = 200) -> list[dict]:
    with anef.connect() as conn:
        return [dict(r) for r in conn.execute(select(audit).order_by(audit.c.id.desc()).limit(limit)).mappings()]
