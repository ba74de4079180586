"""outbox_messages, notifications, devices, job_cursors (task queue and notifications)

Revision ID: 0006
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

from models.base import UTCDateTime

revision = '0006'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'outbox_messages',
        sa.Column('id', sa.String(32), nullable=False),
        sa.Column('channel', sa.String(8), nullable=False),
        sa.Column('recipient', sa.String(64), nullable=False),
        sa.Column('body', sa.LargeBinary(), nullable=True),
        sa.Column('status', sa.String(8), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', UTCDateTime(), nullable=False),
        sa.Column('lease_until', UTCDateTime(), nullable=True),
        sa.Column('expires_at', UTCDateTime(), nullable=True),
        sa.Column('last_error', sa.String(200), nullable=True),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('settled_at', UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_messages')),
    )
    op.create_index('ix_outbox_messages_status_next', 'outbox_messages', ['status', 'next_attempt_at'])
    op.create_table(
        'notifications',
        sa.Column('id', sa.String(32), nullable=False),
        sa.Column('account_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(32), nullable=False),
        sa.Column('data', sa.JSON(), nullable=False),
        sa.Column('source_key', sa.String(96), nullable=True),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('read_at', UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_notifications_account_id_accounts'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications')),
        sa.UniqueConstraint('account_id', 'source_key', name='uq_notifications_account_source'),
    )
    op.create_index('ix_notifications_account_read_created', 'notifications', ['account_id', 'read_at', 'created_at'])
    op.create_table(
        'devices',
        sa.Column('id', sa.String(32), nullable=False),
        sa.Column('account_id', sa.Integer(), nullable=False),
        sa.Column('platform', sa.String(8), nullable=False),
        sa.Column('token', sa.String(4096), nullable=False),
        sa.Column('token_hash', sa.String(64), nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('last_seen_at', UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_devices_account_id_accounts'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_devices')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_devices_token_hash')),
    )
    op.create_index(op.f('ix_devices_account_id'), 'devices', ['account_id'])
    op.create_table(
        'job_cursors',
        sa.Column('name', sa.String(32), nullable=False),
        sa.Column('position', UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_job_cursors')),
    )
    op.create_index('ix_card_checks_checked_at', 'card_checks', ['checked_at'], postgresql_using='brin')


def downgrade() -> None:
    op.drop_index('ix_card_checks_checked_at', table_name='card_checks')
    op.drop_table('job_cursors')
    op.drop_index(op.f('ix_devices_account_id'), table_name='devices')
    op.drop_table('devices')
    op.drop_index('ix_notifications_account_read_created', table_name='notifications')
    op.drop_table('notifications')
    op.drop_index('ix_outbox_messages_status_next', table_name='outbox_messages')
    op.drop_table('outbox_messages')
