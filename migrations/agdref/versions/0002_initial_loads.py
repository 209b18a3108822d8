"""The connector's planned initial loads (``agdref_anef.initial_load``).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 08:27:09.956111

"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision: str = '0002'
down_revision: str | Sequence[str] | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('initial_load',
    sa.Column('load_id', sa.Text(), nullable=False),
    sa.Column('boundaries', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('load_id'),
    schema='agdref_anef'
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table('initial_load', schema='agdref_anef')
