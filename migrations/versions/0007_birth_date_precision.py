"""birth dates with a precision (day | month | year): every stored date of birth

Revision ID: 0007
Revises: 0002

Many insured people have only a birth year (or month and year) on record. The `date` column keeps
its place (unknown parts stored as 1, so indexes and CCCD year checks keep working); the new column
says which parts are known. Every existing row is a full date: `day`.
"""
import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0002'
branch_labels = None
depends_on = None

COLUMNS = [
    ('insured_persons', 'date_of_birth_precision'),
    ('registry_records', 'date_of_birth_precision'),
    ('link_requests', 'registry_date_of_birth_precision'),
]


def upgrade() -> None:
    for table, column in COLUMNS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column(column, sa.String(length=5), server_default='day', nullable=False))


def downgrade() -> None:
    for table, column in reversed(COLUMNS):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column(column)
