"""family: registry relations, dependants, birth registrations (docs/family.md)

Revision ID: 0004
Revises: 0006
"""
import sqlalchemy as sa
from alembic import op

import models.base

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

RELATION_COLUMNS = ('mother_cccd', 'father_cccd', 'guardian_cccd')


def upgrade() -> None:
    with op.batch_alter_table('registry_records', schema=None) as batch_op:
        for name in RELATION_COLUMNS:
            batch_op.add_column(sa.Column(name, sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column('household_code', sa.String(length=20), nullable=True))
        batch_op.create_index(batch_op.f('ix_registry_records_household_code'), ['household_code'], unique=False)
    op.create_table('dependants',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('guardian_account_id', sa.Integer(), nullable=False),
    sa.Column('child_cccd', sa.String(length=12), nullable=False),
    sa.Column('full_name', sa.String(length=200), nullable=False),
    sa.Column('date_of_birth', sa.Date(), nullable=False),
    sa.Column('gender', sa.String(length=6), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['guardian_account_id'], ['accounts.id'],
                            name=op.f('fk_dependants_guardian_account_id_accounts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dependants')),
    sa.UniqueConstraint('guardian_account_id', 'child_cccd', name=op.f('uq_dependants_guardian_account_id'))
    )
    with op.batch_alter_table('dependants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dependants_guardian_account_id'), ['guardian_account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_dependants_child_cccd'), ['child_cccd'], unique=False)
    op.create_table('birth_registrations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.String(length=64), nullable=False),
    sa.Column('child_cccd', sa.String(length=12), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('card_id', sa.String(length=32), nullable=False),
    sa.Column('mother_cccd', sa.String(length=12), nullable=True),
    sa.Column('father_cccd', sa.String(length=12), nullable=True),
    sa.Column('guardian_cccd', sa.String(length=12), nullable=True),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('client_id', sa.String(length=64), nullable=True),
    sa.Column('received_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['card_id'], ['cards.id'], name=op.f('fk_birth_registrations_card_id_cards')),
    sa.ForeignKeyConstraint(['person_id'], ['insured_persons.id'],
                            name=op.f('fk_birth_registrations_person_id_insured_persons')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_birth_registrations')),
    sa.UniqueConstraint('child_cccd', name=op.f('uq_birth_registrations_child_cccd')),
    sa.UniqueConstraint('registration_id', name=op.f('uq_birth_registrations_registration_id'))
    )


def downgrade() -> None:
    op.drop_table('birth_registrations')
    with op.batch_alter_table('dependants', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dependants_child_cccd'))
        batch_op.drop_index(batch_op.f('ix_dependants_guardian_account_id'))
    op.drop_table('dependants')
    with op.batch_alter_table('registry_records', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_registry_records_household_code'))
        batch_op.drop_column('household_code')
        for name in reversed(RELATION_COLUMNS):
            batch_op.drop_column(name)
