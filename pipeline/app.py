"""The Faust application: its configuration, topics and the agent that migrates persons.

One agent reads every legacy topic. It reads raw bytes (no Faust model): a malformed message must reach our own handling and
become a dead letter, never an exception inside Faust, which would ack it and lose it (see
docs/architecture.md). Concurrency is 1 on purpose (faust-streaming issue 606): throughput comes
from batches (``take_events``) and partitions, never from concurrent actors.
"""
from __future__ import annotations

import asyncio
import os
import socket
import time
from pathlib import Path

import faust
from sqlalchemy.engine import make_url

from common.db import engine, psycopg2_dsn
from common.log import get_logger
from common.settings import Settings
from pipeline import consumer_fetch, metrics, range_loader, sink_process
from pipeline.actions import DeadLetter, Origin, RowChange, TransactionEnd
from pipeline.decide import decide, decide_transaction
from pipeline.exceptions import RejectionRateExceeded, SinkUnavailable
from pipeline.guard import RejectionGuard
from pipeline.range_loader import RangeLoader
from pipeline.sink import DossierSink
from schemas.agdref_tables import CAPTURED_TABLES
from schemas.envelope import topic_name, transaction_topic
from schemas.key_range import KeyRange
from schemas.rejections import Reason
from schemas.topics import dead_letter_topic, dossier_topic, initial_load_topic

log = get_logger(__name__)

RETRY_FIRST_SECONDS = 0.5
RETRY_MAX_SECONDS = 30.0
REBUILD_IDLE_SECONDS = 0.1   # how long an idle rebuild waits before looking for another worker's marks
LAG_INTERVAL_SECONDS = 5.0


