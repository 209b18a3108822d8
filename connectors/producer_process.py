"""The process that talks to Kafka for the connector (see ``kafka_io.ChangeProducer``).

It receives, over a pipe and in order: ``("records", [(topic, key, value), ...])``,
``("checkpoint", id)`` and ``("stop", None)``. Records are handed to aiokafka in the order received;
at a checkpoint it waits for every record before it and answers ``(id, None)``, or ``(id, error)``
when Kafka refused one. It exits when the pipe closes (the connector died): what was not confirmed
is simply not acknowledged upstream.
"""
from __future__ import annotations

import asyncio
import threading

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError, UnknownTopicOrPartitionError
from aiokafka.partitioner import DefaultPartitioner

from common.retry import backoff


async def _send_in_batches(producer: AIOKafkaProducer, records: list) -> list[asyncio.Future]:
    """Hand a slice of records to Kafka as one batch per partition, built in C (about five times
    cheaper than one ``send`` per record). Partitions are chosen as Kafka's default partitioner
    does (murmur2 of the key), so keys land where Debezium's would; batches of one partition are
    sent in order, so a partition's records keep the stream's order."""
    batches: dict[tuple[str, int], object] = {}
    futures: list[asyncio.Future] = []
    for topic, key, value in records:
        partitions = await _partitions(producer, topic)
        partition = PARTITIONER(key, partitions, partitions)
        batch = batches.get((topic, partition))
        if batch is None:
            batch = batches[(topic, partition)] = producer.create_batch()
        if batch.append(key=key, value=value, timestamp=None) is None:  # full: send it, start another
            futures.append(await producer.send_batch(batch, topic, partition=partition))
            batch = batches[(topic, partition)] = producer.create_batch()
            batch.append(key=key, value=value, timestamp=None)
    for (topic, partition), batch in batches.items():
        futures.append(await producer.send_batch(batch, topic, partition=partition))
    return futures


_PARTITIONS: dict[str, list[int]] = {}
PARTITIONER = DefaultPartitioner()


#: How long a topic the connector declared may stay unknown to the broker (see ``_partitions``).
UNKNOWN_TOPIC_WAIT_SECONDS = 120.0


async def _partitions(producer: AIOKafkaProducer, topic: str) -> list[int]:
    """A topic's partitions, asked once. The connector created every topic it writes before it
    started, so a broker answering "unknown topic" has just restarted and not loaded them yet:
    wait for it. Without the wait, a connector whose first event came right after a broker restart
    (no metadata cached yet: the initial load sends no row events) exited with
    ``UnknownTopicOrPartitionError``."""
    known = _PARTITIONS.get(topic)
    if known is None:
        pauses = backoff(UNKNOWN_TOPIC_WAIT_SECONDS)
        while True:
            try:
                known = _PARTITIONS[topic] = sorted(await producer.partitions_for(topic))
                break
            except UnknownTopicOrPartitionError:
                pause = next(pauses, None)
                if pause is None:
                    raise
                await asyncio.sleep(pause)
    return known


def main(pipe, bootstrap_servers: str, client_id: str, wait_seconds: float) -> None:
    asyncio.run(_serve(pipe, bootstrap_servers, client_id, wait_seconds))


async def _started_producer(bootstrap_servers: str, client_id: str, wait_seconds: float) -> AIOKafkaProducer | str:
    """A started producer, or why none could start within ``wait_seconds``.

    A broker restarting refuses connections for a while; a connector started then would exit and
    stay down. So the start is retried (a new producer each time: a failed one is closed), backing
    off as ``common.retry.backoff`` does."""
    pauses = backoff(wait_seconds)
    while True:
        producer = AIOKafkaProducer(bootstrap_servers=bootstrap_servers, client_id=client_id, acks="all",
                                    enable_idempotence=True, linger_ms=5, max_batch_size=256 * 1024,
                                    request_timeout_ms=30_000)
        try:
            await producer.start()
            return producer
        except KafkaError as exc:
            await producer.stop()
            pause = next(pauses, None)
            if pause is None:
                return f"cannot reach Kafka for {wait_seconds:.0f}s: {exc!r}"
            await asyncio.sleep(pause)


async def _serve(pipe, bootstrap_servers: str, client_id: str, wait_seconds: float) -> None:
    loop = asyncio.get_running_loop()
    inbox: asyncio.Queue = asyncio.Queue()

    def read() -> None:  # blocking reads on a thread; the loop only sees whole messages
        try:
            while True:
                message = pipe.recv()
                loop.call_soon_threadsafe(inbox.put_nowait, message)
                if message[0] == "stop":
                    return
        except (EOFError, OSError):
            loop.call_soon_threadsafe(inbox.put_nowait, ("stop", None))

    producer = await _started_producer(bootstrap_servers, client_id, wait_seconds)
    if isinstance(producer, str):
        pipe.send((-1, producer))  # the connector stops with this reason
        return
    pipe.send((-1, None))
    threading.Thread(target=read, daemon=True).start()
    outstanding: list[asyncio.Future] = []
    try:
        while True:
            kind, payload = await inbox.get()
            if kind == "records":
                try:
                    outstanding += await _send_in_batches(producer, payload)
                except Exception as exc:  # noqa: BLE001 - reported at the next checkpoint
                    failed = loop.create_future()
                    failed.set_exception(exc)
                    outstanding.append(failed)
            elif kind == "checkpoint":
                results = await asyncio.gather(*outstanding, return_exceptions=True)
                errors = [r for r in results if isinstance(r, BaseException)]
                outstanding = []
                try:
                    pipe.send((payload, repr(errors[0]) if errors else None))
                except OSError:  # the connector died (killed) before the answer: nobody left to tell
                    break
            else:
                break
    finally:
        await producer.stop()
