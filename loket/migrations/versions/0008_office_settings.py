"""office settings

`office.settings` keeps what an office set on its settings page (public address, opening hours with
several spans a day, per-date exceptions, complaint response days, contact retention) over the
`LOKET_*` defaults from the environment. NULL = nothing set yet: every office keeps working as before.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('office', schema=None) as batch_op:
        batch_op.add_column(sa.Column('settings', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('office', schema=None) as batch_op:
        batch_op.drop_column('settings')
