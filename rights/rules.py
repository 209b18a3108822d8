"""What counts as a right lost or weakened between AGDREF and ANEF. Pure: documents in, findings out.

A ``Document`` is one rights-carrying row as either system holds it, already read into the same
plain terms (``rights.legacy_reading`` and ``rights.anef_reading`` do that in SQL). Dates are
``YYYYMMDD`` text, so that a partial or impossible legacy date is compared as it stands instead of
being guessed; ``""`` as an end means no end (a permanent card) or an end nobody knows, which the
ledger reads as still valid: it never assumes a right away.

Only the direction that hurts the person is a finding: ANEF showing less than AGDREF. ANEF
showing more (a later end, a granted application AGDREF refused) is the reconciliation's business,
not a right at risk.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import Enum

PERMIT, RECEIPT, APPLICATION, MEASURE = "permit", "receipt", "application", "measure"
RIGHTS = (PERMIT, RECEIPT)
OPEN_END = "99999999"
LABELS = {PERMIT: "titre", RECEIPT: "attestation", APPLICATION: "demande", MEASURE: "mesure_eloignement"}


class RightsKind(str, Enum):
    RIGHT_MISSING = "right_missing"              # a residence right AGDREF gives, absent from ANEF
    RIGHT_WEAKER = "right_weaker"                # ends earlier, starts later, work or renewals lost
    APPLICATION_MISSING = "application_missing"  # a pending or granted application absent from ANEF
    DECISION_DIFFERS = "decision_differs"        # granted/pending in AGDREF, refused or closed in ANEF
    MEASURE_HARSHER = "measure_harsher"          # protection against removal lost in ANEF


@dataclass(frozen=True)
class Document:
    kind: str                 # permit | receipt | application | measure
    number: str
    holder: str               # the person (reference number) it belongs to
    start: str = ""
    end: str = ""             # "" : no end, or unknown
    work: bool | None = None  # None: unknown
    renewals: int | None = None
    status: str = ""          # applications: pending | granted | refused | closed
    filed: str = ""
    annulled: str = ""        # measures: yes | no | unknown
    appeal: str = ""
    delay: int | None = None  # days to leave; None: unknown (blank or negative in AGDREF)
    executed: str = ""
    origin: str = "AGDREF"    # ANEF rows: who created it

    def valid_on(self, day: str) -> bool:
        return self.kind in RIGHTS and self.start <= day and (self.end or OPEN_END) >= day

    @property
    def in_force(self) -> bool:
        return self.kind == MEASURE and self.executed != "yes" and self.annulled != "yes"


@dataclass(frozen=True)
class Finding:
    kind: RightsKind
    field: str
    agdref: object
    anef: object
    ends: tuple[str, ...] = ()   # the end dates at stake, both sides (for the urgency)
    immediate: bool = False      # a removal measure: urgent now


def _field(doc: Document, name: str = "") -> str:
    return f"{LABELS[doc.kind]}[{doc.number}]" + (f".{name}" if name else "")


def _ends(*docs: Document | None) -> tuple[str, ...]:
    return tuple(d.end for d in docs if d is not None and d.end)


def compare_right(agdref: Document, anef: Document | None, today: str) -> list[Finding]:
    """A permit or receipt AGDREF holds valid now or within the horizon, against ANEF's row
    (``today`` as ``YYYYMMDD``: a later start matters only while it has not come)."""
    if anef is None:
        return [Finding(RightsKind.RIGHT_MISSING, _field(agdref), "present", None, _ends(agdref))]
    if anef.holder != agdref.holder:
        return [Finding(RightsKind.RIGHT_MISSING, _field(agdref, "numero_etranger"), agdref.holder, anef.holder,
                        _ends(agdref, anef))]
    found = []
    if (anef.end or OPEN_END) < (agdref.end or OPEN_END):
        found.append(Finding(RightsKind.RIGHT_WEAKER, _field(agdref, "date_fin"), agdref.end or None,
                             anef.end or None, _ends(agdref, anef)))
    if anef.start > agdref.start and anef.start > today:
        found.append(Finding(RightsKind.RIGHT_WEAKER, _field(agdref, "date_debut"), agdref.start, anef.start,
                             _ends(agdref, anef)))
    if agdref.work is True and anef.work is not True:
        found.append(Finding(RightsKind.RIGHT_WEAKER, _field(agdref, "autorisation_travail"), True, anef.work,
                             _ends(agdref, anef)))
    if agdref.renewals is not None and anef.renewals is not None and anef.renewals < agdref.renewals:
        found.append(Finding(RightsKind.RIGHT_WEAKER, _field(agdref, "renouvellements"), agdref.renewals,
                             anef.renewals, _ends(agdref, anef)))
    return found


def compare_application(agdref: Document, anef: Document | None) -> list[Finding]:
    """A pending application, or one granted recently, against ANEF's row."""
    if anef is None or anef.holder != agdref.holder:
        return [Finding(RightsKind.APPLICATION_MISSING, _field(agdref), agdref.status, anef.status if anef else None)]
    if agdref.status == "pending" and anef.status in ("refused", "closed"):
        return [Finding(RightsKind.DECISION_DIFFERS, _field(agdref, "statut"), agdref.status, anef.status)]
    if agdref.status == "granted" and anef.status != "granted":
        return [Finding(RightsKind.DECISION_DIFFERS, _field(agdref, "statut"), agdref.status, anef.status)]
    return []


