"""scheduler jobs and server heartbeats

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('scheduled_jobs',
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('next_run_at', sa.DateTime(), nullable=False),
    sa.Column('lease_until', sa.DateTime(), nullable=True),
    sa.Column('holder', sa.String(length=120), nullable=False),
    sa.Column('runs', sa.Integer(), nullable=False),
    sa.Column('last_started_at', sa.DateTime(), nullable=True),
    sa.Column('last_finished_at', sa.DateTime(), nullable=True),
    sa.Column('last_status', sa.String(length=20), nullable=False),
    sa.Column('last_result', sa.Text(), nullable=False),
    sa.Column('state', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('scheduled_jobs_pkey'))
    )
    op.create_table('server_processes',
    sa.Column('id', sa.String(length=120), nullable=False),
    sa.Column('host', sa.String(length=120), nullable=False),
    sa.Column('pid', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('seen_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('server_processes_pkey'))
    )


def downgrade():
    op.drop_table('server_processes')
    op.drop_table('scheduled_jobs')
