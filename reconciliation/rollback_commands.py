"""``agdref-anef rollback-check --scope CODE``: may this prefecture be switched back to AGDREF?"""
from __future__ import annotations

import sys

import click


@click.command("rollback-check")
@click.option("--scope", required=True, help="The prefecture, in ANEF's notation (75, 13, 2A, 971).")
def rollback_check(scope: str) -> None:
    """Say whether AGDREF holds, for the prefecture, everything ANEF decided itself (rows with
    origine = 'ANEF'): counts per table, then every row AGDREF lacks or holds otherwise.
    Exit 0 when it does, 1 when it does not."""
    from common.db import engine
    from common.settings import get_settings
    from reconciliation.rollback_check import check

    settings = get_settings()
    agdref, anef = engine(settings.agdref_database_url), engine(settings.anef_database_url)
    try:
        result = check(agdref, anef, scope)
    finally:
        agdref.dispose()
        anef.dispose()
    click.echo(f"prefecture {scope}: rows ANEF created, and held as ANEF says in AGDREF")
    for table, decided in result.decided_in_anef.items():
        click.echo(f"  {table:<20} {result.held_in_agdref[table]:>7} / {decided}")
    for d in result.differences:
        click.echo(f"  differs: {d.anef_table} {d.key} (person {d.numero_etranger}): {d.field}")
    click.echo("rollback possible: AGDREF holds everything ANEF decided" if result.passed else
               f"rollback NOT possible: {len(result.differences)} difference(s)")
    sys.exit(0 if result.passed else 1)
