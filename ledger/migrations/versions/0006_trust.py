"""trust: signing keys, signatures, printed fingerprints, sealed years, backup marks,
the chain algorithm of each history entry

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 17:30:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('history') as batch:
        batch.add_column(sa.Column('algo', sa.String(length=8), nullable=False, server_default=''))
    op.create_table('user_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('algo', sa.String(length=16), nullable=False),
    sa.Column('public_key', sa.Text(), nullable=False),
    sa.Column('sealed_private', sa.Text(), nullable=False),
    sa.Column('reason', sa.String(length=32), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_user_keys_username', 'user_keys', ['username'])
    op.create_table('signatures',
    sa.Column('history_id', sa.Integer(), nullable=False),
    sa.Column('key_id', sa.Integer(), nullable=False),
    sa.Column('algo', sa.String(length=16), nullable=False),
    sa.Column('signature', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('history_id')
    )
    op.create_table('printed_fingerprints',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('fingerprint', sa.String(length=19), nullable=False),
    sa.Column('head_id', sa.Integer(), nullable=False),
    sa.Column('printed_at', sa.DateTime(), nullable=False),
    sa.Column('document', sa.String(length=32), nullable=False),
    sa.Column('reference', sa.String(length=64), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_printed_fingerprints_fingerprint', 'printed_fingerprints', ['fingerprint'])
    op.create_table('sealed_years',
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('sealed_at', sa.DateTime(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('manifest_sha256', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('year')
    )
    op.create_table('backup_marks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('place', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )


def downgrade() -> None:
    op.drop_table('backup_marks')
    op.drop_table('sealed_years')
    op.drop_index('ix_printed_fingerprints_fingerprint', 'printed_fingerprints')
    op.drop_table('printed_fingerprints')
    op.drop_table('signatures')
    op.drop_index('ix_user_keys_username', 'user_keys')
    op.drop_table('user_keys')
    with op.batch_alter_table('history') as batch:
        batch.drop_column('algo')
