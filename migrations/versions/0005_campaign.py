"""campaign standing: campaign_people (per participant) and campaign_counts (per province)

Revision ID: 0005
Revises: 0006
"""
import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('campaign_people',
    sa.Column('person_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('province_code', sa.String(length=2), nullable=False),
    sa.Column('cccd_verified', sa.Boolean(), nullable=False),
    sa.Column('app_linked', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('person_id', name=op.f('pk_campaign_people'))
    )
    with op.batch_alter_table('campaign_people', schema=None) as batch_op:
        batch_op.create_index('ix_campaign_people_province', ['province_code', 'cccd_verified', 'app_linked'],
                              unique=False)
    op.create_table('campaign_counts',
    sa.Column('province_code', sa.String(length=2), nullable=False),
    sa.Column('participants', sa.Integer(), nullable=False),
    sa.Column('cccd_verified', sa.Integer(), nullable=False),
    sa.Column('app_linked', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('province_code', name=op.f('pk_campaign_counts'))
    )
    # Existing data: the standing of everyone already insured (the same query as the recount).
    op.execute(
        "INSERT INTO campaign_people (person_id, province_code, cccd_verified, app_linked) "
        "SELECT person_id, province_code, cccd_verified, app_linked FROM ("
        " SELECT c.person_id, c.province_code, p.cccd IS NOT NULL AS cccd_verified,"
        " p.account_id IS NOT NULL AS app_linked, ROW_NUMBER() OVER (PARTITION BY c.person_id"
        " ORDER BY c.valid_from DESC, c.created_at DESC, c.id DESC) AS rn"
        " FROM cards c JOIN insured_persons p ON p.id = c.person_id) cur WHERE rn = 1")
    op.execute(
        "INSERT INTO campaign_counts (province_code, participants, cccd_verified, app_linked) "
        "SELECT province_code, COUNT(*), SUM(CASE WHEN cccd_verified THEN 1 ELSE 0 END),"
        " SUM(CASE WHEN app_linked THEN 1 ELSE 0 END) FROM campaign_people GROUP BY province_code")


def downgrade() -> None:
    op.drop_table('campaign_counts')
    with op.batch_alter_table('campaign_people', schema=None) as batch_op:
        batch_op.drop_index('ix_campaign_people_province')
    op.drop_table('campaign_people')
