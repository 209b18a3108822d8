"""``agdref-anef web``: the application of the people who run the migration (FastAPI, pages
rendered on the server, every asset served by the application itself, nothing fetched from the
internet)."""
from __future__ import annotations

from contextlib import asynccontextmanager
from urllib.parse import unquote, urlsplit

from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

from common.db import engine
from common.settings import Settings
from operations.web import api, dead_letters, errors, pages, sheet
from operations.web.auth import Sessions
from operations.web.deps import Context, LoginRequired, Sampler


def _same_origin(request: Request) -> bool:
    """A POST without an Origin (a command-line client) passes; one with an Origin must name this
    host. The CSRF token still guards every state change."""
    origin = request.headers.get("origin")
    if origin is None:
        return True
    return urlsplit(origin).netloc == request.headers.get("host", "")


def create_app(settings: Settings, metrics_url: str | None = None, sample_every: float = 5.0) -> FastAPI:
    """Raises ValueError without a usable ``WEB_SESSION_SECRET``."""
    sessions = Sessions(settings.web_session_secret)
    agdref, anef = engine(settings.agdref_database_url), engine(settings.anef_database_url)
    sampler = Sampler(settings, agdref, anef, metrics_url, sample_every)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        sampler.start()
        yield
        sampler.stop()
        agdref.dispose()
        anef.dispose()

    # OpenAPI is served behind the login (api.openapi), not at FastAPI's public default paths.
    app = FastAPI(title="AGDREF → ANEF migration", lifespan=lifespan, docs_url=None, redoc_url=None,
                  openapi_url=None)
    app.state.context = Context(settings, agdref, anef, sessions, sampler)
    app.mount("/static", StaticFiles(packages=[("operations.web", "static")]), name="static")
    app.include_router(api.router)
    app.include_router(pages.router)
    app.include_router(dead_letters.router)
    app.include_router(sheet.router)

    errors.install(app)

    @app.exception_handler(LoginRequired)
    async def to_login(request: Request, exc: LoginRequired) -> RedirectResponse:
        return RedirectResponse("/login", status_code=303)

    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        if "\x00" in unquote(request.url.path + "?" + request.url.query):
            return PlainTextResponse("a NUL byte is not a valid character here", status_code=400)
        if request.method == "POST" and not _same_origin(request):
            # a form posted from another site (login CSRF included): refused before anything runs
            return PlainTextResponse("cross-origin request refused", status_code=403)
        await errors.remember_form(request)
        response = await call_next(request)
        if not request.url.path.startswith("/static/"):
            # pages and answers carry personal data: never kept by a browser or a proxy
            response.headers["Cache-Control"] = "no-store"
        if settings.web_secure_cookies:
            response.headers["Strict-Transport-Security"] = "max-age=31536000"
        # Nothing from elsewhere: scripts, styles and images come from this application only.
        response.headers["Content-Security-Policy"] = ("default-src 'self'; img-src 'self' data:; "
                                                       "style-src 'self'; script-src 'self'; frame-ancestors 'none'")
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        return response

    return app
