"""Judgements become the one record of reviewers' labels: ``labels`` and ``label_scopes`` go.

Revision ID: 0004
Revises: 0003

Until now a judgement also wrote ``labels`` (``horizon label`` wrote only there), and the
proposed areas a reviewer unticked were kept only as negative labels. Per reviewer, item
and ICS, the labels were those of the latest judgement (made at its time) plus any
``horizon label`` rows after it. So this revision

- gives ``judgements`` a ``not_areas`` column, filled for each reviewer's latest judgement
  from its negative area labels (``[]`` for the others, whose labels were replaced);
- turns the labels that came from ``horizon label`` into one new judgement per reviewer,
  item and ICS: the latest judgement there with those labels applied in order, scoped
  (``judgement_scopes``) to the ICS ``label_scopes`` gave them;
- drops ``labels`` and ``label_scopes``.

Each step is skipped when a store already has its result (the last release before Alembic
made its tables with ``create_all``, so a store it last opened may differ from 0003's).

Going down recreates both from each reviewer's latest judgement per item and ICS.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# The tables as this revision knows them: later changes to the live tables do not change what it does.
judgements = sa.table("judgements", *(sa.column(c) for c in (
    "id", "item_id", "digest_id", "reviewer", "state", "note", "created_at")),
    sa.column("areas", sa.JSON), sa.column("not_areas", sa.JSON))
judgement_scopes = sa.table("judgement_scopes", sa.column("judgement_id"), sa.column("ics"))
labels = sa.table("labels", *(sa.column(c) for c in ("id", "item_id", "area", "relevant", "reviewer", "created_at")))
label_scopes = sa.table("label_scopes", sa.column("label_id"), sa.column("ics"))


def _latest_judgements(conn) -> dict[tuple, dict]:
    """(item_id, reviewer, ICS or None) -> the latest judgement there."""
    scopes = dict(conn.execute(sa.select(judgement_scopes.c.judgement_id, judgement_scopes.c.ics)).all())
    latest: dict[tuple, dict] = {}
    for row in conn.execute(sa.select(judgements).order_by(judgements.c.id)).mappings():
        latest[(row["item_id"], row["reviewer"], scopes.get(row["id"]))] = dict(row)
    return latest


def _apply(call: dict, area: str | None, relevant: bool) -> dict:
    """One ``horizon label`` row applied to a call (state, areas, not_areas), as the labels read in order did."""
    if area is None:
        return {"state": "not-relevant", "areas": [], "not_areas": []}
    areas = [a for a in call["areas"] if a != area]
    not_areas = [a for a in call["not_areas"] if a != area]
    if relevant:
        return {"state": "relevant", "areas": [*areas, area], "not_areas": not_areas}
    state = call["state"] if call["state"] != "uncertain" else "relevant"
    return {"state": state, "areas": areas, "not_areas": [*not_areas, area]}


def upgrade() -> None:
    conn = op.get_bind()
    found = sa.inspect(conn)
    if "not_areas" not in {c["name"] for c in found.get_columns("judgements")}:
        with op.batch_alter_table("judgements", schema=None) as batch_op:
            batch_op.add_column(sa.Column("not_areas", sa.JSON(), nullable=True))
        conn.execute(judgements.update().values(not_areas=[]))
        if found.has_table("labels"):
            _labels_to_judgements(conn, found.has_table("label_scopes"))
        with op.batch_alter_table("judgements", schema=None) as batch_op:
            batch_op.alter_column("not_areas", existing_type=sa.JSON(), nullable=False)
    for table, index in (("label_scopes", "ix_label_scopes_ics"), ("labels", "ix_labels_item_id")):
        if found.has_table(table):
            with op.batch_alter_table(table, schema=None) as batch_op:
                batch_op.drop_index(batch_op.f(index))
            op.drop_table(table)


def _labels_to_judgements(conn, scoped: bool) -> None:
    latest = _latest_judgements(conn)
    scopes = dict(conn.execute(sa.select(label_scopes.c.label_id, label_scopes.c.ics)).all()) if scoped else {}
    groups: dict[tuple, list] = {}
    for row in conn.execute(sa.select(labels).order_by(labels.c.id)).mappings():
        groups.setdefault((row["item_id"], row["reviewer"], scopes.get(row["id"])), []).append(row)
    for key, rows in groups.items():
        judged = latest.get(key)
        own = [r for r in rows if judged is not None and r["created_at"] == judged["created_at"]]
        call = {"state": "uncertain", "areas": [], "not_areas": []}
        if judged is not None:
            call = {"state": judged["state"], "areas": list(judged["areas"] or []),
                    "not_areas": [r["area"] for r in own if r["area"] is not None and not r["relevant"]]}
            conn.execute(judgements.update().where(judgements.c.id == judged["id"]).values(
                not_areas=call["not_areas"]))
        cli = [r for r in rows if r not in own]
        if not cli:
            continue
        for r in cli:
            call = _apply(call, r["area"], bool(r["relevant"]))
        new_id = conn.execute(judgements.insert().values(
            item_id=key[0], reviewer=key[1], digest_id=None, note=judged["note"] if judged else "",
            created_at=cli[-1]["created_at"], **call).returning(judgements.c.id)).scalar_one()
        if key[2] is not None:
            conn.execute(judgement_scopes.insert().values(judgement_id=new_id, ics=key[2]))


def downgrade() -> None:
    op.create_table("labels",
                    sa.Column("id", sa.Integer(), nullable=False),
                    sa.Column("item_id", sa.String(length=200), nullable=False),
                    sa.Column("area", sa.String(length=64), nullable=True),
                    sa.Column("relevant", sa.Boolean(), nullable=False),
                    sa.Column("reviewer", sa.String(length=100), nullable=False),
                    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
                    sa.PrimaryKeyConstraint("id"))
    with op.batch_alter_table("labels", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_labels_item_id"), ["item_id"], unique=False)
    op.create_table("label_scopes",
                    sa.Column("label_id", sa.Integer(), nullable=False),
                    sa.Column("ics", sa.String(length=60), nullable=False),
                    sa.PrimaryKeyConstraint("label_id"))
    with op.batch_alter_table("label_scopes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_label_scopes_ics"), ["ics"], unique=False)
    conn = op.get_bind()
    for (item_id, reviewer, ics), j in sorted(_latest_judgements(conn).items(), key=lambda kv: kv[1]["id"]):
        rows = [(None, False)] if j["state"] == "not-relevant" else []
        rows += [(a, True) for a in j["areas"] or []] + [(a, False) for a in j["not_areas"] or []]
        for area, relevant in rows:
            label_id = conn.execute(labels.insert().values(
                item_id=item_id, area=area, relevant=relevant, reviewer=reviewer,
                created_at=j["created_at"]).returning(labels.c.id)).scalar_one()
            if ics is not None:
                conn.execute(label_scopes.insert().values(label_id=label_id, ics=ics))
    with op.batch_alter_table("judgements", schema=None) as batch_op:
        batch_op.drop_column("not_areas")
