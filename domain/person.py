"""Person rules: the reference ``etranger`` record (with its current address and its aliases)
→ ``anef.usager``. The rules themselves live in ``identity``, ``text``, ``dates``, ``codes`` and
``address``; this module applies them field by field."""
from __future__ import annotations

from domain import address, codes, dates, identity, text
from domain.context import DossierContext
from domain.errors import Collector
from schemas.anef_models import Usager
from schemas.legacy_models import Adresse, Etranger
from schemas.rejections import Reason

NATURALISED_NEVER = ("", dates.UNKNOWN_DATE)


def is_alias(record: Etranger) -> bool:
    return (record.ind_alias or "").strip().upper() == "O"


def identity_record(records: tuple[Etranger, ...]) -> Etranger:
    """(ID5) Several records normalising to the same number are one person; the most recently
    modified gives the identity (ties: the one keyed with 10 digits)."""
    return max(records, key=lambda r: ((r.date_maj or "").strip(), len((r.num_etranger or "").strip())))


def map_usager(record: Etranger, current: Adresse | None, aliases: list[str],
               ctx: DossierContext) -> tuple[Usager | None, Collector]:
    apply = Collector("etranger", record.num_etranger)
    apply(identity.normalise_foreigner_number, record.num_etranger)
    nom = apply(text.name_or_none, record.nom, "nom")
    if nom is None and not apply.objected("nom"):
        apply.add(Reason.NOM_NAISSANCE_ABSENT, "nom", "blank or INC")
    birth = apply(dates.legacy_date, record.date_nais, "date_nais") or (None, dates.Precision.INCONNUE)
    naturalised = (record.date_naturalisation or "").strip() not in NATURALISED_NEVER
    where = address.to_anef(current)
    values = dict(
        numero_etranger=ctx.numero,
        nom_naissance=nom,
        nom_usage=apply(text.name_or_none, record.nom_usage, "nom_usage"),
        prenoms=apply(text.first_names, record.prenoms, "prenoms") or [],
        sexe=apply(codes.sex, record.sexe),
        date_naissance=birth[0],
        precision_naissance=birth[1].value,
        pays_naissance=apply(codes.country_of_birth, record.pays_nais),
        ville_naissance=text.text_or_none(record.ville_nais),
        nationalite=apply(codes.nationality, record.nationalite),
        nom_pere=apply(text.name_or_none, record.nom_pere, "nom_pere"),
        prenom_pere=apply(text.name_or_none, record.prenom_pere, "prenom_pere"),
        nom_mere=apply(text.name_or_none, record.nom_mere, "nom_mere"),
        prenom_mere=apply(text.name_or_none, record.prenom_mere, "prenom_mere"),
        situation_familiale=apply(codes.marital_status, record.sit_matrim),
        date_entree_france=apply(dates.legacy_date_or_none, record.date_entree, "date_entree"),
        entree_reguliere=apply(codes.regular_entry, record.cond_entree),
        prefecture=apply(codes.department, record.code_dept, "code_dept", where.code_postal, where.code_insee),
        adresse_ligne=where.adresse_ligne,
        code_postal=where.code_postal,
        commune=where.commune,
        code_insee=where.code_insee,
        numeros_alias=sorted(aliases),
        statut="NATURALISE" if naturalised else "ACTIF",
        origine="AGDREF",
        maj_le=ctx.modified(record.date_maj),
    )
    return (None if apply.remediations else Usager.model_validate(values)), apply
