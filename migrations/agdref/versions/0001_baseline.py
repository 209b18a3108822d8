"""Baseline: the connector's control schema ``agdref_anef`` in AGDREF (Debezium's signal table
layout, snapshot progress, acknowledged state), as the first release's connector created it.
Frozen: never edit a released revision, add the next one.

Revision ID: 0001
Revises: 

"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql


class PgLsn(sa.types.UserDefinedType):
    """PostgreSQL's ``pg_lsn``, frozen here as the revision created it."""

    cache_ok = True

    def get_col_spec(self, **_):
        return "pg_lsn"


# revision identifiers, used by Alembic.
revision: str = '0001'
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('connector_state',
    sa.Column('slot', sa.Text(), nullable=False),
    sa.Column('acknowledged_lsn', PgLsn(), nullable=True),
    sa.Column('last_commit_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('events', sa.BigInteger(), server_default=sa.text('0'), nullable=False),
    sa.PrimaryKeyConstraint('slot'),
    schema='agdref_anef'
    )
    op.create_table('signal',
    sa.Column('id', sa.String(length=42), nullable=False),
    sa.Column('type', sa.String(length=32), nullable=False),
    sa.Column('data', sa.String(length=2048), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    schema='agdref_anef'
    )
    op.create_table('snapshot_progress',
    sa.Column('request_id', sa.Text(), nullable=False),
    sa.Column('table_name', sa.Text(), nullable=False),
    sa.Column('keys', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('last_key', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('rows_read', sa.BigInteger(), server_default=sa.text('0'), nullable=False),
    sa.Column('done', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('request_id', 'table_name'),
    schema='agdref_anef'
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table('snapshot_progress', schema='agdref_anef')
    op.drop_table('signal', schema='agdref_anef')
    op.drop_table('connector_state', schema='agdref_anef')
