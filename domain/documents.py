"""Provisional document rules: ``doc_provisoire`` → ``anef.attestation``."""
from __future__ import annotations

from domain import codes, dates
from domain.context import DossierContext, legacy_key
from domain.errors import Collector, RemediationNeeded
from schemas.anef_models import Attestation
from schemas.legacy_models import DocProvisoire
from schemas.rejections import Reason


def renewals(raw: int | None, field: str) -> int:
    """(DOC2) Times renewed: blank → 0 (a receipt that was never renewed has nothing written);
    negative cannot be and waits for a person (it was silently read as 0)."""
    if raw is not None and raw < 0:
        raise RemediationNeeded(Reason.VALEUR_IMPOSSIBLE, field, "a negative number of renewals")
    return raw or 0


def map_document(row: DocProvisoire, ctx: DossierContext) -> tuple[Attestation | None, Collector]:
    apply = Collector("doc_provisoire", row.num_doc)
    start = apply.required(apply(dates.complete_date, row.date_debut, "date_debut"), "date_debut")
    end = apply.required(apply(dates.complete_date, row.date_fin, "date_fin"), "date_fin")
    if start and end and end < start:
        apply.add(Reason.VALIDITE_HORS_REGLES, "date_fin", "ends before it starts")
    values = dict(
        numero=legacy_key(row.num_doc),
        numero_etranger=ctx.numero,
        numero_demande=legacy_key(row.num_demande),
        type=apply(codes.document_type, row.type_doc),
        date_debut=start,
        date_fin=end,
        renouvellements=apply(renewals, row.nb_renouv, "nb_renouv"),
        autorisation_travail=apply(codes.required_flag, row.autor_travail, "autor_travail"),
        origine="AGDREF",
        maj_le=ctx.modified(row.date_maj),
    )
    return (None if apply.remediations else Attestation.model_validate(values)), apply
