"""The initial load's key ranges (``migration.load_range``): which ranges of a load are written.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 08:26:45.048797

"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0002'
down_revision: str | Sequence[str] | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('load_range',
    sa.Column('load_id', sa.Text(), nullable=False),
    sa.Column('range_index', sa.Integer(), nullable=False),
    sa.Column('ranges', sa.Integer(), nullable=False),
    sa.Column('low', sa.Text(), nullable=True),
    sa.Column('high', sa.Text(), nullable=True),
    sa.Column('position', sa.Numeric(precision=40, scale=0), nullable=False),
    sa.Column('persons', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('mapped', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('deferred', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('refused', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('worker_id', sa.Text(), nullable=False),
    sa.Column('loaded_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('load_id', 'range_index'),
    schema='migration'
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table('load_range', schema='migration')
