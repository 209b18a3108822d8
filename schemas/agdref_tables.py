"""The legacy AGDREF database, exactly as ``shared/spec/agdref.md`` describes it.

Types are the legacy ones (fixed-width text, no native dates); nothing here tightens what the
legacy may hold, because the connector must read every row the real system has.
"""
from __future__ import annotations

from functools import cache

from sqlalchemy import CHAR, Column, Integer, MetaData, SmallInteger, String, Table

SCHEMA = "agdref"
metadata = MetaData(schema=SCHEMA)

etranger = Table(
    "etranger", metadata,
    Column("num_etranger", CHAR(10), primary_key=True),
    Column("nom", String(44), nullable=False),
    Column("nom_usage", String(41)),
    Column("prenoms", String(32)),
    Column("sexe", CHAR(1)),
    Column("date_nais", CHAR(8)),
    Column("pays_nais", CHAR(3)),
    Column("ville_nais", String(28)),
    Column("nationalite", CHAR(3)),
    Column("nom_pere", String(21)),
    Column("nom_mere", String(21)),
    Column("prenom_pere", String(10)),
    Column("prenom_mere", String(10)),
    Column("sit_matrim", CHAR(1)),
    Column("date_entree", CHAR(8)),
    Column("cond_entree", CHAR(1)),
    Column("ind_alias", CHAR(1)),
    Column("num_etranger_ref", CHAR(10), index=True),
    Column("code_dept", CHAR(3)),
    Column("date_naturalisation", CHAR(8)),
    Column("date_maj", CHAR(14)),
)

adresse = Table(
    "adresse", metadata,
    Column("num_etranger", CHAR(10), primary_key=True),
    Column("num_ordre", Integer, primary_key=True),
    Column("chez", String(21)),
    Column("num_voie", String(4)),
    Column("code_voie", String(4)),
    Column("lib_voie", String(24)),
    Column("code_postal", CHAR(5)),
    Column("lib_commune", String(28)),
    Column("code_insee", CHAR(5)),
    Column("date_debut", CHAR(8)),
    Column("date_maj", CHAR(14)),
)

demande = Table(
    "demande", metadata,
    Column("num_demande", CHAR(12), primary_key=True),
    Column("num_etranger", CHAR(10), index=True),  # see LOOKUP_INDEXES
    Column("code_dept", CHAR(3)),
    Column("type_titre", String(5)),
    Column("code_mouvement", CHAR(2)),
    Column("ref_reglementaire", String(12)),
    Column("date_depot", CHAR(8)),
    Column("decision", CHAR(1)),
    Column("date_decision", CHAR(8)),
    Column("motif_refus", String(60)),
    Column("date_maj", CHAR(14)),
)

titre = Table(
    "titre", metadata,
    Column("num_titre", CHAR(10), primary_key=True),
    Column("num_etranger", CHAR(10), index=True),  # see LOOKUP_INDEXES
    Column("num_demande", CHAR(12)),
    Column("type_titre", String(5)),
    Column("mention", String(40)),
    Column("date_debut_val", CHAR(8)),
    Column("date_fin_val", CHAR(8)),
    Column("date_remise", CHAR(8)),
    Column("autor_travail", CHAR(1)),
    Column("num_duplicata", SmallInteger),
    Column("lieu_delivrance", CHAR(3)),
    Column("date_maj", CHAR(14)),
)

doc_provisoire = Table(
    "doc_provisoire", metadata,
    Column("num_doc", CHAR(12), primary_key=True),
    Column("num_etranger", CHAR(10), index=True),  # see LOOKUP_INDEXES
    Column("num_demande", CHAR(12)),
    Column("type_doc", CHAR(3)),
    Column("date_debut", CHAR(8)),
    Column("date_fin", CHAR(8)),
    Column("nb_renouv", SmallInteger),
    Column("autor_travail", CHAR(1)),
    Column("date_maj", CHAR(14)),
)

mesure_eloignement = Table(
    "mesure_eloignement", metadata,
    Column("num_mesure", CHAR(12), primary_key=True),
    Column("num_etranger", CHAR(10), index=True),  # see LOOKUP_INDEXES
    Column("nature", String(10)),
    Column("date_decision", CHAR(8)),
    Column("date_notif", CHAR(12)),
    Column("delai_depart", SmallInteger),
    Column("contentieux", CHAR(1)),
    Column("annulee", CHAR(1)),
    Column("execution", CHAR(1)),
    Column("date_execution", CHAR(8)),
    Column("date_maj", CHAR(14)),
)

ref_pays = Table(
    "ref_pays", metadata,
    Column("code_agdref", String(3), primary_key=True),
    Column("iso3", CHAR(3)),
    Column("libelle", String(60)),
    Column("date_fin", String(10)),
)

# The tables whose changes are captured, in the order a dossier is built from them.
# LOOKUP_INDEXES: the contract lists tables and columns, not indexes; the legacy application looks
# every dossier up by foreigner number, so the real AGDREF has these. The reconciliation's look-up
# of one person (``reconcile --dossier``) needs them to answer in under a second.
CAPTURED_TABLES: tuple[str, ...] = (
    "etranger", "adresse", "demande", "titre", "doc_provisoire", "mesure_eloignement",
)


@cache  # asked for every row decided or loaded; reading the metadata each time cost ~20 µs
def primary_key_columns(table_name: str) -> tuple[str, ...]:
    """The primary key of a legacy table, in declaration order (the Kafka message key)."""
    return tuple(str(c.name) for c in metadata.tables[f"{SCHEMA}.{table_name}"].primary_key.columns)
