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


def _mix(value: str | None) -> dict[str, int] | None:
    if not value:
        return None
    from synthetic.workload import DEFAULT_MIX

    mix = {}
    for part in value.split(","):
        kind, _, weight = part.partition("=")
        if kind.strip() not in DEFAULT_MIX or not weight.strip().isdigit():
            raise click.BadParameter(f"{part!r}: expected kind=weight with kind in {', '.join(DEFAULT_MIX)}")
        mix[kind.strip()] = int(weight)
    return mix


@click.command("simulate")
@click.option("--rate", type=click.FloatRange(min=0.1), default=10, show_default=True, help="Transactions per second.")
@click.option("--duration", type=click.FloatRange(min=0.1), default=60, show_default=True, help="Seconds.")
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--mix", "mix_text", default=None,
              help="Weights per kind, e.g. 'decide_application=5,purge_dossier=1' (others keep their default "
                   "unless listed; listing any replaces the whole mix).")
def simulate(rate: float, duration: float, seed: int, mix_text: str | None) -> None:
    """Keep writing AGDREF and ANEF as both are written during the overlap."""
    from common.log import get_logger
    from synthetic.workload import Workload

    log = get_logger("simulate")
    settings = get_settings()
    agdref, anef = engine(settings.agdref_database_url), engine(settings.anef_database_url)
    try:
        workload = Workload(agdref, anef, seed, _mix(mix_text))
        counts = workload.run_for(rate, duration, report=lambda c: log.info("simulate.progress", **c))
        log.info("simulate.done", transactions=sum(counts.values()), skipped=sum(workload.skipped.values()), **counts)
    finally:
        agdref.dispose()
        anef.dispose()
    click.echo("written by kind: " + ", ".join(f"{k} {n}" for k, n in sorted(counts.items())))
