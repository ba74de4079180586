"""One accepted link per record; TOTP secrets sealed at rest (envelope encryption)

- `uq_link_requests_linked_person`: a unique partial index, so concurrent link attempts on one
  record cannot all commit (SQLite reads outside its write lock; PostgreSQL had row locks).
- `ix_insured_persons_dob_without_cccd`: báo tăng finds a legacy record (no CCCD yet) by birth date.
- `accounts.totp_secret` widens to 255 characters and every plain secret already stored is sealed
  (auth/secrets_box.py) with the key ring in DATA_KEYS_DIR (created if absent). The downgrade opens
  them again, so it needs the same ring.

Revision ID: 0009
Revises: 0002
"""
import sqlalchemy as sa
from alembic import context, op

revision = '0009'
down_revision = '0006'
branch_labels = None
depends_on = None


def _keys_dir() -> str:
    found = context.config.attributes.get("data_keys_dir")
    if found:
        return found
    import config

    return config.load()["DATA_KEYS_DIR"]


def _convert(seal: bool) -> None:
    from auth import secrets_box

    folder = _keys_dir()
    accounts = sa.table('accounts', sa.column('id', sa.Integer), sa.column('totp_secret', sa.String))
    conn = op.get_bind()
    rows = conn.execute(sa.select(accounts.c.id, accounts.c.totp_secret)
                        .where(accounts.c.totp_secret.is_not(None))).all()
    for account_id, stored in rows:
        if seal and not secrets_box.is_box(stored):
            value = secrets_box.seal_totp(account_id, stored, folder)
        elif not seal and secrets_box.is_box(stored):
            value = secrets_box.totp_secret(account_id, stored, folder)
        else:
            continue
        conn.execute(accounts.update().where(accounts.c.id == account_id).values(totp_secret=value))


def upgrade() -> None:
    op.create_index('uq_link_requests_linked_person', 'link_requests', ['person_id'], unique=True,
                    postgresql_where=sa.text("status = 'linked'"), sqlite_where=sa.text("status = 'linked'"))
    op.create_index('ix_insured_persons_dob_without_cccd', 'insured_persons', ['date_of_birth'],
                    postgresql_where=sa.text('cccd IS NULL'), sqlite_where=sa.text('cccd IS NULL'))
    with op.batch_alter_table('accounts', schema=None) as batch_op:
        batch_op.alter_column('totp_secret', existing_type=sa.String(length=64), type_=sa.String(length=255),
                              existing_nullable=True)
    _convert(seal=True)


def downgrade() -> None:
    _convert(seal=False)
    with op.batch_alter_table('accounts', schema=None) as batch_op:
        batch_op.alter_column('totp_secret', existing_type=sa.String(length=255), type_=sa.String(length=64),
                              existing_nullable=True)
    op.drop_index('ix_insured_persons_dob_without_cccd', table_name='insured_persons')
    op.drop_index('uq_link_requests_linked_person', table_name='link_requests')
