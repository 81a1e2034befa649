"""guest origin (本地/外地/外宾) and lodging person-nights on a reception

The policy's new parameters (caps by origin, lodging, foreign guests, documents, guest list)
live in the versions' JSON and need no column: a version stored before this revision reads
with the defaults, 本地 guests keeping the caps every guest had, so today's numbers are
unchanged. Attachment kinds are text and simply gain 接待清单 and 审批单.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 18:00:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('receptions') as batch:
        batch.add_column(sa.Column('guest_origin', sa.String(length=8), nullable=False, server_default=''))
        batch.add_column(sa.Column('lodging_persons', sa.Integer(), nullable=False, server_default='0'))
        batch.add_column(sa.Column('lodging_nights', sa.Integer(), nullable=False, server_default='0'))


def downgrade() -> None:
    with op.batch_alter_table('receptions') as batch:
        batch.drop_column('lodging_nights')
        batch.drop_column('lodging_persons')
        batch.drop_column('guest_origin')
