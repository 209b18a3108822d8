"""``agdref-anef reconcile ...``."""
from __future__ import annotations

import json
import os
import time
from collections import Counter
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from common.db import engine
from common.settings import get_settings
from reconciliation.divergence import Kind, Severity


def counts_table(comparison) -> Table:
    table = Table("legacy table", "seeded", "migrated", "rejected (by reason)", "not carried (address history)",
                  "not carried (defective history)", "held (conflict)", "missing", "balanced")
    for name, count in comparison.tables.items():
        rejected = ", ".join(f"{r} {n}" for r, n in sorted(count.rejected.items()))
        table.add_row(name, str(count.seeded), str(count.migrated),
                      f"{sum(count.rejected.values())}" + (f" ({rejected})" if rejected else ""),
                      str(count.not_carried), str(count.history), str(count.held), str(count.missing),
                      "yes" if count.balanced else "NO")
    return table


def _engines():
    settings = get_settings()
    return settings, engine(settings.agdref_database_url), engine(settings.anef_database_url)


@click.group("reconcile", invoke_without_command=True)
@click.option("--json", "json_path", type=click.Path(dir_okay=False), help="Write every divergence found to FILE.")
@click.option("--dossier", "numero", help="One person, now: both systems side by side and the pipeline's view.")
@click.option("--max-wait", default=120.0, show_default=True,
              help="Seconds to wait, per round, for the pipeline to pass the suspects' legacy position.")
@click.option("--buckets", type=int, help="Fingerprint buckets (default: one per 8 persons).")
@click.pass_context
def reconcile(ctx: click.Context, json_path: str | None, numero: str | None, max_wait: float,
              buckets: int | None) -> None:
    """Compare AGDREF, seen through the mapping, with ANEF, and every person's rights read without
    it; then evaluate the go/no-go of every scope. Exits 1 while critical divergences are open
    (not accepted)."""
    if ctx.invoked_subcommand:
        return
    if numero:
        raise SystemExit(_show_dossier(numero, json_path))
    from reconciliation import store
    from reconciliation.engine import Options, Reconciler
    from reconciliation.inflight import PipelinePosition

    settings, agdref, anef = _engines()
    console = Console(width=160)
    started = time.monotonic()
    try:
        reconciler = Reconciler(agdref, anef, PipelinePosition(settings, agdref, anef),
                                lambda what: console.print(f"[dim]{time.monotonic() - started:7.1f}s[/dim] {what}"))
        summary = reconciler.run(Options(buckets=buckets, max_wait_seconds=max_wait))
        with anef.connect() as conn:
            critical = store.open_critical(conn)
        # Every nightly run ends with the verdicts, on this run's evidence and this run's ledger.
        from operations.gonogo_commands import evaluate_and_show

        evaluate_and_show(settings, agdref, anef, None, None, "nightly reconciliation", summary.rights)
    finally:
        agdref.dispose()
        anef.dispose()
    table = Table("kind", "critical", "high", "medium", "low", title=f"run {summary.run_id}: divergences found")
    for kind in Kind:
        counts = Counter(d.severity for d in summary.divergences if d.kind is kind)
        table.add_row(kind.value, *(str(counts.get(s, 0)) for s in Severity))
    console.print(table)
    console.print(f"{summary.persons_agdref:,} AGDREF persons, {summary.buckets_differing:,}/{summary.buckets:,} "
                  f"buckets differed, {summary.suspects:,} suspects, {summary.confirmed:,} confirmed, "
                  f"{summary.unconfirmed:,} still in flight, {summary.seconds:.1f}s; open critical: {critical}")
    if summary.outdated_mapping:
        console.print(f"{summary.outdated_mapping:,} dossiers were made by an older mapping than the one running now: "
                      "`agdref-anef rebuild --outdated-mapping` rebuilds them with the current rules")
    if json_path:
        Path(json_path).write_text(json.dumps(
            {"run_id": summary.run_id, "divergences": [{**store.as_dict(d), "run_id": summary.run_id}
                                                       for d in summary.divergences]}, indent=1, default=str))
    raise SystemExit(1 if critical else 0)