def compare_measure(agdref: Document | None, anef: Document | None) -> list[Finding]:
    """A removal measure: ANEF may not be harsher than AGDREF. A blank or impossible protective
    value in AGDREF is unknown, and ANEF reading it as "no protection" is harsher."""
    if agdref is None:
        if anef is not None and anef.in_force and anef.origin == "AGDREF":
            return [Finding(RightsKind.MEASURE_HARSHER, _field(anef), None, "in force", immediate=True)]
        return []
    if anef is None or agdref.executed == "yes":
        return []  # a measure ANEF lacks protects nobody less; an executed one is history
    found = []
    for name, theirs, ours in (("annulee", agdref.annulled, anef.annulled), ("contentieux", agdref.appeal, anef.appeal)):
        if theirs in ("yes", "unknown") and ours != "yes":
            found.append(Finding(RightsKind.MEASURE_HARSHER, _field(agdref, name), theirs, ours, immediate=True))
    shorter = anef.delay is not None and (agdref.delay is None and anef.delay == 0
                                          or agdref.delay is not None and anef.delay < agdref.delay)
    if shorter:
        found.append(Finding(RightsKind.MEASURE_HARSHER, _field(agdref, "delai_depart_jours"), agdref.delay,
                             anef.delay, immediate=True))
    return found


def compare(agdref: Document | None, anef: Document | None, today: str) -> list[Finding]:
    """The findings of one document (at least one side given)."""
    kind = (agdref or anef).kind  # type: ignore[union-attr]
    if kind == MEASURE:
        return compare_measure(agdref, anef)
    if agdref is None:
        return []  # a right or application only ANEF holds is not a right lost
    return compare_right(agdref, anef, today) if kind in RIGHTS else compare_application(agdref, anef)


def parse_day(value: str) -> date | None:
    """A ``YYYYMMDD`` date; a partial one counts from its first possible day (the earlier, the
    more urgent); None when impossible."""
    if len(value) != 8 or not value.isdigit():
        return None
    try:
        return date(int(value[:4]), int(value[4:6]) or 1, int(value[6:8]) or 1)
    except ValueError:
        return None


def urgency_days(findings: list[Finding], rights_ends: tuple[str, ...], today: date) -> int | None:
    """Days until the earliest end at stake, on either side: the ends of the documents that
    differ and of the rights the person holds today in either system; 0 for a removal measure.
    None: nothing ends (permanent rights only)."""
    if any(f.immediate for f in findings):
        return 0
    ends = [d for d in (parse_day(e) for f in findings for e in f.ends) if d is not None]
    ends += [d for d in (parse_day(e) for e in rights_ends) if d is not None]
    upcoming = [(d - today).days for d in ends if d >= today]
    return min(upcoming) if upcoming else None
