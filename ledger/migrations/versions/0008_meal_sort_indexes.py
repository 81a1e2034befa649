"""meal sort indexes: the ledger view sorted by 餐费 or 人均餐费 walks an index, as every other
column does (a million receptions: 0.4-0.6 s without them)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 21:00:00.000000
"""

from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

# the expression ledger.queries.MEAL_PER_PERSON renders (an expression index serves only the
# expression as written)
MEAL_PER_PERSON = "(meal_fen * 1.0 / nullif(guest_count + companion_count, 0))"


def upgrade() -> None:
    op.create_index('ix_receptions_meal_id', 'receptions', ['meal_fen', 'id'], unique=False)
    op.execute(f"CREATE INDEX ix_receptions_meal_per_person ON receptions ({MEAL_PER_PERSON}, id)")


def downgrade() -> None:
    op.execute("DROP INDEX ix_receptions_meal_per_person")
    op.drop_index('ix_receptions_meal_id', table_name='receptions')
