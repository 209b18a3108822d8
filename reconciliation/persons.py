"""Person-level comparison of AGDREF (through the mapping) with ANEF.

A first, exhaustive comparison: every legacy person is mapped in Python and compared with its
``usager`` row. It is exact and simple, and it is what the end-to-end tests and the demo use to
prove the pipeline right; the scalable, fingerprint-based engine comes with reconciliation proper.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone

from sqlalchemy import Engine, select

from pipeline.mapping.person import AliasRecord, PersonMapped, map_person
from schemas.agdref_tables import etranger
from schemas.anef_tables import parked, usager
from schemas.legacy_models import Etranger

# Bookkeeping, not a legal fact: the comparison leaves it out.
IGNORED_FIELDS = frozenset({"maj_le"})


@dataclass
class PersonComparison:
    legacy_rows: int = 0
    identical: int = 0
    aliases: int = 0
    rejected_expected: Counter = field(default_factory=Counter)   # reason → count, from the mapping
    parked_found: Counter = field(default_factory=Counter)        # reason → count, in migration.parked
    missing: list[str] = field(default_factory=list)              # expected in ANEF, absent
    unexpected: list[str] = field(default_factory=list)           # in ANEF from AGDREF, not expected
    mismatched: dict[str, list[str]] = field(default_factory=dict)  # numero → differing fields

    @property
    def consistent(self) -> bool:
        return not (self.missing or self.unexpected or self.mismatched) and self.rejected_expected == self.parked_found


def compare_persons(agdref: Engine, anef: Engine) -> PersonComparison:
    """Map every legacy person and compare with ANEF's ``usager`` rows (origin AGDREF only)."""
    result = PersonComparison()
    expected: dict[str, dict] = {}
    epoch = datetime(1970, 1, 1, tzinfo=timezone.utc)
    with agdref.connect() as conn:
        for row in conn.execute(select(etranger)).mappings():
            result.legacy_rows += 1
            outcome = map_person(Etranger.model_validate(dict(row)), epoch)
            if isinstance(outcome, PersonMapped):
                expected[outcome.usager.numero_etranger] = outcome.usager.model_dump()
            elif isinstance(outcome, AliasRecord):
                result.aliases += 1
            else:
                result.rejected_expected[outcome.remediations[0].reason.value] += 1
    with anef.connect() as conn:
        actual = {r["numero_etranger"]: dict(r) for r in
                  conn.execute(select(usager).where(usager.c.origine == "AGDREF")).mappings()}
        for reason, in conn.execute(select(parked.c.reason)):
            result.parked_found[reason] += 1
    for numero, want in expected.items():
        have = actual.get(numero)
        if have is None:
            result.missing.append(numero)
            continue
        fields = [k for k, v in want.items() if k not in IGNORED_FIELDS and have.get(k) != v]
        if fields:
            result.mismatched[numero] = fields
        else:
            result.identical += 1
    result.unexpected = sorted(set(actual) - set(expected))
    return result
