"""``agdref-anef connector ...``: the connectors' sub-commands."""
from __future__ import annotations

import signal
import sys
import threading
import time
import uuid

import click

from common.db import engine
from common.log import get_logger
from common.settings import get_settings
from schemas.agdref_tables import CAPTURED_TABLES

log = get_logger(__name__)


@click.group("connector")
def connector() -> None:
    """Stream AGDREF's changes into Kafka."""


@connector.command("run")
@click.option("--mode", type=click.Choice(["log", "polling"]), default="log", show_default=True,
              help="log: PostgreSQL logical decoding. polling: date_maj and key comparison through SQLAlchemy, "
                   "for a source without log access (see docs/connectors.md for what it cannot see).")
@click.option("--interval", type=click.FloatRange(min=0.1), default=1.0, show_default=True,
              help="Polling mode: seconds between polls.")
@click.option("--delete-scan", type=click.FloatRange(min=0), default=60.0, show_default=True,
              help="Polling mode: seconds between two key comparisons (how late a delete may be seen).")
@click.option("--snapshot", "snapshot_mode", type=click.Choice(["load", "events", "never"]), default="load",
              show_default=True,
              help="What a new slot starts with. load: the initial load, key ranges handed to the workers, each "
                   "read at a consistent snapshot of its own and written in bulk (docs/connectors.md). events: every "
                   "table read once without locks as snapshot events, as Debezium does. never: nothing.")
@click.option("--range-persons", type=click.IntRange(min=1), default=2_000, show_default=True,
              help="Initial load: persons per key range (a worker holds one range in memory at a time).")
@click.option("--chunk-size", type=click.IntRange(min=1), default=20_000, show_default=True)
def run(mode: str, interval: float, delete_scan: float, snapshot_mode: str, range_persons: int,
        chunk_size: int) -> None:
    """Stream every change of the captured AGDREF tables into <prefix>.agdref.<table>.

    Creates the control tables, the publication, the replication slot and the topics when
    missing. Resumes any snapshot left unfinished. Stops cleanly on SIGTERM or Ctrl-C (flushes,
    acknowledges, exits 0)."""
    from common.db import psycopg2_dsn
    from common.kafka_admin import ensure_declared
    from connectors import load_plan, source
    from connectors.kafka_io import ChangeProducer
    from connectors.log_stream import LogStreamConnector
    from connectors.snapshot import IncrementalSnapshot
    from schemas.topics import CONNECTOR, initial_load_topic

    settings = get_settings()
    if mode == "polling":
        _run_polling(settings, interval, delete_scan)
        return
    db = engine(settings.agdref_database_url)
    if snapshot_mode == "load" and not source.slot_state(db, settings.replication_slot).exists:
        # Planned before the slot exists, so that a connector stopped between the two still loads:
        # at its next start the slot is there and the plan waits to be published.
        load_plan.request_once(db, range_persons, settings.kafka_topic_partitions)
    new_slot = source.prepare(db, settings.publication, settings.replication_slot)
    # The legacy topics, the transaction topic (one partition: commit order), the heartbeats and the
    # initial load's ranges.
    loads = initial_load_topic(settings.kafka_topic_prefix)
    ensure_declared(settings.kafka_bootstrap_servers,
                    [t for t in settings.topics() if t.owner == CONNECTOR or t.name == loads])
    # After the slot: every range is read at a snapshot later than the slot's start (no gap).
    load_plan.publish_unpublished(db, settings.kafka_bootstrap_servers, loads)
    snapshot = IncrementalSnapshot(psycopg2_dsn(settings.agdref_database_url), settings.kafka_topic_prefix,
                                   db.url.database or "", chunk_size)
    snapshot.load()
    if new_slot and snapshot_mode == "events":
        snapshot.request(f"initial-{uuid.uuid4().hex[:8]}", list(CAPTURED_TABLES))
        log.info("connector.initial_snapshot_requested", tables=len(CAPTURED_TABLES))
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    producer = ChangeProducer(settings.kafka_bootstrap_servers)
    streamer = LogStreamConnector(settings.agdref_database_url, settings.replication_slot, settings.publication,
                                  producer, settings.kafka_topic_prefix, snapshot)
    if snapshot.active and sys.stderr.isatty():
        threading.Thread(target=_progress_bar, args=(db, snapshot, stop), daemon=True).start()
    try:
        streamer.run(stop)
    finally:
        producer.close()
        snapshot.close()
        db.dispose()
        log.info("connector.stopped", events=streamer.events_published, transactions=streamer.transactions_published,
                 snapshot_reads=snapshot.emitted)


@connector.command("way-back")
@click.option("--publication-only", is_flag=True,
              help="Create the filtered publication (and the topics) for Debezium, then exit: no slot.")
