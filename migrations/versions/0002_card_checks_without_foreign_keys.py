"""card_checks without foreign keys (an append-only log; see models/checks.py)

Revision ID: 0002
Revises: 0001
"""
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

FOREIGN_KEYS = [
    ('fk_card_checks_card_id_cards', ['card_id'], 'cards', ['id']),
    ('fk_card_checks_client_id_api_clients', ['client_id'], 'api_clients', ['client_id']),
    ('fk_card_checks_person_id_insured_persons', ['person_id'], 'insured_persons', ['id']),
]


def upgrade() -> None:
    with op.batch_alter_table('card_checks', schema=None) as batch_op:
        for name, *_ in FOREIGN_KEYS:
            batch_op.drop_constraint(name, type_='foreignkey')


def downgrade() -> None:
    with op.batch_alter_table('card_checks', schema=None) as batch_op:
        for name, cols, table, remote in FOREIGN_KEYS:
            batch_op.create_foreign_key(name, table, cols, remote)
