"""What every route of the web application shares: the databases, settings, sessions, templates,
the stream sampler, and the login dependency (every page and API route requires it)."""
from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from fastapi import HTTPException, Request
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, PackageLoader, select_autoescape
from sqlalchemy import Engine, delete, func, select
from sqlalchemy.dialects.postgresql import insert

from common.settings import Settings
from operations.status import Status, gather
from operations.web.auth import SESSION_COOKIE, Sessions, User
from schemas.web_tables import stream_sample

# Templates and static files are package data, read through importlib (a wheel installed anywhere
# finds them); a directory path next to this file broke every installed copy.
TEMPLATES = Jinja2Templates(env=Environment(loader=PackageLoader("operations.web", "templates"),
                                            autoescape=select_autoescape(["html"])))
PARIS = ZoneInfo("Europe/Paris")


def paris_time(value) -> str:
    """A timestamp as the people using the pages read it: Paris local time, to the minute."""
    if not isinstance(value, datetime):
        return "" if value is None else str(value)
    return value.astimezone(PARIS).strftime("%d/%m/%Y %H:%M")


TEMPLATES.env.filters["local"] = paris_time


class LoginRequired(Exception):
    """Raised for a page without a valid session: answered by a redirect to /login."""


@dataclass
class Sampler:
    """Samples the streams every ``interval`` seconds in a thread: the charts' recent history
    (one hour at 5 s). A failing look is kept with its problems, never raised."""

    settings: Settings
    agdref: Engine
    anef: Engine
    metrics_url: str | None
    interval: float = 5.0
    samples: deque = field(default_factory=lambda: deque(maxlen=720))
    _stop: threading.Event = field(default_factory=threading.Event)

    def latest(self) -> Status | None:
        return self.samples[-1] if self.samples else None

    def look(self) -> Status:
        previous = self.latest()
        status = gather(self.settings, self.agdref, self.anef, self.metrics_url, previous)
        self.samples.append(status)
        self._keep(status)
        return status

    def _keep(self, status: Status) -> None:
        """The sample into the database (what the charts draw); samples older than a week go."""
        try:
            with self.anef.begin() as conn:
                conn.execute(insert(stream_sample).values(
                    taken_at=datetime.fromtimestamp(status.taken_at, UTC),
                    lag=status.lag if status.partitions else None,
                    events_per_second=status.throughput.get("events_per_second"),
                    freshness_p50=status.worker.get("freshness_p50_seconds"),
                    freshness_p99=status.worker.get("freshness_p99_seconds")).on_conflict_do_nothing())
                conn.execute(delete(stream_sample).where(stream_sample.c.taken_at < func.now() - timedelta(days=7)))
        except Exception:  # noqa: BLE001 - a database away is a gap in the chart, not a dead page
            pass

    def history(self, seconds: float = 3600) -> list[dict]:
        """The kept samples of the last ``seconds``, oldest first."""
        with self.anef.connect() as conn:
            rows = conn.execute(select(stream_sample).where(
                stream_sample.c.taken_at > func.now() - timedelta(seconds=seconds))
                .order_by(stream_sample.c.taken_at)).mappings().all()
        return [{"at": r["taken_at"].timestamp(), "lag": r["lag"], "events_per_second": r["events_per_second"],
                 "freshness_p50": r["freshness_p50"], "freshness_p99": r["freshness_p99"]} for r in rows]

    def start(self) -> None:
        def loop() -> None:
            while not self._stop.wait(self.interval):
                try:
                    self.look()
                except Exception:  # noqa: BLE001 - a chart with a gap, not a dead web application
                    pass
        threading.Thread(target=loop, name="stream-sampler", daemon=True).start()

    def stop(self) -> None:
        self._stop.set()


@dataclass
class Context:
    settings: Settings
    agdref: Engine
    anef: Engine
    sessions: Sessions
    sampler: Sampler
    started_at: float = field(default_factory=time.time)


def context(request: Request) -> Context:
    return request.app.state.context


def current_user(request: Request) -> User:
    """The signed-in user, from their session kept in the database at every request (a revoked
    session, a deactivated user or a changed role takes effect at once). API routes answer 401,
    pages redirect to /login."""
    ctx = context(request)
    with ctx.anef.connect() as conn:
        found = ctx.sessions.read(conn, request.cookies.get(SESSION_COOKIE))
    if found is not None:
        return found
    if request.url.path.startswith("/api/"):
        raise HTTPException(401, "login required")
    raise LoginRequired()


def require(role: str):
    def dependency(request: Request) -> User:
        found = current_user(request)
        if not found.can(role):
            raise HTTPException(403, f"this needs the {role} role")
        return found
    return dependency
