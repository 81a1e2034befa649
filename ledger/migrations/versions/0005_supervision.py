"""the indexes the supervision figures read

Revision ID: 0005
Revises: 0003
Create Date: 2026-11-29 18:00:00.000000

The guest origin (本地/外地/外宾) they group by came with revision 0003.
"""

from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0003'
branch_labels = None
depends_on = None


SUPERVISION_COLUMNS = [
    'reception_date', 'status', 'classified', 'payment_method', 'created_at', 'approved_at',
    'posted_on', 'end_date', 'version', 'visiting_unit', 'letter_no', 'ref',
]


def upgrade() -> None:
    with op.batch_alter_table('receptions') as batch:
        batch.create_index('ix_receptions_supervision', SUPERVISION_COLUMNS, unique=False)
        batch.create_index(
            'ix_receptions_origin', ['guest_origin', 'status', 'reception_date', 'total_fen', 'guest_count'],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table('receptions') as batch:
        batch.drop_index('ix_receptions_origin')
        batch.drop_index('ix_receptions_supervision')
