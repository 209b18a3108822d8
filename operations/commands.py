"""``agdref-anef status``."""
from __future__ import annotations

import json
import time

import click
from rich.console import Console
from rich.live import Live

from common.db import engine, opened
from common.settings import get_settings


@click.command("status")
@click.option("--watch", is_flag=True, help="Refresh until Ctrl-C.")
@click.option("--interval", default=2.0, show_default=True, help="Seconds between refreshes with --watch.")
@click.option("--json", "as_json", is_flag=True, help="One look, as JSON.")
@click.option("--metrics-url", default=None, help="The worker's /metrics (default: 127.0.0.1:WORKER_METRICS_PORT).")
def status(watch: bool, interval: float, as_json: bool, metrics_url: str | None) -> None:
    """Connector, topics and lag per partition, throughput, freshness, rejections, conflicts, the
    last reconciliation. Exits 1 when a source does not answer."""
    from operations.status import gather
    from operations.status_view import render

    settings = get_settings()
    url = metrics_url or f"http://127.0.0.1:{settings.worker_metrics_port}/metrics"
    agdref, anef = engine(settings.agdref_database_url), engine(settings.anef_database_url)
    try:
        first = gather(settings, agdref, anef, url)
        if as_json:
            # a second look gives the throughput; not when a source is down (the answer is due now)
            if not first.problems:
                time.sleep(1.0)
            last = first if first.problems else gather(settings, agdref, anef, url, first)
            click.echo(json.dumps(last.as_json(), indent=1, default=str))
            raise SystemExit(1 if last.problems else 0)
        if not watch:
            Console(width=150).print(render(first))
            raise SystemExit(1 if first.problems else 0)
        previous = first
        with Live(render(first), refresh_per_second=4, screen=False) as live:
            while True:
                time.sleep(interval)
                previous = gather(settings, agdref, anef, url, previous)
                live.update(render(previous))
    except KeyboardInterrupt:
        pass
    finally:
        agdref.dispose()
        anef.dispose()


@click.command("exporter")
@click.option("--port", default=9109, show_default=True, help="Serve /metrics on this port.")
@click.option("--host", default="127.0.0.1", show_default=True)
def exporter(port: int, host: str) -> None:
    """Serve the migration's state (slot, parking, conflicts, divergences) as Prometheus metrics,
    read at each scrape. Blocks until interrupted."""
    from prometheus_client import CollectorRegistry, start_http_server

    from operations.exporter import MigrationCollector

    settings = get_settings()
    registry = CollectorRegistry()
    registry.register(MigrationCollector(settings, engine(settings.agdref_database_url),
                                         engine(settings.anef_database_url)))
    start_http_server(port, addr=host, registry=registry)
    click.echo(f"serving http://{host}:{port}/metrics")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass


@click.group("web", invoke_without_command=True)
@click.option("--metrics-url", default=None, help="The worker's /metrics (default: 127.0.0.1:WORKER_METRICS_PORT).")
@click.pass_context
def web(ctx: click.Context, metrics_url: str | None) -> None:
    """The web application (streams, reconciliation, go/no-go) on WEB_HOST:WEB_PORT. Needs
    WEB_SESSION_SECRET in the environment; users are added with `web users add`."""
    if ctx.invoked_subcommand:
        return
    import uvicorn

    from operations.web.app import create_app

    settings = get_settings()
    try:
        app = create_app(settings, metrics_url or f"http://127.0.0.1:{settings.worker_metrics_port}/metrics",
                         settings.web_sample_seconds)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    # log_config=None: uvicorn's own loggers (errors, and one access line per request) propagate
    # to the root handler, i.e. through structlog's masking chain, instead of printing raw values.
    uvicorn.run(app, host=settings.web_host, port=settings.web_port, log_config=None, access_log=True)


@web.group("users")
def users() -> None:
    """The web application's users."""


@users.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(["viewer", "engineer", "admin"]), required=True)
@click.option("--password", envvar="WEB_USER_PASSWORD", prompt=True, hide_input=True, confirmation_prompt=True,
              help="Or WEB_USER_PASSWORD; 12 characters at least.")
@click.option("--replace", is_flag=True, help="Change an existing user's role and password (revokes their sessions).")
def add_user_command(name: str, role: str, password: str, replace: bool) -> None:
    """Add a user (or, with --replace, change their role and password)."""
    from operations.web.auth import add_user
    from operations.web.facts import record_audit

    anef = engine(get_settings().anef_database_url)
    try:
        with anef.begin() as conn:
            add_user(conn, name, password, role, replace=replace)
            record_audit(conn, "command line", "user.replace" if replace else "user.add", name,
                         "agdref-anef web users add", {"role": role})
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        anef.dispose()
    click.echo(f"{name} ({role}) can log in")


def _user_change(name: str, reason: str, action: str) -> None:
    from operations.web.auth import delete_user, set_active
    from operations.web.facts import record_audit

    if not reason.strip():
        raise click.ClickException("a reason is required")
    try:
        with opened(get_settings().anef_database_url) as anef, anef.begin() as conn:
            if action == "delete":
                delete_user(conn, name)
            else:
                set_active(conn, name, action == "reactivate")
            record_audit(conn, "command line", f"user.{action}", name, reason)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{name}: {action}d")


@users.command("deactivate")
@click.argument("name")
@click.option("--reason", required=True)
def deactivate_user(name: str, reason: str) -> None:
    """Deactivate a user: their sessions end at once (never the last administrator)."""
    _user_change(name, reason, "deactivate")


@users.command("reactivate")
@click.argument("name")
@click.option("--reason", required=True)
def reactivate_user(name: str, reason: str) -> None:
    """Reactivate a user."""
    _user_change(name, reason, "reactivate")


@users.command("delete")
@click.argument("name")
@click.option("--reason", required=True)
def delete_user_command(name: str, reason: str) -> None:
    """Delete a user (their audit stays; never the last administrator)."""
    _user_change(name, reason, "delete")
