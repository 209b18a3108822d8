"""Application rules: ``demande`` → ``anef.demande``."""
from __future__ import annotations

from domain import codes, dates, text
from domain.context import DossierContext, legacy_key
from domain.errors import Collector
from schemas.anef_models import Demande as AnefDemande
from schemas.legacy_models import Demande


def map_demande(row: Demande, ctx: DossierContext) -> tuple[AnefDemande | None, Collector]:
    apply = Collector("demande", row.num_demande)
    filed = apply.required(apply(dates.complete_date, row.date_depot, "date_depot"), "date_depot")
    values = dict(
        numero_demande=legacy_key(row.num_demande),
        numero_etranger=ctx.numero,
        nature=apply(codes.application_nature, row.code_mouvement),
        categorie_demandee=apply(codes.permit_category, row.type_titre),
        fondement=text.text_or_none(row.ref_reglementaire),
        date_depot=filed,
        statut=apply(codes.application_status, row.decision),
        date_decision=apply(dates.complete_date, row.date_decision, "date_decision"),
        motif_refus=text.text_or_none(row.motif_refus),
        prefecture=apply(codes.department, row.code_dept, "code_dept", *ctx.place_on(filed)),
        origine="AGDREF",
        maj_le=ctx.modified(row.date_maj),
    )
    return (None if apply.remediations else AnefDemande.model_validate(values)), apply
