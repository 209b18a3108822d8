"""Faust's Kafka transport, with the consumer's fetches batched.

Faust builds aiokafka's consumer with ``fetch_max_wait_ms=1500`` and aiokafka's default
``fetch_min_bytes=1``, and offers no setting for either: the broker answers a fetch as soon as one
record is there. Under a steady trickle of legacy changes the worker's consumer thread then
decodes a whole fetch response (every assigned partition) for every handful of events, in Python,
holding the interpreter lock the agents need. With ``fetch_min_bytes`` the broker holds each fetch
until that many bytes are there or ``fetch_max_wait_ms`` has passed: fewer, fuller responses, at
the price of at most ``fetch_max_wait_ms`` of freshness when traffic is light.

Only the worker's consumer changes (``App``'s transport); producers and Faust's other clients
keep Faust's defaults.
"""
from __future__ import annotations

from typing import Any

import faust
from faust.transport.drivers import aiokafka as driver


def app_class(fetch_min_bytes: int, fetch_max_wait_ms: int) -> type[faust.App]:
    """A ``faust.App`` whose worker consumer fetches with these two bounds."""

    class BatchedFetchThread(driver.AIOKafkaConsumerThread):
        def _create_worker_consumer(self, transport: Any) -> Any:
            consumer = super()._create_worker_consumer(transport)
            # Read by aiokafka when the consumer starts (it builds its Fetcher from them then).
            consumer._fetch_min_bytes = fetch_min_bytes
            consumer._fetch_max_wait_ms = fetch_max_wait_ms
            return consumer

    class BatchedFetchConsumer(driver.Consumer):
        def _new_consumer_thread(self) -> BatchedFetchThread:
            return BatchedFetchThread(self, loop=self.loop, beacon=self.beacon)

    class BatchedFetchTransport(driver.Transport):
        Consumer = BatchedFetchConsumer

    class App(faust.App):
        def _new_transport(self) -> BatchedFetchTransport:
            return BatchedFetchTransport(self.conf.broker_consumer, self)

    return App
