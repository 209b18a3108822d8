"""The unit of migration: one legacy dossier in, the ANEF dossier or classified rejections out.

A dossier is one person (the reference record, plus any record normalising to the same number),
the alias records merged into them, and every row of every table attached to any of these
numbers. Pure: the caller assembles the dossier; this never does I/O and never raises.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Mapping

from pydantic import ValidationError

from pipeline.mapping import address, aliases as alias_rules
from pipeline.mapping.applications import map_demande
from pipeline.mapping.context import DossierContext
from pipeline.mapping.documents import map_document
from pipeline.mapping.errors import Collector, RemediationNeeded
from pipeline.mapping.identity import normalise_foreigner_number
from pipeline.mapping.measures import map_measure
from pipeline.mapping.permits import map_titre
from pipeline.mapping.person import identity_record, is_alias, map_usager
from schemas.anef_models import Dossier
from schemas.legacy_models import Adresse, Demande, DocProvisoire, Etranger, MesureEloignement, Titre
from schemas.rejections import Reason, Remediation


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

    @property
    def child_rows(self) -> int:
        return len(self.adresses) + len(self.demandes) + len(self.titres) + len(self.documents) + len(self.mesures)


@dataclass(frozen=True)
class DossierMapped:
    dossier: Dossier


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


def map_dossier(legacy: LegacyDossier, changed_at: datetime) -> DossierOutcome:
    """Map one dossier. ``changed_at`` is the legacy commit time of the change that triggered it
    (DAT10). Every rejection of every row is collected; one is enough to park the dossier."""
    if not legacy.persons:
        if legacy.child_rows == 0 and not legacy.aliases:
            return DossierErased(legacy.numero)
        return DossierRejected(legacy.numero, (Remediation(
            Reason.PERSONNE_ABSENTE, "num_etranger", f"{legacy.child_rows} row(s) without a person record"),))
    problem = _alias_problem(legacy)
    if problem:
        return DossierRejected(legacy.numero, (problem,))
    record = identity_record(tuple(p for p in legacy.persons if not is_alias(p)))
    current = address.current(legacy.adresses)
    where = address.to_anef(current)
    ctx = DossierContext(legacy.numero, where.code_postal, where.code_insee, changed_at)
    alias_numbers = sorted({_number(a) for a in legacy.aliases} - {legacy.numero, None})
    collected: list[Collector] = []
    try:
        usager, check = map_usager(record, current, alias_numbers, ctx)
        collected.append(check)
        children = {}
        for name, rows, mapper in (("titres", legacy.titres, map_titre), ("demandes", legacy.demandes, map_demande),
                                   ("attestations", legacy.documents, map_document),
                                   ("mesures", legacy.mesures, map_measure)):
            mapped = []
            for row in rows:
                value, check = mapper(row, ctx)
                collected.append(check)
                mapped.append(value)
            children[name] = mapped
        remediations = tuple(r for c in collected for r in c.remediations)
        if remediations:
            return DossierRejected(legacy.numero, remediations)
        return DossierMapped(Dossier(usager=usager, **children))
    except ValidationError as invalid:
        # A rule produced a value ANEF refuses: our defect, parked so a person sees it, never written.
        first = invalid.errors()[0]
        return DossierRejected(legacy.numero, (Remediation(
            Reason.CODE_INCONNU, ".".join(str(p) for p in first["loc"]), first["msg"], "dossier", legacy.numero),))


def _number(record: Etranger) -> str | None:
    try:
        return normalise_foreigner_number(record.num_etranger)
    except RemediationNeeded:
        return None
