"""Cases (berkas): requests that outlive the visit, tracked against the standard's promised days.

Adds `cases` and, per case, its completed milestones, stopped clocks (pauses), document checklist and
append-only event log. Due dates are not stored: they are computed from the standard and the calendar.

Revision ID: 0011
Revises: 0010
"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('office_id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=True),
    sa.Column('token', sa.String(length=32), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('requester', sa.String(length=200), nullable=False),
    sa.Column('contact_name', sa.String(length=120), nullable=True),
    sa.Column('contact_email', sa.String(length=120), nullable=True),
    sa.Column('contact_consent', sa.Boolean(), nullable=False),
    sa.Column('contact_purged_at', sa.DateTime(), nullable=True),
    sa.Column('variant', sa.String(length=40), nullable=True),
    sa.Column('activity_day', sa.Date(), nullable=True),
    sa.Column('lead_time_short', sa.Text(), nullable=True),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('assignee_id', sa.Integer(), nullable=True),
    sa.Column('next_due', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['assignee_id'], ['users.id'], name=op.f('cases_assignee_id_fkey')),
    sa.ForeignKeyConstraint(['office_id'], ['office.id'], name=op.f('cases_office_id_fkey')),
    sa.ForeignKeyConstraint(['service_id'], ['services.id'], name=op.f('cases_service_id_fkey')),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('cases_ticket_id_fkey')),
    sa.PrimaryKeyConstraint('id', name=op.f('cases_pkey')),
    sa.UniqueConstraint('code', name=op.f('cases_code_key')),
    sa.UniqueConstraint('ticket_id', name=op.f('cases_ticket_id_key')),
    sa.UniqueConstraint('token', name=op.f('cases_token_key'))
    )
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index('ix_cases_assignee_state', ['assignee_id', 'state'], unique=False)
        batch_op.create_index('ix_cases_office_state_due', ['office_id', 'state', 'next_due'], unique=False)

    op.create_table('case_documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('received', sa.Boolean(), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('case_documents_case_id_fkey')),
    sa.PrimaryKeyConstraint('id', name=op.f('case_documents_pkey')),
    sa.UniqueConstraint('case_id', 'position', name='uq_case_documents_case_position')
    )
    op.create_table('case_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('case_events_actor_id_fkey')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('case_events_case_id_fkey')),
    sa.PrimaryKeyConstraint('id', name=op.f('case_events_pkey'))
    )
    with op.batch_alter_table('case_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_events_case_id'), ['case_id'], unique=False)

    op.create_table('case_milestones',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('completed_on', sa.Date(), nullable=False),
    sa.Column('completed_at', sa.DateTime(), nullable=False),
    sa.Column('completed_by_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('case_milestones_case_id_fkey')),
    sa.ForeignKeyConstraint(['completed_by_id'], ['users.id'], name=op.f('case_milestones_completed_by_id_fkey')),
    sa.PrimaryKeyConstraint('id', name=op.f('case_milestones_pkey')),
    sa.UniqueConstraint('case_id', 'key', name='uq_case_milestones_case_key')
    )
    op.create_table('case_pauses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('stopped_on', sa.Date(), nullable=False),
    sa.Column('resumed_on', sa.Date(), nullable=True),
    sa.Column('missing', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('case_pauses_case_id_fkey')),
    sa.PrimaryKeyConstraint('id', name=op.f('case_pauses_pkey'))
    )
    with op.batch_alter_table('case_pauses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_pauses_case_id'), ['case_id'], unique=False)


def downgrade():
    for table in ('case_pauses', 'case_milestones', 'case_events', 'case_documents', 'cases'):
        op.drop_table(table)
