"""The connector's side of Kafka: topics and a producer that never reorders or loses a change."""
from __future__ import annotations

import asyncio
import concurrent.futures
import threading

from aiokafka import AIOKafkaProducer
from kafka.admin import KafkaAdminClient, NewTopic
from kafka.errors import TopicAlreadyExistsError

from connectors.exceptions import PublishError


def ensure_topics(bootstrap_servers: str, names: list[str], partitions: int, replication_factor: int = 1) -> None:
    """Create the topics that do not exist yet; existing ones are left as they are."""
    admin = KafkaAdminClient(bootstrap_servers=bootstrap_servers, client_id="agdref-anef-admin")
    try:
        existing = set(admin.list_topics())
        missing = [NewTopic(n, partitions, replication_factor) for n in names if n not in existing]
        if missing:
            try:
                # Wait for the metadata: a producer that sends at once to a topic the broker has
                # not propagated yet gets "not found in cluster metadata".
                admin.create_topics(missing, wait_for_metadata=True)
            except TopicAlreadyExistsError:
                pass  # another process created it between our look and our create
    finally:
        admin.close()


class ChangeProducer:
    """A Kafka producer for change events, callable from the connector's (blocking) thread.

    ``acks=all`` and idempotence: a retried send is never written twice and never overtakes an
    earlier one. It runs aiokafka (whose record batches are built in C: about nine times the
    throughput of kafka-python's producer here) on an event loop of its own thread; one sender
    coroutine takes the records in the order they were handed over, so the order per partition is
    the stream's order.

    ``send`` never blocks (records go over in slices of ``SLICE``); ``flush`` blocks until every
    record handed over is acknowledged and raises PublishError if one was not: the caller must
    then not acknowledge the source past it.
    """

    SLICE = 500

    def __init__(self, bootstrap_servers: str, client_id: str = "agdref-anef-connector") -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="kafka-producer", daemon=True)
        self._thread.start()
        self._queue: asyncio.Queue | None = None
        self._slice: list[tuple[str, bytes, bytes | None]] = []
        self._handed = 0
        self._failure: BaseException | None = None
        self._call(self._start(bootstrap_servers, client_id), timeout=60)

    def _call(self, coroutine, timeout: float):
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout)

    async def _start(self, bootstrap_servers: str, client_id: str) -> None:
        self._producer = AIOKafkaProducer(
            bootstrap_servers=bootstrap_servers, client_id=client_id, acks="all", enable_idempotence=True,
            linger_ms=5, max_batch_size=256 * 1024, request_timeout_ms=30_000,
        )
        await self._producer.start()
        self._queue = asyncio.Queue()
        self._sender = asyncio.ensure_future(self._send_in_order())

    async def _send_in_order(self) -> None:
        outstanding: list[asyncio.Future] = []
        while True:
            item = await self._queue.get()
            if isinstance(item, concurrent.futures.Future):  # a flush: wait for everything before it
                try:
                    await asyncio.gather(*outstanding)
                    item.set_result(None)
                except Exception as exc:  # noqa: BLE001 - handed to the flushing thread
                    item.set_exception(exc)
                outstanding = []
                continue
            for topic, key, value in item:
                try:
                    outstanding.append(await self._producer.send(topic, value, key=key))
                except Exception as exc:  # noqa: BLE001 - reported at the next flush
                    failed = self._loop.create_future()
                    failed.set_exception(exc)
                    outstanding.append(failed)

    def _hand_over(self) -> None:
        if self._slice:
            self._loop.call_soon_threadsafe(self._queue.put_nowait, self._slice)
            self._slice = []

    def send(self, topic: str, key: bytes, value: bytes | None) -> None:
        self._slice.append((topic, key, value))
        self._handed += 1
        if len(self._slice) >= self.SLICE:
            self._hand_over()

    @property
    def pending(self) -> int:
        """Records handed over since the last flush."""
        return self._handed

    def checkpoint(self) -> concurrent.futures.Future:
        """A future that completes once every record handed over so far is acknowledged (or fails
        with the first refusal). Does not block: the caller goes on reading while Kafka confirms."""
        self._hand_over()
        done: concurrent.futures.Future = concurrent.futures.Future()
        self._loop.call_soon_threadsafe(self._queue.put_nowait, done)
        self._handed = 0
        return done

    def flush(self, timeout: float = 120.0) -> None:
        """Block until every record handed over is acknowledged. Raises PublishError."""
        wait_for(self.checkpoint(), timeout)

    def close(self) -> None:
        async def stop() -> None:
            self._sender.cancel()
            await self._producer.stop()

        try:
            self._call(stop(), timeout=30)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=5)


def wait_for(checkpoint: concurrent.futures.Future, timeout: float = 120.0) -> None:
    """Block on a checkpoint; PublishError when Kafka refused a record or did not answer in time."""
    try:
        checkpoint.result(timeout)
    except concurrent.futures.TimeoutError:
        raise PublishError(f"Kafka did not acknowledge change events within {timeout:.0f}s") from None
    except Exception as exc:
        raise PublishError(f"Kafka refused a change event: {exc!r}") from exc
