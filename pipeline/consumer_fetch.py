"""Faust's Kafka transport, with the consumer's fetches batched and rebalances made safe.

**Fetches.** Faust builds aiokafka's consumer with ``fetch_max_wait_ms=1500`` and aiokafka's default
``fetch_min_bytes=1``, and offers no setting for either: the broker answers a fetch as soon as one
record is there. Under a steady trickle of legacy changes the worker's consumer thread then
decodes a whole fetch response (every assigned partition) for every handful of events, in Python,
holding the interpreter lock the agents need. With ``fetch_min_bytes`` the broker holds each fetch
until that many bytes are there or ``fetch_max_wait_ms`` has passed: fewer, fuller responses, at
the price of at most ``fetch_max_wait_ms`` of freshness when traffic is light.

**Rebalances.** A record fetched before a rebalance and handed on after it (Faust's hand-over
waits while the agent's buffer is full: seconds, under load) is *stale*: the partitions were
seeked back to their committed offsets meanwhile. faust-streaming 0.15.3 (issues 216 and 221; its
PR 223 only stops the stream from processing such a record) mishandles it twice:
- the consumer records the stale record's offset as read *after* the seek, so the records the
  seek fetched again below it are dropped as already read, and the gap between the committed
  offset and the stale one is counted as acknowledged;
- the pure-Python stream acknowledges the stale record it skips (the Cython one does not), so its
  offset can be committed while the records before it, fetched again, are still to be processed.
Here a stale record is neither read nor acknowledged: it comes again from the committed offset,
and the sink makes the repetition harmless (a batch processed across a rebalance is recorded
twice). Looked for after a loss in the initial load's kill test (rows of transactions committed
just before a rebalance never kept, no dead letter); that loss is not shown to come from here.

Only the workers' consumers change (``App``'s transport: the forward worker's, and the way back's,
which keeps Faust's fetch bounds); producers and Faust's other clients keep Faust's defaults.
"""
from __future__ import annotations

import asyncio
from typing import Any, cast

import faust
from faust.transport.consumer import CONSUMER_FETCHING
from faust.transport.drivers import aiokafka as driver
from faust.types import Message
from mode import Service, ServiceT

from common.log import get_logger

log = get_logger(__name__)


def app_class(fetch_min_bytes: int | None = None, fetch_max_wait_ms: int | None = None) -> type[faust.App]:
    """A ``faust.App`` whose worker consumer ignores records fetched before the current rebalance
    generation, and fetches with these two bounds (None: Faust's)."""

    class BatchedFetchThread(driver.AIOKafkaConsumerThread):
        def _create_worker_consumer(self, transport: Any) -> Any:
            consumer = super()._create_worker_consumer(transport)
            # Read by aiokafka when the consumer starts (it builds its Fetcher from them then).
            if fetch_min_bytes is not None:
                consumer._fetch_min_bytes = fetch_min_bytes
            if fetch_max_wait_ms is not None:
                consumer._fetch_max_wait_ms = fetch_max_wait_ms
            return consumer

    class BatchedFetchConsumer(RebalanceSafeConsumer):
        def _new_consumer_thread(self) -> BatchedFetchThread:
            return BatchedFetchThread(self, loop=self.loop, beacon=self.beacon)

    class BatchedFetchTransport(driver.Transport):
        Consumer = BatchedFetchConsumer

    class App(faust.App):
        def _new_transport(self) -> BatchedFetchTransport:
            return BatchedFetchTransport(self.conf.broker_consumer, self)

    return App


class RebalanceSafeConsumer(driver.Consumer):
    """Faust's aiokafka consumer, where a record of an earlier rebalance generation is never
    counted as read nor acknowledged (see the module's docstring)."""

    def stale(self, message: Message) -> bool:
        """Fetched before the current generation's seek: it will be fetched again."""
        return message.generation_id != self.app.consumer_generation_id

    def ack(self, message: Message) -> bool:
        """Faust's acknowledgement, refused for a stale record: one the stream skipped was not
        processed, and one processed across the rebalance is read again from the committed offset."""
        if self.stale(message):
            self._unacked_messages.discard(message)  # not waited for: it comes again
            log.debug("worker.stale_record_not_acknowledged", topic=message.topic, partition=message.partition,
                     offset=message.offset, skipped=not message.tracked)  # skipped: never processed
            return False
        return super().ack(message)

    async def _drain_messages(self, fetcher: ServiceT) -> None:  # pragma: no cover - runs in the worker
        """faust-streaming 0.15.3's loop (``faust.transport.consumer.Consumer._drain_messages``),
        with two checks: a stale record is not handed on (nor counted in a gap), and one that
        became stale while it was handed on is not recorded as read."""
        callback = self.callback
        getmany = self.getmany
        consumer_should_stop = cast(Service, self)._stopped.is_set
        fetcher_should_stop = cast(Service, fetcher)._stopped.is_set
        get_read_offset = self._read_offset.__getitem__
        set_read_offset = self._read_offset.__setitem__
        commit_every = self._commit_every
        acks_enabled_for = self.app.topics.acks_enabled_for
        num_since_yield = 0
        try:
            while not (consumer_should_stop() or fetcher_should_stop()):
                self.diag.set_flag(CONSUMER_FETCHING)
                await self.sleep(0)  # getmany may return at once, again and again
                if not self.should_stop:
                    async for tp, message in getmany(timeout=1.0):
                        num_since_yield += 1
                        if num_since_yield > 100:
                            await asyncio.sleep(0)
                            num_since_yield = 0
                        if self.stale(message):
                            log.info("worker.stale_record_skipped", topic=tp.topic, partition=tp.partition,
                                     offset=message.offset)
                            continue
                        offset = message.offset
                        r_offset = get_read_offset(tp)
                        if r_offset is None or offset >= r_offset:
                            if offset - (r_offset or 0) > 1 and r_offset and acks_enabled_for(message.topic):
                                await self._add_gap(tp, r_offset + 1, offset)  # compacted away
                            if commit_every is not None and self._n_acked >= commit_every:
                                self._n_acked = 0
                                await self.commit()
                            await self.wait_first(callback(message), self.suspend_flow.wait())
                            if not self.stale(message):
                                set_read_offset(tp, offset)
                            else:  # a rebalance's seek meanwhile set where reading resumes
                                log.warning("worker.stale_record_not_read", topic=tp.topic, partition=tp.partition,
                                         offset=offset, resumes_at=get_read_offset(tp))
                    self.diag.unset_flag(CONSUMER_FETCHING)
        except self.consumer_stopped_errors:
            if self.transport.app.should_stop:
                return
            raise
        except asyncio.CancelledError:
            if self.transport.app.should_stop:
                return
            raise
        except Exception as exc:
            self.log.exception("Drain messages raised: %r", exc)
            raise
        finally:
            self.diag.unset_flag(CONSUMER_FETCHING)
