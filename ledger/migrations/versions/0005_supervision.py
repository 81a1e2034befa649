"""the indexes the supervision figures read

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 18:00:00.000000

The guest origin (本地/外地/外宾) they group by came with revision 0003.
"""

from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


SUPERVISION_COLUMNS = [
    'reception_date', 'status', 'classified', 'payment_method', 'created_at', 'approved_at',
    'posted_on', 'end_date', 'version', 'visiting_unit', 'letter_no', 'ref',
]


def upgrade() -> None:
    # plain CREATE INDEX: a batch operation could rebuild the table on SQLite and lose the
    # triggers revision 0004 keeps on it
    op.create_index('ix_receptions_supervision', 'receptions', SUPERVISION_COLUMNS, unique=False)
    op.create_index(
        'ix_receptions_origin',
        'receptions',
        ['guest_origin', 'status', 'reception_date', 'total_fen', 'guest_count'],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index('ix_receptions_origin', 'receptions')
    op.drop_index('ix_receptions_supervision', 'receptions')
