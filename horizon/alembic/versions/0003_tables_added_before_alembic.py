"""The tables added after schema_version 3 and before Alembic, when ``create_all`` made new tables.

Revision ID: 0003
Revises: 0002

Sign-in (accounts, sessions, login_failures), deliveries, label scopes, training
jobs, blind calls, technology proposals, and the ICS scopes of users, judgements,
register entries, technologies and jobs. A store from before Alembic may have
some of them already, so each is created only when missing. From here on a
revision says exactly what it changes.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _missing(table: str) -> bool:
    return not sa.inspect(op.get_bind()).has_table(table)


def upgrade() -> None:
    if _missing('accounts'):
        op.create_table('accounts',
            sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
            sa.Column('name', sa.String(length=100), nullable=False),
            sa.Column('user_created_at', sa.DateTime(timezone=True), nullable=False),
            sa.PrimaryKeyConstraint('id'),
            sa.UniqueConstraint('name', 'user_created_at', name='uq_account_incarnation')
        )
        op.create_index(op.f('ix_accounts_name'), 'accounts', ['name'], unique=False)
    if _missing('blind_calls'):
        op.create_table('blind_calls',
            sa.Column('judgement_id', sa.Integer(), nullable=False),
            sa.Column('item_id', sa.String(length=200), nullable=False),
            sa.Column('reviewer', sa.String(length=100), nullable=False),
            sa.Column('at', sa.DateTime(timezone=True), nullable=False),
            sa.PrimaryKeyConstraint('judgement_id')
        )
        op.create_index(op.f('ix_blind_calls_item_id'), 'blind_calls', ['item_id'], unique=False)
    if _missing('deliveries'):
        op.create_table('deliveries',
            sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
            sa.Column('digest_key', sa.String(length=100), nullable=False),
            sa.Column('week', sa.String(length=10), nullable=False),
            sa.Column('channel', sa.String(length=32), nullable=False),
            sa.Column('recipients', sa.Text(), nullable=False),
            sa.Column('at', sa.DateTime(timezone=True), nullable=False),
            sa.Column('outcome', sa.String(length=16), nullable=False),
            sa.Column('detail', sa.Text(), nullable=False),
            sa.PrimaryKeyConstraint('id')
        )
        op.create_index(op.f('ix_deliveries_digest_key'), 'deliveries', ['digest_key'], unique=False)
    if _missing('label_scopes'):
        op.create_table('label_scopes',
            sa.Column('label_id', sa.Integer(), nullable=False),
            sa.Column('ics', sa.String(length=60), nullable=False),
            sa.PrimaryKeyConstraint('label_id')
        )
        op.create_index(op.f('ix_label_scopes_ics'), 'label_scopes', ['ics'], unique=False)
    if _missing('login_failures'):
        op.create_table('login_failures',
            sa.Column('name', sa.String(length=100), nullable=False),
            sa.Column('address', sa.String(length=64), nullable=False),
            sa.Column('failures', sa.Integer(), nullable=False),
            sa.Column('last_failure', sa.DateTime(timezone=True), nullable=False),
            sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
            sa.PrimaryKeyConstraint('name', 'address')
        )
    if _missing('sessions'):
        op.create_table('sessions',
            sa.Column('token_hash', sa.String(length=64), nullable=False),
            sa.Column('account_id', sa.Integer(), nullable=False),
            sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
            sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
            sa.PrimaryKeyConstraint('token_hash')
        )
        op.create_index(op.f('ix_sessions_account_id'), 'sessions', ['account_id'], unique=False)
    if _missing('tech_proposals'):
        op.create_table('tech_proposals',
            sa.Column('name', sa.String(length=200), nullable=False),
            sa.Column('status', sa.String(length=16), nullable=False),
            sa.Column('item_ids', sa.JSON(), nullable=False),
            sa.Column('tech_id', sa.String(length=100), nullable=True),
            sa.Column('at', sa.DateTime(timezone=True), nullable=False),
            sa.PrimaryKeyConstraint('name')
        )
    if _missing('training_jobs'):
        op.create_table('training_jobs',
            sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
            sa.Column('state', sa.String(length=16), nullable=False),
            sa.Column('requested_by', sa.String(length=100), nullable=False),
            sa.Column('reason', sa.String(length=200), nullable=False),
            sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
            sa.Column('judgements_seen', sa.Integer(), nullable=False),
            sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
            sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
            sa.Column('worker', sa.String(length=200), nullable=True),
            sa.Column('trained', sa.Boolean(), nullable=True),
            sa.Column('labels', sa.Integer(), nullable=True),
            sa.Column('items', sa.Integer(), nullable=True),
            sa.Column('f1_before', sa.Float(), nullable=True),
            sa.Column('f1_after', sa.Float(), nullable=True),
            sa.Column('error', sa.Text(), nullable=True),
            sa.Column('report', sa.JSON(), nullable=True),
            sa.PrimaryKeyConstraint('id')
        )
        op.create_index(op.f('ix_training_jobs_state'), 'training_jobs', ['state'], unique=False)
    if _missing('job_scopes'):
        op.create_table('job_scopes',
            sa.Column('job_id', sa.Integer(), nullable=False),
            sa.Column('ics', sa.String(length=60), nullable=False),
            sa.PrimaryKeyConstraint('job_id')
        )
        op.create_index(op.f('ix_job_scopes_ics'), 'job_scopes', ['ics'], unique=False)
    if _missing('judgement_scopes'):
        op.create_table('judgement_scopes',
            sa.Column('judgement_id', sa.Integer(), nullable=False),
            sa.Column('ics', sa.String(length=60), nullable=False),
            sa.PrimaryKeyConstraint('judgement_id')
        )
        op.create_index(op.f('ix_judgement_scopes_ics'), 'judgement_scopes', ['ics'], unique=False)
    if _missing('register_scopes'):
        op.create_table('register_scopes',
            sa.Column('item_id', sa.String(length=200), nullable=False),
            sa.Column('ics', sa.String(length=60), nullable=False),
            sa.PrimaryKeyConstraint('item_id', 'ics')
        )
    if _missing('tech_scopes'):
        op.create_table('tech_scopes',
            sa.Column('tech_id', sa.String(length=100), nullable=False),
            sa.Column('ics', sa.String(length=60), nullable=False),
            sa.PrimaryKeyConstraint('tech_id', 'ics')
        )
    if _missing('user_icss'):
        op.create_table('user_icss',
            sa.Column('user', sa.String(length=100), nullable=False),
            sa.Column('ics', sa.String(length=60), nullable=False),
            sa.PrimaryKeyConstraint('user', 'ics')
        )

def downgrade() -> None:
    for table in ("accounts", "blind_calls", "deliveries", "label_scopes", "login_failures", "sessions",
                  "tech_proposals", "training_jobs", "job_scopes", "judgement_scopes", "register_scopes",
                  "tech_scopes", "user_icss"):
        op.drop_table(table)
