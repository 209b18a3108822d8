"""``agdref-anef reconcile ...``."""
from __future__ import annotations

import click
from rich.console import Console
from rich.table import Table

from common.db import engine
from common.settings import get_settings


def counts_table(comparison) -> Table:
    table = Table("legacy table", "seeded", "migrated", "rejected (by reason)", "not carried", "held (conflict)",
                  "missing", "balanced")
    for name, count in comparison.tables.items():
        rejected = ", ".join(f"{r} {n}" for r, n in sorted(count.rejected.items()))
        table.add_row(name, str(count.seeded), str(count.migrated),
                      f"{sum(count.rejected.values())}" + (f" ({rejected})" if rejected else ""),
                      str(count.not_carried), str(count.held), str(count.missing), "yes" if count.balanced else "NO")
    return table


@click.group("reconcile")
def reconcile() -> None:
    """Compare AGDREF, seen through the mapping, with ANEF."""


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
