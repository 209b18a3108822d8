"""A list parameter travels as one PostgreSQL array literal (``common.bulk.array_literal``); the
integration test ``test_bulk.py`` stores awkward values through it and reads them back."""
import datetime as dt
import enum

from common.bulk import array_literal


class Kind(str, enum.Enum):
    PERMIT = "titre"


def test_every_element_is_quoted_and_only_none_is_null():
    assert array_literal(["a", "", "NULL", None]) == '{"a","","NULL",NULL}'


def test_quotes_and_backslashes_are_escaped_inside_an_element():
    assert array_literal(['quo"te', "back\\slash"]) == '{"quo\\"te","back\\\\slash"}'


def test_a_str_based_enum_travels_as_its_value_not_its_name():
    assert array_literal([Kind.PERMIT]) == '{"titre"}'


def test_numbers_booleans_and_times_travel_as_postgresql_reads_them():
    moment = dt.datetime(2026, 12, 1, 6, 45, 22, 495147, tzinfo=dt.UTC)
    assert array_literal([12, True, moment]) == '{"12","True","2026-12-01 06:45:22.495147+00:00"}'


def test_an_empty_list_is_an_empty_array():
    assert array_literal([]) == "{}"