def _show_dossier(numero: str, json_path: str | None) -> int:
    """Print one person's two sides, divergences and pipeline state; 1 if a critical divergence."""
    from reconciliation import store
    from reconciliation.one_dossier import look_up

    _, agdref, anef = _engines()
    started = time.monotonic()
    try:
        found = look_up(agdref, anef, numero)
    finally:
        agdref.dispose()
        anef.dispose()
    console = Console(width=180)
    side = Table("field", "AGDREF (through the mapping)", "ANEF", "", title=f"dossier {found.numero}"
                 + (f" (alias of {found.root})" if found.root else ""))
    differing = {f.field for d in found.divergences for f in d.fields}
    for name, left, right in found.side_by_side():
        side.add_row(name, "" if left is None else str(left), "" if right is None else str(right),
                     "≠" if name in differing or (left != right and str(left).rstrip() != str(right).rstrip()) else "")
    console.print(side)
    for line in found.rejections:
        console.print(f"[yellow]the mapping rejects it:[/yellow] {line}")
    if found.legacy_rows:
        legacy = Table("AGDREF table", "row as AGDREF holds it", title="legacy rows (no ANEF form: rejected)")
        for table_name, row in found.legacy_rows:
            legacy.add_row(table_name, ", ".join(f"{k}={v}" for k, v in row.items() if v not in (None, "")))
        console.print(legacy)
    for d in found.divergences:
        console.print(f"[bold]{d.severity.value}[/bold] {d.kind.value}"
                      + (f", {d.urgency_days} days left" if d.urgency_days is not None else "")
                      + (f": {d.detail}" if d.detail else "") + (f" ({len(d.fields)} fields)" if d.fields else ""))
    if not found.divergences:
        console.print("no divergence")
    console.print("pipeline: " + ", ".join(f"{k}={v}" for k, v in found.pipeline.items()))
    console.print(f"[dim]answered in {time.monotonic() - started:.3f}s[/dim]")
    if json_path:
        Path(json_path).write_text(json.dumps({
            "numero_etranger": found.numero, "root": found.root, "agdref": found.agdref, "anef": found.anef,
            "divergences": [store.as_dict(d) for d in found.divergences], "pipeline": found.pipeline,
            "rejections": found.rejections, "legacy_rows": found.legacy_rows}, indent=1, default=str))
    return 1 if any(d.severity is Severity.CRITICAL for d in found.divergences) else 0


@click.group("divergences")
def divergences() -> None:
    """The divergences kept across runs, and the decisions on them."""


@divergences.command("list")
@click.option("--kind", type=click.Choice([k.value for k in Kind]))
@click.option("--severity", type=click.Choice([s.value for s in Severity]))
@click.option("--prefecture")
@click.option("--status", type=click.Choice(["new", "confirmed", "accepted"]))
def list_divergences(kind, severity, prefecture, status) -> None:
    """Open divergences, most severe and most urgent first (numbers in clear: engineers only)."""
    from reconciliation import store

    _, agdref, anef = _engines()
    agdref.dispose()
    with anef.connect() as conn:
        rows = store.open_divergences(conn, kind=kind, severity=severity, prefecture=prefecture, status=status)
    anef.dispose()
    table = Table("id", "number", "kind", "severity", "status", "prefecture", "days left", "age (days)", "fields")
    for r in rows:
        table.add_row(str(r["id"]), r["numero_etranger"], r["kind"], r["severity"], r["status"], r["prefecture"] or "",
                      "" if r["urgency_days"] is None else str(r["urgency_days"]), f"{float(r['age_days']):.1f}",
                      ", ".join(f["field"] for f in r["fields"])[:60])
    Console(width=180).print(table)


@divergences.command("accept")
@click.argument("ident", type=int)
@click.option("--reason", required=True, help="Why this divergence is acceptable (kept with the decision).")
@click.option("--by", default=lambda: os.environ.get("USER", ""), help="Who decides (default: $USER).")
def accept_divergence(ident: int, reason: str, by: str) -> None:
    """Accept an open divergence, with a reason, in your name."""
    from reconciliation import store
    from reconciliation.exceptions import DivergenceNotFound

    _, agdref, anef = _engines()
    agdref.dispose()
    try:
        with anef.begin() as conn:
            store.accept(conn, ident, by, reason)
    except DivergenceNotFound as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        anef.dispose()
    click.echo(f"divergence {ident} accepted by {by}")


@click.command("report")
@click.option("--out", "out", required=True, type=click.Path(file_okay=False), help="Folder to write the report in.")
@click.option("--restricted", is_flag=True, help="Also write the full detail (numbers, values) under restricted/.")
def report(out: str, restricted: bool) -> None:
    """The nightly report (HTML, CSV, JSON). Exits 1 while critical divergences are open (not
    accepted): fit for cron or a Kubernetes CronJob."""
    from reconciliation import report as writer
    from reconciliation import store

    settings, agdref, anef = _engines()
    agdref.dispose()
    with anef.connect() as conn:
        runs, rows = store.runs(conn), store.open_divergences(conn)
    anef.dispose()
    facts = writer.write(Path(out), runs, rows, settings.pii_pseudonym_key, restricted)
    click.echo(f"report written to {Path(out) / 'report.html'}: {facts['open']} open divergences, "
               f"{facts['critical_not_accepted']} critical not accepted")
    raise SystemExit(1 if facts["critical_not_accepted"] else 0)


@reconcile.command("counts")
def counts() -> None:
    """Per legacy table: rows seeded = rows migrated + rows rejected (by reason) + rows ANEF does
    not carry. Exits 1 when a table does not balance or a dossier differs."""
    from reconciliation.dossiers import compare_dossiers

    settings = get_settings()
    agdref, anef = engine(settings.agdref_database_url), engine(settings.anef_database_url)
    try:
        comparison = compare_dossiers(agdref, anef)
    finally:
        agdref.dispose()
        anef.dispose()
    console = Console(width=160)
    console.print(counts_table(comparison))
    console.print(f"dossiers: {comparison.dossiers}, identical in ANEF: {comparison.identical}, "
                  f"parked: {len(comparison.parked_found)}, held as conflicts: {len(comparison.conflicts)}, "
                  f"missing: {len(comparison.missing)}, "
                  f"unexpected: {len(comparison.unexpected)}, different: {len(comparison.mismatched)}")
    if not comparison.consistent:
        raise SystemExit(1)
