"""Server-rendered pages: login, streams, reconciliation, a dossier, go/no-go, admin. Forms post
back with the session's CSRF token; every value is escaped by the templates."""
from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select, text

from common.log import pseudonym
from operations.gonogo import COUNTRY
from operations.web import api, facts
from operations.web.auth import SESSION_COOKIE, SESSION_HOURS, User, add_user, authenticate, csrf_ok, throttled
from operations.web.deps import TEMPLATES, context, paris_time, require
from reconciliation import store
from reconciliation.charts import bars, trend
from reconciliation.divergence import Kind, Severity
from schemas.web_tables import ROLES
from schemas.web_tables import user as users

router = APIRouter()


def page(request: Request, name: str, viewer: User | None, **values) -> HTMLResponse:
    return TEMPLATES.TemplateResponse(request, name, {"user": viewer, **values})


def back(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


def checked(viewer: User, token: str) -> None:
    if not csrf_ok(viewer.csrf, token):
        raise HTTPException(403, "missing or wrong CSRF token")


@router.get("/login")
def login_form(request: Request, failed: int = 0, throttled: int = 0) -> HTMLResponse:
    return page(request, "login.html", None, failed=bool(failed), throttled=bool(throttled))


def _address(request: Request) -> str:
    return request.client.host if request.client else ""


@router.post("/login")
def login(request: Request, username: str = Form(...), password: str = Form(...)) -> RedirectResponse:
    ctx = context(request)
    address = _address(request)
    with ctx.anef.begin() as conn:
        if throttled(conn, username, address):
            facts.record_audit(conn, username, "login.refused", username, "too many failed logins",
                               {"address": address})
            return back("/login?throttled=1")
        role = authenticate(conn, username, password)
        if role is None:
            facts.record_audit(conn, username, "login.failed", username, "wrong name or password", {"address": address})
            return back("/login?failed=1")
        cookie = ctx.sessions.issue(conn, username, address)
        facts.record_audit(conn, username, "login", username, "signed in", {"address": address})
    response = back("/streams")
    response.set_cookie(SESSION_COOKIE, cookie, max_age=SESSION_HOURS * 3600, httponly=True, samesite="strict",
                        secure=ctx.settings.web_secure_cookies)
    return response


@router.post("/logout")
def logout(request: Request, csrf: str = Form(""), viewer: User = Depends(require("viewer"))) -> RedirectResponse:
    checked(viewer, csrf)
    ctx = context(request)
    with ctx.anef.begin() as conn:
        ctx.sessions.revoke(conn, request.cookies.get(SESSION_COOKIE))
        facts.record_audit(conn, viewer.name, "logout", viewer.name, "signed out")
    response = back("/login")
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/")
def home(_: User = Depends(require("viewer"))) -> RedirectResponse:
    return back("/streams")


@router.get("/streams")
def streams(request: Request, viewer: User = Depends(require("viewer"))) -> HTMLResponse:
    data = api.streams(request, viewer)
    history = data["history"]
    labels = [paris_time(datetime.fromtimestamp(h["at"], UTC)) for h in history]
    charts = [
        trend("Consumer lag", {"total": [h["lag"] or 0 for h in history]}, labels, unit="messages"),
        trend("Throughput", {"total": [round(h["events_per_second"] or 0) for h in history]}, labels,
              unit="events/s"),
        trend("Freshness since the worker started",
              {"p99": [round((h["freshness_p99"] or 0) * 1000) for h in history],
               "p50": [round((h["freshness_p50"] or 0) * 1000) for h in history]}, labels, unit="ms"),
    ]
    latest = data["latest"]
    parked = list((latest.get("anef") or {}).get("parked_by_reason", {}).items())
    charts.append(bars("Parked dossiers by reason", parked))
    return page(request, "streams.html", viewer, status=latest, charts=charts)


PAGE_SIZE = 100


def _matching(request: Request, viewer: User, kind: str, severity: str, prefecture: str, q: str, sort: str,
              offset: int, limit: int) -> tuple[list[dict], int]:
    """Open divergences as this user may see them, filtered, searched (a foreigner number for
    engineers, a pseudonym for everyone), sorted and cut in the database."""
    from domain.assembly import owner

    ctx = context(request)
    key = ctx.settings.pii_pseudonym_key
    with ctx.anef.connect() as conn:
        numbers = None
        if q.strip().startswith("p:"):
            numbers = [n for n in store.open_numbers(conn) if pseudonym(n, key) == q.strip()]
        elif q.strip():
            numbers = [owner(q) or q.strip()] if viewer.can("engineer") else []
        rows, total = store.page_of_divergences(
            conn, numbers, sort, offset, limit, kind=kind if kind in {k.value for k in Kind} else None,
            severity=severity if severity in {s.value for s in Severity} else None, prefecture=prefecture or None)
    return [api.shown(r, viewer, key) for r in rows], total


@router.get("/reconciliation")
def reconciliation(request: Request, kind: str = "", severity: str = "", prefecture: str = "", q: str = "",
                   sort: str = "severity", page_number: int = Query(1, alias="page", ge=1),
                   viewer: User = Depends(require("viewer"))) -> HTMLResponse:
    runs = api.runs(request, viewer)
    rows, total = _matching(request, viewer, kind, severity, prefecture, q, sort, (page_number - 1) * PAGE_SIZE,
                            PAGE_SIZE)
    with context(request).anef.connect() as conn:
        by_prefecture = conn.execute(text("SELECT coalesce(prefecture, '?'), count(*) FROM reconciliation.divergence"
                                          " WHERE status <> 'resolved' GROUP BY 1 ORDER BY 2 DESC LIMIT 20")).all()
    charts = [trend("Divergences over runs", {"total": [sum(r["counts"].values()) for r in runs],
                                              "critical": [sum(n for k, n in r["counts"].items() if k.endswith("/critical"))
                                                           for r in runs]},
                    [paris_time(r["finished_at"]) for r in runs], unit="divergences"),
              bars("Open divergences by prefecture", [tuple(r) for r in by_prefecture])]
    chosen = {"kind": kind, "severity": severity, "prefecture": prefecture, "q": q, "sort": sort}
    return page(request, "reconciliation.html", viewer, rows=rows, total=total, runs=runs[::-1][:20],
                charts=charts, kinds=[k.value for k in Kind], severities=[s.value for s in Severity],
                sorts=list(store.SORTS), chosen=chosen, page_number=page_number,
                pages=max(1, -(-total // PAGE_SIZE)), query=urlencode({k: v for k, v in chosen.items() if v}))


@router.get("/reconciliation.csv")
def reconciliation_csv(request: Request, kind: str = "", severity: str = "", prefecture: str = "", q: str = "",
                       sort: str = "severity", viewer: User = Depends(require("viewer"))) -> Response:
    """The matching divergences as CSV, masked for viewers as on the page (at most 100,000 rows)."""
    rows, _ = _matching(request, viewer, kind, severity, prefecture, q, sort, 0, 100_000)
    out = io.StringIO()
    columns = ["id", "numero_etranger", "kind", "severity", "status", "prefecture", "urgency_days", "age_days",
               "fields", "detail"]
    writer = csv.writer(out)
    writer.writerow(columns)
    for r in rows:
        writer.writerow([r["id"], r["numero_etranger"], r["kind"], r["severity"], r["status"], r["prefecture"] or "",
                         "" if r["urgency_days"] is None else r["urgency_days"], r["age_days"],
                         "; ".join(f["field"] for f in r["fields"]), r["detail"]])
    return Response(out.getvalue(), media_type="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="divergences.csv"'})


@router.get("/reconciliation/runs/{ident}")
def run(ident: int, request: Request, viewer: User = Depends(require("viewer"))) -> HTMLResponse:
    found = next((r for r in api.runs(request, viewer) if r["id"] == ident), None)
    if found is None:
        raise HTTPException(404, f"no run {ident}")
    return page(request, "run.html", viewer, run=found)


@router.get("/dossiers/{numero}")
def dossier(numero: str, request: Request, viewer: User = Depends(require("engineer"))) -> HTMLResponse:
    from domain.decisions import RULES
    from pipeline.decisions import listed

    found = api.dossier(numero, request, viewer)
    return page(request, "dossier.html", viewer, dossier=found, rules=RULES,
                decisions=listed(context(request).anef, found["root"] or found["numero_etranger"]))


@router.post("/dossiers/{numero}/decisions")
def record_decision(numero: str, request: Request, rule: str = Form(...), value: str = Form(...),
                    reason: str = Form(...), row: str = Form(""), field: str = Form(""), csrf: str = Form(""),
                    viewer: User = Depends(require("engineer"))) -> RedirectResponse:
    from pipeline.decisions import DecisionError, record

    checked(viewer, csrf)
    try:
        record(context(request).anef, numero, rule, value, reason, viewer.name, row or None, field or None)
    except DecisionError as exc:
        raise HTTPException(400, f"decision refused: {exc}") from None
    return back(f"/dossiers/{numero}")


@router.post("/decisions/{ident}/revoke")
def revoke_decision(ident: int, request: Request, reason: str = Form(...), numero: str = Form(...),
                    csrf: str = Form(""), viewer: User = Depends(require("engineer"))) -> RedirectResponse:
    from pipeline.decisions import DecisionError, revoke

    checked(viewer, csrf)
    try:
        revoke(context(request).anef, ident, viewer.name, reason)
    except DecisionError as exc:
        raise HTTPException(400, str(exc)) from None
    return back(f"/dossiers/{numero}")


@router.post("/conflicts/{numero}/resolve")
def resolve_conflict(numero: str, request: Request, keep: str = Form(...), reason: str = Form(...),
                     csrf: str = Form(""), viewer: User = Depends(require("engineer"))) -> RedirectResponse:
    from pipeline.resolution import ConflictNotFound, resolve

    checked(viewer, csrf)
    try:
        resolve(context(request).anef, numero, keep, viewer.name, reason)
    except ConflictNotFound as exc:
        raise HTTPException(400, str(exc)) from None
    return back(f"/dossiers/{numero}")


def _to_the_list(request: Request) -> RedirectResponse:
    """Back to the list as the engineer left it (filters, sort and page kept)."""
    came_from = urlsplit(request.headers.get("referer", ""))
    if came_from.netloc == request.headers.get("host") and came_from.path == "/reconciliation":
        return back(f"/reconciliation?{came_from.query}" if came_from.query else "/reconciliation")
    return back("/reconciliation")


def _decision(reason: str) -> api.Decision:
    try:
        return api.Decision(reason=reason)
    except ValueError:
        raise HTTPException(400, "a reason of 3 to 2,000 characters is required") from None


@router.post("/divergences/bulk")
def decide_many(request: Request, ids: list[int] = Form([]), decision: str = Form(...), reason: str = Form(...),
                csrf: str = Form(""), viewer: User = Depends(require("engineer"))) -> RedirectResponse:
    """Bulk triage: the ticked divergences accepted or resolved with one reason, all or none."""
    if decision not in ("accept", "resolve"):
        raise HTTPException(400, "accept or resolve")
    api.decide_many(request, ids, _decision(reason), viewer, csrf, decision)
    return _to_the_list(request)


@router.post("/divergences/{ident}/{action}")
def decide(ident: int, action: str, request: Request, reason: str = Form(...), csrf: str = Form(""),
           decision: str = Form(""), viewer: User = Depends(require("engineer"))) -> RedirectResponse:
    """One form per row: its two buttons post ``decision=accept`` or ``decision=resolve``."""
    action = decision or action
    if action not in ("accept", "resolve"):
        raise HTTPException(404, "unknown decision")
    api.decide(request, ident, _decision(reason), viewer, csrf, action)
    return _to_the_list(request)


@router.get("/gonogo")
def gonogo(request: Request, scope: str = COUNTRY, viewer: User = Depends(require("viewer"))) -> HTMLResponse:
    from evidence import store as evidence
    from reconciliation import rollback_check
    from schemas.referentials import departments

    data = api.gonogo(request, viewer)
    with context(request).anef.connect() as conn:
        chain = evidence.head(conn)
    from operations.gonogo import Criterion, explain, trend
    from operations.verdicts import criterion_nights

    nights = criterion_nights(context(request).anef, scope)
    trends = {name: (values, trend(name, values)) for name, values in nights.items()}
    # Beside the verdict (issue 18): could this prefecture be switched back to AGDREF today?
    rollback = rollback_check.check(context(request).agdref, context(request).anef, scope) \
        if scope in departments() else None
    return page(request, "gonogo.html", viewer, verdicts=data["verdicts"], criteria=data["criteria"], scope=scope,
                rollback=rollback,
                history=api.history(scope, request, viewer), chain=chain, trends=trends,
                explain=lambda c: explain(Criterion(**{k: c[k] for k in Criterion.__dataclass_fields__})),
                names={code: d.nom for code, d in departments().items()} | {"undetermined": "prefecture undetermined"})


@router.post("/gonogo/evaluate")
def evaluate(request: Request, csrf: str = Form(""), viewer: User = Depends(require("engineer"))) -> RedirectResponse:
    api.evaluate(request, csrf, viewer)
    return back("/gonogo")


@router.get("/admin")
def admin(request: Request, who: str = "", action: str = "", target: str = "",
          viewer: User = Depends(require("admin"))) -> HTMLResponse:
    ctx = context(request)
    with ctx.anef.connect() as conn:
        people = conn.execute(select(users.c.username, users.c.role, users.c.active, users.c.created_at)
                              .order_by(users.c.username)).mappings().all()
    rules = facts.current_criteria(ctx.anef)
    body = rules.body()
    return page(request, "admin.html", viewer, people=people, roles=ROLES, criteria=json.dumps(body, indent=1),
                audit=facts.audit_log(ctx.anef, 200, who=who, action=action, target=target),
                audit_filter={"who": who, "action": action, "target": target})


@router.post("/admin/users")
def add(request: Request, username: str = Form(...), password: str = Form(...), role: str = Form(...),
        reason: str = Form(...), replace: str = Form(""), csrf: str = Form(""),
        viewer: User = Depends(require("admin"))) -> RedirectResponse:
    checked(viewer, csrf)
    if not reason.strip():
        raise HTTPException(400, "a reason is required")
    try:
        with context(request).anef.begin() as conn:
            add_user(conn, username, password, role, replace=bool(replace))
            facts.record_audit(conn, viewer.name, "user.replace" if replace else "user.add", username, reason,
                               {"role": role})
    except ValueError as exc:
        raise HTTPException(400, str(exc)) from None
    return back("/admin")


@router.post("/admin/users/{name}/change")
def change_user(name: str, request: Request, action: str = Form(...), reason: str = Form(...), csrf: str = Form(""),
                viewer: User = Depends(require("admin"))) -> RedirectResponse:
    from operations.web.auth import delete_user, set_active

    checked(viewer, csrf)
    if action not in ("deactivate", "reactivate", "delete") or not reason.strip():
        raise HTTPException(400, "deactivate, reactivate or delete, with a reason")
    try:
        with context(request).anef.begin() as conn:
            delete_user(conn, name) if action == "delete" else set_active(conn, name, action == "reactivate")
            facts.record_audit(conn, viewer.name, f"user.{action}", name, reason)
    except ValueError as exc:
        raise HTTPException(400, str(exc)) from None
    return back("/admin")


@router.post("/admin/criteria")
def criteria(request: Request, body: str = Form(...), reason: str = Form(...), csrf: str = Form(""),
             viewer: User = Depends(require("admin"))) -> RedirectResponse:
    checked(viewer, csrf)
    if not reason.strip():
        raise HTTPException(400, "a reason is required")
    try:
        facts.change_criteria(context(request).anef, viewer.name, reason, json.loads(body))
    except (ValueError, TypeError) as exc:
        raise HTTPException(400, f"criteria refused: {exc}") from None
    return back("/admin")
