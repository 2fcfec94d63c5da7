"""staff sessions

Staff logins kept on the server (loket.auth.sessions). Cookies from before this revision name no
session, so staff sign in once more after the upgrade.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 09:24:55.412051

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('staff_sessions',
    sa.Column('token_digest', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('staff_sessions_user_id_fkey'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('token_digest', name=op.f('staff_sessions_pkey'))
    )
    with op.batch_alter_table('staff_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_sessions_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('staff_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_sessions_user_id'))

    op.drop_table('staff_sessions')
