"""``agdref-anef rights``: the rights ledger's reading, per scope, now."""
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


@click.command("rights")
@click.option("--json", "json_path", type=click.Path(dir_okay=False),
              help="Write the reading (per scope, and every right at risk with its numbers) to FILE.")
@click.option("--horizon", default=90, show_default=True, help="Days ahead: a right starting within them counts.")
def rights(json_path: str | None, horizon: int) -> None:
    """Read both systems' rights without the mapping and compare them: per prefecture, persons
    holding a right in AGDREF, covered by ANEF, at risk. Exits 1 while a right is at risk."""
    from rights.ledger import read

    settings = get_settings()
    agdref, anef = engine(settings.agdref_database_url), engine(settings.anef_database_url)
    try:
        reading = read(agdref, anef, date.today(), horizon)
    finally:
        agdref.dispose()
        anef.dispose()
    table = Table("scope", "", "persons with a right", "covered in ANEF", "at risk", title="rights ledger")
    for scope, found in sorted(reading.scopes.items()):
        table.add_row(scope, department_name(scope), f"{found.persons_with_rights:,}", f"{found.covered:,}",
                      f"[red]{found.at_risk}[/]" if found.at_risk else "0")
    console = Console(width=140)
    console.print(table)
    kinds: dict[str, int] = {}
    for d in reading.divergences:
        kinds[d.kind.value] = kinds.get(d.kind.value, 0) + 1
    console.print(f"{reading.documents:,} rights-carrying AGDREF rows read in {reading.seconds:.1f}s; "
                  f"{reading.at_risk():,} persons at risk ({', '.join(f'{k} {n}' for k, n in sorted(kinds.items())) or 'none'})")
    if json_path:
        Path(json_path).write_text(json.dumps({**reading.summary(), "at_risk": [
            {"numero_etranger": d.numero_etranger, "kind": d.kind.value, "scope": d.scope,
             "urgency_days": d.urgency_days, "fields": [list(f) for f in d.fields]} for d in reading.divergences]},
            indent=1, default=str))
    raise SystemExit(1 if reading.divergences else 0)
