"""What the reconciliation finds: divergences, their kinds and severities. No I/O."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum
from typing import Any


class Kind(str, Enum):
    MISSING = "missing"            # in AGDREF, not in ANEF
    UNEXPECTED = "unexpected"      # migrated into ANEF, gone from AGDREF
    FIELD_MISMATCH = "field_mismatch"
    STALE = "stale"                # ANEF reflects an older legacy state (the pipeline never saw the newer one)
    CONFLICT = "conflict"          # both systems changed it: held by the pipeline for a person
    PARKED = "parked"              # rejected by the mapping, with its reason
    SUSPICIOUS_MERGE = "suspicious_merge"  # records merged into one person differ in sex, birth date or nationality
    MIRROR_DIFFERS = "mirror_differs"      # ANEF decided it; the way back's copy in AGDREF lacks it or differs
    # Found by the rights ledger (``rights/``), which reads AGDREF without the mapping: always critical.
    RIGHT_MISSING = "right_missing"
    RIGHT_WEAKER = "right_weaker"
    APPLICATION_MISSING = "application_missing"
    DECISION_DIFFERS = "decision_differs"
    MEASURE_HARSHER = "measure_harsher"

    @property
    def from_rights_ledger(self) -> bool:
        return self.value in RIGHTS_KINDS


RIGHTS_KINDS = frozenset({"right_missing", "right_weaker", "application_missing", "decision_differs",
                          "measure_harsher"})


class Severity(str, Enum):
    CRITICAL = "critical"  # a right to stay or to work differs between the systems
    HIGH = "high"          # identity, or a whole person
    MEDIUM = "medium"      # applications, permit details
    LOW = "low"            # addresses

    @property
    def rank(self) -> int:
        return list(Severity).index(self)


_ROW_KEY = re.compile(r"\[[^\]]*\]")


def field_for_everyone(name: str) -> str:
    """A field's name as people without access to personal data see it: the row's key (a permit,
    application or measure number, which identifies a person's document) left out:
    ``titre[0000006607].date_fin`` → ``titre[…].date_fin``."""
    return _ROW_KEY.sub("[…]", name)


_KEYED_ROW = re.compile(r"(\w+):[^,\s]+")


def for_everyone(row: dict[str, Any], key: str) -> dict[str, Any]:
    """The parts of a kept divergence (``reconciliation.divergence`` row) that carry personal data,
    as people without access to it see them: the number as a keyed pseudonym, field names without
    their row keys and without values, no acceptance reason (free text), and a detail without the
    ``table:key`` of the rows ANEF changed (a conflict's detail names them). One rule for the
    report's summary and every web answer a viewer can reach."""
    from common.log import pseudonym

    return {"numero_etranger": pseudonym(row["numero_etranger"], key),
            "fields": [{"field": field_for_everyone(f["field"])} for f in row["fields"]],
            "accepted_reason": None, "detail": _KEYED_ROW.sub(r"\1:…", row.get("detail") or "")}


@dataclass(frozen=True)
class FieldDifference:
    """One field of one row, as each system holds it (``None``: absent on that side)."""

    field: str
    agdref: Any
    anef: Any


@dataclass(frozen=True)
class Divergence:
    numero_etranger: str
    kind: Kind
    severity: Severity
    fields: tuple[FieldDifference, ...] = ()
    prefecture: str | None = None
    urgency_days: int | None = None   # days until the permit or receipt at stake runs out
    detail: str = ""                  # the parking reason, the rows ANEF changed…

    def sort_key(self) -> tuple[int, int, str, str]:
        """Most severe first; within a severity the most urgent first, then by number."""
        return (self.severity.rank, self.urgency_days if self.urgency_days is not None else 10**6,
                self.numero_etranger, self.kind.value)


@dataclass
class RunSummary:
    """One reconciliation run, as the report and the exit code see it."""

    run_id: int
    persons_agdref: int = 0
    buckets: int = 0
    buckets_differing: int = 0
    suspects: int = 0
    confirmed: int = 0
    unconfirmed: int = 0        # suspects the pipeline had not caught up with when the run ended
    outdated_mapping: int = 0   # dossiers another mapping than the running one made (rebuild them)
    seconds: float = 0.0
    persons_by_prefecture: dict[str, int] = field(default_factory=dict)
    divergences: list[Divergence] = field(default_factory=list)
    rights: Any = None          # the rights ledger's reading (rights.ledger.LedgerReading)

    @property
    def critical(self) -> int:
        return sum(1 for d in self.divergences if d.severity is Severity.CRITICAL)
