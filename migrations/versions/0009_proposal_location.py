"""proposals: an optional location (latitude, longitude), indexed, with range checks

Revision ID: 0009_proposal_location
Revises: 0007_api
Create Date: 2026-11-23 17:00:00

SQLite cannot add a named CHECK constraint to an existing table, and batch mode
would rebuild `proposal` by dropping it: with foreign keys on, that drop deletes
every support (ON DELETE CASCADE) and unlinks every vote option. So on SQLite the
checks ride on the new columns themselves (ADD COLUMN ... CONSTRAINT name CHECK),
and downgrading drops the columns (SQLite 3.35+), never the table.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009_proposal_location'
down_revision = '0007_api'
branch_labels = None
depends_on = None

LATITUDE_RANGE = 'latitude >= -90 AND latitude <= 90'
LONGITUDE_RANGE = 'longitude >= -180 AND longitude <= 180'
POSITION_PAIR = (
    '(latitude IS NULL AND longitude IS NULL) '
    'OR (latitude IS NOT NULL AND longitude IS NOT NULL)'
)


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name == 'sqlite':
        double = sa.Double().compile(dialect=bind.dialect)
        op.execute(
            f'ALTER TABLE proposal ADD COLUMN latitude {double} '
            f'CONSTRAINT ck_proposal_latitude_range CHECK ({LATITUDE_RANGE})'
        )
        op.execute(
            f'ALTER TABLE proposal ADD COLUMN longitude {double} '
            f'CONSTRAINT ck_proposal_longitude_range CHECK ({LONGITUDE_RANGE}) '
            f'CONSTRAINT ck_proposal_position_pair CHECK ({POSITION_PAIR})'
        )
    else:
        op.add_column('proposal', sa.Column('latitude', sa.Double(), nullable=True))
        op.add_column('proposal', sa.Column('longitude', sa.Double(), nullable=True))
        op.create_check_constraint(op.f('ck_proposal_latitude_range'), 'proposal', LATITUDE_RANGE)
        op.create_check_constraint(
            op.f('ck_proposal_longitude_range'), 'proposal', LONGITUDE_RANGE
        )
        op.create_check_constraint(op.f('ck_proposal_position_pair'), 'proposal', POSITION_PAIR)
    op.create_index(
        'ix_proposal_latitude_longitude', 'proposal', ['latitude', 'longitude'], unique=False
    )


def downgrade():
    op.drop_index('ix_proposal_latitude_longitude', table_name='proposal')
    # Longitude first: its pair check names latitude, and SQLite refuses to drop a
    # column another column's check still mentions. PostgreSQL drops the checks with
    # the columns.
    if op.get_bind().dialect.name == 'sqlite':
        op.execute('ALTER TABLE proposal DROP COLUMN longitude')
        op.execute('ALTER TABLE proposal DROP COLUMN latitude')
    else:
        op.drop_column('proposal', 'longitude')
        op.drop_column('proposal', 'latitude')
