"""Waiting for a broker at start-up: retriable errors are waited out, others pass at once."""
from __future__ import annotations

import pytest
from kafka.errors import KafkaConnectionError, TopicAuthorizationFailedError

from common.exceptions import KafkaUnreachableError
from common.kafka_admin import until_kafka_answers


def _failing(times: int, error: Exception):
    calls = []

    def attempt():
        calls.append(1)
        if len(calls) <= times:
            raise error
        return len(calls)
    return attempt


def test_a_broker_that_answers_after_two_refusals_is_waited_for():
    assert until_kafka_answers(_failing(2, KafkaConnectionError("refused")), "test", wait_seconds=10) == 3


def test_a_broker_that_never_answers_raises_a_specific_error_after_the_wait():
    with pytest.raises(KafkaUnreachableError, match="did not answer for 1s"):
        until_kafka_answers(_failing(100, KafkaConnectionError("refused")), "test", wait_seconds=1)


def test_an_error_waiting_does_not_cure_passes_through_at_once():
    attempt = _failing(1, TopicAuthorizationFailedError("denied"))
    with pytest.raises(TopicAuthorizationFailedError):
        until_kafka_answers(attempt, "test", wait_seconds=10)
