"""The way back's Faust application (issue 18): one agent reads the changes of ANEF's own rows
(``<prefix>.anef.<table>``, from ``agdref-anef connector way-back``) and has each person they name
written back into AGDREF (``pipeline.way_back_writer``).

The events are triggers: the writer reads what ANEF holds of the person at that moment, so a batch
names each person once however many of their rows changed, and a replayed event (a restart before
the acknowledgement) writes the same state again, which changes nothing. A batch is acknowledged
only after its persons are committed in AGDREF.
"""
from __future__ import annotations

import asyncio
import time
from pathlib import Path

import faust
import orjson
import psycopg2
import sqlalchemy.exc

from common.db import engine
from common.log import get_logger
from common.settings import Settings
from pipeline import consumer_fetch, metrics
from pipeline.actions import DeadLetter, Origin
from pipeline.app import RETRY_FIRST_SECONDS, RETRY_MAX_SECONDS, _exit_without_ack, _send_dead_letter
from pipeline.way_back_writer import WayBackWriter, WrittenBack
from schemas.envelope import topic_name
from schemas.rejections import Reason
from schemas.topics import WAY_BACK_ORIGIN, WAY_BACK_TABLES, dead_letter_topic

log = get_logger(__name__)

BATCH_EVENTS = 500
BATCH_SECONDS = 0.05


def holder(value: bytes) -> tuple[str, int]:
    """The foreigner number a captured ANEF change is about, and its ANEF commit time (ms). Raises
    ValueError, KeyError or TypeError when the message is not a change event of an ANEF row."""
    event = orjson.loads(value)
    row = event.get("after") or event.get("before")
    return str(row["numero_etranger"]).strip(), int(event["source"]["ts_ms"])


def create_way_back_app(settings: Settings) -> faust.App:
    app_id = f"{settings.worker_id}-way-back"
    datadir = Path(settings.worker_data_dir) / app_id
    datadir.parent.mkdir(parents=True, exist_ok=True)
    app = consumer_fetch.app_class()(  # Faust's consumer loses records at rebalances: see consumer_fetch
        app_id, broker=f"kafka://{settings.kafka_bootstrap_servers}", value_serializer="raw", key_serializer="raw",
        store="memory://", datadir=str(datadir), topic_replication_factor=settings.kafka_replication_factor,
        topic_partitions=settings.kafka_topic_partitions, consumer_auto_offset_reset="earliest", producer_acks=-1,
        web_enabled=False, stream_wait_empty=False, broker_commit_every=100, broker_commit_interval=1.0,
        broker_session_timeout=settings.worker_session_timeout,
        broker_heartbeat_interval=max(0.5, settings.worker_session_timeout / 5),
        consumer_metadata_max_age_ms=10_000,
    )
    prefix = settings.kafka_topic_prefix
    changes = app.topic(*(topic_name(prefix, t, "anef") for t in WAY_BACK_TABLES), value_type=bytes, key_type=bytes)
    dead_letters = app.topic(dead_letter_topic(prefix), value_type=bytes, key_type=bytes)
    # One origin per worker: PostgreSQL lets one session at a time use a replication origin.
    writer = WayBackWriter(settings.agdref_database_url, engine(settings.anef_database_url),
                           f"{WAY_BACK_ORIGIN}:{settings.worker_id}")

    @app.agent(changes, concurrency=1)
    async def write_back(stream):
        async for events in stream.take_events(BATCH_EVENTS, within=BATCH_SECONDS):
            numbers: set[str] = set()
            committed: list[int] = []
            for event in events:
                message = event.message
                if message.value is None:
                    continue  # the tombstone after a delete: the delete itself named the person
                try:
                    number, at_ms = holder(message.value)
                except (ValueError, KeyError, TypeError, AttributeError) as exc:
                    await _send_dead_letter(dead_letters, DeadLetter(
                        Origin(message.topic, message.partition, message.offset), Reason.EVENEMENT_ILLISIBLE,
                        f"way back: {type(exc).__name__}: {exc}", message.key, message.value))
                    continue
                numbers.add(number)
                committed.append(at_ms)
            if numbers:
                written = await _until_written(writer, numbers)
                metrics.observe_written_back(written, committed, time.time())
                log.info("way_back.written", persons=written.persons, rows=written.written, deleted=written.deleted,
                         held=written.held, losses=written.losses)

    return app


async def _until_written(writer: WayBackWriter, numbers: set[str]) -> WrittenBack:
    """Write the persons back; while a database is unreachable, back off and try again (nothing is
    dropped because AGDREF or ANEF is down). Any other failure stops the process unacknowledged."""
    delay = RETRY_FIRST_SECONDS
    loop = asyncio.get_running_loop()
    while True:
        try:
            return await loop.run_in_executor(None, writer.write, numbers)
        except (psycopg2.OperationalError, sqlalchemy.exc.OperationalError) as exc:
            log.warning("way_back.database_unavailable", retry_in=delay, error=type(exc).__name__)
            await asyncio.sleep(delay)
            delay = min(delay * 2, RETRY_MAX_SECONDS)
        except Exception as exc:  # noqa: BLE001 - a defect: exit without acknowledging, read again after restart
            _exit_without_ack(exc)
            raise
