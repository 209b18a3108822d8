"""Error pages that keep what was typed. A form refused (a reason too short, a decision the rules
forbid, criteria that do not validate) answers an HTML page saying why, with the same form filled
as it was sent, ready to correct and send again. Without it a browser showed raw JSON and the
engineer lost a paragraph of reasons. API routes (``/api/``) keep FastAPI's JSON answers.

The form's fields are read once, before the route runs (``remember_form``), because the route
consumes the request body: the exception handler cannot read it again."""
from __future__ import annotations

from urllib.parse import parse_qsl

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler, request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse
from starlette.exceptions import HTTPException

from operations.web.deps import TEMPLATES, LoginRequired, current_user

# Never echoed back: a password, nor the old CSRF token (the page carries the session's own).
NOT_KEPT = {"password", "csrf"}
FORM_TYPE = "application/x-www-form-urlencoded"


async def remember_form(request: Request) -> None:
    """Keeps the posted form's fields on the request's state (shared with the handler). Starlette
    caches the body it read, so the route still receives it."""
    if request.method == "POST" and request.headers.get("content-type", "").startswith(FORM_TYPE):
        body = await request.body()
        request.state.typed = parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)


def kept_input(request: Request) -> list[tuple[str, str]]:
    """The fields as they were typed, the secret ones left out."""
    return [(k, v) for k, v in getattr(request.state, "typed", []) if k not in NOT_KEPT]


def _signed_in(request: Request):
    try:
        return current_user(request)
    except (LoginRequired, HTTPException):
        return None


def error_page(request: Request, status: int, message: str) -> HTMLResponse:
    """The page: what went wrong in words, the form again with its values (POST only), a way back."""
    user = _signed_in(request)
    fields = kept_input(request) if request.method == "POST" else []
    asked_password = any(k == "password" for k, _ in getattr(request.state, "typed", []))
    came_from = request.headers.get("referer", "")
    response = TEMPLATES.TemplateResponse(request, "error.html", {
        "user": user, "status": status, "message": message, "fields": fields, "asked_password": asked_password, "action": request.url.path,
        "back": came_from if came_from.startswith(str(request.base_url)) else "/"}, status_code=status)
    return response


def _words(exc: RequestValidationError) -> str:
    parts = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error.get("loc", ()) if p not in ("body", "query", "path"))
        parts.append(f"{where}: {error.get('msg', 'invalid')}" if where else error.get("msg", "invalid"))
    return "; ".join(parts) or "the request is not valid"


def install(app: FastAPI) -> None:
    """Pages answer errors in HTML with the input kept; ``/api/`` answers stay JSON."""

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException):
        if request.url.path.startswith("/api/") or exc.status_code < 400:
            return await http_exception_handler(request, exc)
        return error_page(request, exc.status_code, str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError):
        if request.url.path.startswith("/api/"):
            return await request_validation_exception_handler(request, exc)
        return error_page(request, 400, _words(exc))
