"""The JSON API behind every page (described by OpenAPI at /api/openapi.json, login required)."""
from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, Header, HTTPException, Query, Request, Response
from pydantic import BaseModel, Field

from common.log import pseudonym
from operations.freshness import window_p99
from operations.gonogo import StreamFacts
from operations.web import facts
from operations.web.auth import User, csrf_ok
from operations.web.deps import context, require
from reconciliation import store
from reconciliation.divergence import Kind, Severity, for_everyone
from reconciliation.exceptions import DecisionRefused, DivergenceNotFound

router = APIRouter(prefix="/api")


class Decision(BaseModel):
    reason: str = Field(min_length=3, max_length=2000)


def shown(row: dict, viewer: User, key: str) -> dict:
    """A divergence as this user may see it: viewers get it masked as the nightly report's summary
    masks it (``reconciliation.divergence.for_everyone``)."""
    row = {k: v for k, v in row.items() if k not in ("first_run", "last_run")}
    row["age_days"] = round(float(row["age_days"]), 1)
    if viewer.can("engineer"):
        return row
    return {**row, **for_everyone(row, key)}


FRESHNESS_WINDOW_SECONDS = 600


def recent_freshness_p99(samples: list) -> float | None:
    """p99 of the dossiers committed in the last ten minutes of samples (the worker's histogram
    is cumulative since its start: a backfill would weigh on it for ever). Nothing committed: 0
    if nothing waits either (quiet, nothing is late), else unmeasured."""
    usable = [s for s in samples if s.worker.get("freshness_buckets")]
    if len(usable) < 2:
        return None  # one look says nothing about the last minutes
    latest = usable[-1]
    older = [s for s in usable if s.taken_at <= latest.taken_at - FRESHNESS_WINDOW_SECONDS] or usable[:1]
    buckets = lambda s: {float(k): v for k, v in s.worker["freshness_buckets"].items()}  # noqa: E731
    quiet = latest.lag == 0 and not (latest.anef or {}).get("dossiers_waiting")
    return window_p99(buckets(older[-1]), buckets(latest), quiet)


def stream_facts(request: Request) -> StreamFacts:
    sampler = context(request).sampler
    latest = sampler.latest() or sampler.look()
    return StreamFacts(recent_freshness_p99(list(sampler.samples)), latest.lag if latest.partitions else None)


@router.get("/streams")
def streams(request: Request, _: User = Depends(require("viewer"))) -> dict:
    sampler = context(request).sampler
    latest = sampler.latest() or sampler.look()
    return {"latest": latest.as_json(), "history": sampler.history()}


@router.get("/reconciliation/runs")
def runs(request: Request, _: User = Depends(require("viewer"))) -> list[dict]:
    return facts.runs(context(request).anef)


@router.get("/divergences")
def divergences(request: Request, response: Response, kind: Kind | None = None, severity: Severity | None = None,
                prefecture: str | None = None, sort: str = "severity", offset: int = Query(0, ge=0),
                limit: int = Query(100, ge=1, le=1000), viewer: User = Depends(require("viewer"))) -> list[dict]:
    """Open divergences, one page at a time (``offset``, ``limit``; the total in ``X-Total-Count``)."""
    ctx = context(request)
    with ctx.anef.connect() as conn:
        rows, total = store.page_of_divergences(conn, None, sort, offset, limit, kind=kind.value if kind else None,
                                                severity=severity.value if severity else None, prefecture=prefecture)
    response.headers["X-Total-Count"] = str(total)
    return [shown(r, viewer, ctx.settings.pii_pseudonym_key) for r in rows]


