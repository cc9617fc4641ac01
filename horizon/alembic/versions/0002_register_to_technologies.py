"""The innovation register's entries become technology records with their history (schema_version 3).

Revision ID: 0002
Revises: 0001

The technology tables are created unless a store from before Alembic already has
them (``create_all`` made every table then). Each register entry becomes a record
named after its item, keeping the entry's stage, owner, review date and notes, with
the item linked (confirmed) and the register's log replayed as its stage history.
An entry already linked "by register" is skipped, so the step never runs twice.
"""

from __future__ import annotations

import json
import re

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# The tables as this revision knows them: later changes to the live tables do not change what it does.
items = sa.table("items", sa.column("id"), sa.column("record", sa.JSON))
register = sa.table("register", *(sa.column(c) for c in (
    "item_id", "stage", "owner", "next_review", "notes", "created_at", "updated_at", "updated_by")))
register_log = sa.table("register_log", *(sa.column(c) for c in ("id", "item_id", "stage", "notes", "by", "at")))
technologies = sa.table("technologies", *(sa.column(c) for c in (
    "id", "name", "kind", "developer", "description", "stage", "owner", "next_review", "notes", "outcome",
    "created_at", "updated_at")), sa.column("aliases", sa.JSON), sa.column("areas", sa.JSON))
tech_stage_log = sa.table("tech_stage_log", *(sa.column(c) for c in ("tech_id", "stage", "by", "at", "why")))
tech_links = sa.table("tech_links", *(sa.column(c) for c in (
    "tech_id", "item_id", "status", "score", "how", "by", "at")))


def _missing(table: str) -> bool:
    return not sa.inspect(op.get_bind()).has_table(table)


def upgrade() -> None:
    if _missing('tech_links'):
        op.create_table('tech_links',
            sa.Column('tech_id', sa.String(length=100), nullable=False),
            sa.Column('item_id', sa.String(length=200), nullable=False),
            sa.Column('status', sa.String(length=16), nullable=False),
            sa.Column('score', sa.Float(), nullable=True),
            sa.Column('how', sa.Text(), nullable=False),
            sa.Column('by', sa.String(length=100), nullable=False),
            sa.Column('at', sa.DateTime(timezone=True), nullable=False),
            sa.PrimaryKeyConstraint('tech_id', 'item_id')
        )
        op.create_index(op.f('ix_tech_links_item_id'), 'tech_links', ['item_id'], unique=False)
    if _missing('tech_stage_log'):
        op.create_table('tech_stage_log',
            sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
            sa.Column('tech_id', sa.String(length=100), nullable=False),
            sa.Column('stage', sa.String(length=16), nullable=False),
            sa.Column('by', sa.String(length=100), nullable=False),
            sa.Column('at', sa.DateTime(timezone=True), nullable=False),
            sa.Column('why', sa.Text(), nullable=False),
            sa.PrimaryKeyConstraint('id')
        )
        op.create_index(op.f('ix_tech_stage_log_tech_id'), 'tech_stage_log', ['tech_id'], unique=False)
    if _missing('technologies'):
        op.create_table('technologies',
            sa.Column('id', sa.String(length=100), nullable=False),
            sa.Column('name', sa.String(length=200), nullable=False),
            sa.Column('aliases', sa.JSON(), nullable=False),
            sa.Column('kind', sa.String(length=16), nullable=False),
            sa.Column('developer', sa.String(length=200), nullable=False),
            sa.Column('areas', sa.JSON(), nullable=False),
            sa.Column('description', sa.Text(), nullable=False),
            sa.Column('stage', sa.String(length=16), nullable=False),
            sa.Column('owner', sa.String(length=100), nullable=False),
            sa.Column('next_review', sa.Date(), nullable=True),
            sa.Column('notes', sa.Text(), nullable=False),
            sa.Column('outcome', sa.Text(), nullable=False),
            sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
            sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
            sa.PrimaryKeyConstraint('id'),
            sa.UniqueConstraint('name')
        )
    _register_to_technologies(op.get_bind())


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:100] or "technology"


def _register_to_technologies(conn: sa.Connection) -> None:
    taken = {r.id for r in conn.execute(sa.select(technologies.c.id))}
    names = {r.name.lower() for r in conn.execute(sa.select(technologies.c.name))}
    for entry in conn.execute(sa.select(register).order_by(register.c.created_at, register.c.item_id)).all():
        if conn.execute(sa.select(tech_links.c.item_id).where(tech_links.c.item_id == entry.item_id,
                                                              tech_links.c.how == "register")).first():
            continue
        record = conn.execute(sa.select(items.c.record).where(items.c.id == entry.item_id)).scalar()
        record = json.loads(record) if isinstance(record, str) else record
        name = ((record or {}).get("title") or entry.item_id)[:180]
        if name.lower() in names:
            name = f"{name} ({entry.item_id})"[:200]
        tech_id, n = _slug(name), 2
        while tech_id in taken:
            tech_id, n = f"{_slug(name)[:95]}-{n}", n + 1
        taken.add(tech_id)
        names.add(name.lower())
        conn.execute(technologies.insert(), {
            "id": tech_id, "name": name, "aliases": [], "kind": "other", "developer": "", "areas": [],
            "description": "", "stage": entry.stage, "owner": entry.owner, "next_review": entry.next_review,
            "notes": entry.notes, "outcome": "", "created_at": entry.created_at, "updated_at": entry.updated_at})
        log = conn.execute(sa.select(register_log).where(register_log.c.item_id == entry.item_id)
                           .order_by(register_log.c.id)).all()
        history, last = [], None
        for row in log:
            if row.stage != last:
                history.append({"tech_id": tech_id, "stage": row.stage, "by": row.by, "at": row.at,
                                "why": "from the innovation register" + (f": {row.notes}" if row.notes else "")})
                last = row.stage
        if not history:
            history = [{"tech_id": tech_id, "stage": entry.stage, "by": entry.updated_by, "at": entry.created_at,
                        "why": "from the innovation register"}]
        conn.execute(tech_stage_log.insert(), history)
        conn.execute(tech_links.insert(), {"tech_id": tech_id, "item_id": entry.item_id, "status": "confirmed",
                                           "score": None, "how": "register", "by": entry.updated_by,
                                           "at": entry.updated_at})


def downgrade() -> None:
    for table in ("tech_links", "tech_stage_log", "technologies"):
        op.drop_table(table)
