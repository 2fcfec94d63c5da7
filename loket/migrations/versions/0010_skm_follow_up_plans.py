"""SKM follow-up plans: what the supervisors will do about a period's weakest elements (rencana tindak lanjut).

Revision ID: 0010
Revises: 0009
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('skm_followups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('office_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=30), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['office_id'], ['office.id'], name=op.f('skm_followups_office_id_fkey')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('skm_followups_updated_by_id_fkey')),
    sa.PrimaryKeyConstraint('id', name=op.f('skm_followups_pkey')),
    sa.UniqueConstraint('office_id', 'period', name='uq_skm_followups_office_period')
    )


def downgrade():
    op.drop_table('skm_followups')
