"""guest origin of a reception (本地/外地/外宾), for the disclosure's foreign receptions apart

Revision ID: 0005
Revises: 0002
Create Date: 2026-11-29 18:00:00.000000

Issue 9 (rules) brings the same column with the import template's 来宾类别; when both are
merged, the one that comes first in the chain keeps it and this revision becomes empty.
"""

from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('receptions') as batch:
        batch.add_column(sa.Column('guest_origin', sa.String(length=8), nullable=False, server_default='外地'))


def downgrade() -> None:
    with op.batch_alter_table('receptions') as batch:
        batch.drop_column('guest_origin')
