"""``agdref-anef decisions record|list|revoke``: a person's decisions on a dossier."""
from __future__ import annotations

import os

import click

from common.db import opened
from common.settings import get_settings


@click.group("decisions")
def decisions() -> None:
    """Decisions people record on a dossier (successor state, Corsican department, a date, a name),
    applied by the mapping on every rebuild while AGDREF keeps the value they were taken on."""


@decisions.command("record")
@click.argument("numero")
@click.option("--rule", type=click.Choice(["nationality", "corsica", "date", "name", "merge"]), required=True)
@click.option("--value", required=True, help="What the field is read as: an AGDREF country code of a current state, "
              "2A/2B, YYYYMMDD, a name, confirm (a merge).")
@click.option("--reason", required=True, help="Why (kept with the decision and audited).")
@click.option("--by", default=lambda: os.environ.get("USER", ""), help="Who decides (default: $USER).")
@click.option("--row", default=None, help="TABLE:KEY of the row (default: the person record), e.g. titre:T000000001.")
@click.option("--field", default=None, help="The field (default: the rule's field of the person record).")
def record_command(numero: str, rule: str, value: str, reason: str, by: str, row: str | None,
                   field: str | None) -> None:
    """Record a decision; the dossier is rebuilt at once."""
    from pipeline.decisions import DecisionError, record

    try:
        with opened(get_settings().anef_database_url) as db:
            ident, result = record(db, numero, rule, value, reason, by, row, field)
    except DecisionError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"decision {ident} recorded; dossier rebuilt: {result.migrated} migrated, {result.parked} parked")


@decisions.command("list")
@click.option("--numero", default=None, help="One dossier (its reference number).")
def list_command(numero: str | None) -> None:
    """Decisions, newest first, with their status (applied, stale: AGDREF changed since, revoked)."""
    from pipeline.decisions import listed

    with opened(get_settings().anef_database_url) as db:
        rows = listed(db, numero)
    for r in rows:
        click.echo(f"{r['id']:>5}  {r['numero_etranger']}  {r['status']:<8} {r['rule']:<12} "
                   f"{r['source_table']}[{r['source_key']}].{r['field']}: {r['legacy_value']!r} -> {r['value']!r}  "
                   f"by {r['by']} ({r['reason']})")
    click.echo(f"{len(rows)} decision(s)")


@decisions.command("revoke")
@click.argument("ident", type=int)
@click.option("--reason", required=True)
@click.option("--by", default=lambda: os.environ.get("USER", ""), help="Who decides (default: $USER).")
def revoke_command(ident: int, reason: str, by: str) -> None:
    """Revoke a decision; the dossier is rebuilt without it at once."""
    from pipeline.decisions import DecisionError, revoke

    try:
        with opened(get_settings().anef_database_url) as db:
            result = revoke(db, ident, by, reason)
    except DecisionError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"decision {ident} revoked; dossier rebuilt: {result.migrated} migrated, {result.parked} parked")
