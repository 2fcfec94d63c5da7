"""print jobs rendered by the sender; indexes that keep request costs flat

A ticket's print job is now inserted in the ticket's own transaction with what its slip says
(`slip`), and its ESC/POS bytes (`payload`) are rendered by the first sender, so `payload` may be
NULL until then. Indexes replace scans and sorts that grew with the day (or the month): the boards'
call history (ticket_events by kind and time), a counter's current visitor (tickets by counter and
state), the wait estimate's latest finished visits (tickets by service, state, finish time), and
the queue itself in calling order (tickets by service, state, day, priority first, arrival).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 14:15:58.394369

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('print_jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('slip', sa.JSON(), nullable=True))
        batch_op.alter_column('payload', existing_type=sa.LargeBinary(), nullable=True)

    with op.batch_alter_table('ticket_events', schema=None) as batch_op:
        batch_op.create_index('ix_ticket_events_kind_at', ['kind', 'at'], unique=False)

    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.create_index('ix_tickets_counter_state', ['counter_id', 'state'], unique=False)
        batch_op.create_index('ix_tickets_service_finished', ['service_id', 'state', 'finished_at'], unique=False)
    # The queue in calling order, today's only: no sort and no table look-up for "next", "next up",
    # people ahead and the waiting counts (it replaces service, state, priority, queued_at).
    op.drop_index('ix_tickets_queue', table_name='tickets')
    op.create_index('ix_tickets_queue', 'tickets',
                    ['service_id', 'state', 'day', sa.text('priority DESC'), 'queued_at', 'id'], unique=False)


def downgrade():
    op.drop_index('ix_tickets_queue', table_name='tickets')
    op.create_index('ix_tickets_queue', 'tickets', ['service_id', 'state', 'priority', 'queued_at'], unique=False)
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_index('ix_tickets_service_finished')
        batch_op.drop_index('ix_tickets_counter_state')

    with op.batch_alter_table('ticket_events', schema=None) as batch_op:
        batch_op.drop_index('ix_ticket_events_kind_at')

    # The old schema needs bytes in every job: a slip never rendered (its printer never reached)
    # cannot be rendered here, so it is left empty and marked failed, which the page of its kiosk shows.
    op.get_bind().execute(
        sa.text("UPDATE print_jobs SET payload = :empty, status = 'failed', "
                "last_error = 'not rendered before a downgrade' WHERE payload IS NULL"),
        {"empty": b""},
    )
    with op.batch_alter_table('print_jobs', schema=None) as batch_op:
        batch_op.alter_column('payload', existing_type=sa.LargeBinary(), nullable=False)
        batch_op.drop_column('slip')
