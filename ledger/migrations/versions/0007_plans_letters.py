"""before the meal and after the paper: plans (接待审批), the letter register, void and
reimbursement columns on receptions

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 20:30:00.000000

The register starts with the letters the ledger already names: one row per normalised
number, each recorded in the history as registered by the upgrade, so ``verify`` finds
every letter row accounted for.
"""

from datetime import datetime

from alembic import op
import sqlalchemy as sa

from ledger import history
from ledger.history import canonical
from ledger.text import text_key

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

RECEPTION_COLUMNS = [
    sa.Column('plan_id', sa.Integer(), nullable=True),
    sa.Column('letter_id', sa.Integer(), nullable=True),
    sa.Column('void_reason', sa.Text(), nullable=False, server_default=''),
    sa.Column('voided_by', sa.String(length=64), nullable=False, server_default=''),
    sa.Column('voided_at', sa.DateTime(), nullable=True),
    sa.Column('reimbursement_no', sa.String(length=64), nullable=False, server_default=''),
    sa.Column('reimbursed_on', sa.Date(), nullable=True),
    sa.Column('reimbursed_by', sa.String(length=64), nullable=False, server_default=''),
]


def upgrade() -> None:
    op.create_table('letters',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('letter_no', sa.String(length=100), nullable=False),
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('sending_unit', sa.String(length=200), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('letter_date', sa.Date(), nullable=True),
    sa.Column('scan_filename', sa.String(length=255), nullable=False),
    sa.Column('scan_sha256', sa.String(length=64), nullable=False),
    sa.Column('scan_size', sa.Integer(), nullable=False),
    sa.Column('scan', sa.LargeBinary(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key'),
    )
    op.create_table('plans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('ref', sa.String(length=32), nullable=False),
    sa.Column('letter_id', sa.Integer(), nullable=True),
    sa.Column('letter_no', sa.String(length=100), nullable=False),
    sa.Column('phone_record', sa.Text(), nullable=False),
    sa.Column('visiting_unit', sa.String(length=200), nullable=False),
    sa.Column('activity', sa.String(length=500), nullable=False),
    sa.Column('activity_kind', sa.String(length=32), nullable=False),
    sa.Column('guest_origin', sa.String(length=8), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('guest_count', sa.Integer(), nullable=False),
    sa.Column('companion_count', sa.Integer(), nullable=False),
    sa.Column('people', sa.Text(), nullable=False),
    sa.Column('meals', sa.Text(), nullable=False),
    sa.Column('lodging_persons', sa.Integer(), nullable=False),
    sa.Column('lodging_nights', sa.Integer(), nullable=False),
    sa.Column('budget_fen', sa.BigInteger(), nullable=False),
    sa.Column('remarks', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('submitted_by', sa.String(length=64), nullable=False),
    sa.Column('submitted_at', sa.DateTime(), nullable=True),
    sa.Column('approved_by', sa.String(length=64), nullable=False),
    sa.Column('approved_at', sa.DateTime(), nullable=True),
    sa.Column('review_comment', sa.Text(), nullable=False),
    sa.Column('void_reason', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('ref'),
    sa.UniqueConstraint('year', 'seq', name='uq_plans_year_seq'),
    )
    op.create_index('ix_plans_letter_id', 'plans', ['letter_id'], unique=False)
    # plain ADD COLUMN: a batch operation could rebuild the table on SQLite and lose the
    # triggers revision 0004 keeps on it
    for column in RECEPTION_COLUMNS:
        op.add_column('receptions', column)
    op.create_index('ix_receptions_plan_id', 'receptions', ['plan_id'], unique=False)
    op.create_index('ix_receptions_letter_id', 'receptions', ['letter_id'], unique=False)
    _register_letters()


def _register_letters() -> None:
    """One register row per letter number the receptions carry, with its history entry."""
    bind = op.get_bind()
    receptions = sa.table(
        'receptions',
        sa.column('id'), sa.column('letter_no'), sa.column('letter_title'), sa.column('visiting_unit'),
        sa.column('letter_id'),
    )
    letters = sa.table(
        'letters',
        sa.column('id'), sa.column('letter_no'), sa.column('key'), sa.column('sending_unit'),
        sa.column('title'), sa.column('letter_date'), sa.column('scan_filename'), sa.column('scan_sha256'),
        sa.column('scan_size'), sa.column('version'), sa.column('created_by'), sa.column('created_at'),
    )
    found: dict[str, dict] = {}
    uses: dict[str, list[int]] = {}
    rows = bind.execute(
        sa.select(receptions.c.id, receptions.c.letter_no, receptions.c.letter_title, receptions.c.visiting_unit)
        .where(receptions.c.letter_no != '')
        .order_by(receptions.c.id)
    )
    for rid, number, title, unit in rows:
        key = text_key(number)[:100]
        if not key:
            continue
        found.setdefault(key, {'letter_no': number[:100], 'title': (title or '')[:300], 'sending_unit': (unit or '')[:200]})
        uses.setdefault(key, []).append(rid)
    if not found:
        return
    now = datetime.now().replace(microsecond=0)
    values = [
        {
            'letter_no': v['letter_no'], 'key': key, 'sending_unit': v['sending_unit'], 'title': v['title'],
            'letter_date': None, 'scan_filename': '', 'scan_sha256': '', 'scan_size': 0, 'version': 1,
            'created_by': '', 'created_at': now,
        }
        for key, v in found.items()
    ]
    for start in range(0, len(values), 5000):
        bind.execute(letters.insert(), values[start:start + 5000])
    ids = dict(bind.execute(sa.select(letters.c.key, letters.c.id)).all())
    updates = [{'b_id': rid, 'b_letter': ids[key]} for key, rids in uses.items() for rid in rids]
    stmt = receptions.update().where(receptions.c.id == sa.bindparam('b_id')).values(letter_id=sa.bindparam('b_letter'))
    for start in range(0, len(updates), 5000):
        bind.execute(stmt, updates[start:start + 5000])
    algo = bind.execute(sa.text("SELECT value FROM settings WHERE key = 'crypto'")).scalar()
    from sqlalchemy.orm import Session

    session = Session(bind=bind)
    history.append_many(
        session,
        [
            {
                'at': now, 'username': '', 'action': 'register', 'entity': 'letter', 'entity_id': ids[v['key']],
                'ref': v['letter_no'][:32], 'before': None, 'after': letter_snapshot_of(v), 'comment': '升级时由已有接待登记',
            }
            for v in values
        ],
        algo='sm3' if algo == 'gm' else '',
    )
    session.flush()


def _record_removal() -> None:
    """The downgrade drops the plans and the register: say so in the history (one entry each),
    so ``verify`` on the older program's ledger sees them removed by the program, not outside it."""
    bind = op.get_bind()
    rows = [('plan', i, ref) for i, ref in bind.execute(sa.text('SELECT id, ref FROM plans ORDER BY id'))]
    rows += [('letter', i, no) for i, no in bind.execute(sa.text('SELECT id, letter_no FROM letters ORDER BY id'))]
    if not rows:
        return
    algo = bind.execute(sa.text("SELECT value FROM settings WHERE key = 'crypto'")).scalar()
    from sqlalchemy.orm import Session

    session = Session(bind=bind)
    now = datetime.now().replace(microsecond=0)
    history.append_many(
        session,
        [
            {
                'at': now, 'username': '', 'action': 'delete', 'entity': entity, 'entity_id': i,
                'ref': (ref or '')[:32], 'before': None, 'after': None, 'comment': '降级到不含接待审批与公函登记的版本',
            }
            for entity, i, ref in rows
        ],
        algo='sm3' if algo == 'gm' else '',
    )
    session.flush()


def letter_snapshot_of(v: dict) -> dict:
    # the same keys as ledger.preapproval.letter_snapshot
    return {
        'letter_no': v['letter_no'], 'sending_unit': v['sending_unit'], 'title': v['title'],
        'letter_date': None, 'scan_filename': '', 'scan_sha256': '', 'scan_size': 0,
        'created_by': v['created_by'], 'created_at': v['created_at'].isoformat(),
    }


def downgrade() -> None:
    _record_removal()
    op.drop_index('ix_receptions_letter_id', 'receptions')
    op.drop_index('ix_receptions_plan_id', 'receptions')
    for column in reversed(RECEPTION_COLUMNS):
        # SQLite 3.35+ drops a column in place (a batch rebuild would lose the triggers)
        op.execute(f'ALTER TABLE receptions DROP COLUMN {column.name}')
    op.drop_index('ix_plans_letter_id', 'plans')
    op.drop_table('plans')
    op.drop_table('letters')
