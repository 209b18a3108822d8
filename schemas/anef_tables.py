"""The ANEF target database, exactly as ``shared/spec/anef.md`` defines it, plus the pipeline's
own bookkeeping in a separate schema (``migration``): the spec forbids extra columns in ``anef``.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import (
    ARRAY,
    CHAR,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    Table,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

from schemas import vocabularies as v
from schemas.control_tables import position_columns

SCHEMA = "anef"
BOOKKEEPING_SCHEMA = "migration"
# A vocabulary CHECK gets the name PostgreSQL itself gave the first release's column checks
# (``usager_sexe_check``): migrations can only manage named constraints. They are declared at
# table level, where Alembic's autogenerate sees them (it skips column-level CHECKs).
def _checked_column(constraint: Any, _table: Any) -> str:
    return str(constraint.sqltext).split(" ", 1)[0]  # a vocabulary CHECK reads "<column> IN (…)"


metadata = MetaData(naming_convention={"ix": "ix_%(column_0_label)s", "checked_column": _checked_column,
                                       "ck": "%(table_name)s_%(checked_column)s_check"})


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(x) for x in values)})"


def _origin_columns() -> list[Column[Any] | CheckConstraint]:
    return [
        Column("origine", Text, nullable=False),
        Column("maj_le", DateTime(timezone=True), nullable=False),
        CheckConstraint(_in("origine", v.ORIGINES)),
    ]


usager = Table(
    "usager", metadata,
    Column("numero_etranger", CHAR(10), primary_key=True),
    Column("nom_naissance", Text, nullable=False),
    Column("nom_usage", Text),
    Column("prenoms", ARRAY(Text), nullable=False),
    Column("sexe", Text, nullable=False),
    Column("date_naissance", Date),
    Column("precision_naissance", Text,
           nullable=False),
    Column("pays_naissance", CHAR(3)),
    Column("ville_naissance", Text),
    Column("nationalite", CHAR(3), nullable=False),
    Column("nom_pere", Text),
    Column("prenom_pere", Text),
    Column("nom_mere", Text),
    Column("prenom_mere", Text),
    Column("situation_familiale", Text),
    Column("date_entree_france", Date),
    Column("entree_reguliere", Boolean),
    Column("prefecture", Text, nullable=False),
    Column("adresse_ligne", Text),
    Column("code_postal", Text),
    Column("commune", Text),
    Column("code_insee", Text),
    Column("numeros_alias", ARRAY(Text), nullable=False, server_default=text("'{}'")),
    Column("statut", Text, nullable=False),
    *_origin_columns(),
    CheckConstraint("numero_etranger ~ '^[0-9]{10}$'", name="usager_numero_10_chiffres"),
    CheckConstraint(_in("sexe", v.SEXES)),
    CheckConstraint(_in("precision_naissance", v.PRECISIONS_NAISSANCE)),
    CheckConstraint(_in("situation_familiale", v.SITUATIONS_FAMILIALES)),
    CheckConstraint(_in("statut", v.STATUTS_USAGER)),
    schema=SCHEMA,
)


def _holder() -> Column[Any]:
    return Column("numero_etranger", CHAR(10), ForeignKey(f"{SCHEMA}.usager.numero_etranger"), nullable=False,
                  index=True)


titre = Table(
    "titre", metadata,
    Column("numero_titre", CHAR(10), primary_key=True),
    _holder(),
    Column("numero_demande", CHAR(12)),
    Column("categorie", Text, nullable=False),
    Column("mention", Text),
    Column("date_debut", Date, nullable=False),
    Column("date_fin", Date),
    Column("statut", Text, nullable=False),
    Column("date_remise", Date),
    Column("autorisation_travail", Boolean, nullable=False),
    Column("numero_duplicata", Integer, nullable=False),
    Column("prefecture", Text, nullable=False),
    *_origin_columns(),
    CheckConstraint("date_fin IS NOT NULL OR categorie = 'CARTE_RESIDENT_PERMANENT'",
                    name="titre_date_fin_sauf_resident_permanent"),
    CheckConstraint(_in("categorie", v.CATEGORIES_TITRE)),
    CheckConstraint(_in("statut", v.STATUTS_TITRE)),
    schema=SCHEMA,
)

demande = Table(
    "demande", metadata,
    Column("numero_demande", CHAR(12), primary_key=True),
    _holder(),
    Column("nature", Text, nullable=False),
    Column("categorie_demandee", Text,
           nullable=False),
    Column("fondement", Text),
    Column("date_depot", Date, nullable=False),
    Column("statut", Text, nullable=False),
    Column("date_decision", Date),
    Column("motif_refus", Text),
    Column("prefecture", Text, nullable=False),
    *_origin_columns(),
    CheckConstraint(_in("nature", v.NATURES_DEMANDE)),
    CheckConstraint(_in("categorie_demandee", v.CATEGORIES_TITRE)),
    CheckConstraint(_in("statut", v.STATUTS_DEMANDE)),
    schema=SCHEMA,
)

attestation = Table(
    "attestation", metadata,
    Column("numero", CHAR(12), primary_key=True),
    _holder(),
    Column("numero_demande", CHAR(12)),
    Column("type", Text, nullable=False),
    Column("date_debut", Date, nullable=False),
    Column("date_fin", Date, nullable=False),
    Column("renouvellements", Integer, nullable=False),
    Column("autorisation_travail", Boolean, nullable=False),
    *_origin_columns(),
    CheckConstraint(_in("type", v.TYPES_ATTESTATION)),
    schema=SCHEMA,
)

mesure_eloignement = Table(
    "mesure_eloignement", metadata,
    Column("numero", CHAR(12), primary_key=True),
    _holder(),
    Column("nature", Text, nullable=False),
    Column("date_decision", Date, nullable=False),
    Column("notifiee_le", DateTime(timezone=True)),
    Column("delai_depart_jours", Integer, nullable=False),
    Column("contentieux", Boolean, nullable=False),
    Column("annulee", Boolean, nullable=False),
    Column("executee", Boolean, nullable=False),
    Column("date_execution", Date),
    *_origin_columns(),
    CheckConstraint(_in("nature", v.NATURES_MESURE)),
    schema=SCHEMA,
)

# --- the pipeline's bookkeeping ---------------------------------------------------------------

legacy_row = Table(
    # The assembly area: the last state of every legacy row the pipeline received, with the legacy
    # position it reflects (an older event never replaces a newer state; a replay changes nothing),
    # and a tombstone for a deleted row (a replayed insert cannot resurrect an erased person).
    # Dossiers are rebuilt from here, in the same transaction that writes them to ANEF.
    "legacy_row", metadata,
    Column("source_table", Text, primary_key=True),
    Column("source_key", Text, primary_key=True),
    Column("numero_etranger", Text, nullable=False, index=True),  # normalised owner (raw if unreadable)
    Column("alias_of", Text),   # etranger rows flagged as alias: the normalised reference
    Column("is_alias", Boolean, nullable=False, server_default=text("false")),
    # commit order and log position as one number (schemas.envelope.ChangeEvent.position): > 64 bits
    Column("position", Numeric(40, 0), nullable=False),
    Column("committed_at", DateTime(timezone=True), nullable=False),
    Column("deleted", Boolean, nullable=False),
    Column("row", JSONB),
    # schemas.fingerprint.row_digest of ``row`` (null for a tombstone): the reconciliation sums
    # these and the same fingerprints computed in AGDREF, bucket by bucket.
    Column("digest", Text),
    Column("written_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    # Partial: few rows are aliases, and every legacy row written would otherwise update it.
    Index("legacy_row_alias_of", "alias_of", postgresql_where=text("alias_of IS NOT NULL")),
    schema=BOOKKEEPING_SCHEMA,
)

parked = Table(
    # Remediation rejections, one row per parked dossier: the first reason (for counting), every
    # reason with its table, key and field (for the person who fixes it), the numbers it covers.
    "parked", metadata,
    Column("numero_etranger", Text, primary_key=True),
    Column("reason", Text, nullable=False, index=True),
    Column("source_table", Text, nullable=False),
    Column("source_key", Text, nullable=False),
    Column("field", Text, nullable=False),
    Column("remediations", JSONB, nullable=False),
    # every distinct reason of the dossier: counted and replayed by any of them, not the first only
    Column("reasons", ARRAY(Text), nullable=False, server_default=text("'{}'::text[]")),
    Column("members", ARRAY(Text), nullable=False),
    Column("position", Numeric(40, 0), nullable=False),
    Column("parked_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    schema=BOOKKEEPING_SCHEMA,
)

not_carried = Table(
    # (HIS1) Historical rows left out of a migrated dossier for a defect ("not carried: defective
    # history"): one row per legacy row and reason, replaced on every rebuild of the dossier.
    "not_carried", metadata,
    Column("numero_etranger", Text, primary_key=True),   # the dossier's reference number
    Column("source_table", Text, primary_key=True),
    Column("source_key", Text, primary_key=True),
    Column("reason", Text, primary_key=True),
    Column("field", Text, nullable=False),
    Column("detail", Text, nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    schema=BOOKKEEPING_SCHEMA,
)

decision = Table(
    # (DEC1) What a person decided a legacy field is to be read as, applied by the mapping on every
    # rebuild of the dossier while AGDREF keeps the value it was taken on (domain/decisions.py).
    "decision", metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("numero_etranger", Text, nullable=False, index=True),   # the dossier's reference number
    Column("rule", Text, nullable=False),
    Column("source_table", Text, nullable=False),
    Column("source_key", Text, nullable=False),
    Column("field", Text, nullable=False),
    Column("legacy_value", Text, nullable=False),
    Column("value", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("by", Text, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("revoked_at", DateTime(timezone=True)),
    Column("revoked_by", Text),
    Column("revoke_reason", Text),
    schema=BOOKKEEPING_SCHEMA,
)

mapped_with = Table(
    # Which mapping (domain.version) made each dossier now in ANEF or parked, by its
    # reference number: after a mapping change, the dossiers an older one made are named by the
    # reconciliation and rebuilt by `agdref-anef rebuild --outdated-mapping`.
    "mapped_with", metadata,
    Column("numero_etranger", Text, primary_key=True),
    Column("mapping_version", Text, nullable=False),
    schema=BOOKKEEPING_SCHEMA,
)

written = Table(
    # What the pipeline last wrote into each ANEF row (a digest of the whole row): a row whose
    # digest no longer matches was changed in ANEF since, and must not be overwritten silently.
    "written", metadata,
    Column("anef_table", Text, primary_key=True),
    Column("anef_key", Text, primary_key=True),
    Column("numero_etranger", Text, nullable=False, index=True),
    Column("digest", Text, nullable=False),
    schema=BOOKKEEPING_SCHEMA,
)

conflict = Table(
    # Dossiers whose AGDREF change is held back because ANEF changed them after the migration
    # last wrote them: a person decides.
    "conflict", metadata,
    Column("numero_etranger", Text, primary_key=True),
    Column("rows", ARRAY(Text), nullable=False),          # "<table>:<key>" changed in ANEF
    Column("position", Numeric(40, 0), nullable=False),   # the legacy position held back
    Column("detected_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    schema=BOOKKEEPING_SCHEMA,
)

pending = Table(
    # Dossiers to rebuild: the legacy changes are recorded in ``legacy_row`` as they arrive, and the
    # numbers they touch wait here until the rebuild picks them. A number touched again while it
    # waits is rebuilt once (during a backfill, a person's rows come table after table: without
    # this every person would be rebuilt once per table). ``version`` counts the touches (seen by
    # a person looking at the table); a rebuild removes an entry only at the row version (xmin) it
    # picked, so one touched during the rebuild stays.
    "pending", metadata,
    Column("numero_etranger", Text, primary_key=True),
    Column("version", Integer, nullable=False, server_default=text("1")),
    Column("position", Numeric(40, 0), nullable=False),            # the newest legacy change it waits for
    Column("committed_at", DateTime(timezone=True), nullable=False),  # its legacy commit time (freshness)
    Column("since", DateTime(timezone=True), nullable=False, server_default=text("now()"), index=True),
    Column("live", Boolean, nullable=False),  # touched by a change, not only by snapshot reads
    Index("pending_live_since", "since", postgresql_where=text("live")),
    schema=BOOKKEEPING_SCHEMA,
)

snapshot_activity = Table(
    # When each worker last recorded a snapshot read: dossiers touched only by snapshot reads wait
    # until no worker has recorded one for a while (the snapshot is over), and are rebuilt once.
    "snapshot_activity", metadata,
    Column("worker_id", Text, primary_key=True),
    Column("last_read_at", DateTime(timezone=True), nullable=False),
    schema=BOOKKEEPING_SCHEMA,
)

legacy_transaction = Table(
    # Legacy transactions seen partly: a dossier touched by one is not rebuilt until every event of
    # the transaction is recorded (``seen`` reaches the END marker's ``expected``), so ANEF never
    # shows half of a legacy transaction. Complete transactions are forgotten at once.
    "legacy_transaction", metadata,
    Column("id", Text, primary_key=True),               # Debezium's "<txId>:<commit lsn>"
    Column("expected", Integer),                        # from the END marker; null until it arrives
    Column("seen", Integer, nullable=False, server_default=text("0")),
    Column("first_seen", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    schema=BOOKKEEPING_SCHEMA,
)

transaction_member = Table(
    "transaction_member", metadata,
    Column("transaction_id", Text, primary_key=True),
    Column("numero_etranger", Text, primary_key=True, index=True),
    schema=BOOKKEEPING_SCHEMA,
)

ANEF_TABLES = (usager, titre, demande, attestation, mesure_eloignement)
CHILD_TABLES = (titre, demande, attestation, mesure_eloignement)


def primary_key_columns(table_name: str) -> tuple[str, ...]:
    """The primary key of an ANEF table, in declaration order (the way back's Kafka message key)."""
    return tuple(str(c.name) for c in metadata.tables[f"{SCHEMA}.{table_name}"].primary_key.columns)


def prefecture_sql(table_name: str, alias: str = "t") -> str:
    """SQL: the prefecture (ANEF's notation, ``75``, ``2A``) a row of ``table_name`` aliased
    ``alias`` belongs to: its own for a person, a permit or an application, its holder's for a
    receipt or a removal measure (they carry none). One rule for the way back's resync and the
    roll-back check, which must agree on what a prefecture's scope holds."""
    if "prefecture" in metadata.tables[f"{SCHEMA}.{table_name}"].c:
        return f"{alias}.prefecture"
    return f"(SELECT u.prefecture FROM {SCHEMA}.usager u WHERE u.numero_etranger = {alias}.numero_etranger)"


# Where the way back's capture of ANEF's own rows stands (connectors.way_back_source): AGDREF's
# connector_state's columns, kept on ANEF's side because that is the database it reads.
capture_state = Table("capture_state", metadata, *position_columns(), schema=BOOKKEEPING_SCHEMA)

load_range = Table(
    # The initial load's key ranges written (pipeline.range_writer): one row per range, committed
    # with the range's rows, so a range handed out twice (a worker restarted before acknowledging
    # it) is recognised and skipped, and `status` can say how far the load is.
    "load_range", metadata,
    Column("load_id", Text, primary_key=True),
    Column("range_index", Integer, primary_key=True),
    Column("ranges", Integer, nullable=False),          # how many ranges the load has in all
    Column("low", Text),
    Column("high", Text),
    Column("position", Numeric(40, 0), nullable=False),  # the snapshot's legacy position
    Column("persons", Integer, nullable=False, server_default=text("0")),
    Column("mapped", Integer, nullable=False, server_default=text("0")),     # dossiers written from memory
    Column("deferred", Integer, nullable=False, server_default=text("0")),   # rows left to the rebuild
    Column("refused", Integer, nullable=False, server_default=text("0")),    # rows dead-lettered
    Column("worker_id", Text, nullable=False),
    Column("loaded_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    schema=BOOKKEEPING_SCHEMA,
)
