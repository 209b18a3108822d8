"""``agdref-anef worker``: run the Faust worker."""
from __future__ import annotations

import click

from common.settings import get_settings


@click.command("worker")
@click.option("--loglevel", default="info", show_default=True)
def worker(loglevel: str) -> None:
    """Consume the legacy topics and write ANEF. Several workers share the partitions."""
    from faust.worker import Worker

    from pipeline.app import create_app

    app = create_app(get_settings())
    Worker(app, loglevel=loglevel, redirect_stdouts=False, override_logging=False).execute_from_commandline()
