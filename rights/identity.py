"""Who a legacy row belongs to, and which prefecture answers for that person: the ledger's own
reading, in Python and in SQL side by side (``tests/integration/test_rights_sql_twins.py`` runs
both on the same cases).

- A foreigner number is 10 digits; a 9-digit one lost its leading zero (AGDREF's conventions).
- A person's rights belong to the reference record when the record is an alias.
- The scope is the prefecture in charge of the person (``etranger.code_dept``) in ANEF's notation
  (``075`` → ``75``, ``001`` → ``01``, ``02A`` → ``2A``, ``971`` stays), checked against the
  department referential. ``020`` (Corsica before 1976) is decided by the current address's
  postcode (``200``/``201`` → ``2A``, ``202``/``206`` → ``2B``) or an INSEE code already written
  ``2A…``/``2B…``; anything else lands in the scope ``undetermined``, which is shown as such and
  never merged into a real prefecture.
"""
from __future__ import annotations

from schemas.referentials import departments

UNDETERMINED = "undetermined"


def number(raw: str | None) -> str:
    """The 10-digit form of a legacy foreigner number ("" when blank)."""
    value = (raw or "").rstrip()
    return "0" + value if len(value) == 9 and value.isdigit() else value


NUMBER_SQL = "(CASE WHEN rtrim({0}) ~ '^[0-9]{{9}}$' THEN '0' || rtrim({0}) ELSE coalesce(rtrim({0}), '') END)"


def number_sql(column: str) -> str:
    return NUMBER_SQL.format(column)


def root(own: str | None, is_alias: str | None, reference: str | None) -> str:
    """The number whose person holds this record's rights."""
    ref = number(reference)
    return ref if (is_alias or "").strip() == "O" and ref else number(own)


def root_sql(own: str, is_alias: str, reference: str) -> str:
    ref = number_sql(reference)
    return f"(CASE WHEN {is_alias} = 'O' AND {ref} <> '' THEN {ref} ELSE {number_sql(own)} END)"


def scope(code_dept: str | None, postcode: str | None = None, insee: str | None = None) -> str:
    """The prefecture answering for the person, in ANEF's notation, or ``undetermined``."""
    code = (code_dept or "").strip().upper()
    if code == "020":
        post, commune = (postcode or "").strip(), (insee or "").strip().upper()
        if post[:3] in ("200", "201") or commune.startswith("2A"):
            return "2A"
        if post[:3] in ("202", "206") or commune.startswith("2B"):
            return "2B"
        return UNDETERMINED
    if len(code) == 3 and code.startswith("0"):
        code = code[1:]
    return code if code in departments() and code != "20" else UNDETERMINED


def scope_sql(code_dept: str, postcode: str, insee: str) -> str:
    """SQL twin of ``scope``; ``:department_codes`` must be bound to ``department_codes()``."""
    code = f"upper(trim(coalesce({code_dept}, '')))"
    post, commune = f"trim(coalesce({postcode}, ''))", f"upper(trim(coalesce({insee}, '')))"
    short = f"(CASE WHEN length({code}) = 3 AND left({code}, 1) = '0' THEN substr({code}, 2) ELSE {code} END)"
    return (f"(CASE WHEN {code} = '020' THEN (CASE WHEN left({post}, 3) IN ('200', '201') OR left({commune}, 2) = '2A'"
            f" THEN '2A' WHEN left({post}, 3) IN ('202', '206') OR left({commune}, 2) = '2B' THEN '2B'"
            f" ELSE '{UNDETERMINED}' END)"
            f" WHEN {short} = ANY(CAST(:department_codes AS text[])) THEN {short} ELSE '{UNDETERMINED}' END)")


def department_codes() -> list[str]:
    return sorted(departments())


def anef_scope(prefecture: str | None) -> str:
    """A scope from ANEF's ``prefecture`` (ANEF's notation: ``75``, ``2A``, ``971``), for rows
    AGDREF no longer has and for the reconciliation's divergences. A single digit (``6``) is how
    the mapping wrote departments 01–09 before the domain rules were fixed: read as ``06``."""
    code = (prefecture or "").strip().upper()
    code = "0" + code if len(code) == 1 and code.isdigit() else code
    return code if code in departments() else UNDETERMINED