def create_app(settings: Settings) -> faust.App:
    datadir = Path(settings.worker_data_dir) / settings.worker_id
    datadir.parent.mkdir(parents=True, exist_ok=True)  # Faust creates the last level only
    app = consumer_fetch.app_class(settings.consumer_fetch_min_bytes, settings.consumer_fetch_max_wait_ms)(
        settings.worker_id,
        broker=f"kafka://{settings.kafka_bootstrap_servers}",
        value_serializer="raw",
        key_serializer="raw",
        store="memory://",
        datadir=str(datadir),
        # Faust's own topics (its leader topic) get the declared replication factor too.
        topic_replication_factor=settings.kafka_replication_factor,
        topic_partitions=settings.kafka_topic_partitions,
        consumer_auto_offset_reset="earliest",
        producer_acks=-1,
        # The dossiers topic gets a dossier per rebuilt person (a range: ~2,000 at once): Faust's
        # 16 KiB batches and no linger made a produce request per handful of them (the broker's
        # processor time during a backfill: 4.0-5.1 s per 40 s before, 3.6 s after).
        producer_max_batch_size=1 << 20,
        producer_linger=0.005,
        web_enabled=False,
        # On SIGTERM Faust would otherwise wait for every buffered event to be acknowledged, and a
        # batch still buffered by take_events never is: the worker hung in Consumer.wait_empty.
        # What is not acknowledged is read again after the restart, and the sink makes that harmless.
        stream_wait_empty=False,
        # Offsets are committed often so a restarted worker replays little; replays are harmless.
        broker_commit_every=1000,
        broker_commit_interval=1.0,
        # A worker that crashed holds its partitions until the broker gives up on it: with Faust's
        # 60 s default, a restarted worker (or its peers) waits a minute before reading again.
        broker_session_timeout=settings.worker_session_timeout,
        broker_heartbeat_interval=max(0.5, settings.worker_session_timeout / 5),
        broker_rebalance_timeout=max(20.0, settings.worker_session_timeout * 2),
        # A broker that restarts may answer its first metadata requests without the topics; a group
        # formed then assigns nothing, and only a metadata refresh showing the partitions makes the
        # group form again. With Faust's 5-minute default the workers sat idle, alive and without
        # partitions, for up to five minutes (tests/integration/test_broker_outage.py).
        consumer_metadata_max_age_ms=10_000,
    )
    transactions = transaction_topic(settings.kafka_topic_prefix)
    legacy = app.topic(*(topic_name(settings.kafka_topic_prefix, t) for t in CAPTURED_TABLES), transactions,
                       value_type=bytes, key_type=bytes)
    dead_letters = app.topic(dead_letter_topic(settings.kafka_topic_prefix), value_type=bytes, key_type=bytes)
    dossiers = app.topic(dossier_topic(settings.kafka_topic_prefix), value_type=bytes, key_type=bytes)
    # No ping before each transaction (a round trip each): a connection that died is invalidated by
    # the failing statement, and _until_done runs the step again on a fresh one.
    anef = engine(settings.anef_database_url, pool_size=3, pool_pre_ping=False)
    label = f"{settings.worker_id}@{socket.gethostname()}:{os.getpid()}"
    sink_options = dict(settle_seconds=settings.snapshot_settle_seconds,
                        transaction_wait_seconds=settings.transaction_wait_seconds,
                        snapshot_max_wait_seconds=settings.snapshot_max_wait_seconds, worker_id=label)
    sink = DossierSink(anef, **sink_options)
    loads = app.topic(initial_load_topic(settings.kafka_topic_prefix), value_type=bytes, key_type=bytes)
    steps = sink_process.start(settings.sink_processes, {"sink": sink},
                               {"anef_url": settings.anef_database_url, "sink": sink_options},
                               (settings.log_format, settings.log_level, settings.pii_pseudonym_key))
    # The initial load stays in threads of this process: in the sink processes each range travelled
    # pickled both ways and each process held a snapshot of its own; 20,000 persons measured
    # 365 → 268 persons/s.
    loading = sink_process.Steps(None, {"loader": RangeLoader(psycopg2_dsn(settings.agdref_database_url), anef, label)})
    agdref_name = make_url(settings.agdref_database_url).database or ""
    guard = RejectionGuard(settings.max_rejection_rate, settings.rejection_window, settings.rejection_minimum)
    # One event per rebuild loop, each cleared by its own loop only: with one shared event, a loop
    # clearing it before looking swallowed the wake-up another loop was waiting for (up to
    # REBUILD_IDLE_SECONDS later, on every batch).
    wakes = [asyncio.Event() for _ in range(settings.rebuild_tasks)]

    def recorded() -> None:
        """A batch is recorded (or a range loaded): every idle rebuild loop looks at once."""
        for wake in wakes:
            wake.set()
    processed: dict = {}        # TopicPartition → next offset to process (consumer lag)

    @app.agent(legacy, concurrency=1)
    async def migrate_dossiers(stream):
        async for events in stream.take_events(settings.sink_batch_size, within=settings.sink_batch_seconds):
            actions = [(decide_transaction if e.message.topic == transactions else decide)(
                Origin(e.message.topic, e.message.partition, e.message.offset), e.message.key, e.message.value)
                for e in events]
            letters = [a for a in actions if isinstance(a, DeadLetter)]
            try:
                guard.check(len(events), len(letters))
            except RejectionRateExceeded as exc:
                _exit_without_ack(exc, code=3)  # nothing of this batch is dead-lettered or acknowledged
            for event in events:
                metrics.EVENTS_IN.labels(event.message.topic).inc()
            for letter in letters:
                await _send_dead_letter(dead_letters, letter)
                metrics.DEAD_LETTERS.labels(letter.reason.value).inc()
            changes = [a for a in actions if isinstance(a, RowChange)]
            ends = [a for a in actions if isinstance(a, TransactionEnd)]
            started = time.monotonic()
            result = await _until_done(steps, "sink", "record", changes, ends, settings.record_rebuild_limit)
            metrics.observe_recorded(changes, result, time.monotonic() - started, time.time())
            if result.rebuilt:
                await published(result)
            for event in events:
                processed[event.message.tp] = event.message.offset + 1
            recorded()
            # The batch's events are acknowledged by take_events only after this point.

    @app.agent(loads, concurrency=1)
    async def load_ranges(stream):
        """The initial load's key ranges, one at a time: read at a snapshot of its own and mapped,
        its refused rows sent to the dead letters, then written in one transaction (blocking steps
        in threads). A range is acknowledged only after its transaction committed; one handed out
        again (a restart before the acknowledgement) is recognised and skipped."""
        async for event in stream.events():
            message = event.message
            origin = Origin(message.topic, message.partition, message.offset)
            try:
                key_range = KeyRange.from_json(message.value)
            except (ValueError, KeyError, TypeError) as exc:
                await _send_dead_letter(dead_letters, DeadLetter(origin, Reason.EVENEMENT_ILLISIBLE,
                                                                 f"initial-load range: {exc}", message.key, message.value))
                continue
            if await _until_done(loading, "loader", "loaded", key_range):
                metrics.LOAD_RANGES.labels("already").inc()
                continue
            started = time.monotonic()
            ready = await _until_done(loading, "loader", "prepare", key_range)
            letters = range_loader.dead_letters(ready, origin, settings.kafka_topic_prefix, agdref_name)
            try:
                guard.check(ready.prepared.rows, len(letters))
            except RejectionRateExceeded as exc:
                _exit_without_ack(exc, code=3)
            for letter in letters:
                await _send_dead_letter(dead_letters, letter)
                metrics.DEAD_LETTERS.labels(letter.reason.value).inc()
            written = await _until_done(loading, "loader", "write", ready)
            metrics.LOAD_RANGES.labels("already" if written.already else "written").inc()
            metrics.BATCH_SECONDS.labels("load").observe(time.monotonic() - started)
            if not written.already:
                metrics.LOAD_PERSONS.labels("mapped").inc(written.mapped)
                metrics.LOAD_PERSONS.labels("deferred").inc(ready.prepared.persons - written.mapped)
                for outcome in ("migrated", "parked", "erased", "held"):
                    metrics.DOSSIERS.labels(outcome).inc(getattr(written, outcome))
                for root, dossier in written.published.items():
                    await dossiers.send(key=root.encode(), value=dossier)
                log.info("pipeline.range_loaded", load=key_range.load, range=key_range.index, of=key_range.count,
                         mapped=written.mapped, deferred_rows=written.deferred_rows, refused=len(letters),
                         seconds=round(time.monotonic() - started, 2))
            recorded()  # the deferred dossiers wait for the rebuild

    @app.task
    async def rebuild_dossiers():
        """``REBUILD_TASKS`` rebuild loops side by side, each taking its steps in a sink process:
        their picks skip what another loop holds (``pipeline.pending.pick``), and two rebuilds of
        one dossier queue on its numbers' locks (``pipeline.sink``)."""
        await asyncio.gather(*(rebuild_loop(wake) for wake in wakes))

    async def rebuild_loop(wake: asyncio.Event) -> None:
        """Rebuild the ready dossiers, batch after batch; idle, wait for a recorded batch (or
        another worker's, hence the timeout)."""
        while True:
            wake.clear()  # before looking: a batch recorded while we rebuild wakes the next wait at once
            started = time.monotonic()
            result = await _until_done(steps, "sink", "rebuild_ready", settings.rebuild_batch_size)
            if result.rebuilt:
                metrics.BATCH_SECONDS.labels("rebuild").observe(time.monotonic() - started)
                await published(result)
                continue
            try:
                await asyncio.wait_for(wake.wait(), timeout=REBUILD_IDLE_SECONDS)
            except TimeoutError:
                pass

    async def published(result) -> None:
        """After a commit that rebuilt dossiers: their metrics, and what ANEF holds now to the
        dossiers topic."""
        metrics.observe_rebuilt(result)
        for root, dossier in result.published.items():
            await dossiers.send(key=root.encode(), value=dossier)
        log.info("pipeline.dossiers_rebuilt", **{k: v for k, v in vars(result).items()
                                                 if k not in ("waited", "published")})

    @app.timer(LAG_INTERVAL_SECONDS)
    async def measure_lag():
        try:
            waiting = await asyncio.get_running_loop().run_in_executor(None, sink.housekeeping)
            metrics.DOSSIERS_WAITING.set(waiting)
        except Exception as exc:  # noqa: BLE001 - a gauge, not the data path: the next tick tries again
            log.warning("pipeline.housekeeping_failed", error=type(exc).__name__)
        for tp in app.consumer.assignment():
            try:
                highwater = app.consumer.highwater(tp)
            except Exception:  # noqa: BLE001 - not fetched yet: no figure rather than a wrong one
                continue
            if highwater is not None and tp in processed:
                metrics.CONSUMER_LAG.labels(tp.topic, str(tp.partition)).set(max(0, highwater - processed[tp]))

    return app


