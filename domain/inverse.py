"""The way back (issue 18): a row ANEF created (``origine = 'ANEF'``) in AGDREF's own formats.

Pure, beside the forward rules it turns round: numbers as the legacy keys them, ``YYYYMMDD``
dates (partial ones for a birth date of lesser precision), Paris local timestamps, padded
department codes, the legacy's codes for permit types, applications, decisions and documents,
``O``/``N`` flags, a receipt as a ``doc_provisoire``. The code lists are the forward ones turned
round (``domain.codes``), never a second copy.

Every row is then read forward again by the forward rules themselves (``map_usager``,
``map_titre``…). A field that does not read back as ANEF holds it is a **loss**: the row is still
written (a permit ANEF issued must be visible to AGDREF's readers even when the holder's street
name is cut to 24 characters), and the loss is listed with its reason. A row the legacy cannot
hold at all raises ``NotRepresentable`` and is held back for a person. So
``forward(inverse(x)) = x`` exactly when no loss is listed.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from domain import address, codes, dates, text
from domain.applications import map_demande
from domain.context import DossierContext
from domain.documents import map_document
from domain.errors import Collector
from domain.exceptions import DomainError
from domain.inverse_address import legacy_address
from domain.measures import map_measure
from domain.permits import map_titre
from domain.person import map_usager
from schemas import anef_models as anef
from schemas import legacy_models as legacy
from schemas import referentials
from schemas.rejections import WayBackReason as Why

SMALLINT = range(-32768, 32768)
UNKNOWN_TIMESTAMP_12 = "000000000000"


@dataclass(frozen=True)
class Loss:
    """A field the legacy holds in a lesser form than ANEF (no personal data in ``detail``)."""

    reason: Why
    table: str    # the ANEF table
    key: str      # the ANEF row's key
    field: str    # the ANEF column
    detail: str


class NotRepresentable(DomainError):
    """The row cannot be written into AGDREF at all; a person decides."""

    def __init__(self, reason: Why, table: str, key: str, field: str, detail: str) -> None:
        super().__init__(f"{reason}: {table}.{field}: {detail}")
        self.reason, self.table, self.key, self.field, self.detail = reason, table, key, field, detail


@dataclass(frozen=True)
class LegacyForm:
    """One ANEF row in the legacy's form: the AGDREF rows it becomes (table, columns) and its losses."""

    table: str
    key: str
    rows: tuple[tuple[str, dict[str, Any]], ...]
    losses: tuple[Loss, ...]


def legacy_forms(dossier: anef.Dossier, first_address: int = 1) -> list[LegacyForm]:
    """Every row of ``dossier`` that ANEF created, in the legacy's form (rows of AGDREF's origin
    are not ANEF's to send back). Raises ``NotRepresentable`` for the first row that cannot be."""
    forms = [usager(dossier.usager, first_address)] if dossier.usager.origine == "ANEF" else []
    forms += [titre(t) for t in dossier.titres if t.origine == "ANEF"]
    forms += [demande(d) for d in dossier.demandes if d.origine == "ANEF"]
    forms += [doc_provisoire(a) for a in dossier.attestations if a.origine == "ANEF"]
    forms += [mesure_eloignement(m) for m in dossier.mesures if m.origine == "ANEF"]
    return forms


