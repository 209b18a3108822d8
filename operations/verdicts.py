"""The go/no-go's facts, criteria versions and verdicts, read from and kept in the databases (I/O);
the rules themselves are ``operations.gonogo`` (pure). Used by ``agdref-anef gonogo evaluate``, the
nightly reconciliation (which evaluates every scope once its run is kept) and the web application.

Scopes are the rights ledger's: real prefectures, plus ``undetermined`` for persons whose
prefecture cannot be decided. Every criteria version and verdict goes to the evidence chain in
the transaction that keeps it. Blocking; raises what the databases raise, and ``ValueError`` for
criteria that do not validate.
"""
from __future__ import annotations

import json
from collections import Counter
from datetime import date
from importlib import resources

from sqlalchemy import Engine, func, insert, select, text

from domain.version import mapping_version
from evidence import store as evidence
from operations.gonogo import COUNTRY, Criteria, ScopeFacts, StreamFacts, Verdict, evaluate
from rights import ledger as rights_ledger
from rights.identity import anef_scope
from schemas.web_tables import audit, criteria, verdict

# The first version of the criteria, package data (read where the package is installed, a wheel included).
INITIAL_CRITERIA = resources.files("operations").joinpath("data/criteria.json")


def record_audit(conn, username: str, action: str, target: str, reason: str, detail: dict | None = None) -> None:
    conn.execute(insert(audit).values(username=username, action=action, target=target, reason=reason,
                                      detail=detail or {}))


def current_criteria(anef: Engine) -> Criteria:
    """The latest version; the repository's file becomes version 1 the first time."""
    with anef.begin() as conn:
        row = conn.execute(select(criteria.c.body).order_by(criteria.c.version.desc()).limit(1)).first()
        if row is None:
            body = json.loads(INITIAL_CRITERIA.read_text(encoding="utf-8"))
            rules = Criteria.from_dict(body)
            conn.execute(insert(criteria).values(version=rules.version, username="operations/data/criteria.json",
                                                 reason="initial version", body=body))
            evidence.append(conn, "criteria", rules.version)
            return rules
        return Criteria.from_dict(row.body)


def change_criteria(anef: Engine, username: str, reason: str, body: dict) -> int:
    """A new version of the criteria, validated first, audited and chained. Returns its number."""
    current_criteria(anef)  # version 1 exists before version 2
    with anef.begin() as conn:
        latest = conn.execute(select(func.max(criteria.c.version))).scalar() or 0
        body = {**body, "version": latest + 1}
        Criteria.from_dict(body)  # raises ValueError naming each wrong criterion: nothing is saved
        conn.execute(insert(criteria).values(version=latest + 1, username=username, reason=reason, body=body))
        record_audit(conn, username, "criteria.change", f"criteria v{latest + 1}", reason, body)
        evidence.append(conn, "criteria", latest + 1)
    return latest + 1


def scope_facts(agdref: Engine, anef: Engine, nights: int, today: date,
                reading: rights_ledger.LedgerReading | None = None) -> dict[str, ScopeFacts]:
    """Measured facts for the country and for each scope. The rights and the coverage come from
    the rights ledger, read now unless the caller just read it (the nightly run)."""
    reading = reading or rights_ledger.read(agdref, anef, today)
    with anef.connect() as conn:
        open_rows = [(anef_scope(p), kind, severity, n) for p, kind, severity, n in conn.execute(text(
            "SELECT prefecture, kind, severity, count(*) FROM reconciliation.divergence"
            " WHERE status IN ('new', 'confirmed') GROUP BY 1, 2, 3"))]
        # per prefecture of the ANEF person; a parked dossier (no ANEF person) counts as undetermined
        outdated = [(anef_scope(p), n) for p, n in conn.execute(text(
            "SELECT u.prefecture, count(*) FROM migration.mapped_with m"
            " LEFT JOIN anef.usager u ON u.numero_etranger = CAST(m.numero_etranger AS char(10))"
            " WHERE m.mapping_version <> :v GROUP BY 1"), {"v": mapping_version()})]
        # held conflicts nobody resolved yet (agdref-anef conflicts resolve), by the ANEF person's prefecture
        held = [(anef_scope(p), n) for p, n in conn.execute(text(
            "SELECT u.prefecture, count(*) FROM migration.conflict c"
            " LEFT JOIN anef.usager u ON u.numero_etranger = CAST(c.numero_etranger AS char(10)) GROUP BY 1"))]
        runs = conn.execute(text("SELECT id, by_prefecture FROM reconciliation.run WHERE finished_at IS NOT NULL"
                                 " ORDER BY id DESC LIMIT :n"), {"n": nights}).all()[::-1]
    run_id = runs[-1][0] if runs else None
    nightly = [{anef_scope(p): v for p, v in by.items()} for _, by in runs]
    scopes = set(reading.scopes) | {r[0] for r in open_rows}

    def facts(wanted: str | None) -> ScopeFacts:
        def inside(scope: str) -> bool:
            return wanted is None or scope == wanted
        rights = [r for s, r in reading.scopes.items() if inside(s)]
        rates = []
        for by in nightly:
            persons = sum(v["persons"] for p, v in by.items() if inside(p))
            found = sum(v["divergences"] for p, v in by.items() if inside(p))
            rates.append(found / persons if persons else 0.0)
        counted = Counter()
        for scope, kind, severity, n in open_rows:
            if inside(scope):
                counted[("critical", severity == "critical")] += n
                counted[("kind", kind)] += n
        return ScopeFacts(
            active_in_agdref=sum(r.persons_with_rights for r in rights), active_in_anef=sum(r.covered for r in rights),
            critical_open=counted[("critical", True)], divergence_rates=tuple(rates),
            parked_untriaged=counted[("kind", "parked")],
            # an unresolved conflict counts once, whether or not a run also reported it as a divergence
            unexplained_anef_writes=sum(n for p, n in held if inside(p)) + counted[("kind", "field_mismatch")],
            run_id=run_id, made_by_older_mapping=sum(n for p, n in outdated if inside(p)),
            rights_at_risk=reading.at_risk(wanted))

    found = {COUNTRY: facts(None)}
    for scope in sorted(scopes):
        found[scope] = facts(scope)
    return found