@router.get("/dossiers/{numero}")
def dossier(numero: str, request: Request, viewer: User = Depends(require("engineer"))) -> dict:
    """One person's dossier (names, birth dates: who saw whose data is audited, by pseudonym)."""
    from reconciliation.one_dossier import look_up

    ctx = context(request)
    found = look_up(ctx.agdref, ctx.anef, numero)
    if found.agdref is None and found.anef is None and not found.legacy_rows and not found.pipeline.get("parked"):
        raise HTTPException(404, "no such dossier in AGDREF or ANEF")
    with ctx.anef.begin() as conn:
        facts.record_audit(conn, viewer.name, "dossier.view", pseudonym(found.numero, ctx.settings.pii_pseudonym_key),
                           "dossier opened")
    return {"numero_etranger": found.numero, "root": found.root, "side_by_side": found.side_by_side(),
            "divergences": [store.as_dict(d) for d in found.divergences], "pipeline": found.pipeline,
            "rejections": found.rejections, "legacy_rows": found.legacy_rows}


def decide(request: Request, ident: int, decision: Decision, user: User, token: str | None, action: str) -> dict:
    decide_many(request, [ident], decision, user, token, action)
    return {"id": ident, "status": "accepted" if action == "accept" else "resolved", "by": user.name}


def decide_many(request: Request, idents: list[int], decision: Decision, user: User, token: str | None,
                action: str) -> None:
    """Accepts or resolves every listed divergence with one reason, in one transaction: one refused
    (not found, or a critical rights divergence an engineer may not accept) and none is decided.
    Each decision is audited on its own."""
    if not csrf_ok(user.csrf, token):
        raise HTTPException(403, "missing or wrong CSRF token")
    if not idents:
        raise HTTPException(400, "no divergence selected")
    anef = context(request).anef
    try:
        with anef.begin() as conn:
            for ident in idents:
                if action == "accept":
                    store.accept(conn, ident, user.name, decision.reason, admin=user.can("admin"))
                else:
                    store.resolve(conn, ident, user.name, decision.reason)
                facts.record_audit(conn, user.name, f"divergence.{action}", f"divergence {ident}", decision.reason)
    except DivergenceNotFound as exc:
        raise HTTPException(404, f"{exc}; nothing was decided" if len(idents) > 1 else str(exc)) from None
    except DecisionRefused as exc:
        raise HTTPException(403, f"{exc}; nothing was decided" if len(idents) > 1 else str(exc)) from None


@router.post("/divergences/{ident}/accept")
def accept(ident: int, decision: Decision, request: Request, x_csrf_token: str | None = Header(None),
           user: User = Depends(require("engineer"))) -> dict:
    return decide(request, ident, decision, user, x_csrf_token, "accept")


@router.post("/divergences/{ident}/resolve")
def resolve(ident: int, decision: Decision, request: Request, x_csrf_token: str | None = Header(None),
            user: User = Depends(require("engineer"))) -> dict:
    return decide(request, ident, decision, user, x_csrf_token, "resolve")


@router.get("/gonogo")
def gonogo(request: Request, _: User = Depends(require("viewer"))) -> dict:
    anef = context(request).anef
    rules = facts.current_criteria(anef)
    return {"criteria": rules.body(),
            "verdicts": facts.latest_verdicts(anef)}


@router.post("/gonogo/evaluate")
def evaluate(request: Request, x_csrf_token: str | None = Header(None),
             user: User = Depends(require("engineer"))) -> list[dict]:
    if not csrf_ok(user.csrf, x_csrf_token):
        raise HTTPException(403, "missing or wrong CSRF token")
    ctx = context(request)
    verdicts = facts.evaluate_all(ctx.agdref, ctx.anef, stream_facts(request), user.name, date.today())
    return [{"scope": v.scope, "go": v.go, "criteria_version": v.criteria_version,
             "criteria": [vars(c) for c in v.criteria]} for v in verdicts]


@router.get("/gonogo/history")
def history(scope: str, request: Request, _: User = Depends(require("viewer"))) -> list[dict]:
    return facts.verdict_history(context(request).anef, scope)


@router.get("/audit")
def audit(request: Request, _: User = Depends(require("admin"))) -> list[dict]:
    return facts.audit_log(context(request).anef)


@router.get("/openapi.json", include_in_schema=False)
def openapi(request: Request, _: User = Depends(require("viewer"))) -> dict:
    return request.app.openapi()
