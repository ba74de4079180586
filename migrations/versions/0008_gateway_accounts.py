"""gateway accounts (per-user gateway logins) and client address allow-lists

Revision ID: 0008
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

import models

revision = '0008'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('gateway_accounts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.String(length=64), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['api_clients.client_id'],
                            name=op.f('fk_gateway_accounts_client_id_api_clients'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_gateway_accounts')),
    sa.UniqueConstraint('username', name=op.f('uq_gateway_accounts_username'))
    )
    with op.batch_alter_table('gateway_accounts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_gateway_accounts_client_id'), ['client_id'], unique=False)

    op.create_table('client_addresses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.String(length=64), nullable=False),
    sa.Column('cidr', sa.String(length=64), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['api_clients.client_id'],
                            name=op.f('fk_client_addresses_client_id_api_clients'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_client_addresses')),
    sa.UniqueConstraint('client_id', 'cidr', name=op.f('uq_client_addresses_client_id'))
    )
    with op.batch_alter_table('client_addresses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_client_addresses_client_id'), ['client_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('client_addresses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_client_addresses_client_id'))
    op.drop_table('client_addresses')
    with op.batch_alter_table('gateway_accounts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_gateway_accounts_client_id'))
    op.drop_table('gateway_accounts')
