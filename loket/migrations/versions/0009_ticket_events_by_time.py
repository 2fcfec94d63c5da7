"""ticket events by time

The audit page lists the newest staff actions of the ticket log first: with an index on the time
alone it walks back from the newest and stops at its page size, however long the log has grown.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 16:49:57.617922

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('ticket_events', schema=None) as batch_op:
        batch_op.create_index('ix_ticket_events_at', ['at'], unique=False)



def downgrade():
    with op.batch_alter_table('ticket_events', schema=None) as batch_op:
        batch_op.drop_index('ix_ticket_events_at')

