"""Permit rules: ``titre`` → ``anef.titre``, with the validity rules of each permit type."""
from __future__ import annotations

from datetime import date

from domain import codes, dates, text
from domain.context import DossierContext, legacy_key
from domain.errors import Collector, RemediationNeeded
from schemas.anef_models import Titre as AnefTitre
from schemas.legacy_models import Titre
from schemas.rejections import Reason

# (decided, from agdref.md) the longest validity each type allows: (years, months). None: no end.
MAXIMUM_VALIDITY: dict[str, tuple[int, int] | None] = {
    "CARTE_TEMPORAIRE": (1, 0), "CARTE_PLURIANNUELLE": (4, 0), "PASSEPORT_TALENT": (4, 0),
    "CARTE_RESIDENT": (10, 0), "CARTE_RESIDENT_PERMANENT": None, "AUTORISATION_PROVISOIRE": (0, 12),
    "CERTIFICAT_ALGERIEN_1AN": (1, 0), "CERTIFICAT_ALGERIEN_10ANS": (10, 0), "VISA_LONG_SEJOUR": (1, 0),
}


def check_validity(category: str, start: date, end: date | None) -> None:
    """(PER2) A permit's validity must fit its type: no end for a permanent resident card and an
    end for every other; the end not before the start; the span at most the type's maximum
    (end ≤ start + maximum, the same calendar day included)."""
    maximum = MAXIMUM_VALIDITY[category]
    if maximum is None:
        if end is not None:
            raise RemediationNeeded(Reason.VALIDITE_HORS_REGLES, "date_fin_val", "a permanent card has no end")
        return
    if end is None:
        raise RemediationNeeded(Reason.VALIDITE_HORS_REGLES, "date_fin_val", f"{category} requires an end")
    if end < start:
        raise RemediationNeeded(Reason.VALIDITE_HORS_REGLES, "date_fin_val", "ends before it starts")
    years, months = maximum
    if end > dates.add_months(dates.add_years(start, years), months):
        raise RemediationNeeded(Reason.VALIDITE_HORS_REGLES, "date_fin_val",
                                f"{(end - start).days} days is longer than {category} allows")


def map_titre(row: Titre, ctx: DossierContext) -> tuple[AnefTitre | None, Collector]:
    apply = Collector("titre", row.num_titre)
    category = apply(codes.permit_category, row.type_titre)
    start = apply.required(apply(dates.complete_date, row.date_debut_val, "date_debut_val"), "date_debut_val")
    end = apply(dates.complete_date, row.date_fin_val, "date_fin_val")
    if category and start and not apply.objected("date_fin_val"):
        apply(check_validity, category, start, end)  # (PER2) an unreadable end is its own reason, not a second one
    handed_over = apply(dates.complete_date, row.date_remise, "date_remise")
    values = dict(
        numero_titre=legacy_key(row.num_titre),
        numero_etranger=ctx.numero,
        numero_demande=legacy_key(row.num_demande),
        categorie=category,
        mention=text.text_or_none(row.mention),
        date_debut=start,
        date_fin=end,
        statut="REMIS" if handed_over else "DISPONIBLE",   # (PER3) 00000000 → produced, not handed over
        date_remise=handed_over,
        autorisation_travail=apply(codes.required_flag, row.autor_travail, "autor_travail"),
        numero_duplicata=row.num_duplicata or 0,            # (PER4) blank → 0, the original
        prefecture=apply(codes.department, row.lieu_delivrance, "lieu_delivrance", *ctx.place_on(start)),
        origine="AGDREF",
        maj_le=ctx.modified(row.date_maj),
    )
    return (None if apply.remediations else AnefTitre.model_validate(values)), apply
