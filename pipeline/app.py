"""The Faust application: its configuration, topics and the agent that migrates persons.

One agent reads every legacy topic. It reads raw bytes (no Faust model): a malformed message must reach our own handling and
become a dead letter, never an exception inside Faust, which would ack it and lose it (see
docs/architecture.md). Concurrency is 1 on purpose (faust-streaming issue 606): throughput comes
from batches (``take_events``) and partitions, never from concurrent actors.
"""
from __future__ import annotations

import asyncio
import os
import time
from functools import partial

import faust

from common.db import engine
from common.log import get_logger
from common.settings import Settings
from pipeline import metrics
from pipeline.actions import DeadLetter, Origin
from pipeline.decide import decide
from pipeline.exceptions import RejectionRateExceeded
from pipeline.guard import RejectionGuard
from pipeline.sink import DossierSink
from schemas.agdref_tables import CAPTURED_TABLES
from schemas.envelope import topic_name

log = get_logger(__name__)

RETRY_FIRST_SECONDS = 0.5
RETRY_MAX_SECONDS = 30.0


def dead_letter_topic(prefix: str) -> str:
    return f"{prefix}.pipeline.dead-letters"


def create_app(settings: Settings) -> faust.App:
    app = faust.App(
        settings.worker_id,
        broker=f"kafka://{settings.kafka_bootstrap_servers}",
        value_serializer="raw",
        key_serializer="raw",
        store="memory://",
        topic_replication_factor=1,
        topic_partitions=settings.kafka_topic_partitions,
        consumer_auto_offset_reset="earliest",
        producer_acks=-1,
        web_enabled=False,
        # Offsets are committed often so a restarted worker replays little; replays are harmless.
        broker_commit_every=1000,
        broker_commit_interval=1.0,
    )
    legacy = app.topic(*(topic_name(settings.kafka_topic_prefix, t) for t in CAPTURED_TABLES),
                       value_type=bytes, key_type=bytes)
    dead_letters = app.topic(dead_letter_topic(settings.kafka_topic_prefix), value_type=bytes, key_type=bytes)
    sink = DossierSink(engine(settings.anef_database_url, pool_size=2))
    guard = RejectionGuard(settings.max_rejection_rate, settings.rejection_window, settings.rejection_minimum)

    @app.agent(legacy, concurrency=1)
    async def migrate_dossiers(stream):
        async for events in stream.take_events(settings.sink_batch_size, within=settings.sink_batch_seconds):
            actions = [decide(Origin(e.message.topic, e.message.partition, e.message.offset), e.message.key,
                              e.message.value) for e in events]
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
            changes = [a for a in actions if a is not None and not isinstance(a, DeadLetter)]
            await _apply_until_done(sink, changes)
            # The batch's events are acknowledged by take_events only after this point.

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


async def _apply_until_done(sink: DossierSink, changes: list) -> None:
    """Write the batch; while ANEF's database is unreachable, back off and retry the same batch.

    Nothing is rejected because the target is down. A failure that is not about connectivity is
    a defect: the process exits without acknowledging the batch, so it is read again after the
    restart rather than lost (an exception inside Faust would acknowledge it)."""
    from sqlalchemy.exc import DBAPIError, OperationalError

    delay = RETRY_FIRST_SECONDS
    loop = asyncio.get_running_loop()
    while True:
        try:
            started = time.monotonic()
            result = await loop.run_in_executor(None, partial(sink.apply, changes))
            if result.changes:
                metrics.observe_batch(changes, result, time.monotonic() - started, time.time())
                log.info("pipeline.batch_applied", **vars(result))
            return
        except DBAPIError as exc:
            if not (isinstance(exc, OperationalError) or exc.connection_invalidated):
                _exit_without_ack(exc)  # a constraint or data error: a defect, not an outage
            log.warning("pipeline.sink_unavailable", retry_in=delay, error=type(exc).__name__)
            await asyncio.sleep(delay)
            delay = min(delay * 2, RETRY_MAX_SECONDS)
        except Exception as exc:  # noqa: BLE001 - see docstring
            _exit_without_ack(exc)


def _exit_without_ack(exc: BaseException, code: int = 70) -> None:
    log.critical("pipeline.fatal", error=str(exc)[:500] or repr(exc)[:500])
    os._exit(code)
