"""Where the way back's capture of ANEF's own rows stands (``migration.capture_state``, issue 18).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 21:40:00.000000

"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from schemas.control_tables import PgLsn

# revision identifiers, used by Alembic.
revision: str = '0003'
down_revision: str | Sequence[str] | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('capture_state',
    sa.Column('slot', sa.Text(), nullable=False),
    sa.Column('acknowledged_lsn', PgLsn(), nullable=True),
    sa.Column('last_commit_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('events', sa.BigInteger(), server_default=sa.text('0'), nullable=False),
    sa.PrimaryKeyConstraint('slot'),
    schema='migration'
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table('capture_state', schema='migration')
