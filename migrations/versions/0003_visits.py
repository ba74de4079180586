"""medical visits (XML1 summary), their (facility, MA_LK) keys, co-payment years

On PostgreSQL `visits` is partitioned by RANGE (admitted_at), one partition per calendar month
(Vietnam time) from 2024-01 to 2027-12 plus a DEFAULT partition, all in the schema
`visit_partitions` so that the application schema holds only the parent; `flask visits
add-partitions` adds later months. SQLite gets the same table, unpartitioned, with the same indexes.

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

import models.base

revision = '0003'
down_revision = '0005'
branch_labels = None
depends_on = None

SCHEMA = 'visit_partitions'
FIRST_MONTH, LAST_MONTH = (2024, 1), (2027, 12)
MONEY = sa.Numeric(precision=15, scale=2)


def month_partitions(first, last):
    """(name, from, to) for each month, bounds at midnight Vietnam time."""
    (year, month), out = first, []
    while (year, month) <= last:
        nxt = (year + (month == 12), month % 12 + 1)
        out.append((f"visits_{year}_{month:02d}", f"{year}-{month:02d}-01 00:00+07",
                    f"{nxt[0]}-{nxt[1]:02d}-01 00:00+07"))
        year, month = nxt
    return out


def _visit_columns():
    dt = models.base.UTCDateTime(timezone=True)
    return [
        sa.Column('id', sa.String(length=32), nullable=False),
        sa.Column('admitted_at', dt, nullable=False),
        sa.Column('facility_code', sa.String(length=5), nullable=False),
        sa.Column('ma_lk', sa.String(length=100), nullable=False),
        sa.Column('submission_id', sa.String(length=32), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('card_id', sa.String(length=32), nullable=False),
        sa.Column('ma_bn', sa.String(length=100), nullable=False),
        sa.Column('full_name', sa.String(length=255), nullable=False),
        sa.Column('cccd', sa.String(length=15), nullable=True),
        sa.Column('birth', sa.String(length=12), nullable=False),
        sa.Column('gender', sa.SmallInteger(), nullable=False),
        sa.Column('card_number', sa.String(length=50), nullable=False),
        sa.Column('registered_facility', sa.String(length=50), nullable=False),
        sa.Column('card_valid_from', sa.String(length=50), nullable=False),
        sa.Column('card_valid_to', sa.String(length=50), nullable=False),
        sa.Column('main_icd', sa.String(length=7), nullable=False),
        sa.Column('other_icd', sa.String(length=100), nullable=True),
        sa.Column('diagnosis', sa.Text(), nullable=True),
        sa.Column('visit_type', sa.String(length=2), nullable=False),
        sa.Column('arrival_code', sa.String(length=4), nullable=True),
        sa.Column('discharged_at', dt, nullable=False),
        sa.Column('treatment_result', sa.SmallInteger(), nullable=False),
        sa.Column('discharge_type', sa.SmallInteger(), nullable=False),
        sa.Column('total', MONEY, nullable=False),
        sa.Column('insured_total', MONEY, nullable=False),
        sa.Column('self_paid', MONEY, nullable=False),
        sa.Column('copay', MONEY, nullable=False),
        sa.Column('fund_paid', MONEY, nullable=False),
        sa.Column('received_at', dt, nullable=False),
        sa.PrimaryKeyConstraint('id', 'admitted_at', name=op.f('pk_visits')),
    ]


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == 'postgresql'
    op.create_table('visits', *_visit_columns(),
                    **({'postgresql_partition_by': 'RANGE (admitted_at)'} if postgres else {}))
    op.create_index('ix_visits_person_admitted', 'visits', ['person_id', 'admitted_at', 'id'], unique=False)
    if postgres:
        op.execute(f'CREATE SCHEMA IF NOT EXISTS {SCHEMA}')
        for name, start, end in month_partitions(FIRST_MONTH, LAST_MONTH):
            op.execute(f"CREATE TABLE {SCHEMA}.{name} PARTITION OF visits FOR VALUES FROM ('{start}') TO ('{end}')")
        op.execute(f'CREATE TABLE {SCHEMA}.visits_default PARTITION OF visits DEFAULT')
    op.create_table('visit_keys',
    sa.Column('facility_code', sa.String(length=5), nullable=False),
    sa.Column('ma_lk', sa.String(length=100), nullable=False),
    sa.Column('visit_id', sa.String(length=32), nullable=False),
    sa.Column('admitted_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('facility_code', 'ma_lk', name=op.f('pk_visit_keys'))
    )
    op.create_table('copay_years',
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('paid', MONEY, nullable=False),
    sa.Column('over_ceiling_on', sa.Date(), nullable=True),
    sa.Column('updated_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('person_id', 'year', name=op.f('pk_copay_years'))
    )


def downgrade() -> None:
    op.drop_table('copay_years')
    op.drop_table('visit_keys')
    op.drop_index('ix_visits_person_admitted', table_name='visits')
    op.drop_table('visits')  # its partitions go with it
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(f'DROP SCHEMA IF EXISTS {SCHEMA} CASCADE')
