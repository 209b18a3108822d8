"""``agdref-anef gonogo evaluate``: the decommissioning verdict, per scope, kept and chained."""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from common.db import engine
from common.settings import get_settings
from schemas.referentials import department_name


def verdict_table(verdicts) -> Table:
    from operations.gonogo import explain

    table = Table("scope", "", "verdict", "why not GO", title="go / no-go")
    for v in verdicts:
        failing = "; ".join(explain(c) for c in v.criteria if not c.ok)
        table.add_row(v.scope, department_name(v.scope) if v.scope != "FRANCE" else "",
                      "[green]GO[/]" if v.go else "[red]NO-GO[/]", failing)
    return table


def evaluate_and_show(settings, agdref, anef, scopes: list[str] | None, json_path: str | None, by: str,
                      reading=None, metrics_url: str | None = None) -> int:
    """Evaluate, keep, print; the exit code: 0 every asked scope GO, 1 one NO-GO."""
    from operations.verdicts import evaluate_all, measured_streams

    streams = measured_streams(settings, agdref, anef, metrics_url)
    verdicts = evaluate_all(agdref, anef, streams, by, date.today(), reading, scopes)
    Console(width=160).print(verdict_table(verdicts))
    if json_path:
        Path(json_path).write_text(json.dumps([{"scope": v.scope, "go": v.go, "criteria_version": v.criteria_version,
                                                "run_id": v.run_id, "criteria": [vars(c) for c in v.criteria]}
                                               for v in verdicts], indent=1, default=str))
    return 0 if all(v.go for v in verdicts) else 1


@click.group("gonogo")
def gonogo() -> None:
    """The decommissioning go/no-go, per prefecture."""


@gonogo.command("evaluate")
@click.option("--scope", "scopes", multiple=True, help="A prefecture (75, 2A, 971…), FRANCE or undetermined; "
              "repeat for several (default: every scope).")
@click.option("--json", "json_path", type=click.Path(dir_okay=False), help="Write the verdicts to FILE.")
@click.option("--metrics-url", default=None, help="The worker's /metrics (default: 127.0.0.1:WORKER_METRICS_PORT).")
def evaluate(scopes: tuple[str, ...], json_path: str | None, metrics_url: str | None) -> None:
    """Evaluate now (the rights ledger is read now), keep the verdicts in the evidence chain.
    Exits 0 when every asked scope is GO, 1 when one is NO-GO, 2 on an error."""
    settings = get_settings()
    agdref, anef = engine(settings.agdref_database_url), engine(settings.anef_database_url)
    try:
        code = evaluate_and_show(settings, agdref, anef, list(scopes) or None, json_path, "gonogo evaluate",
                                 metrics_url=metrics_url)
    except KeyError as exc:
        click.echo(f"error: {exc.args[0]}", err=True)
        code = 2
    except Exception as exc:  # noqa: BLE001 - an evaluation that could not be made is not a NO-GO: exit 2+
        click.echo(f"error: the evaluation failed: {type(exc).__name__}: {exc}", err=True)
        code = 3
    finally:
        agdref.dispose()
        anef.dispose()
    raise SystemExit(code)
