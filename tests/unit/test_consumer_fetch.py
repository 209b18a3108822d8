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


def _record(app, offset: int, generation: int):
    from faust.types import TP
    from faust.types.tuples import ConsumerMessage

    return ConsumerMessage("legacy", 0, offset, 0.0, 0, [], b"k", b"v", None, 1, 1, TP("legacy", 0),
                           generation_id=generation)


def _drained(records, during_hand_over=lambda consumer: None) -> tuple[list[int], dict]:
    """Run the consumer's drain loop over ``records`` (one fetch); the offsets handed on, and
    what it recorded as read."""
    async def run():
        app = app_class(1, 50)("drain-test", broker="kafka://127.0.0.1:1")  # never connects
        app.consumer_generation_id = 2
        consumer = app.consumer
        handed: list[int] = []

        class Fetcher:
            _stopped = asyncio.Event()

        async def getmany(timeout: float):
            for record in records(app):
                yield record.tp, record
            Fetcher._stopped.set()

        async def callback(message):
            handed.append(message.offset)
            during_hand_over(consumer)

        consumer.getmany, consumer.callback = getmany, callback
        await consumer._drain_messages(Fetcher())
        return handed, dict(consumer._read_offset)

    return asyncio.run(run())


def test_a_record_fetched_before_the_current_rebalance_is_not_handed_on():
    handed, read = _drained(lambda app: [_record(app, 7, generation=1), _record(app, 8, generation=2)])
    assert handed == [8] and {tp.partition: o for tp, o in read.items()} == {0: 8}


def test_a_record_that_became_stale_while_handed_on_does_not_move_where_reading_resumes():
    from faust.types import TP

    def rebalanced(consumer):  # a rebalance meanwhile, and its seek back to the committed offset
        consumer.app.consumer_generation_id = 3
        consumer._read_offset[TP("legacy", 0)] = 5

    handed, read = _drained(lambda app: [_record(app, 10, generation=2)], rebalanced)
    # Faust's own loop recorded 10 here, and dropped the records 5..9 fetched again after the seek.
    assert handed == [10] and {tp.partition: o for tp, o in read.items()} == {0: 5}


def test_a_skipped_stale_record_is_not_acknowledged_and_a_current_one_is():
    async def acked() -> tuple[bool, bool, list[int]]:
        app = app_class(1, 50)("ack-test", broker="kafka://127.0.0.1:1")
        app.topics.acks_enabled_for = lambda topic: True
        app.consumer_generation_id = 4
        stale, current = _record(app, 3, generation=3), _record(app, 4, generation=4)
        return app.consumer.ack(stale), app.consumer.ack(current), list(app.consumer._acked[stale.tp])

    assert asyncio.run(acked()) == (False, True, [4])
