"""``agdref-anef connector ...``: the connectors' sub-commands."""
from __future__ import annotations

import signal
import threading

import click

from common.db import engine
from common.log import get_logger
from common.settings import get_settings
from schemas.agdref_tables import CAPTURED_TABLES
from schemas.envelope import topic_name

log = get_logger(__name__)


@click.group("connector")
def connector() -> None:
    """Stream AGDREF's changes into Kafka."""


@connector.command("run")
@click.option("--mode", type=click.Choice(["log"]), default="log", show_default=True,
              help="log: PostgreSQL logical decoding.")
def run(mode: str) -> None:
    """Stream every change of the captured AGDREF tables into <prefix>.agdref.<table>.

    Creates the publication, the replication slot and the topics when missing. Stops cleanly on
    SIGTERM or Ctrl-C (flushes, acknowledges, exits 0)."""
    from connectors import source
    from connectors.kafka_io import ChangeProducer, ensure_topics
    from connectors.log_stream import LogStreamConnector

    settings = get_settings()
    db = engine(settings.agdref_database_url)
    source.prepare(db, settings.publication, settings.replication_slot)
    db.dispose()
    ensure_topics(settings.kafka_bootstrap_servers,
                  [topic_name(settings.kafka_topic_prefix, t) for t in CAPTURED_TABLES],
                  settings.kafka_topic_partitions)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    producer = ChangeProducer(settings.kafka_bootstrap_servers)
    streamer = LogStreamConnector(settings.agdref_database_url, settings.replication_slot, settings.publication,
                                  producer, settings.kafka_topic_prefix)
    try:
        streamer.run(stop)
    finally:
        producer.close()
        log.info("connector.stopped", events=streamer.events_published, transactions=streamer.transactions_published)


@connector.command("status")
def status() -> None:
    """The replication slot: whether it exists, is in use, and how far behind it is."""
    from connectors import source

    settings = get_settings()
    db = engine(settings.agdref_database_url)
    try:
        state = source.slot_state(db, settings.replication_slot)
    finally:
        db.dispose()
    if not state.exists:
        click.echo(f"slot {state.name}: absent (the connector has never run)")
        return
    click.echo(f"slot {state.name}: {'active' if state.active else 'inactive'}, "
               f"acknowledged up to {source.int_to_lsn(state.confirmed_flush_lsn or 0)}, "
               f"{state.lag_bytes} bytes behind")
