"""``agdref-anef seed``: fill AGDREF with a synthetic population."""
from __future__ import annotations

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from common.db import engine
from common.settings import get_settings


@click.command("seed")
@click.option("--persons", "count", type=click.IntRange(min=1), required=True, help="How many persons.")
@click.option("--seed", type=int, default=1, show_default=True, help="The same seed gives the same database.")
def seed(count: int, seed: int) -> None:
    """Insert COUNT synthetic persons into agdref.etranger (which must be empty)."""
    from synthetic.seed import seed_persons

    db = engine(get_settings().agdref_database_url)
    try:
        with Progress(TextColumn("seeding persons"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      transient=False) as bar:
            task = bar.add_task("persons", total=count)
            written = seed_persons(db, count, seed, progress=lambda n: bar.advance(task, n))
    finally:
        db.dispose()
    click.echo(f"seeded {written} persons (seed {seed})")
