"""Provisional document rules: ``doc_provisoire`` → ``anef.attestation``."""
from __future__ import annotations

from pipeline.mapping import codes, dates
from pipeline.mapping.context import DossierContext, legacy_key
from pipeline.mapping.errors import Collector
from schemas.anef_models import Attestation
from schemas.legacy_models import DocProvisoire
from schemas.rejections import Reason


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
        renouvellements=max(row.nb_renouv or 0, 0),       # (DOC2) blank → 0
        autorisation_travail=apply(codes.required_flag, row.autor_travail, "autor_travail"),
        origine="AGDREF",
        maj_le=ctx.modified(row.date_maj),
    )
    return (None if apply.remediations else Attestation(**values)), apply
