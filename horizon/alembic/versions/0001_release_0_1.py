"""The baseline: the store's schema as release 0.1 made it (schema_version 1 in ``meta``).

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('digests',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('key', sa.String(length=100), nullable=False),
        sa.Column('week', sa.String(length=10), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('path', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('key', 'week', name='uq_digest_key_week')
    )
    op.create_table('items',
        sa.Column('id', sa.String(length=200), nullable=False),
        sa.Column('source', sa.String(length=64), nullable=False),
        sa.Column('type', sa.String(length=32), nullable=False),
        sa.Column('updated', sa.Date(), nullable=True),
        sa.Column('fingerprint', sa.String(length=32), nullable=False),
        sa.Column('record', sa.JSON(), nullable=False),
        sa.Column('first_seen', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_seen', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_items_first_seen'), 'items', ['first_seen'], unique=False)
    op.create_index(op.f('ix_items_source'), 'items', ['source'], unique=False)
    op.create_table('judgements',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('item_id', sa.String(length=200), nullable=False),
        sa.Column('digest_id', sa.Integer(), nullable=True),
        sa.Column('reviewer', sa.String(length=100), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('areas', sa.JSON(), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_judgements_item_id'), 'judgements', ['item_id'], unique=False)
    op.create_index(op.f('ix_judgements_reviewer'), 'judgements', ['reviewer'], unique=False)
    op.create_table('labels',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('item_id', sa.String(length=200), nullable=False),
        sa.Column('area', sa.String(length=64), nullable=True),
        sa.Column('relevant', sa.Boolean(), nullable=False),
        sa.Column('reviewer', sa.String(length=100), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_labels_item_id'), 'labels', ['item_id'], unique=False)
    op.create_table('meta',
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('value', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('key')
    )
    op.create_table('register',
        sa.Column('item_id', sa.String(length=200), nullable=False),
        sa.Column('stage', sa.String(length=16), nullable=False),
        sa.Column('owner', sa.String(length=100), nullable=False),
        sa.Column('next_review', sa.Date(), nullable=True),
        sa.Column('notes', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_by', sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint('item_id')
    )
    op.create_table('register_log',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('item_id', sa.String(length=200), nullable=False),
        sa.Column('stage', sa.String(length=16), nullable=False),
        sa.Column('owner', sa.String(length=100), nullable=False),
        sa.Column('next_review', sa.Date(), nullable=True),
        sa.Column('notes', sa.Text(), nullable=False),
        sa.Column('by', sa.String(length=100), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_register_log_item_id'), 'register_log', ['item_id'], unique=False)
    op.create_table('training_runs',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('by', sa.String(length=100), nullable=False),
        sa.Column('labels', sa.Integer(), nullable=False),
        sa.Column('f1', sa.Float(), nullable=True),
        sa.Column('report', sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint('id')
    )
    op.create_table('users',
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('password_hash', sa.Text(), nullable=False),
        sa.Column('role', sa.String(length=16), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('name')
    )
    op.create_table('watermarks',
        sa.Column('source', sa.String(length=64), nullable=False),
        sa.Column('updated', sa.Date(), nullable=False),
        sa.Column('run_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('source')
    )
    op.create_table('changes',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('item_id', sa.String(length=200), nullable=False),
        sa.Column('seen_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('field', sa.String(length=64), nullable=False),
        sa.Column('before', sa.Text(), nullable=False),
        sa.Column('after', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['item_id'], ['items.id']),
        sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_changes_item_id'), 'changes', ['item_id'], unique=False)
    op.create_index(op.f('ix_changes_seen_at'), 'changes', ['seen_at'], unique=False)
    op.create_table('digest_explanations',
        sa.Column('digest_id', sa.Integer(), nullable=False),
        sa.Column('item_id', sa.String(length=200), nullable=False),
        sa.Column('scores', sa.JSON(), nullable=False),
        sa.Column('why', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['digest_id'], ['digests.id']),
        sa.PrimaryKeyConstraint('digest_id', 'item_id')
    )
    op.create_table('digest_items',
        sa.Column('digest_id', sa.Integer(), nullable=False),
        sa.Column('item_id', sa.String(length=200), nullable=False),
        sa.Column('rank', sa.Integer(), nullable=False),
        sa.Column('score', sa.Float(), nullable=False),
        sa.Column('areas', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['digest_id'], ['digests.id']),
        sa.ForeignKeyConstraint(['item_id'], ['items.id']),
        sa.PrimaryKeyConstraint('digest_id', 'item_id')
    )


def downgrade() -> None:
    op.drop_table('digest_items')
    op.drop_table('digest_explanations')
    op.drop_table('changes')
    op.drop_table('watermarks')
    op.drop_table('users')
    op.drop_table('training_runs')
    op.drop_table('register_log')
    op.drop_table('register')
    op.drop_table('meta')
    op.drop_table('labels')
    op.drop_table('judgements')
    op.drop_table('items')
    op.drop_table('digests')