async def _send_dead_letter(topic: faust.TopicT, letter: DeadLetter) -> None:
    headers = {
        "origin.topic": letter.origin.topic.encode(),
        "origin.partition": str(letter.origin.partition).encode(),
        "origin.offset": str(letter.origin.offset).encode(),
        "error.reason": letter.reason.value.encode(),
        "error.message": letter.error.encode("utf-8", "replace")[:4000],
        "error.time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()).encode(),
    }
    # Wait for Kafka's acknowledgement: the source event is acked right after, so the letter
    # must be safely written first.
    fut = await topic.send(key=letter.key, value=letter.value, headers=headers)
    await fut
    log.warning("pipeline.dead_letter", reason=letter.reason.value, topic=letter.origin.topic,
                partition=letter.origin.partition, offset=letter.origin.offset)


async def _until_done(steps: sink_process.Steps, part: str, method: str, *args):
    """Run a blocking step (``method`` of ``part``, through ``steps``) in a sink process, or a
    thread without one; while a database is unreachable (``SinkUnavailable``), back off and run
    the very same step again.

    Nothing is rejected because the target is down. Any other failure (``SinkDefect``, a sink
    process that died) is a defect: the process exits without acknowledging the batch, so it is
    read again after the restart rather than lost (an exception inside Faust would acknowledge it)."""
    delay = RETRY_FIRST_SECONDS
    loop = asyncio.get_running_loop()
    step = steps(part, method, *args)
    while True:
        try:
            return await loop.run_in_executor(steps.pool, step)
        except SinkUnavailable as exc:
            log.warning("pipeline.sink_unavailable", retry_in=delay, error=str(exc))
            await asyncio.sleep(delay)
            delay = min(delay * 2, RETRY_MAX_SECONDS)
        except Exception as exc:  # noqa: BLE001 - see docstring
            _exit_without_ack(exc)


def _exit_without_ack(exc: BaseException, code: int = 70) -> None:
    log.critical("pipeline.fatal", error=str(exc)[:500] or repr(exc)[:500])
    os._exit(code)
