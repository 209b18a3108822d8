"""Date and time rules: legacy ``YYYYMMDD`` dates (partial ones included) and Paris local times."""
from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from functools import lru_cache
from zoneinfo import ZoneInfo

from domain.errors import RemediationNeeded
from schemas.rejections import Reason

PARIS = ZoneInfo("Europe/Paris")
UNKNOWN_DATE = "00000000"


class Precision(StrEnum):
    COMPLETE = "COMPLETE"
    MOIS = "MOIS"        # day unknown
    ANNEE = "ANNEE"      # day and month unknown
    INCONNUE = "INCONNUE"


# Cached: a pure function of its arguments, called for every row of every dossier with few
# distinct values (the backfill maps millions of rows: the cache took the mapping's time down by a third).
@lru_cache(maxsize=1 << 16)
def legacy_date(raw: str | None, field: str) -> tuple[date | None, Precision]:
    """A legacy date and how precise it is.

    ``00000000`` or blank → (None, INCONNUE); ``YYYY0000`` → (1 January, ANNEE); ``YYYYMM00`` →
    (first of the month, MOIS). A date that does not exist (``19870229``) is not guessed: it needs
    a person (DATE_INEXISTANTE). Text that is not 8 digits is DATE_ILLISIBLE.
    """
    value = (raw or "").strip()
    if value in ("", UNKNOWN_DATE):
        return None, Precision.INCONNUE
    if len(value) != 8 or not value.isdigit() or not value.isascii():
        raise RemediationNeeded(Reason.DATE_ILLISIBLE, field, f"{len(value)} characters, not YYYYMMDD")
    year, month, day = int(value[:4]), int(value[4:6]), int(value[6:])
    if year == 0:
        raise RemediationNeeded(Reason.DATE_INEXISTANTE, field, "year 0000 with a month or day")
    precision = Precision.COMPLETE
    if month == 0:
        if day != 0:
            raise RemediationNeeded(Reason.DATE_INEXISTANTE, field, "a day without a month")
        month, day, precision = 1, 1, Precision.ANNEE
    elif day == 0:
        day, precision = 1, Precision.MOIS
    try:
        return date(year, month, day), precision
    except ValueError:
        raise RemediationNeeded(Reason.DATE_INEXISTANTE, field, "not a day of the calendar") from None


def legacy_date_or_none(raw: str | None, field: str) -> date | None:
    """A legacy date where ANEF keeps no precision: a partial date becomes the first day of the
    known period (documented choice: ANEF has one ``date`` column and no precision beside it)."""
    return legacy_date(raw, field)[0]


def complete_date(raw: str | None, field: str) -> date | None:
    """A date that must be complete when known (validity, filing, decision): ``00000000`` or
    blank → null; a partial date → DATE_INCOMPLETE (a permit "valid from May 2020" is not a fact
    anyone can act on)."""
    value, precision = legacy_date(raw, field)
    if value is not None and precision is not Precision.COMPLETE:
        raise RemediationNeeded(Reason.DATE_INCOMPLETE, field, f"only the {precision.value.lower()} is known")
    return value


def add_years(day: date, years: int) -> date:
    """The same day ``years`` later; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def add_months(day: date, months: int) -> date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month, candidate)
        except ValueError:
            continue
    raise AssertionError("unreachable: every month has a 28th")


@lru_cache(maxsize=1 << 16)  # cached: see legacy_date
def paris_local_time(raw: str | None, field: str) -> datetime | None:
    """A legacy ``YYYYMMDDHHMMSS`` or ``YYYYMMDDHHMM`` Paris local time as a UTC instant.

    Europe/Paris rules of that date apply (summer time). Decided:
    - an ambiguous time (the hour repeated when summer time ends) is the *first* occurrence, in
      summer time: the legacy wrote it during the first pass more often than not, and the earlier
      instant never makes a deadline look later than it was;
    - a time that does not exist (the hour skipped when summer time starts) is moved forward by
      the gap (02:30 → 03:30 summer time), which is what a wall clock shows one hour on.
    Blank or all zeros → null.
    """
    value = (raw or "").strip()
    if value == "" or set(value) == {"0"}:
        return None
    if len(value) not in (12, 14) or not value.isdigit() or not value.isascii():
        raise RemediationNeeded(Reason.DATE_ILLISIBLE, field, f"{len(value)} characters, not YYYYMMDDHHMM[SS]")
    try:
        naive = datetime(int(value[:4]), int(value[4:6]), int(value[6:8]), int(value[8:10]), int(value[10:12]),
                         int(value[12:14]) if len(value) == 14 else 0)
    except ValueError:
        raise RemediationNeeded(Reason.DATE_INEXISTANTE, field, "not an instant of the calendar") from None
    # fold=0 gives both decisions at once (PEP 495): an ambiguous time takes the offset in force
    # before the change (summer time, the first occurrence); a skipped time also takes the offset
    # from before the change (UTC+1), so 02:30 becomes 01:30Z, which is 03:30 summer time.
    return naive.replace(tzinfo=PARIS, fold=0).astimezone(UTC)
