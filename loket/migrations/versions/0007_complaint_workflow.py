"""complaint workflow

Complaints are assigned to an officer (`complaints.assigned_to_id`) and keep a history of steps
(`complaint_steps`: received, assigned, status changes, answers, internal notes the public never
sees, the complainant's replies). Complaints that exist already get the steps their timestamps tell.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 15:52:03.649115

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('complaint_steps',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('complaint_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('internal', sa.Boolean(), nullable=False),
    sa.Column('text', sa.Text(), nullable=True),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('complaint_steps_actor_id_fkey')),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaints.id'], name=op.f('complaint_steps_complaint_id_fkey'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('complaint_steps_pkey'))
    )
    with op.batch_alter_table('complaint_steps', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_complaint_steps_complaint_id'), ['complaint_id'], unique=False)

    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.add_column(sa.Column('assigned_to_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_complaints_assigned_to_id'), ['assigned_to_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('complaints_assigned_to_id_fkey'), 'users', ['assigned_to_id'], ['id'])

    # The history of complaints made before: what their timestamps tell, in order.
    for kind, moment, actor, text, data in (
            ("received", "received_at", "recorded_by_id", "NULL", "'{}'"),
            ("status", "in_progress_at", "handled_by_id", "NULL", "'{\"to\": \"in_progress\"}'"),
            ("answered", "answered_at", "handled_by_id", "response", "'{}'"),
            ("closed", "closed_at", "handled_by_id", "NULL", "'{}'")):
        op.execute(f"INSERT INTO complaint_steps (complaint_id, at, actor_id, kind, internal, text, data) "
                   f"SELECT id, {moment}, {actor}, '{kind}', false, {text}, {data} FROM complaints "
                   f"WHERE {moment} IS NOT NULL ORDER BY {moment}, id")



def downgrade():
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('complaints_assigned_to_id_fkey'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_complaints_assigned_to_id'))
        batch_op.drop_column('assigned_to_id')

    with op.batch_alter_table('complaint_steps', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_complaint_steps_complaint_id'))

    op.drop_table('complaint_steps')
