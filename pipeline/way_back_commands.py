"""``agdref-anef way-back …``: the way back from ANEF to AGDREF (issue 18)."""
from __future__ import annotations

import click

from common.settings import get_settings


@click.group("way-back")
def way_back() -> None:
    """Write ANEF's own decisions back into AGDREF (capture: `agdref-anef connector way-back`)."""


@way_back.command("worker")
@click.option("--loglevel", default="info", show_default=True)
def worker(loglevel: str) -> None:
    """Read the captured changes of ANEF's own rows and write each person they name into AGDREF,
    in the legacy's form, one legacy transaction per person. Several workers share the partitions."""
    from common.kafka_admin import ensure_declared
    from pipeline.way_back_app import create_way_back_app
    from schemas.topics import WAY_BACK, WORKER, owned_by

    settings = get_settings()
    declared = settings.topics()
    ensure_declared(settings.kafka_bootstrap_servers, owned_by(declared, WAY_BACK) + owned_by(declared, WORKER))
    from faust.worker import Worker

    from pipeline import metrics

    metrics.serve(settings.way_back_metrics_port, settings.worker_metrics_host)

    Worker(create_way_back_app(settings), loglevel=loglevel, redirect_stdouts=False,
           override_logging=False).execute_from_commandline()


@way_back.command("resync")
@click.option("--scope", default=None, help="Only the persons of this prefecture (ANEF's notation: 75, 2A).")
@click.option("--batch", default=200, show_default=True, type=click.IntRange(min=1),
              help="Persons per AGDREF transaction.")
def resync(scope: str | None, batch: int) -> None:
    """Write back, without Kafka, every person ANEF created rows for (and every person the way
    back wrote before): what ANEF decided before the capture existed, or after a restore of
    AGDREF. The worker's rules exactly (`WayBackWriter`): idempotent, safe beside a running
    worker (the same locks), a row the legacy changed is held, not overwritten. Its own
    replication origin (the forward connector skips it), dropped at the end."""
    from common.db import engine
    from pipeline.way_back_writer import WayBackWriter, WrittenBack, drop_origins, persons_to_write_back
    from schemas.topics import WAY_BACK_ORIGIN

    settings = get_settings()
    agdref, anef = engine(settings.agdref_database_url), engine(settings.anef_database_url)
    origin = f"{WAY_BACK_ORIGIN}:{settings.worker_id}-resync"
    writer = WayBackWriter(settings.agdref_database_url, anef, origin)
    total = WrittenBack()
    try:
        numbers = persons_to_write_back(agdref, anef, scope)
        for start in range(0, len(numbers), batch):
            total.add(writer.write(numbers[start:start + batch]))
    finally:
        writer.close()
        drop_origins(agdref, origin)
        agdref.dispose()
        anef.dispose()
    click.echo(f"{total.persons} persons: {total.written} legacy rows written, {total.deleted} deleted, "
               f"{total.held} held, {total.losses} fields carried with a loss")
