"""guest origin (本地/外地/外宾) for the disclosure, and the indexes the supervision figures read

Revision ID: 0005
Revises: 0002
Create Date: 2026-11-29 18:00:00.000000

Issue 9 (rules) brings the same column with the import template's 来宾类别; when both are
merged, the column is added once (by whichever revision comes first) and this revision keeps
the two indexes.
"""

from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0002'
branch_labels = None
depends_on = None


SUPERVISION_COLUMNS = [
    'reception_date', 'status', 'classified', 'payment_method', 'created_at', 'approved_at',
    'posted_on', 'end_date', 'version', 'visiting_unit', 'letter_no', 'ref',
]


def upgrade() -> None:
    with op.batch_alter_table('receptions') as batch:
        batch.add_column(sa.Column('guest_origin', sa.String(length=8), nullable=False, server_default='外地'))
        batch.create_index('ix_receptions_supervision', SUPERVISION_COLUMNS, unique=False)
        batch.create_index(
            'ix_receptions_origin', ['guest_origin', 'status', 'reception_date', 'total_fen', 'guest_count'],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table('receptions') as batch:
        batch.drop_index('ix_receptions_origin')
        batch.drop_index('ix_receptions_supervision')
        batch.drop_column('guest_origin')
