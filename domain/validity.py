"""(VAL1) "Valid on a day" for a legacy permit or receipt, in Python and in SQL side by side
(``tests/integration/test_domain_sql_twins.py`` runs both on the same cases).

Valid on ``day`` (``YYYYMMDD``) when the start is known and not after it, and the end is not
before it; an end of ``00000000`` (a permanent card, or an end nobody wrote) is no end: the person
is not assumed to have lost a right the legacy never said ended.
"""
from __future__ import annotations

UNKNOWN = "00000000"


def valid_on(start: str | None, end: str | None, day: str) -> bool:
    start, end = (start or "").strip(), (end or "").strip()
    return start not in ("", UNKNOWN) and start <= day and (end == UNKNOWN or end >= day)


def valid_on_sql(start: str, end: str, day: str = ":d") -> str:
    """SQL twin of ``valid_on`` over two legacy ``char(8)`` columns and a bound ``YYYYMMDD`` day."""
    return (f"(btrim({start}) NOT IN ('', '{UNKNOWN}') AND btrim({start}) <= {day}"
            f" AND (btrim({end}) = '{UNKNOWN}' OR btrim({end}) >= {day}))")
