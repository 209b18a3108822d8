"""Date and time rules (docs/mapping.md, section Dates and times)."""
from datetime import UTC, date, datetime

import pytest

from domain.dates import Precision, legacy_date, legacy_date_or_none, paris_local_time
from domain.errors import RemediationNeeded
from schemas.rejections import Reason


def test_DAT1_zeros_and_blank_are_an_unknown_date():
    assert legacy_date("00000000", "d") == (None, Precision.INCONNUE)
    assert legacy_date("        ", "d") == (None, Precision.INCONNUE)
    assert legacy_date(None, "d") == (None, Precision.INCONNUE)


def test_DAT2_a_year_only_date_is_the_first_of_january_with_year_precision():
    assert legacy_date("19870000", "d") == (date(1987, 1, 1), Precision.ANNEE)


def test_DAT3_a_date_without_day_is_the_first_of_the_month_with_month_precision():
    assert legacy_date("19870500", "d") == (date(1987, 5, 1), Precision.MOIS)


@pytest.mark.parametrize("raw", ["19870229", "20011341", "00000512", "19870012", "20230431"])
def test_DAT4_a_date_that_does_not_exist_is_not_guessed(raw):
    with pytest.raises(RemediationNeeded) as caught:
        legacy_date(raw, "date_nais")
    assert (caught.value.remediation.reason, caught.value.remediation.field) == (Reason.DATE_INEXISTANTE, "date_nais")


@pytest.mark.parametrize("raw", ["1987-02-2", "ABCDEFGH", "1987022", "١٩٨٧٠٢٢٨"])
def test_DAT5_text_that_is_not_yyyymmdd_is_unreadable(raw):
    with pytest.raises(RemediationNeeded) as caught:
        legacy_date(raw, "d")
    assert caught.value.remediation.reason is Reason.DATE_ILLISIBLE


def test_DAT6_paris_times_follow_summer_and_winter_offsets():
    assert paris_local_time("20240715120000", "t") == datetime(2024, 7, 15, 10, tzinfo=UTC)
    assert paris_local_time("20240115120000", "t") == datetime(2024, 1, 15, 11, tzinfo=UTC)
    assert paris_local_time("202401151200", "t") == datetime(2024, 1, 15, 11, tzinfo=UTC)


def test_DAT7_an_ambiguous_time_is_its_first_occurrence_in_summer_time():
    assert paris_local_time("20241027023000", "t") == datetime(2024, 10, 27, 0, 30, tzinfo=UTC)


def test_DAT8_a_time_skipped_by_summer_time_moves_one_hour_on():
    # 02:30 does not exist on 31 March 2024; 03:30 summer time is 01:30 UTC.
    assert paris_local_time("20240331023000", "t") == datetime(2024, 3, 31, 1, 30, tzinfo=UTC)


def test_DAT6_blank_or_zero_timestamps_are_null_and_garbage_is_unreadable():
    assert paris_local_time("00000000000000", "t") is None
    assert paris_local_time("", "t") is None
    with pytest.raises(RemediationNeeded) as caught:
        paris_local_time("2024013112", "t")
    assert caught.value.remediation.reason is Reason.DATE_ILLISIBLE
    with pytest.raises(RemediationNeeded) as caught:
        paris_local_time("20240132120000", "t")
    assert caught.value.remediation.reason is Reason.DATE_INEXISTANTE


def test_DAT9_a_partial_date_without_precision_column_is_the_first_day_of_its_period():
    assert legacy_date_or_none("20150000", "date_entree") == date(2015, 1, 1)
    assert legacy_date_or_none("20150600", "date_entree") == date(2015, 6, 1)
