"""Removal measure rules: ``mesure_eloignement`` → ``anef.mesure_eloignement``."""
from __future__ import annotations

from domain import codes, dates
from domain.context import DossierContext, legacy_key
from domain.errors import Collector, RemediationNeeded
from schemas.anef_models import MesureEloignement as AnefMesure
from schemas.legacy_models import MesureEloignement
from schemas.rejections import Reason


def protective_days(raw: int | None, field: str) -> int:
    """(MES2, settled) A departure period: blank or negative waits for a person's decision."""
    if raw is None or raw < 0:
        raise RemediationNeeded(Reason.PROTECTION_INCONNUE, field, "blank" if raw is None else "negative")
    return raw


def protective_flag(raw: str | None, field: str) -> bool:
    """(MES3, settled) An appeal or annulment flag: ``O``/``N``; blank waits for a person's decision."""
    value = codes.flag(raw, field)
    if value is None:
        raise RemediationNeeded(Reason.PROTECTION_INCONNUE, field, "blank where O or N protects the person")
    return value


def map_measure(row: MesureEloignement, ctx: DossierContext) -> tuple[AnefMesure | None, Collector]:
    apply = Collector("mesure_eloignement", row.num_mesure)
    values = dict(
        numero=legacy_key(row.num_mesure),
        numero_etranger=ctx.numero,
        nature=apply(codes.measure_nature, row.nature),
        date_decision=apply.required(apply(dates.complete_date, row.date_decision, "date_decision"), "date_decision"),
        notifiee_le=apply(dates.paris_local_time, row.date_notif, "date_notif"),
        # (MES2) the days to leave protect the person: blank or negative is never read as 0
        delai_depart_jours=apply(protective_days, row.delai_depart, "delai_depart"),
        # (MES3) appeal and annulment protect the person: blank is never read as "no"
        contentieux=apply(protective_flag, row.contentieux, "contentieux"),
        annulee=apply(protective_flag, row.annulee, "annulee"),
        # execution does not protect anyone: the legacy writes O when it happens, blank means it has not

        executee=apply(codes.flag, row.execution, "execution", blank=False),
        date_execution=apply(dates.complete_date, row.date_execution, "date_execution"),
        origine="AGDREF",
        maj_le=ctx.modified(row.date_maj),
    )
    return (None if apply.remediations else AnefMesure.model_validate(values)), apply
