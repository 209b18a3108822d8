"""The ANEF target database, exactly as ``shared/spec/anef.md`` defines it, plus the pipeline's
own bookkeeping in a separate schema (``migration``): the spec forbids extra columns in ``anef``.
"""
from __future__ import annotations

from sqlalchemy import (
    ARRAY, BigInteger, Boolean, CHAR, CheckConstraint, Column, Date, DateTime, ForeignKey, Integer,
    MetaData, Table, Text, text,
)

from schemas import vocabularies as v

SCHEMA = "anef"
BOOKKEEPING_SCHEMA = "migration"
metadata = MetaData()


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(x) for x in values)})"


def _origin_columns() -> list[Column]:
    return [
        Column("origine", Text, CheckConstraint(_in("origine", v.ORIGINES)), nullable=False),
        Column("maj_le", DateTime(timezone=True), nullable=False),
    ]


usager = Table(
    "usager", metadata,
    Column("numero_etranger", CHAR(10), primary_key=True),
    Column("nom_naissance", Text, nullable=False),
    Column("nom_usage", Text),
    Column("prenoms", ARRAY(Text), nullable=False),
    Column("sexe", Text, CheckConstraint(_in("sexe", v.SEXES)), nullable=False),
    Column("date_naissance", Date),
    Column("precision_naissance", Text, CheckConstraint(_in("precision_naissance", v.PRECISIONS_NAISSANCE)),
           nullable=False),
    Column("pays_naissance", CHAR(3)),
    Column("ville_naissance", Text),
    Column("nationalite", CHAR(3), nullable=False),
    Column("nom_pere", Text),
    Column("prenom_pere", Text),
    Column("nom_mere", Text),
    Column("prenom_mere", Text),
    Column("situation_familiale", Text, CheckConstraint(_in("situation_familiale", v.SITUATIONS_FAMILIALES))),
    Column("date_entree_france", Date),
    Column("entree_reguliere", Boolean),
    Column("prefecture", Text, nullable=False),
    Column("adresse_ligne", Text),
    Column("code_postal", Text),
    Column("commune", Text),
    Column("code_insee", Text),
    Column("numeros_alias", ARRAY(Text), nullable=False, server_default=text("'{}'")),
    Column("statut", Text, CheckConstraint(_in("statut", v.STATUTS_USAGER)), nullable=False),
    *_origin_columns(),
    CheckConstraint("numero_etranger ~ '^[0-9]{10}$'", name="usager_numero_10_chiffres"),
    schema=SCHEMA,
)


def _holder() -> Column:
    return Column("numero_etranger", CHAR(10), ForeignKey(f"{SCHEMA}.usager.numero_etranger"), nullable=False,
                  index=True)


titre = Table(
    "titre", metadata,
    Column("numero_titre", CHAR(10), primary_key=True),
    _holder(),
    Column("numero_demande", CHAR(12)),
    Column("categorie", Text, CheckConstraint(_in("categorie", v.CATEGORIES_TITRE)), nullable=False),
    Column("mention", Text),
    Column("date_debut", Date, nullable=False),
    Column("date_fin", Date),
    Column("statut", Text, CheckConstraint(_in("statut", v.STATUTS_TITRE)), nullable=False),
    Column("date_remise", Date),
    Column("autorisation_travail", Boolean, nullable=False),
    Column("numero_duplicata", Integer, nullable=False),
    Column("prefecture", Text, nullable=False),
    *_origin_columns(),
    CheckConstraint("date_fin IS NOT NULL OR categorie = 'CARTE_RESIDENT_PERMANENT'",
                    name="titre_date_fin_sauf_resident_permanent"),
    schema=SCHEMA,
)

demande = Table(
    "demande", metadata,
    Column("numero_demande", CHAR(12), primary_key=True),
    _holder(),
    Column("nature", Text, CheckConstraint(_in("nature", v.NATURES_DEMANDE)), nullable=False),
    Column("categorie_demandee", Text, CheckConstraint(_in("categorie_demandee", v.CATEGORIES_TITRE)),
           nullable=False),
    Column("fondement", Text),
    Column("date_depot", Date, nullable=False),
    Column("statut", Text, CheckConstraint(_in("statut", v.STATUTS_DEMANDE)), nullable=False),
    Column("date_decision", Date),
    Column("motif_refus", Text),
    Column("prefecture", Text, nullable=False),
    *_origin_columns(),
    schema=SCHEMA,
)

attestation = Table(
    "attestation", metadata,
    Column("numero", CHAR(12), primary_key=True),
    _holder(),
    Column("numero_demande", CHAR(12)),
    Column("type", Text, CheckConstraint(_in("type", v.TYPES_ATTESTATION)), nullable=False),
    Column("date_debut", Date, nullable=False),
    Column("date_fin", Date, nullable=False),
    Column("renouvellements", Integer, nullable=False),
    Column("autorisation_travail", Boolean, nullable=False),
    *_origin_columns(),
    schema=SCHEMA,
)

mesure_eloignement = Table(
    "mesure_eloignement", metadata,
    Column("numero", CHAR(12), primary_key=True),
    _holder(),
    Column("nature", Text, CheckConstraint(_in("nature", v.NATURES_MESURE)), nullable=False),
    Column("date_decision", Date, nullable=False),
    Column("notifiee_le", DateTime(timezone=True)),
    Column("delai_depart_jours", Integer, nullable=False),
    Column("contentieux", Boolean, nullable=False),
    Column("annulee", Boolean, nullable=False),
    Column("executee", Boolean, nullable=False),
    Column("date_execution", Date),
    *_origin_columns(),
    schema=SCHEMA,
)

# --- the pipeline's bookkeeping ---------------------------------------------------------------

lineage = Table(
    # One row per legacy row the pipeline has applied: the legacy position it reflects (so an
    # older event never replaces a newer state), and whether the legacy row is deleted (a
    # tombstone, so a replayed insert cannot resurrect an erased person).
    "lineage", metadata,
    Column("source_table", Text, primary_key=True),
    Column("source_key", Text, primary_key=True),
    Column("numero_etranger", CHAR(10), nullable=False, index=True),
    Column("position", BigInteger, nullable=False),
    Column("deleted", Boolean, nullable=False),
    Column("written_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    schema=BOOKKEEPING_SCHEMA,
)

parked = Table(
    # Remediation rejections: the legacy row is fine but cannot be migrated without a person.
    "parked", metadata,
    Column("source_table", Text, primary_key=True),
    Column("source_key", Text, primary_key=True),
    Column("numero_etranger", CHAR(10), nullable=False, index=True),
    Column("position", BigInteger, nullable=False),
    Column("reason", Text, nullable=False),
    Column("field", Text, nullable=False),
    Column("detail", Text, nullable=False),
    Column("event", Text, nullable=False),
    Column("parked_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    schema=BOOKKEEPING_SCHEMA,
)

ANEF_TABLES = (usager, titre, demande, attestation, mesure_eloignement)
