"""Removal measure rules: ``mesure_eloignement`` → ``anef.mesure_eloignement``."""
from __future__ import annotations

from pipeline.mapping import codes, dates
from pipeline.mapping.context import DossierContext, legacy_key
from pipeline.mapping.errors import Collector
from schemas.anef_models import MesureEloignement as AnefMesure
from schemas.legacy_models import MesureEloignement


def map_measure(row: MesureEloignement, ctx: DossierContext) -> tuple[AnefMesure | None, Collector]:
    apply = Collector("mesure_eloignement", row.num_mesure)
    values = dict(
        numero=legacy_key(row.num_mesure),
        numero_etranger=ctx.numero,
        nature=apply(codes.measure_nature, row.nature),
        date_decision=apply.required(apply(dates.complete_date, row.date_decision, "date_decision"), "date_decision"),
        notifiee_le=apply(dates.paris_local_time, row.date_notif, "date_notif"),
        delai_depart_jours=max(row.delai_depart or 0, 0),  # (MES2) blank → 0: no time allowed
        # (MES3) the legacy writes O when it happens: blank means it has not.
        contentieux=apply(codes.flag, row.contentieux, "contentieux", blank=False),
        annulee=apply(codes.flag, row.annulee, "annulee", blank=False),
        executee=apply(codes.flag, row.execution, "execution", blank=False),
        date_execution=apply(dates.complete_date, row.date_execution, "date_execution"),
        origine="AGDREF",
        maj_le=ctx.modified(row.date_maj),
    )
    return (None if apply.remediations else AnefMesure(**values)), apply
