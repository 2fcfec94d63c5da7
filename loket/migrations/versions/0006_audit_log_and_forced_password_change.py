"""audit log and forced password change

`audit_log` keeps every administration change (who, when, what, before and after), added in the
change's own transaction and never edited from the web. `users.must_change_password` marks an
account whose password was chosen or seen by someone else (a one-time or reset password): it must
choose its own before any other page opens. Accounts that exist already keep their passwords.
`counters.paused_at` says since when a counter is paused (the supervisors' dashboard).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 15:39:35.364148

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('office_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('target_kind', sa.String(length=20), nullable=False),
    sa.Column('target_id', sa.String(length=40), nullable=False),
    sa.Column('target_label', sa.String(length=200), nullable=False),
    sa.Column('before', sa.JSON(), nullable=False),
    sa.Column('after', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('audit_log_actor_id_fkey')),
    sa.ForeignKeyConstraint(['office_id'], ['office.id'], name=op.f('audit_log_office_id_fkey')),
    sa.PrimaryKeyConstraint('id', name=op.f('audit_log_pkey'))
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index('ix_audit_log_office_at', ['office_id', 'at'], unique=False)

    with op.batch_alter_table('counters', schema=None) as batch_op:
        batch_op.add_column(sa.Column('paused_at', sa.DateTime(), nullable=True))

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('must_change_password', sa.Boolean(), server_default=sa.false(), nullable=False))



def downgrade():
    with op.batch_alter_table('counters', schema=None) as batch_op:
        batch_op.drop_column('paused_at')

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('must_change_password')

    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_log_office_at')

    op.drop_table('audit_log')