class _Form:
    """The values of one row being turned round, with why a field may not read back (the hint
    a loss then carries)."""

    def __init__(self, table: str, key: str) -> None:
        self.table, self.key = table, key
        self.hints: dict[str, Why] = {}

    def refuse(self, reason: Why, field: str, detail: str) -> NotRepresentable:
        return NotRepresentable(reason, self.table, self.key, field, detail)

    def text(self, value: str | None, width: int, field: str, blank: str = "") -> str:
        """Free text in the legacy's canonical form, cut to the column (the legacy's own habit)."""
        if value is None:
            return blank
        folded = text.canonical(value)
        if folded != value:
            self.hints[field] = Why.FORME_LEGACY
        if len(folded) > width:
            self.hints[field] = Why.TRONQUE
            folded = folded[:width].rstrip()
        return folded

    def name(self, value: str | None, width: int, field: str, unknown: str = "") -> str:
        """A name: as ``text``, but one that cannot be folded to A-Z, space, ' and - is left
        ``unknown`` (the legacy's blank or ``INC``) rather than written in characters AGDREF's
        readers cannot match."""
        if value is not None and not text.NAME_FORM.match(text.canonical(value)):
            self.hints[field] = Why.FORME_LEGACY
            return unknown
        return self.text(value, width, field, blank=unknown)

    @staticmethod
    def number(value: str | None) -> str:
        """An identifier as the legacy keys it (ANEF's ``char`` padding off; the models cap the
        widths at the legacy's)."""
        return (value or "").rstrip()

    def small(self, value: int, field: str) -> int:
        if value not in SMALLINT:
            raise self.refuse(Why.VALEUR_HORS_LIMITES, field, "outside -32768..32767")
        return value

    def losses(self, held: anef.AnefRow, read: anef.AnefRow | None, check: Collector) -> tuple[Loss, ...]:
        """The fields of ``held`` that ``read`` (the forward reading of the legacy form) gives
        differently; when the forward rules would park the legacy form, why."""
        if read is None:
            return tuple(Loss(Why.RELU_AUTREMENT, self.table, self.key, r.field, f"the forward mapping parks it: {r.reason}")
                         for r in check.remediations)
        found = []
        for field in type(held).model_fields:
            if field == "origine":
                continue
            mine, theirs = getattr(held, field), getattr(read, field)
            if isinstance(mine, datetime):
                mine = _at_legacy_precision(mine, minutes=field == "notifiee_le")
            if mine != theirs:
                reason = self.hints.get(field, Why.RELU_AUTREMENT)
                found.append(Loss(reason, self.table, self.key, field, f"{field} reads back differently from AGDREF"))
        return tuple(found)


def _at_legacy_precision(moment: datetime, minutes: bool) -> datetime:
    """The instant as a legacy timestamp keeps it: to the second (``date_maj``) or the minute
    (``date_notif``). Not a loss: the legacy's format has no finer grain."""
    return moment.replace(second=0, microsecond=0) if minutes else moment.replace(microsecond=0)


def _day(value: date | None) -> str:
    return dates.UNKNOWN_DATE if value is None else f"{value.year:04d}{value.month:02d}{value.day:02d}"


def _birth_day(value: date | None, precision: str) -> str:
    """(DAT1 turned round) ``MOIS`` → ``YYYYMM00``, ``ANNEE`` → ``YYYY0000``, unknown → ``00000000``."""
    if value is None or precision == dates.Precision.INCONNUE:
        return dates.UNKNOWN_DATE
    full = _day(value)
    return {dates.Precision.MOIS: full[:6] + "00", dates.Precision.ANNEE: full[:4] + "0000"}.get(
        dates.Precision(precision), full)


def _paris(moment: datetime | None, minutes: bool = False) -> str:
    """A UTC instant as a Paris local ``YYYYMMDDHHMMSS`` (``YYYYMMDDHHMM``)."""
    if moment is None:
        return UNKNOWN_TIMESTAMP_12 if minutes else ""
    return moment.astimezone(dates.PARIS).strftime("%Y%m%d%H%M" if minutes else "%Y%m%d%H%M%S")


def _department(code: str) -> str:
    """(COD7 turned round) ``75`` → ``075``, ``2A`` → ``02A``, ``971`` stays."""
    return code if len(code) == 3 else "0" + code


def _reverse(table: dict[str, Any]) -> dict[Any, str]:
    return {value: code for code, value in table.items()}


_SEX, _MARITAL, _ENTRY = _reverse(codes.SEX_CODES), _reverse(codes.MARITAL_STATUS_CODES), _reverse(codes.ENTRY_CODES)
_FLAG, _PERMIT = _reverse(codes.FLAG_CODES), _reverse(codes.PERMIT_CATEGORIES)
_NATURE, _DECISION = _reverse(codes.APPLICATION_NATURES), {**_reverse(codes.APPLICATION_DECISIONS), "EN_INSTRUCTION": ""}
_DOCUMENT = _reverse(codes.DOCUMENT_TYPES)


