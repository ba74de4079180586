"""throttle_keys and throttle_hits: the counter store every worker shares without Redis

Revision ID: 0010
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'throttle_keys',
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_throttle_keys')),
    )
    op.create_table(
        'throttle_hits',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.Column('at', sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_throttle_hits')),
    )
    op.create_index(op.f('ix_throttle_hits_key'), 'throttle_hits', ['key'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_throttle_hits_key'), table_name='throttle_hits')
    op.drop_table('throttle_hits')
    op.drop_table('throttle_keys')
