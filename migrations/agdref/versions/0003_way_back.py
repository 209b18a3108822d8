"""The way back's bookkeeping in AGDREF (``agdref_anef.way_back_row``, ``way_back_hold``,
``way_back_loss``; issue 18).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 21:50:00.000000

"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0003'
down_revision: str | Sequence[str] | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('way_back_row',
    sa.Column('source_table', sa.Text(), nullable=False),
    sa.Column('source_key', sa.Text(), nullable=False),
    sa.Column('numero_etranger', sa.Text(), nullable=False),
    sa.Column('anef_table', sa.Text(), nullable=False),
    sa.Column('anef_key', sa.Text(), nullable=False),
    sa.Column('digest', sa.Text(), nullable=False),
    sa.Column('written_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('source_table', 'source_key'),
    schema='agdref_anef'
    )
    op.create_index(op.f('ix_agdref_anef_way_back_row_numero_etranger'), 'way_back_row', ['numero_etranger'],
                    unique=False, schema='agdref_anef')
    op.create_table('way_back_hold',
    sa.Column('anef_table', sa.Text(), nullable=False),
    sa.Column('anef_key', sa.Text(), nullable=False),
    sa.Column('numero_etranger', sa.Text(), nullable=False),
    sa.Column('kind', sa.Text(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('field', sa.Text(), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('held_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('anef_table', 'anef_key'),
    schema='agdref_anef'
    )
    op.create_index(op.f('ix_agdref_anef_way_back_hold_numero_etranger'), 'way_back_hold', ['numero_etranger'],
                    unique=False, schema='agdref_anef')
    op.create_table('way_back_loss',
    sa.Column('anef_table', sa.Text(), nullable=False),
    sa.Column('anef_key', sa.Text(), nullable=False),
    sa.Column('field', sa.Text(), nullable=False),
    sa.Column('numero_etranger', sa.Text(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('anef_table', 'anef_key', 'field'),
    schema='agdref_anef'
    )
    op.create_index(op.f('ix_agdref_anef_way_back_loss_numero_etranger'), 'way_back_loss', ['numero_etranger'],
                    unique=False, schema='agdref_anef')


def downgrade() -> None:
    """Downgrade schema."""
    for table in ('way_back_loss', 'way_back_hold', 'way_back_row'):
        op.drop_index(op.f(f'ix_agdref_anef_{table}_numero_etranger'), table_name=table, schema='agdref_anef')
        op.drop_table(table, schema='agdref_anef')