def _country_codes() -> dict[str, str]:
    """ISO (or ICAO) code → AGDREF code; ``XXX`` → ``ZZZ`` (the legacy's own 'unknown')."""
    found = {c.iso3: c.code_agdref for c in referentials.countries().values()
             if c.code_agdref not in codes.UNKNOWN_COUNTRY_CODES}
    return {**found, codes.NATIONALITY_UNSPECIFIED: codes.UNKNOWN_COUNTRY_CODES[0]}


_COUNTRY = _country_codes()


def usager(row: anef.Usager, num_ordre: int = 1) -> LegacyForm:
    """``usager`` → ``etranger`` (and its current address → one ``adresse`` row numbered ``num_ordre``)."""
    form = _Form("usager", row.numero_etranger)
    nom = text.canonical(row.nom_naissance)
    if not text.NAME_FORM.match(nom) or nom in ("", text.UNKNOWN_NAME):
        raise form.refuse(Why.NOM_NAISSANCE_INTRANSCRIPTIBLE, "nom_naissance", "not foldable to A-Z, or INC")
    if row.statut == "NATURALISE":
        raise form.refuse(Why.NATURALISATION_SANS_DATE, "statut", "AGDREF needs the date of naturalisation")
    if row.numeros_alias:
        form.hints["numeros_alias"] = Why.ALIAS_NON_REPORTE
    nationality = _COUNTRY.get(row.nationalite)
    if nationality is None:
        form.hints["nationalite"] = Why.SANS_CODE_AGDREF
    updated = _paris(row.maj_le)
    etranger = dict(
        num_etranger=row.numero_etranger, nom=form.name(row.nom_naissance, 44, "nom_naissance"),
        nom_usage=form.name(row.nom_usage, 41, "nom_usage"),
        prenoms=form.name(" ".join(row.prenoms), 32, "prenoms"), sexe=_SEX[row.sexe],
        date_nais=_birth_day(row.date_naissance, row.precision_naissance),
        pays_nais=_COUNTRY.get(row.pays_naissance or codes.NATIONALITY_UNSPECIFIED, codes.UNKNOWN_COUNTRY_CODES[0]),
        ville_nais=form.text(row.ville_naissance, 28, "ville_naissance"),
        nationalite=nationality or codes.UNKNOWN_COUNTRY_CODES[0],
        nom_pere=form.name(row.nom_pere, 21, "nom_pere", text.UNKNOWN_NAME),
        nom_mere=form.name(row.nom_mere, 21, "nom_mere", text.UNKNOWN_NAME),
        prenom_pere=form.name(row.prenom_pere, 10, "prenom_pere"),
        prenom_mere=form.name(row.prenom_mere, 10, "prenom_mere"),
        sit_matrim=_MARITAL.get(row.situation_familiale, ""),
        date_entree=_day(row.date_entree_france), cond_entree=_ENTRY.get(row.entree_reguliere, ""),
        ind_alias="N", num_etranger_ref="", code_dept=_department(row.prefecture),
        date_naturalisation=dates.UNKNOWN_DATE, date_maj=updated,
    )
    where = legacy_address(row, form.hints)
    adresse = None if where is None else {"num_etranger": row.numero_etranger, "num_ordre": num_ordre, **where,
                                          "date_debut": dates.UNKNOWN_DATE, "date_maj": updated}
    person = legacy.Etranger.model_validate(etranger)
    current = None if adresse is None else legacy.Adresse.model_validate(adresse)
    found = address.to_anef(current)
    ctx = DossierContext(row.numero_etranger, found.code_postal, found.code_insee, row.maj_le,
                         () if current is None else (current,))
    read, check = map_usager(person, current, [], ctx)
    rows = (("etranger", etranger),) + ((("adresse", adresse),) if adresse else ())
    return LegacyForm("usager", row.numero_etranger, rows, form.losses(row, read, check))