def way_back(publication_only: bool) -> None:
    """Stream the rows ANEF created (origine = 'ANEF') into <prefix>.anef.<table>, for the way back
    to AGDREF (issue 18).

    Creates ANEF's bookkeeping table, the filtered publication, the slot (WAY_BACK_SLOT,
    WAY_BACK_PUBLICATION) and the topics when missing. The slot is acknowledged only once Kafka
    holds every event before it. Stops cleanly on SIGTERM or Ctrl-C."""
    from common.kafka_admin import ensure_declared
    from connectors import way_back_source
    from connectors.kafka_io import ChangeProducer
    from connectors.log_stream import LogStreamConnector
    from schemas.topics import WAY_BACK, owned_by

    settings = get_settings()
    db = engine(settings.anef_database_url)
    way_back_source.prepare(db, settings.way_back_publication, None if publication_only else settings.way_back_slot)
    ensure_declared(settings.kafka_bootstrap_servers, owned_by(settings.topics(), WAY_BACK))
    if publication_only:
        db.dispose()
        click.echo(f"publication {settings.way_back_publication} ready on ANEF (rows with origine = 'ANEF')")
        return
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    producer = ChangeProducer(settings.kafka_bootstrap_servers)
    streamer = LogStreamConnector(settings.anef_database_url, settings.way_back_slot, settings.way_back_publication,
                                  producer, settings.kafka_topic_prefix, side=way_back_source.WAY_BACK_SIDE)
    try:
        streamer.run(stop)
    finally:
        producer.close()
        db.dispose()
        log.info("connector.way_back_stopped", events=streamer.events_published,
                 transactions=streamer.transactions_published)


def _run_polling(settings, interval: float, delete_scan: float) -> None:
    """The polling connector: reads only (no slot, no publication, no signal table in the source)."""
    from common.kafka_admin import ensure_declared
    from connectors.kafka_io import ChangeProducer
    from connectors.polling import PollingConnector
    from schemas.topics import CONNECTOR, POLLING

    ensure_declared(settings.kafka_bootstrap_servers, [
        t for t in settings.topics() if t.owner == POLLING or (t.owner == CONNECTOR and ".agdref." in t.name)])
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    db = engine(settings.agdref_database_url)
    producer = ChangeProducer(settings.kafka_bootstrap_servers)
    poller = PollingConnector(db, producer, settings.kafka_topic_prefix, settings.kafka_bootstrap_servers, interval,
                              delete_scan)
    log.info("connector.polling", interval=interval)
    try:
        poller.run(stop)
    finally:
        producer.close()
        db.dispose()
        log.info("connector.stopped", events=poller.events_published)


def _progress_bar(db, snapshot, stop: threading.Event) -> None:
    """A bar on the terminal while a snapshot runs (rows read against the tables' estimated size)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from connectors import source

    total = sum(p.estimate for p in source.snapshot_progress(db) if not p.done) or None
    with Progress(TextColumn("snapshot"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TextColumn("{task.fields[table]}")) as bar:
        task = bar.add_task("snapshot", total=total, table="")
        while snapshot.active and not stop.is_set():
            current = snapshot.pending[0].table if snapshot.pending else ""
            bar.update(task, completed=snapshot.emitted, table=current)
            time.sleep(0.5)
        bar.update(task, completed=snapshot.emitted, table="done")


@connector.command("snapshot")
@click.option("--table", "tables", multiple=True, type=click.Choice(list(CAPTURED_TABLES)), required=True,
              help="A table to re-read (repeat for several).")
@click.option("--keys", default=None, help="Only these primary keys, comma-separated; a composite key as a|b.")
def snapshot(tables: tuple[str, ...], keys: str | None) -> None:
    """Ask the running connector to re-read tables (or some keys) without locks, for repairs.

    Writes Debezium's ``execute-snapshot`` signal into the signal table; the connector picks it up
    from the log, so the request is ordered with the changes around it."""
    import json

    from sqlalchemy import text

    from connectors.snapshot import CONTROL_SCHEMA, EXECUTE, SIGNAL_TABLE

    data = {"data-collections": [f"agdref.{t}" for t in tables], "type": "incremental"}
    if keys:
        data["keys"] = [k.split("|") for k in keys.split(",")]
    db = engine(get_settings().agdref_database_url)
    request_id = f"repair-{uuid.uuid4().hex[:8]}"
    with db.begin() as conn:
        conn.execute(text(f"INSERT INTO {CONTROL_SCHEMA}.{SIGNAL_TABLE} VALUES (:i, :t, :d)"),
                     {"i": request_id, "t": EXECUTE, "d": json.dumps(data)})
    db.dispose()
    click.echo(f"requested {request_id}: {', '.join(tables)}" + (f" ({len(data['keys'])} keys)" if keys else ""))


@connector.command("status")
def status() -> None:
    """The replication slot (in use, how far behind) and the snapshots' progress."""
    from connectors import source

    settings = get_settings()
    db = engine(settings.agdref_database_url)
    try:
        state = source.slot_state(db, settings.replication_slot)
        progress = source.snapshot_progress(db)
    finally:
        db.dispose()
    if not state.exists:
        click.echo(f"slot {state.name}: absent (the connector has never run)")
    else:
        click.echo(f"slot {state.name}: {'active' if state.active else 'inactive'}, "
                   f"acknowledged up to {source.int_to_lsn(state.confirmed_flush_lsn or 0)}, "
                   f"{state.lag_bytes} bytes behind"
                   + (f" (~{state.lag_seconds:.0f} s)" if state.lag_seconds is not None else ""))
    for p in progress:
        share = f"{100 * p.rows_read / p.estimate:.0f} %" if p.estimate and not p.done else ("done" if p.done else "")
        click.echo(f"snapshot {p.request_id} {p.table:<20} {p.rows_read:>10} rows read of ~{p.estimate:<10} {share}")
