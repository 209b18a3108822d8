"""``agdref-anef seed``: fill AGDREF with a synthetic population."""
from __future__ import annotations

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from common.db import engine
from common.settings import get_settings


@click.command("seed")
@click.option("--persons", "count", type=click.IntRange(min=1), required=True, help="How many persons.")
@click.option("--seed", type=int, default=1, show_default=True, help="The same seed gives the same database.")
@click.option("--processes", type=click.IntRange(min=1), default=2, show_default=True)
def seed(count: int, seed: int, processes: int) -> None:
    """Fill an empty AGDREF with COUNT synthetic persons and their whole dossiers."""
    from synthetic.seed import seed_population

    db = engine(get_settings().agdref_database_url)
    try:
        with Progress(TextColumn("seeding dossiers"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      TextColumn("{task.fields[rate]}"), transient=False) as bar:
            task = bar.add_task("persons", total=count, rate="")
            written = seed_population(db, count, seed, processes,
                                      progress=lambda n: bar.update(task, advance=n, rate=_rate(bar, task)))
    finally:
        db.dispose()
    click.echo(f"seeded {count} persons (seed {seed}): "
               + ", ".join(f"{table} {n}" for table, n in written.items()))


def _rate(bar: Progress, task) -> str:
    speed = bar.tasks[task].speed
    return f"{speed:,.0f} persons/s" if speed else ""