def evaluate_all(agdref: Engine, anef: Engine, streams: StreamFacts, username: str, today: date,
                 reading: rights_ledger.LedgerReading | None = None,
                 scopes: list[str] | None = None) -> list[Verdict]:
    """Evaluate the asked scopes (None: every one) with the current criteria; keep the verdicts
    (history), audited and chained. Raises ``KeyError`` for an asked scope nobody is in."""
    rules = current_criteria(anef)
    measured = scope_facts(agdref, anef, rules.divergence_rate_nights, today, reading)
    unknown = [s for s in scopes or () if s not in measured]
    if unknown:
        raise KeyError(f"no person on file in scope {', '.join(unknown)}")
    verdicts = [evaluate(scope, facts, streams, rules) for scope, facts in measured.items()
                if scopes is None or scope in scopes]
    with anef.begin() as conn:
        for v in verdicts:
            ident = conn.execute(insert(verdict).values(
                scope=v.scope, go=v.go, criteria_version=v.criteria_version, run_id=v.run_id,
                criteria=[{"name": c.name, "label": c.label, "value": c.value, "threshold": c.threshold, "ok": c.ok,
                           "evidence": c.evidence} for c in v.criteria]).returning(verdict.c.id)).scalar_one()
            evidence.append(conn, "verdict", ident)
        record_audit(conn, username, "gonogo.evaluate", ", ".join(scopes) if scopes else "all scopes",
                     "evaluation requested", {"go": [v.scope for v in verdicts if v.go]})
    return verdicts


def latest_verdicts(anef: Engine) -> list[dict]:
    """The latest verdict of each scope, with its age and whether a reconciliation run finished
    after it (then it is stale: evaluated on older evidence)."""
    with anef.connect() as conn:
        rows = conn.execute(text(
            "SELECT DISTINCT ON (scope) id, at, scope, go, criteria_version, run_id, criteria,"
            " extract(epoch FROM now() - at) AS age_seconds FROM web.verdict ORDER BY scope, id DESC")).mappings().all()
        last_run = conn.execute(text("SELECT max(finished_at) FROM reconciliation.run")).scalar()
    found = [{**r, "age_seconds": float(r["age_seconds"]), "stale": last_run is not None and r["at"] < last_run}
             for r in rows]
    return sorted(found, key=lambda r: (r["scope"] != COUNTRY, r["scope"]))


def verdict_history(anef: Engine, scope: str, limit: int = 50) -> list[dict]:
    with anef.connect() as conn:
        return [dict(r) for r in conn.execute(select(verdict.c.id, verdict.c.at, verdict.c.go,
                                                     verdict.c.criteria_version, verdict.c.run_id)
                                              .where(verdict.c.scope == scope).order_by(verdict.c.id.desc())
                                              .limit(limit)).mappings()]


def criterion_nights(anef: Engine, scope: str, nights: int = 7) -> dict[str, list[float | None]]:
    """Each criterion's value on the scope's last ``nights`` evaluated days (the latest verdict of
    each Paris day), oldest first: the trend the go/no-go page shows next to a failing criterion."""
    with anef.connect() as conn:
        rows = conn.execute(text(
            "SELECT * FROM (SELECT DISTINCT ON (night) night, criteria FROM (SELECT (at AT TIME ZONE 'Europe/Paris')::date"
            " AS night, id, criteria FROM web.verdict WHERE scope = :scope) v ORDER BY night DESC, id DESC) d"
            " ORDER BY night DESC LIMIT :nights"), {"scope": scope, "nights": nights}).all()
    found: dict[str, list[float | None]] = {}
    for _, judged in reversed(rows):
        for c in judged:
            found.setdefault(c["name"], []).append(c["value"])
    return found


def measured_streams(settings, agdref: Engine, anef: Engine, metrics_url: str | None = None,
                     window_seconds: float = 10.0) -> StreamFacts:
    """Freshness (``operations.freshness``: over a window of ``window_seconds`` between two looks)
    and lag as ``agdref-anef status`` sees them; a source that does not answer leaves its fact
    unmeasured (its criterion fails: no GO on missing evidence)."""
    import time

    from operations.freshness import window_p99
    from operations.status import gather

    url = metrics_url or f"http://127.0.0.1:{settings.worker_metrics_port}/metrics"
    # a verdict is not a scrape: its looks may take longer than a status before calling a source down
    first = gather(settings, agdref, anef, url, seconds=15)
    time.sleep(window_seconds)
    look = gather(settings, agdref, anef, url, first, seconds=15)
    kafka_failed = any(p.startswith("kafka") for p in look.problems)
    lag = None if kafka_failed or not look.partitions else look.lag
    freshness = None
    if first.worker.get("reachable") and look.worker.get("reachable"):
        buckets = [{float(k): v for k, v in s.worker["freshness_buckets"].items()} for s in (first, look)]
        quiet = lag == 0 and not (look.anef or {}).get("dossiers_waiting")
        freshness = window_p99(buckets[0], buckets[1], quiet)
    return StreamFacts(freshness, lag)
