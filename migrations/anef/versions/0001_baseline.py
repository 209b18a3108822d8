"""Baseline: the first release's schema in ANEF's database (ANEF's tables, ``migration``,
``reconciliation``, ``web``, ``evidence``), exactly as its ``db init`` created it; a database of
that release is stamped here (``migrations.versions``). Frozen: never edit a released revision,
add the next one (``docs/operations.md``, "Schema changes").

Revision ID: 0001
Revises: 

"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision: str = '0001'
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('usager',
    sa.Column('numero_etranger', sa.CHAR(length=10), nullable=False),
    sa.Column('nom_naissance', sa.Text(), nullable=False),
    sa.Column('nom_usage', sa.Text(), nullable=True),
    sa.Column('prenoms', sa.ARRAY(sa.Text()), nullable=False),
    sa.Column('sexe', sa.Text(), nullable=False),
    sa.Column('date_naissance', sa.Date(), nullable=True),
    sa.Column('precision_naissance', sa.Text(), nullable=False),
    sa.Column('pays_naissance', sa.CHAR(length=3), nullable=True),
    sa.Column('ville_naissance', sa.Text(), nullable=True),
    sa.Column('nationalite', sa.CHAR(length=3), nullable=False),
    sa.Column('nom_pere', sa.Text(), nullable=True),
    sa.Column('prenom_pere', sa.Text(), nullable=True),
    sa.Column('nom_mere', sa.Text(), nullable=True),
    sa.Column('prenom_mere', sa.Text(), nullable=True),
    sa.Column('situation_familiale', sa.Text(), nullable=True),
    sa.Column('date_entree_france', sa.Date(), nullable=True),
    sa.Column('entree_reguliere', sa.Boolean(), nullable=True),
    sa.Column('prefecture', sa.Text(), nullable=False),
    sa.Column('adresse_ligne', sa.Text(), nullable=True),
    sa.Column('code_postal', sa.Text(), nullable=True),
    sa.Column('commune', sa.Text(), nullable=True),
    sa.Column('code_insee', sa.Text(), nullable=True),
    sa.Column('numeros_alias', sa.ARRAY(sa.Text()), server_default=sa.text("'{}'"), nullable=False),
    sa.Column('statut', sa.Text(), nullable=False),
    sa.Column('origine', sa.Text(), nullable=False),
    sa.Column('maj_le', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("numero_etranger ~ '^[0-9]{10}$'", name='usager_numero_10_chiffres'),
    sa.CheckConstraint("origine IN ('AGDREF', 'ANEF')", name=op.f('usager_origine_check')),
    sa.CheckConstraint("precision_naissance IN ('COMPLETE', 'MOIS', 'ANNEE', 'INCONNUE')", name=op.f('usager_precision_naissance_check')),
    sa.CheckConstraint("sexe IN ('M', 'F', 'X')", name=op.f('usager_sexe_check')),
    sa.CheckConstraint("situation_familiale IN ('CELIBATAIRE', 'MARIE', 'DIVORCE', 'VEUF', 'SEPARE')", name=op.f('usager_situation_familiale_check')),
    sa.CheckConstraint("statut IN ('ACTIF', 'NATURALISE')", name=op.f('usager_statut_check')),
    sa.PrimaryKeyConstraint('numero_etranger'),
    schema='anef'
    )
    op.create_table('record',
    sa.Column('seq', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('kind', sa.Text(), nullable=False),
    sa.Column('ref', sa.Text(), nullable=False),
    sa.Column('canonical', sa.Text(), nullable=False),
    sa.Column('hash', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('seq'),
    schema='evidence'
    )
    op.create_index('record_kind_ref', 'record', ['kind', 'ref'], unique=True, schema='evidence')
    op.create_table('conflict',
    sa.Column('numero_etranger', sa.Text(), nullable=False),
    sa.Column('rows', sa.ARRAY(sa.Text()), nullable=False),
    sa.Column('position', sa.Numeric(precision=40, scale=0), nullable=False),
    sa.Column('detected_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('numero_etranger'),
    schema='migration'
    )
    op.create_table('decision',
    sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column('numero_etranger', sa.Text(), nullable=False),
    sa.Column('rule', sa.Text(), nullable=False),
    sa.Column('source_table', sa.Text(), nullable=False),
    sa.Column('source_key', sa.Text(), nullable=False),
    sa.Column('field', sa.Text(), nullable=False),
    sa.Column('legacy_value', sa.Text(), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('by', sa.Text(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_by', sa.Text(), nullable=True),
    sa.Column('revoke_reason', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    schema='migration'
    )
    op.create_index(op.f('ix_migration_decision_numero_etranger'), 'decision', ['numero_etranger'], unique=False, schema='migration')
    op.create_table('legacy_row',
    sa.Column('source_table', sa.Text(), nullable=False),
    sa.Column('source_key', sa.Text(), nullable=False),
    sa.Column('numero_etranger', sa.Text(), nullable=False),
    sa.Column('alias_of', sa.Text(), nullable=True),
    sa.Column('is_alias', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('position', sa.Numeric(precision=40, scale=0), nullable=False),
    sa.Column('committed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.Column('row', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('digest', sa.Text(), nullable=True),
    sa.Column('written_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('source_table', 'source_key'),
    schema='migration'
    )
    op.create_index(op.f('ix_migration_legacy_row_numero_etranger'), 'legacy_row', ['numero_etranger'], unique=False, schema='migration')
    op.create_index('legacy_row_alias_of', 'legacy_row', ['alias_of'], unique=False, schema='migration', postgresql_where=sa.text('alias_of IS NOT NULL'))
    op.create_table('legacy_transaction',
    sa.Column('id', sa.Text(), nullable=False),
    sa.Column('expected', sa.Integer(), nullable=True),
    sa.Column('seen', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('first_seen', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    schema='migration'
    )
    op.create_table('mapped_with',
    sa.Column('numero_etranger', sa.Text(), nullable=False),
    sa.Column('mapping_version', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('numero_etranger'),
    schema='migration'
    )
    op.create_table('not_carried',
    sa.Column('numero_etranger', sa.Text(), nullable=False),
    sa.Column('source_table', sa.Text(), nullable=False),
    sa.Column('source_key', sa.Text(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('field', sa.Text(), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('numero_etranger', 'source_table', 'source_key', 'reason'),
    schema='migration'
    )
    op.create_table('parked',
    sa.Column('numero_etranger', sa.Text(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('source_table', sa.Text(), nullable=False),
    sa.Column('source_key', sa.Text(), nullable=False),
    sa.Column('field', sa.Text(), nullable=False),
    sa.Column('remediations', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('reasons', sa.ARRAY(sa.Text()), server_default=sa.text("'{}'::text[]"), nullable=False),
    sa.Column('members', sa.ARRAY(sa.Text()), nullable=False),
    sa.Column('position', sa.Numeric(precision=40, scale=0), nullable=False),
    sa.Column('parked_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('numero_etranger'),
    schema='migration'
    )
    op.create_index(op.f('ix_migration_parked_reason'), 'parked', ['reason'], unique=False, schema='migration')
    op.create_table('pending',
    sa.Column('numero_etranger', sa.Text(), nullable=False),
    sa.Column('version', sa.Integer(), server_default=sa.text('1'), nullable=False),
    sa.Column('position', sa.Numeric(precision=40, scale=0), nullable=False),
    sa.Column('committed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('since', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('live', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('numero_etranger'),
    schema='migration'
    )
    op.create_index(op.f('ix_migration_pending_since'), 'pending', ['since'], unique=False, schema='migration')
    op.create_index('pending_live_since', 'pending', ['since'], unique=False, schema='migration', postgresql_where=sa.text('live'))
    op.create_table('snapshot_activity',
    sa.Column('worker_id', sa.Text(), nullable=False),
    sa.Column('last_read_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('worker_id'),
    schema='migration'
    )
    op.create_table('transaction_member',
    sa.Column('transaction_id', sa.Text(), nullable=False),
    sa.Column('numero_etranger', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('transaction_id', 'numero_etranger'),
    schema='migration'
    )
    op.create_index(op.f('ix_migration_transaction_member_numero_etranger'), 'transaction_member', ['numero_etranger'], unique=False, schema='migration')
    op.create_table('written',
    sa.Column('anef_table', sa.Text(), nullable=False),
    sa.Column('anef_key', sa.Text(), nullable=False),
    sa.Column('numero_etranger', sa.Text(), nullable=False),
    sa.Column('digest', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('anef_table', 'anef_key'),
    schema='migration'
    )
    op.create_index(op.f('ix_migration_written_numero_etranger'), 'written', ['numero_etranger'], unique=False, schema='migration')
    op.create_table('run',
    sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('agdref_position', sa.Numeric(precision=40, scale=0), nullable=False),
    sa.Column('persons', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('suspects', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('unconfirmed', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('outdated_mapping', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('seconds', sa.Float(), nullable=True),
    sa.Column('counts', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('by_prefecture', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('rights', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    schema='reconciliation'
    )
    op.create_table('audit',
    sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('username', sa.Text(), nullable=False),
    sa.Column('action', sa.Text(), nullable=False),
    sa.Column('target', sa.Text(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('detail', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    schema='web'
    )
    op.create_table('criteria',
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('username', sa.Text(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('body', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.PrimaryKeyConstraint('version'),
    schema='web'
    )
    op.create_table('session',
    sa.Column('id', sa.Text(), nullable=False),
    sa.Column('username', sa.Text(), nullable=False),
    sa.Column('csrf', sa.Text(), nullable=False),
    sa.Column('address', sa.Text(), server_default=sa.text("''"), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    schema='web'
    )
    op.create_index(op.f('ix_web_session_username'), 'session', ['username'], unique=False, schema='web')
    op.create_table('stream_sample',
    sa.Column('taken_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('lag', sa.BigInteger(), nullable=True),
    sa.Column('events_per_second', sa.Float(), nullable=True),
    sa.Column('freshness_p50', sa.Float(), nullable=True),
    sa.Column('freshness_p99', sa.Float(), nullable=True),
    sa.PrimaryKeyConstraint('taken_at'),
    schema='web'
    )
    op.create_table('user',
    sa.Column('username', sa.Text(), nullable=False),
    sa.Column('password_hash', sa.Text(), nullable=False),
    sa.Column('role', sa.Text(), nullable=False),
    sa.Column('active', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('username'),
    schema='web'
    )
    op.create_table('verdict',
    sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('scope', sa.Text(), nullable=False),
    sa.Column('go', sa.Boolean(), nullable=False),
    sa.Column('criteria_version', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.BigInteger(), nullable=True),
    sa.Column('criteria', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    schema='web'
    )
    op.create_table('attestation',
    sa.Column('numero', sa.CHAR(length=12), nullable=False),
    sa.Column('numero_etranger', sa.CHAR(length=10), nullable=False),
    sa.Column('numero_demande', sa.CHAR(length=12), nullable=True),
    sa.Column('type', sa.Text(), nullable=False),
    sa.Column('date_debut', sa.Date(), nullable=False),
    sa.Column('date_fin', sa.Date(), nullable=False),
    sa.Column('renouvellements', sa.Integer(), nullable=False),
    sa.Column('autorisation_travail', sa.Boolean(), nullable=False),
    sa.Column('origine', sa.Text(), nullable=False),
    sa.Column('maj_le', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("origine IN ('AGDREF', 'ANEF')", name=op.f('attestation_origine_check')),
    sa.CheckConstraint("type IN ('PROLONGATION_INSTRUCTION', 'DEMANDE_ASILE')", name=op.f('attestation_type_check')),
    sa.ForeignKeyConstraint(['numero_etranger'], ['anef.usager.numero_etranger'], ),
    sa.PrimaryKeyConstraint('numero'),
    schema='anef'
    )
    op.create_index(op.f('ix_anef_attestation_numero_etranger'), 'attestation', ['numero_etranger'], unique=False, schema='anef')
    op.create_table('demande',
    sa.Column('numero_demande', sa.CHAR(length=12), nullable=False),
    sa.Column('numero_etranger', sa.CHAR(length=10), nullable=False),
    sa.Column('nature', sa.Text(), nullable=False),
    sa.Column('categorie_demandee', sa.Text(), nullable=False),
    sa.Column('fondement', sa.Text(), nullable=True),
    sa.Column('date_depot', sa.Date(), nullable=False),
    sa.Column('statut', sa.Text(), nullable=False),
    sa.Column('date_decision', sa.Date(), nullable=True),
    sa.Column('motif_refus', sa.Text(), nullable=True),
    sa.Column('prefecture', sa.Text(), nullable=False),
    sa.Column('origine', sa.Text(), nullable=False),
    sa.Column('maj_le', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("categorie_demandee IN ('CARTE_TEMPORAIRE', 'CARTE_PLURIANNUELLE', 'PASSEPORT_TALENT', 'CARTE_RESIDENT', 'CARTE_RESIDENT_PERMANENT', 'AUTORISATION_PROVISOIRE', 'CERTIFICAT_ALGERIEN_1AN', 'CERTIFICAT_ALGERIEN_10ANS', 'VISA_LONG_SEJOUR')", name=op.f('demande_categorie_demandee_check')),
    sa.CheckConstraint("nature IN ('PREMIERE', 'RENOUVELLEMENT', 'CHANGEMENT_STATUT', 'DUPLICATA')", name=op.f('demande_nature_check')),
    sa.CheckConstraint("origine IN ('AGDREF', 'ANEF')", name=op.f('demande_origine_check')),
    sa.CheckConstraint("statut IN ('EN_INSTRUCTION', 'ACCORDEE', 'REFUSEE', 'CLASSEE_SANS_SUITE')", name=op.f('demande_statut_check')),
    sa.ForeignKeyConstraint(['numero_etranger'], ['anef.usager.numero_etranger'], ),
    sa.PrimaryKeyConstraint('numero_demande'),
    schema='anef'
    )
    op.create_index(op.f('ix_anef_demande_numero_etranger'), 'demande', ['numero_etranger'], unique=False, schema='anef')
    op.create_table('mesure_eloignement',
    sa.Column('numero', sa.CHAR(length=12), nullable=False),
    sa.Column('numero_etranger', sa.CHAR(length=10), nullable=False),
    sa.Column('nature', sa.Text(), nullable=False),
    sa.Column('date_decision', sa.Date(), nullable=False),
    sa.Column('notifiee_le', sa.DateTime(timezone=True), nullable=True),
    sa.Column('delai_depart_jours', sa.Integer(), nullable=False),
    sa.Column('contentieux', sa.Boolean(), nullable=False),
    sa.Column('annulee', sa.Boolean(), nullable=False),
    sa.Column('executee', sa.Boolean(), nullable=False),
    sa.Column('date_execution', sa.Date(), nullable=True),
    sa.Column('origine', sa.Text(), nullable=False),
    sa.Column('maj_le', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("nature IN ('OQTF', 'OQTF_IRTF', 'APRF', 'EXPULSION', 'ITF', 'IAT', 'DUBLIN')", name=op.f('mesure_eloignement_nature_check')),
    sa.CheckConstraint("origine IN ('AGDREF', 'ANEF')", name=op.f('mesure_eloignement_origine_check')),
    sa.ForeignKeyConstraint(['numero_etranger'], ['anef.usager.numero_etranger'], ),
    sa.PrimaryKeyConstraint('numero'),
    schema='anef'
    )
    op.create_index(op.f('ix_anef_mesure_eloignement_numero_etranger'), 'mesure_eloignement', ['numero_etranger'], unique=False, schema='anef')
    op.create_table('titre',
    sa.Column('numero_titre', sa.CHAR(length=10), nullable=False),
    sa.Column('numero_etranger', sa.CHAR(length=10), nullable=False),
    sa.Column('numero_demande', sa.CHAR(length=12), nullable=True),
    sa.Column('categorie', sa.Text(), nullable=False),
    sa.Column('mention', sa.Text(), nullable=True),
    sa.Column('date_debut', sa.Date(), nullable=False),
    sa.Column('date_fin', sa.Date(), nullable=True),
    sa.Column('statut', sa.Text(), nullable=False),
    sa.Column('date_remise', sa.Date(), nullable=True),
    sa.Column('autorisation_travail', sa.Boolean(), nullable=False),
    sa.Column('numero_duplicata', sa.Integer(), nullable=False),
    sa.Column('prefecture', sa.Text(), nullable=False),
    sa.Column('origine', sa.Text(), nullable=False),
    sa.Column('maj_le', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("categorie IN ('CARTE_TEMPORAIRE', 'CARTE_PLURIANNUELLE', 'PASSEPORT_TALENT', 'CARTE_RESIDENT', 'CARTE_RESIDENT_PERMANENT', 'AUTORISATION_PROVISOIRE', 'CERTIFICAT_ALGERIEN_1AN', 'CERTIFICAT_ALGERIEN_10ANS', 'VISA_LONG_SEJOUR')", name=op.f('titre_categorie_check')),
    sa.CheckConstraint("date_fin IS NOT NULL OR categorie = 'CARTE_RESIDENT_PERMANENT'", name='titre_date_fin_sauf_resident_permanent'),
    sa.CheckConstraint("origine IN ('AGDREF', 'ANEF')", name=op.f('titre_origine_check')),
    sa.CheckConstraint("statut IN ('DISPONIBLE', 'REMIS')", name=op.f('titre_statut_check')),
    sa.ForeignKeyConstraint(['numero_etranger'], ['anef.usager.numero_etranger'], ),
    sa.PrimaryKeyConstraint('numero_titre'),
    schema='anef'
    )
    op.create_index(op.f('ix_anef_titre_numero_etranger'), 'titre', ['numero_etranger'], unique=False, schema='anef')
    op.create_table('divergence',
    sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column('numero_etranger', sa.Text(), nullable=False),
    sa.Column('kind', sa.Text(), nullable=False),
    sa.Column('status', sa.Text(), nullable=False),
    sa.Column('severity', sa.Text(), nullable=False),
    sa.Column('fields', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('detail', sa.Text(), server_default=sa.text("''"), nullable=False),
    sa.Column('prefecture', sa.Text(), nullable=True),
    sa.Column('urgency_days', sa.Integer(), nullable=True),
    sa.Column('first_run', sa.BigInteger(), nullable=False),
    sa.Column('last_run', sa.BigInteger(), nullable=False),
    sa.Column('first_seen_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('accepted_by', sa.Text(), nullable=True),
    sa.Column('accepted_reason', sa.Text(), nullable=True),
    sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['first_run'], ['reconciliation.run.id'], ),
    sa.ForeignKeyConstraint(['last_run'], ['reconciliation.run.id'], ),
    sa.PrimaryKeyConstraint('id'),
    schema='reconciliation'
    )
    op.create_index('divergence_open', 'divergence', ['numero_etranger', 'kind'], unique=True, schema='reconciliation', postgresql_where=sa.text("status <> 'resolved'"))
    op.create_index('divergence_status', 'divergence', ['status'], unique=False, schema='reconciliation')
    op.create_table('decision',
    sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('divergence_id', sa.BigInteger(), nullable=False),
    sa.Column('action', sa.Text(), nullable=False),
    sa.Column('by', sa.Text(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('kind', sa.Text(), nullable=False),
    sa.Column('severity', sa.Text(), nullable=False),
    sa.Column('fields_digest', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['divergence_id'], ['reconciliation.divergence.id'], ),
    sa.PrimaryKeyConstraint('id'),
    schema='reconciliation'
    )
    op.create_index('decision_divergence', 'decision', ['divergence_id'], unique=False, schema='reconciliation')


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index('decision_divergence', table_name='decision', schema='reconciliation')
    op.drop_table('decision', schema='reconciliation')
    op.drop_index('divergence_status', table_name='divergence', schema='reconciliation')
    op.drop_index('divergence_open', table_name='divergence', schema='reconciliation', postgresql_where=sa.text("status <> 'resolved'"))
    op.drop_table('divergence', schema='reconciliation')
    op.drop_index(op.f('ix_anef_titre_numero_etranger'), table_name='titre', schema='anef')
    op.drop_table('titre', schema='anef')
    op.drop_index(op.f('ix_anef_mesure_eloignement_numero_etranger'), table_name='mesure_eloignement', schema='anef')
    op.drop_table('mesure_eloignement', schema='anef')
    op.drop_index(op.f('ix_anef_demande_numero_etranger'), table_name='demande', schema='anef')
    op.drop_table('demande', schema='anef')
    op.drop_index(op.f('ix_anef_attestation_numero_etranger'), table_name='attestation', schema='anef')
    op.drop_table('attestation', schema='anef')
    op.drop_table('verdict', schema='web')
    op.drop_table('user', schema='web')
    op.drop_table('stream_sample', schema='web')
    op.drop_index(op.f('ix_web_session_username'), table_name='session', schema='web')
    op.drop_table('session', schema='web')
    op.drop_table('criteria', schema='web')
    op.drop_table('audit', schema='web')
    op.drop_table('run', schema='reconciliation')
    op.drop_index(op.f('ix_migration_written_numero_etranger'), table_name='written', schema='migration')
    op.drop_table('written', schema='migration')
    op.drop_index(op.f('ix_migration_transaction_member_numero_etranger'), table_name='transaction_member', schema='migration')
    op.drop_table('transaction_member', schema='migration')
    op.drop_table('snapshot_activity', schema='migration')
    op.drop_index('pending_live_since', table_name='pending', schema='migration', postgresql_where=sa.text('live'))
    op.drop_index(op.f('ix_migration_pending_since'), table_name='pending', schema='migration')
    op.drop_table('pending', schema='migration')
    op.drop_index(op.f('ix_migration_parked_reason'), table_name='parked', schema='migration')
    op.drop_table('parked', schema='migration')
    op.drop_table('not_carried', schema='migration')
    op.drop_table('mapped_with', schema='migration')
    op.drop_table('legacy_transaction', schema='migration')
    op.drop_index('legacy_row_alias_of', table_name='legacy_row', schema='migration', postgresql_where=sa.text('alias_of IS NOT NULL'))
    op.drop_index(op.f('ix_migration_legacy_row_numero_etranger'), table_name='legacy_row', schema='migration')
    op.drop_table('legacy_row', schema='migration')
    op.drop_index(op.f('ix_migration_decision_numero_etranger'), table_name='decision', schema='migration')
    op.drop_table('decision', schema='migration')
    op.drop_table('conflict', schema='migration')
    op.drop_index('record_kind_ref', table_name='record', schema='evidence')
    op.drop_table('record', schema='evidence')
    op.drop_table('usager', schema='anef')
