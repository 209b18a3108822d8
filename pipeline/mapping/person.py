"""A legacy ``etranger`` row → an ANEF ``usager`` row, or the reasons it needs a person.

The rules themselves live in ``identity``, ``text``, ``dates`` and ``codes``; this module only
applies them field by field, collecting every rejection (not just the first) so a person fixing
AGDREF sees all that is wrong with the record at once.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable, TypeVar

from pydantic import ValidationError

from pipeline.mapping import codes, dates, identity, text
from pipeline.mapping.errors import RemediationNeeded
from schemas.anef_models import Usager
from schemas.legacy_models import Etranger
from schemas.rejections import Reason, Remediation

T = TypeVar("T")
NATURALISED_NEVER = ("", dates.UNKNOWN_DATE)


@dataclass(frozen=True)
class PersonMapped:
    usager: Usager


@dataclass(frozen=True)
class AliasRecord:
    """A record flagged as a duplicate of ``reference``: it gets no ``usager`` row of its own."""

    numero_etranger: str
    reference: str


@dataclass(frozen=True)
class PersonRejected:
    numero_etranger: str | None
    remediations: tuple[Remediation, ...]


PersonOutcome = PersonMapped | AliasRecord | PersonRejected


class _Collector:
    def __init__(self) -> None:
        self.remediations: list[Remediation] = []

    def __call__(self, rule: Callable[..., T], *args: Any, **kwargs: Any) -> T | None:
        try:
            return rule(*args, **kwargs)
        except RemediationNeeded as needed:
            self.remediations.append(needed.remediation)
            return None


def map_person(row: Etranger, changed_at: datetime) -> PersonOutcome:
    """Map one legacy person. ``changed_at`` (the legacy commit time, UTC) stands in for
    ``maj_le`` when the row's own ``date_maj`` is blank or unreadable. Never raises."""
    apply = _Collector()
    numero = apply(identity.normalise_foreigner_number, row.num_etranger)
    if (row.ind_alias or "").strip().upper() == "O":
        reference = apply(identity.normalise_foreigner_number, row.num_etranger_ref, "num_etranger_ref")
        if numero and reference:
            return AliasRecord(numero, reference)
        return PersonRejected(numero, tuple(apply.remediations))

    nom = text.name_or_none(row.nom)
    if nom is None:
        apply.remediations.append(Remediation(Reason.NOM_NAISSANCE_ABSENT, "nom", "blank or INC"))
    birth = apply(dates.legacy_date, row.date_nais, "date_nais") or (None, dates.Precision.INCONNUE)
    naturalised = (row.date_naturalisation or "").strip() not in NATURALISED_NEVER
    try:
        maj_le = dates.paris_local_time(row.date_maj, "date_maj") or changed_at
    except RemediationNeeded:
        maj_le = changed_at  # an unreadable modification time is bookkeeping, not a legal fact
    values = dict(
        numero_etranger=numero,
        nom_naissance=nom,
        nom_usage=text.name_or_none(row.nom_usage),
        prenoms=text.first_names(row.prenoms),
        sexe=apply(codes.sex, row.sexe),
        date_naissance=birth[0],
        precision_naissance=birth[1].value,
        pays_naissance=apply(codes.country_of_birth, row.pays_nais),
        ville_naissance=text.text_or_none(row.ville_nais),
        nationalite=apply(codes.nationality, row.nationalite),
        nom_pere=text.name_or_none(row.nom_pere),
        prenom_pere=text.name_or_none(row.prenom_pere),
        nom_mere=text.name_or_none(row.nom_mere),
        prenom_mere=text.name_or_none(row.prenom_mere),
        situation_familiale=apply(codes.marital_status, row.sit_matrim),
        date_entree_france=apply(dates.legacy_date_or_none, row.date_entree, "date_entree"),
        entree_reguliere=apply(codes.regular_entry, row.cond_entree),
        prefecture=apply(codes.department, row.code_dept, "code_dept"),
        numeros_alias=[],
        statut="NATURALISE" if naturalised else "ACTIF",
        origine="AGDREF",
        maj_le=maj_le,
    )
    if apply.remediations:
        return PersonRejected(numero, tuple(apply.remediations))
    try:
        return PersonMapped(Usager(**values))
    except ValidationError as invalid:
        # A rule produced a value ANEF refuses: a defect of ours, but still the data's to fix first.
        first = invalid.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        return PersonRejected(numero, (Remediation(Reason.CODE_INCONNU, field, first["msg"]),))
