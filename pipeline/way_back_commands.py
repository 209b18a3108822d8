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
