"""What a sink step raises reaches the worker as one of two picklable errors: wait and retry, or stop."""
from __future__ import annotations

import pickle

import pytest
from sqlalchemy.exc import IntegrityError, OperationalError

from pipeline.exceptions import SinkDefect, SinkUnavailable
from pipeline.sink_process import _guarded


def _raise(exc: Exception) -> None:
    raise exc


def test_an_unreachable_database_is_a_wait_and_retry():
    with pytest.raises(SinkUnavailable):
        _guarded(_raise, OperationalError("SELECT 1", {}, ConnectionError("server closed the connection")))


def test_a_deadlock_between_two_rebuilds_is_a_wait_and_retry():
    import psycopg2.errors

    deadlock = OperationalError("SELECT pg_advisory_xact_lock", {}, psycopg2.errors.DeadlockDetected())
    with pytest.raises(SinkUnavailable, match="DeadlockDetected"):
        _guarded(_raise, deadlock)


def test_a_refused_statement_is_a_defect_that_names_the_error():
    with pytest.raises(SinkDefect, match="IntegrityError"):
        _guarded(_raise, IntegrityError("INSERT", {}, ValueError("duplicate key")))


def test_any_other_failure_is_a_defect():
    with pytest.raises(SinkDefect, match="KeyError"):
        _guarded(_raise, KeyError("numero"))


def test_a_step_that_succeeds_returns_its_result():
    assert _guarded(lambda a, b: a + b, 2, 3) == 5


def test_both_errors_survive_the_trip_between_processes():
    for error in (SinkUnavailable("OperationalError"), SinkDefect("IntegrityError: duplicate key")):
        assert str(pickle.loads(pickle.dumps(error))) == str(error)
