"""offices

Offices become first-class: services, counters, tickets and complaints belong to one; officers and
supervisors to one (an admin of none manages the whole installation); kiosks and displays serve one
or several. Service codes, slugs and counter numbers are unique within an office; a display's
selection is kept as ids. An installation from before becomes its one office, code "utama", with
no number prefix, so it keeps working unchanged.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 11:33:08.998563

"""
import json

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

DEFAULT_CODE = "utama"  # loket.offices.models.DEFAULT_CODE, frozen here as migrations must be


def _json(value):
    if isinstance(value, (list, dict)) or value is None:
        return value or []
    return json.loads(value)


def _letters(n: int) -> str:
    """1 → "B", 2 → "C", … 25 → "Z", 26 → "BA": a prefix of letters only, distinct per n."""
    letters = ""
    while True:
        n, rest = divmod(n, 26)
        letters = chr(ord("A") + rest) + letters
        if not n:
            return letters[-3:]


def upgrade():
    bind = op.get_bind()
    with op.batch_alter_table('office', schema=None) as batch_op:
        batch_op.add_column(sa.Column('code', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('prefix', sa.String(length=3), nullable=True))
        batch_op.add_column(sa.Column('position', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('active', sa.Boolean(), nullable=True))

    in_use = any(bind.execute(sa.text(f"SELECT 1 FROM {table} LIMIT 1")).first()
                 for table in ("services", "counters", "kiosks", "displays", "users", "tickets", "complaints"))
    office_id = bind.execute(sa.text("SELECT min(id) FROM office")).scalar()
    if office_id is None and in_use:
        bind.execute(sa.text("INSERT INTO office (id, name, short_name, address, phone, maklumat, data) "
                             "VALUES (1, 'Loket', 'Loket', '', '', '', '{}')"))
        office_id = 1
    # Every row the single-office schema had (one, id 1) becomes an office; only the first is the default.
    for position, (row_id,) in enumerate(bind.execute(sa.text("SELECT id FROM office ORDER BY id")).all()):
        bind.execute(sa.text("UPDATE office SET code = :code, prefix = :prefix, position = :position, "
                             "active = :active WHERE id = :id"),
                     {"code": DEFAULT_CODE if position == 0 else f"kantor-{row_id}",
                      "prefix": "" if position == 0 else _letters(position), "position": position,
                      "active": True, "id": row_id})
    if bind.dialect.name == "postgresql":
        # The single-office code always wrote id 1 itself, so the id sequence never moved: the first
        # office added after this upgrade would be given id 1 again.
        bind.execute(sa.text("SELECT setval(pg_get_serial_sequence('office', 'id'), "
                             "COALESCE((SELECT max(id) FROM office), 0) + 1, false)"))
    with op.batch_alter_table('office', schema=None) as batch_op:
        batch_op.alter_column('code', existing_type=sa.String(length=20), nullable=False)
        batch_op.alter_column('prefix', existing_type=sa.String(length=3), nullable=False)
        batch_op.alter_column('position', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('active', existing_type=sa.Boolean(), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('office_code_key'), ['code'])
        batch_op.create_unique_constraint(batch_op.f('office_prefix_key'), ['prefix'])

    op.create_table('display_offices',
    sa.Column('display_id', sa.String(length=40), nullable=False),
    sa.Column('office_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['display_id'], ['displays.id'], name=op.f('display_offices_display_id_fkey'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['office_id'], ['office.id'], name=op.f('display_offices_office_id_fkey'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('display_id', 'office_id', name=op.f('display_offices_pkey'))
    )
    op.create_table('kiosk_offices',
    sa.Column('kiosk_id', sa.String(length=40), nullable=False),
    sa.Column('office_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['kiosk_id'], ['kiosks.id'], name=op.f('kiosk_offices_kiosk_id_fkey'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['office_id'], ['office.id'], name=op.f('kiosk_offices_office_id_fkey'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('kiosk_id', 'office_id', name=op.f('kiosk_offices_pkey'))
    )
    if office_id is not None:
        bind.execute(sa.text("INSERT INTO kiosk_offices (kiosk_id, office_id) SELECT id, :office FROM kiosks"),
                     {"office": office_id})
        bind.execute(sa.text("INSERT INTO display_offices (display_id, office_id) SELECT id, :office FROM displays"),
                     {"office": office_id})

    # Services and counters first: tickets and complaints take their office from them.
    for table in ('services', 'counters'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('office_id', sa.Integer(), nullable=True))
        bind.execute(sa.text(f"UPDATE {table} SET office_id = :office"), {"office": office_id})
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('office_id', sa.Integer(), nullable=True))
    bind.execute(sa.text("UPDATE tickets SET office_id = (SELECT services.office_id FROM services "
                         "WHERE services.id = tickets.issued_service_id)"))
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.add_column(sa.Column('office_id', sa.Integer(), nullable=True))
    bind.execute(sa.text("UPDATE complaints SET office_id = :office"), {"office": office_id})

    with op.batch_alter_table('services', schema=None) as batch_op:
        batch_op.alter_column('office_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_constraint(batch_op.f('services_code_key'), type_='unique')
        batch_op.drop_constraint(batch_op.f('services_slug_key'), type_='unique')
        batch_op.create_unique_constraint('services_office_id_code_key', ['office_id', 'code'])
        batch_op.create_unique_constraint('services_office_id_slug_key', ['office_id', 'slug'])
        batch_op.create_foreign_key(batch_op.f('services_office_id_fkey'), 'office', ['office_id'], ['id'])

    with op.batch_alter_table('counters', schema=None) as batch_op:
        batch_op.alter_column('office_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_constraint(batch_op.f('counters_number_key'), type_='unique')
        batch_op.create_unique_constraint('counters_office_id_number_key', ['office_id', 'number'])
        batch_op.create_foreign_key(batch_op.f('counters_office_id_fkey'), 'office', ['office_id'], ['id'])

    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.alter_column('office_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_index('ix_tickets_office_day', ['office_id', 'day', 'state'], unique=False)
        batch_op.create_foreign_key(batch_op.f('tickets_office_id_fkey'), 'office', ['office_id'], ['id'])

    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.alter_column('office_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_index(batch_op.f('ix_complaints_office_id'), ['office_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('complaints_office_id_fkey'), 'office', ['office_id'], ['id'])

    # Officers and supervisors work for the office; admins stay installation-wide.
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('office_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_users_office_id'), ['office_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('users_office_id_fkey'), 'office', ['office_id'], ['id'])
    bind.execute(sa.text("UPDATE users SET office_id = :office WHERE role <> 'admin'"), {"office": office_id})

    # A display's selection: service codes and counter numbers become ids (unique across offices).
    with op.batch_alter_table('displays', schema=None) as batch_op:
        batch_op.add_column(sa.Column('service_ids', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('counter_ids', sa.JSON(), nullable=True))
    service_ids = dict(bind.execute(sa.text("SELECT code, id FROM services")).all())
    counter_ids = dict(bind.execute(sa.text("SELECT number, id FROM counters")).all())
    displays = sa.table('displays', sa.column('id', sa.String), sa.column('service_ids', sa.JSON),
                        sa.column('counter_ids', sa.JSON))
    for display_id, codes, numbers in bind.execute(
            sa.text("SELECT id, service_codes, counter_numbers FROM displays")).all():
        bind.execute(displays.update().where(displays.c.id == display_id).values(
            service_ids=[service_ids[c] for c in _json(codes) if c in service_ids],
            counter_ids=[counter_ids[n] for n in _json(numbers) if n in counter_ids]))
    with op.batch_alter_table('displays', schema=None) as batch_op:
        batch_op.alter_column('service_ids', existing_type=sa.JSON(), nullable=False)
        batch_op.alter_column('counter_ids', existing_type=sa.JSON(), nullable=False)
        batch_op.drop_column('counter_numbers')
        batch_op.drop_column('service_codes')


def downgrade():
    """Back to one office: only possible while the installation has a single one."""
    bind = op.get_bind()
    if bind.execute(sa.text("SELECT count(*) FROM office")).scalar() > 1:
        raise RuntimeError("cannot downgrade below 0004 with more than one office: remove the others first")
    with op.batch_alter_table('displays', schema=None) as batch_op:
        batch_op.add_column(sa.Column('service_codes', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('counter_numbers', sa.JSON(), nullable=True))
    codes = dict(bind.execute(sa.text("SELECT id, code FROM services")).all())
    numbers = dict(bind.execute(sa.text("SELECT id, number FROM counters")).all())
    displays = sa.table('displays', sa.column('id', sa.String), sa.column('service_codes', sa.JSON),
                        sa.column('counter_numbers', sa.JSON))
    for display_id, service_ids, counter_ids in bind.execute(
            sa.text("SELECT id, service_ids, counter_ids FROM displays")).all():
        bind.execute(displays.update().where(displays.c.id == display_id).values(
            service_codes=[codes[i] for i in _json(service_ids) if i in codes],
            counter_numbers=[numbers[i] for i in _json(counter_ids) if i in numbers]))
    with op.batch_alter_table('displays', schema=None) as batch_op:
        batch_op.alter_column('service_codes', existing_type=sa.JSON(), nullable=False)
        batch_op.alter_column('counter_numbers', existing_type=sa.JSON(), nullable=False)
        batch_op.drop_column('counter_ids')
        batch_op.drop_column('service_ids')

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('users_office_id_fkey'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_users_office_id'))
        batch_op.drop_column('office_id')

    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('complaints_office_id_fkey'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_complaints_office_id'))
        batch_op.drop_column('office_id')

    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('tickets_office_id_fkey'), type_='foreignkey')
        batch_op.drop_index('ix_tickets_office_day')
        batch_op.drop_column('office_id')

    with op.batch_alter_table('counters', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('counters_office_id_fkey'), type_='foreignkey')
        batch_op.drop_constraint('counters_office_id_number_key', type_='unique')
        batch_op.create_unique_constraint(batch_op.f('counters_number_key'), ['number'])
        batch_op.drop_column('office_id')

    with op.batch_alter_table('services', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('services_office_id_fkey'), type_='foreignkey')
        batch_op.drop_constraint('services_office_id_slug_key', type_='unique')
        batch_op.drop_constraint('services_office_id_code_key', type_='unique')
        batch_op.create_unique_constraint(batch_op.f('services_slug_key'), ['slug'])
        batch_op.create_unique_constraint(batch_op.f('services_code_key'), ['code'])
        batch_op.drop_column('office_id')

    op.drop_table('kiosk_offices')
    op.drop_table('display_offices')

    with op.batch_alter_table('office', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('office_prefix_key'), type_='unique')
        batch_op.drop_constraint(batch_op.f('office_code_key'), type_='unique')
        batch_op.drop_column('active')
        batch_op.drop_column('position')
        batch_op.drop_column('prefix')
        batch_op.drop_column('code')
