"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-30 (the schema of Loket 0.1.0, made by create_all before migrations)

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():

    op.create_table('counters',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('paused', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('counters_pkey')),
    sa.UniqueConstraint('number', name=op.f('counters_number_key'))
    )
    op.create_table('displays',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('service_codes', sa.JSON(), nullable=False),
    sa.Column('counter_numbers', sa.JSON(), nullable=False),
    sa.Column('running_text', sa.Text(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('displays_pkey'))
    )
    op.create_table('holidays',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.PrimaryKeyConstraint('day', name=op.f('holidays_pkey'))
    )
    op.create_table('kiosks',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('printer', sa.JSON(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('kiosks_pkey'))
    )
    op.create_table('office',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('short_name', sa.String(length=120), nullable=False),
    sa.Column('address', sa.String(length=300), nullable=False),
    sa.Column('phone', sa.String(length=60), nullable=False),
    sa.Column('maklumat', sa.Text(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('office_pkey'))
    )
    op.create_table('services',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=2), nullable=False),
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('standard', sa.JSON(), nullable=False),
    sa.Column('promised_minutes', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('services_pkey')),
    sa.UniqueConstraint('code', name=op.f('services_code_key')),
    sa.UniqueConstraint('slug', name=op.f('services_slug_key'))
    )
    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=80), nullable=False),
    sa.Column('display_name', sa.String(length=120), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('users_pkey')),
    sa.UniqueConstraint('username', name=op.f('users_username_key'))
    )
    op.create_table('complaints',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('category', sa.String(length=12), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=True),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=True),
    sa.Column('contact', sa.String(length=120), nullable=True),
    sa.Column('contact_purged_at', sa.DateTime(), nullable=True),
    sa.Column('kiosk_id', sa.String(length=40), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('response', sa.Text(), nullable=True),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.Column('in_progress_at', sa.DateTime(), nullable=True),
    sa.Column('answered_at', sa.DateTime(), nullable=True),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('handled_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['handled_by_id'], ['users.id'], name=op.f('complaints_handled_by_id_fkey')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('complaints_recorded_by_id_fkey')),
    sa.ForeignKeyConstraint(['service_id'], ['services.id'], name=op.f('complaints_service_id_fkey')),
    sa.PrimaryKeyConstraint('id', name=op.f('complaints_pkey')),
    sa.UniqueConstraint('code', name=op.f('complaints_code_key'))
    )
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.create_index('ix_complaints_status_received', ['status', 'received_at'], unique=False)

    op.create_table('counter_officers',
    sa.Column('counter_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['counter_id'], ['counters.id'], name=op.f('counter_officers_counter_id_fkey'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('counter_officers_user_id_fkey'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('counter_id', 'user_id', name=op.f('counter_officers_pkey'))
    )
    op.create_table('counter_services',
    sa.Column('counter_id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['counter_id'], ['counters.id'], name=op.f('counter_services_counter_id_fkey'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['service_id'], ['services.id'], name=op.f('counter_services_service_id_fkey'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('counter_id', 'service_id', name=op.f('counter_services_pkey'))
    )
    op.create_table('daily_sequences',
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('last', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['service_id'], ['services.id'], name=op.f('daily_sequences_service_id_fkey'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('service_id', 'day', name=op.f('daily_sequences_pkey'))
    )
    op.create_table('survey_responses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.Date(), nullable=False),
    sa.Column('u1', sa.SmallInteger(), nullable=False),
    sa.Column('u2', sa.SmallInteger(), nullable=False),
    sa.Column('u3', sa.SmallInteger(), nullable=False),
    sa.Column('u4', sa.SmallInteger(), nullable=False),
    sa.Column('u5', sa.SmallInteger(), nullable=False),
    sa.Column('u6', sa.SmallInteger(), nullable=False),
    sa.Column('u7', sa.SmallInteger(), nullable=False),
    sa.Column('u8', sa.SmallInteger(), nullable=False),
    sa.Column('u9', sa.SmallInteger(), nullable=False),
    sa.Column('gender', sa.String(length=1), nullable=True),
    sa.Column('age_band', sa.String(length=8), nullable=True),
    sa.Column('education', sa.String(length=8), nullable=True),
    sa.Column('occupation', sa.String(length=12), nullable=True),
    sa.Column('suggestion', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['service_id'], ['services.id'], name=op.f('survey_responses_service_id_fkey')),
    sa.PrimaryKeyConstraint('id', name=op.f('survey_responses_pkey'))
    )
    with op.batch_alter_table('survey_responses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_responses_period'), ['period'], unique=False)
        batch_op.create_index(batch_op.f('ix_survey_responses_service_id'), ['service_id'], unique=False)

    op.create_table('tickets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('number', sa.String(length=16), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('issued_service_id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('priority', sa.Boolean(), nullable=False),
    sa.Column('priority_reason', sa.String(length=20), nullable=True),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('close_reason', sa.String(length=40), nullable=True),
    sa.Column('counter_id', sa.Integer(), nullable=True),
    sa.Column('officer_id', sa.Integer(), nullable=True),
    sa.Column('kiosk', sa.String(length=40), nullable=True),
    sa.Column('call_count', sa.Integer(), nullable=False),
    sa.Column('issued_at', sa.DateTime(), nullable=False),
    sa.Column('queued_at', sa.DateTime(), nullable=False),
    sa.Column('called_at', sa.DateTime(), nullable=True),
    sa.Column('started_at', sa.DateTime(), nullable=True),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['counter_id'], ['counters.id'], name=op.f('tickets_counter_id_fkey')),
    sa.ForeignKeyConstraint(['issued_service_id'], ['services.id'], name=op.f('tickets_issued_service_id_fkey')),
    sa.ForeignKeyConstraint(['officer_id'], ['users.id'], name=op.f('tickets_officer_id_fkey')),
    sa.ForeignKeyConstraint(['service_id'], ['services.id'], name=op.f('tickets_service_id_fkey')),
    sa.PrimaryKeyConstraint('id', name=op.f('tickets_pkey')),
    sa.UniqueConstraint('token', name=op.f('tickets_token_key'))
    )
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.create_index('ix_tickets_number_day', ['issued_service_id', 'day', 'seq'], unique=True)
        batch_op.create_index('ix_tickets_queue', ['service_id', 'state', 'priority', 'queued_at'], unique=False)

    op.create_table('feedback_form_submissions',
    sa.Column('nonce', sa.String(length=32), nullable=False),
    sa.Column('complaint_id', sa.Integer(), nullable=True),
    sa.Column('day', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaints.id'], name=op.f('feedback_form_submissions_complaint_id_fkey'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('nonce', name=op.f('feedback_form_submissions_pkey'))
    )
    with op.batch_alter_table('feedback_form_submissions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feedback_form_submissions_day'), ['day'], unique=False)

    op.create_table('print_jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kiosk_id', sa.String(length=40), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('payload', sa.LargeBinary(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('claimed_at', sa.DateTime(), nullable=True),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['kiosk_id'], ['kiosks.id'], name=op.f('print_jobs_kiosk_id_fkey'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('print_jobs_ticket_id_fkey'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('print_jobs_pkey'))
    )
    with op.batch_alter_table('print_jobs', schema=None) as batch_op:
        batch_op.create_index('ix_print_jobs_kiosk_status', ['kiosk_id', 'status', 'id'], unique=False)

    op.create_table('rating_requests',
    sa.Column('id', sa.String(length=43), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('officer_id', sa.Integer(), nullable=True),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('counter_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('answered_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['counter_id'], ['counters.id'], name=op.f('rating_requests_counter_id_fkey')),
    sa.ForeignKeyConstraint(['officer_id'], ['users.id'], name=op.f('rating_requests_officer_id_fkey')),
    sa.ForeignKeyConstraint(['service_id'], ['services.id'], name=op.f('rating_requests_service_id_fkey')),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('rating_requests_ticket_id_fkey')),
    sa.PrimaryKeyConstraint('id', name=op.f('rating_requests_pkey'))
    )
    with op.batch_alter_table('rating_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rating_requests_counter_id'), ['counter_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_rating_requests_ticket_id'), ['ticket_id'], unique=False)

    op.create_table('survey_ticket_uses',
    sa.Column('ticket_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('survey_ticket_uses_ticket_id_fkey'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('ticket_id', name=op.f('survey_ticket_uses_pkey'))
    )
    op.create_table('ticket_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('counter_id', sa.Integer(), nullable=True),
    sa.Column('service_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('ticket_events_actor_id_fkey')),
    sa.ForeignKeyConstraint(['counter_id'], ['counters.id'], name=op.f('ticket_events_counter_id_fkey')),
    sa.ForeignKeyConstraint(['service_id'], ['services.id'], name=op.f('ticket_events_service_id_fkey')),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('ticket_events_ticket_id_fkey')),
    sa.PrimaryKeyConstraint('id', name=op.f('ticket_events_pkey'))
    )
    with op.batch_alter_table('ticket_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ticket_events_ticket_id'), ['ticket_id'], unique=False)

    op.create_table('quick_ratings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.String(length=43), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('officer_id', sa.Integer(), nullable=True),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('counter_id', sa.Integer(), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('score BETWEEN 1 AND 4', name='ck_quick_rating_score'),
    sa.ForeignKeyConstraint(['counter_id'], ['counters.id'], name=op.f('quick_ratings_counter_id_fkey')),
    sa.ForeignKeyConstraint(['officer_id'], ['users.id'], name=op.f('quick_ratings_officer_id_fkey')),
    sa.ForeignKeyConstraint(['request_id'], ['rating_requests.id'], name=op.f('quick_ratings_request_id_fkey')),
    sa.ForeignKeyConstraint(['service_id'], ['services.id'], name=op.f('quick_ratings_service_id_fkey')),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('quick_ratings_ticket_id_fkey')),
    sa.PrimaryKeyConstraint('id', name=op.f('quick_ratings_pkey')),
    sa.UniqueConstraint('request_id', name=op.f('quick_ratings_request_id_key'))
    )
    with op.batch_alter_table('quick_ratings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quick_ratings_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_quick_ratings_officer_id'), ['officer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_quick_ratings_service_id'), ['service_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_quick_ratings_ticket_id'), ['ticket_id'], unique=False)




def downgrade():

    with op.batch_alter_table('quick_ratings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quick_ratings_ticket_id'))
        batch_op.drop_index(batch_op.f('ix_quick_ratings_service_id'))
        batch_op.drop_index(batch_op.f('ix_quick_ratings_officer_id'))
        batch_op.drop_index(batch_op.f('ix_quick_ratings_created_at'))

    op.drop_table('quick_ratings')
    with op.batch_alter_table('ticket_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ticket_events_ticket_id'))

    op.drop_table('ticket_events')
    op.drop_table('survey_ticket_uses')
    with op.batch_alter_table('rating_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rating_requests_ticket_id'))
        batch_op.drop_index(batch_op.f('ix_rating_requests_counter_id'))

    op.drop_table('rating_requests')
    with op.batch_alter_table('print_jobs', schema=None) as batch_op:
        batch_op.drop_index('ix_print_jobs_kiosk_status')

    op.drop_table('print_jobs')
    with op.batch_alter_table('feedback_form_submissions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feedback_form_submissions_day'))

    op.drop_table('feedback_form_submissions')
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_index('ix_tickets_queue')
        batch_op.drop_index('ix_tickets_number_day')

    op.drop_table('tickets')
    with op.batch_alter_table('survey_responses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_responses_service_id'))
        batch_op.drop_index(batch_op.f('ix_survey_responses_period'))

    op.drop_table('survey_responses')
    op.drop_table('daily_sequences')
    op.drop_table('counter_services')
    op.drop_table('counter_officers')
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.drop_index('ix_complaints_status_received')

    op.drop_table('complaints')
    op.drop_table('users')
    op.drop_table('services')
    op.drop_table('office')
    op.drop_table('kiosks')
    op.drop_table('holidays')
    op.drop_table('displays')
    op.drop_table('counters')

