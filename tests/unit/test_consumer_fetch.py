"""The worker's Kafka consumer is built with the fetch bounds the settings give, not Faust's fixed ones."""
from __future__ import annotations

import asyncio

from pipeline.consumer_fetch import app_class


def test_the_worker_consumer_fetches_with_the_configured_bounds():
    async def built() -> tuple[int, int]:
        app = app_class(1234, 42)("fetch-test", broker="kafka://127.0.0.1:1")  # never connects
        consumer = app.consumer._thread._create_worker_consumer(app.transport)
        try:
            return consumer._fetch_min_bytes, consumer._fetch_max_wait_ms
        finally:
            await consumer.stop()

    assert asyncio.run(built()) == (1234, 42)
