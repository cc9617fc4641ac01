"""Blind calls: which judgements a reviewer made before they could see anyone else's.

The workspace hides other reviewers' calls on an item until the reader has judged it,
so a reviewer's first judgement of an item made in the workspace is blind. Only those
are recorded here; agreement (Cohen's kappa) is computed on pairs of them alone, never
on a call changed after seeing a colleague's.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Column, DateTime, Integer, String, Table, select

from horizon import store_scopes
from horizon.icss import Ics
from horizon.store import Store, judgements, metadata, utcnow

blind_calls = Table(
    "blind_calls", metadata,
    Column("judgement_id", Integer, primary_key=True),
    Column("item_id", String(200), nullable=False, index=True),
    Column("reviewer", String(100), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
)


def judge_blind(store: Store, item_id: str, reviewer: str, state: str, areas: Sequence[str] = (),
                note: str = "", digest_id: int | None = None, proposed: Sequence[str] = (),
                now: datetime | None = None, ics: Ics | None = None) -> tuple[int, bool]:
    """``Store.judge`` from the workspace (for ``ics``, with several); the judgement id and whether it was blind.

    A call is blind when it is the reviewer's first judgement of the item (in that ICS):
    until then the workspace showed them nobody else's.
    """
    with store.engine.connect() as conn:
        before = set(conn.execute(select(judgements.c.id).where(
            judgements.c.item_id == item_id, judgements.c.reviewer == reviewer)).scalars())
    if ics is not None and before and (mine := store_scopes.judgement_ids(store, ics, list(before))) is not None:
        before = mine
    if ics is None:
        judgement_id = store.judge(item_id, reviewer, state, areas, note, digest_id=digest_id, proposed=proposed,
                                   now=now)
    else:
        judgement_id = store_scopes.judge(store, ics, item_id, reviewer, state, areas, note, digest_id, proposed, now)
    if not before:
        with store.engine.begin() as conn:
            conn.execute(blind_calls.insert(), {"judgement_id": judgement_id, "item_id": item_id,
                                                "reviewer": reviewer, "at": now or utcnow()})
    return judgement_id, not before


def blind_judgements(store: Store) -> dict[str, dict[str, dict]]:
    """Each reviewer's blind call per item: {item_id: {reviewer: judgement}}."""
    with store.engine.connect() as conn:
        ids = {r.judgement_id for r in conn.execute(select(blind_calls.c.judgement_id))}
    out: dict[str, dict[str, dict]] = {}
    for row in store.judgements():
        if row["id"] in ids:
            out.setdefault(row["item_id"], {})[row["reviewer"]] = row
    return out
