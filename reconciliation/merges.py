"""Merges nobody checked: alias or duplicate records merged into one person although they differ in
sex, birth date or nationality. The mapping merges them by the rules (an alias belongs to its
reference, records of one number are one person), so a comparison through the mapping cannot see a
wrong merge: this reads AGDREF's records directly, in one statement.

Each is a ``suspicious_merge`` divergence (high) on the reference person until a person confirms
the merge with a recorded decision (``agdref-anef decisions record ALIAS --rule merge --value
confirm --row etranger:ALIAS``); a wrong merge is undone in AGDREF (the alias flag removed), and
the pipeline follows. Blocking; raises what the databases raise.
"""
from __future__ import annotations

from sqlalchemy import Engine, text

from domain.assembly import owner_sql
from reconciliation.divergence import Divergence, FieldDifference, Kind, Severity

COMPARED = ("sexe", "date_nais", "nationalite")

_DIFFERS = " OR ".join(f"btrim(coalesce(a.{c}, '')) <> btrim(coalesce(r.{c}, ''))" for c in COMPARED)
_MERGES = f"""
WITH record AS (
    SELECT {owner_sql('num_etranger')} AS n, {owner_sql('num_etranger_ref')} AS ref,
           coalesce(ind_alias, 'N') = 'O' AS alias, num_etranger, sexe, date_nais, nationalite, code_dept
    FROM agdref.etranger
)
SELECT r.n AS reference, a.n AS merged, r.code_dept, {', '.join(f'r.{c}, a.{c}' for c in COMPARED)}
FROM record a JOIN record r ON r.n = a.ref AND NOT r.alias
WHERE a.alias AND ({_DIFFERS})
UNION ALL
SELECT r.n, a.n, r.code_dept, {', '.join(f'r.{c}, a.{c}' for c in COMPARED)}
FROM record a JOIN record r ON r.n = a.n AND r.num_etranger < a.num_etranger AND NOT r.alias AND NOT a.alias
WHERE {_DIFFERS}
"""
_CONFIRMED = ("SELECT source_key FROM migration.decision WHERE rule = 'merge' AND revoked_at IS NULL")


def suspicious_merges(agdref: Engine, anef: Engine) -> list[Divergence]:
    """One divergence per reference person with an unconfirmed merge that differs."""
    from domain.codes import prefecture_or_none

    with agdref.connect() as conn:
        rows = conn.execute(text(_MERGES)).all()
    with anef.connect() as conn:
        confirmed = {k.strip() for k in conn.execute(text(_CONFIRMED)).scalars()}
    found: dict[str, list[FieldDifference]] = {}
    departments: dict[str, str | None] = {}
    for reference, merged, code_dept, *values in rows:
        if merged in confirmed:
            continue
        for i, column in enumerate(COMPARED):
            theirs, ours = (values[2 * i] or "").strip(), (values[2 * i + 1] or "").strip()
            if theirs != ours:
                found.setdefault(reference, []).append(FieldDifference(f"etranger[{merged}].{column}", theirs, ours))
        departments[reference] = prefecture_or_none(code_dept)
    return [Divergence(reference, Kind.SUSPICIOUS_MERGE, Severity.HIGH, tuple(fields), prefecture=departments[reference],
                       detail="merged records differ in sex, birth date or nationality: confirm or undo the merge")
            for reference, fields in sorted(found.items())]