def titre(row: anef.Titre) -> LegacyForm:
    form = _Form("titre", row.numero_titre.rstrip())
    values = dict(
        num_titre=form.number(row.numero_titre), num_etranger=row.numero_etranger,
        num_demande=form.number(row.numero_demande), type_titre=_PERMIT[row.categorie],
        mention=form.text(row.mention, 40, "mention"), date_debut_val=_day(row.date_debut),
        date_fin_val=_day(row.date_fin),
        # (PER3) a permit handed over is one with a hand-over date; DISPONIBLE is 00000000
        date_remise=_day(row.date_remise if row.statut == "REMIS" else None),
        autor_travail=_FLAG[row.autorisation_travail], num_duplicata=form.small(row.numero_duplicata, "numero_duplicata"),
        lieu_delivrance=_department(row.prefecture), date_maj=_paris(row.maj_le),
    )
    read, check = map_titre(legacy.Titre.model_validate(values), _context(row))
    return LegacyForm("titre", form.key, (("titre", values),), form.losses(row, read, check))


def demande(row: anef.Demande) -> LegacyForm:
    form = _Form("demande", row.numero_demande.rstrip())
    values = dict(
        num_demande=form.number(row.numero_demande), num_etranger=row.numero_etranger,
        code_dept=_department(row.prefecture), type_titre=_PERMIT[row.categorie_demandee],
        code_mouvement=_NATURE[row.nature], ref_reglementaire=form.text(row.fondement, 12, "fondement"),
        date_depot=_day(row.date_depot), decision=_DECISION[row.statut], date_decision=_day(row.date_decision),
        motif_refus=form.text(row.motif_refus, 60, "motif_refus"), date_maj=_paris(row.maj_le),
    )
    read, check = map_demande(legacy.Demande.model_validate(values), _context(row))
    return LegacyForm("demande", form.key, (("demande", values),), form.losses(row, read, check))


def doc_provisoire(row: anef.Attestation) -> LegacyForm:
    """(settled, turned round) an attestation is the legacy's receipt: ``PROLONGATION_INSTRUCTION``
    → ``RCP``, ``DEMANDE_ASILE`` → ``ADA``."""
    form = _Form("attestation", row.numero.rstrip())
    values = dict(
        num_doc=form.number(row.numero), num_etranger=row.numero_etranger,
        num_demande=form.number(row.numero_demande), type_doc=_DOCUMENT[row.type],
        date_debut=_day(row.date_debut), date_fin=_day(row.date_fin),
        nb_renouv=form.small(row.renouvellements, "renouvellements"), autor_travail=_FLAG[row.autorisation_travail],
        date_maj=_paris(row.maj_le),
    )
    read, check = map_document(legacy.DocProvisoire.model_validate(values), _context(row))
    return LegacyForm("attestation", form.key, (("doc_provisoire", values),), form.losses(row, read, check))


def mesure_eloignement(row: anef.MesureEloignement) -> LegacyForm:
    form = _Form("mesure_eloignement", row.numero.rstrip())
    values = dict(
        num_mesure=form.number(row.numero), num_etranger=row.numero_etranger, nature=row.nature,
        date_decision=_day(row.date_decision), date_notif=_paris(row.notifiee_le, minutes=True),
        delai_depart=form.small(row.delai_depart_jours, "delai_depart_jours"),
        contentieux=_FLAG[row.contentieux], annulee=_FLAG[row.annulee], execution=_FLAG[row.executee],
        date_execution=_day(row.date_execution), date_maj=_paris(row.maj_le),
    )
    read, check = map_measure(legacy.MesureEloignement.model_validate(values), _context(row))
    return LegacyForm("mesure_eloignement", form.key, (("mesure_eloignement", values),),
                      form.losses(row, read, check))


def _context(row: anef.Titre | anef.Demande | anef.Attestation | anef.MesureEloignement) -> DossierContext:
    """What reading a child row forward needs: its holder; the place only decides a ``020``
    department, which the way back never writes."""
    return DossierContext(row.numero_etranger, None, None, row.maj_le)


#: The inverse of each ANEF table's rows, by ANEF table.
FORMS = {"usager": usager, "titre": titre, "demande": demande, "attestation": doc_provisoire,
         "mesure_eloignement": mesure_eloignement}
