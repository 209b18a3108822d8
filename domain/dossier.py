"""The unit of migration: one legacy dossier in, the ANEF dossier or classified rejections out.

A dossier is one person (the reference record, plus any record normalising to the same number),
the alias records merged into them, and every row of every table attached to any of these
numbers. Pure: the caller assembles the dossier; this never does I/O and never raises.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from pydantic import ValidationError

from domain import address, dates
from domain import aliases as alias_rules
from domain.applications import map_demande
from domain.context import DossierContext
from domain.decisions import RecordedDecision, with_decisions
from domain.documents import map_document
from domain.errors import Collector, RemediationNeeded
from domain.identity import normalise_foreigner_number
from domain.measures import map_measure
from domain.permits import map_titre
from domain.person import identity_record, is_alias, map_usager
from schemas.anef_models import Dossier
from schemas.legacy_models import Adresse, Demande, DocProvisoire, Etranger, LegacyRow, MesureEloignement, Titre
from schemas.rejections import Reason, Remediation

R = TypeVar("R", bound=LegacyRow)
M = TypeVar("M")


@dataclass(frozen=True)
class LegacyDossier:
    numero: str                                    # normalised number of the dossier's root
    persons: tuple[Etranger, ...] = ()             # records normalising to ``numero``
    aliases: tuple[Etranger, ...] = ()             # alias records resolved to ``numero``
    adresses: tuple[Adresse, ...] = ()             # of ``numero`` itself
    demandes: tuple[Demande, ...] = ()             # of ``numero`` and of its aliases
    titres: tuple[Titre, ...] = ()
    documents: tuple[DocProvisoire, ...] = ()
    mesures: tuple[MesureEloignement, ...] = ()
    alias_links: Mapping[str, str | None] = field(default_factory=dict)  # the alias graph around it
    decisions: tuple[RecordedDecision, ...] = ()   # RecordedDecision: what a person decided (DEC1)

    @property
    def child_rows(self) -> int:
        return len(self.adresses) + len(self.demandes) + len(self.titres) + len(self.documents) + len(self.mesures)


@dataclass(frozen=True)
class DossierMapped:
    dossier: Dossier
    # (HIS1) historical rows left out for a defect: "not carried: defective history", counted and listed
    not_carried: tuple[Remediation, ...] = ()


@dataclass(frozen=True)
class DossierRejected:
    numero: str
    remediations: tuple[Remediation, ...]


@dataclass(frozen=True)
class DossierErased:
    """Nothing is left in AGDREF under this number: nothing may be left in ANEF either."""

    numero: str


DossierOutcome = DossierMapped | DossierRejected | DossierErased


def _alias_problem(legacy: LegacyDossier) -> Remediation | None:
    """(ID3) A root made only of alias records is an alias whose chain could not be resolved."""
    if not legacy.persons or not all(is_alias(p) for p in legacy.persons):
        return None
    try:
        reference = alias_rules.resolve_reference(legacy.numero, legacy.alias_links)
    except RemediationNeeded as needed:
        r = needed.remediation
        return Remediation(r.reason, r.field, r.detail, "etranger", legacy.persons[0].num_etranger)
    return Remediation(Reason.ALIAS_SANS_REFERENCE, "num_etranger_ref",
                       f"resolves to another dossier ({len(reference)} digits) that did not take it",
                       "etranger", legacy.persons[0].num_etranger)


def _merge_problem(legacy: LegacyDossier) -> Remediation | None:
    """(ALI4, ALI5) Records that normalise to one number must agree on being an alias, and alias
    records of one number on their reference: otherwise a link would be dropped silently."""
    persons = [p for p in legacy.persons if not is_alias(p)]
    if persons and len(persons) < len(legacy.persons):
        alias = next(p for p in legacy.persons if is_alias(p))
        return Remediation(Reason.ALIAS_DOUBLON_PERSONNE, "ind_alias",
                           "a person record and an alias record have this number", "etranger", alias.num_etranger)
    references: dict[str | None, set[str | None]] = {}
    for record in legacy.aliases:
        references.setdefault(_number(record), set()).add(_reference(record))
    for number, found in references.items():
        if len(found) > 1:
            return Remediation(Reason.ALIAS_REFERENCES_MULTIPLES, "num_etranger_ref",
                               f"{len(found)} different references for one alias number", "etranger", number or "")
    return None


def is_history(table: str, row: Any, today: date) -> bool:
    """(HIS1, settled) A row that no longer carries anything current: a permit or receipt that
    ended more than a year ago, an application decided more than a year ago, a measure executed
    (date of execution) or annulled (date of decision) more than a year ago. A row whose dates
    cannot tell is current."""
    limit = today - timedelta(days=365)

    def before(raw: str | None) -> bool:
        try:
            day = dates.legacy_date_or_none(raw, "date")
        except RemediationNeeded:
            return False
        return day is not None and day < limit

    if table == "titre":
        return before(row.date_fin_val)
    if table == "doc_provisoire":
        return before(row.date_fin)
    if table == "demande":
        return bool((row.decision or "").strip()) and before(row.date_decision)
    if table == "mesure_eloignement":
        return ((row.execution or "").strip() == "O" and before(row.date_execution)) or \
            ((row.annulee or "").strip() == "O" and before(row.date_decision))
    return False


def _carried(table: str, rows: tuple[R, ...], mapper: Callable[[R, DossierContext], tuple[M | None, Collector]],
             ctx: DossierContext, today: date, collected: list[Collector], not_carried: list[Remediation]
             ) -> list[M]:
    """The rows of one table mapped; a defective historical row is left out whole (HIS1), every
    other check collected (one remediation in anything current parks the dossier)."""
    mapped: list[M] = []
    for row in rows:
        value, check = mapper(row, ctx)
        if check.remediations and is_history(table, row, today):
            not_carried.extend(check.remediations)  # (HIS1) the row stays out; today's rights go on
            continue
        collected.append(check)
        if value is not None:  # None only with remediations: the dossier is parked
            mapped.append(value)
    return mapped


def map_dossier(legacy: LegacyDossier, changed_at: datetime, today: date | None = None) -> DossierOutcome:
    """Map one dossier. ``changed_at`` is the legacy commit time of the change that triggered it
    (DAT10); ``today`` the day it is mapped (what is history, HIS1; default: the clock's). Every
    rejection of every row is collected; one in anything current is enough to park the dossier, one
    in a historical row leaves that row out (not carried) and the rest goes on."""
    today = today or date.today()
    legacy, stale = with_decisions(legacy, legacy.decisions)  # (DEC1) a person's decisions first
    if not legacy.persons:
        if legacy.child_rows == 0 and not legacy.aliases:
            return DossierErased(legacy.numero)
        return DossierRejected(legacy.numero, (Remediation(
            Reason.PERSONNE_ABSENTE, "num_etranger", f"{legacy.child_rows} row(s) without a person record"),))
    problem = _alias_problem(legacy) or _merge_problem(legacy)
    if problem:
        return DossierRejected(legacy.numero, (problem,))
    record = identity_record(tuple(p for p in legacy.persons if not is_alias(p)))
    current = address.current(legacy.adresses)
    where = address.to_anef(current)
    ctx = DossierContext(legacy.numero, where.code_postal, where.code_insee, changed_at, legacy.adresses, today)
    alias_numbers = sorted({n for n in map(_number, legacy.aliases) if n is not None and n != legacy.numero})
    collected: list[Collector] = []
    not_carried: list[Remediation] = []
    try:
        usager, check = map_usager(record, current, alias_numbers, ctx)
        collected.append(check)
        titres = _carried("titre", legacy.titres, map_titre, ctx, today, collected, not_carried)
        demandes = _carried("demande", legacy.demandes, map_demande, ctx, today, collected, not_carried)
        attestations = _carried("doc_provisoire", legacy.documents, map_document, ctx, today, collected,
                                not_carried)
        mesures = _carried("mesure_eloignement", legacy.mesures, map_measure, ctx, today, collected, not_carried)
        remediations = tuple(stale) + tuple(r for c in collected for r in c.remediations)
        if remediations:
            return DossierRejected(legacy.numero, remediations)
        assert usager is not None  # None only with remediations, returned above
        return DossierMapped(Dossier(usager=usager, titres=titres, demandes=demandes, attestations=attestations,
                                     mesures=mesures), tuple(not_carried))
    except ValidationError as invalid:
        # A rule produced a value ANEF refuses: our defect, parked so a person sees it, never written.
        first = invalid.errors()[0]
        return DossierRejected(legacy.numero, (Remediation(
            Reason.CODE_INCONNU, ".".join(str(p) for p in first["loc"]), first["msg"], "dossier", legacy.numero),))


def _reference(record: Etranger) -> str | None:
    try:
        return normalise_foreigner_number(record.num_etranger_ref)
    except RemediationNeeded:
        return (record.num_etranger_ref or "").strip() or None


def _number(record: Etranger) -> str | None:
    try:
        return normalise_foreigner_number(record.num_etranger)
    except RemediationNeeded:
        return None
