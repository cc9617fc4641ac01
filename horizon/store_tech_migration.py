"""Schema 3: the innovation register's entries become technology records, with their history."""

from __future__ import annotations

from sqlalchemy import select

from horizon.store import _json
from horizon.store_tech import tech_links, tech_slug, tech_stage_log, technologies


def migrate_register(conn) -> None:
    """Schema 3: every innovation-register entry becomes a technology record with its history.

    The record is named after its item, keeps the entry's stage, owner, review date and
    notes, links the item (confirmed), and replays the register's log as its stage history.
    """
    from horizon.store import items, register, register_log

    taken = {r.id for r in conn.execute(select(technologies.c.id))}
    names = {r.name.lower() for r in conn.execute(select(technologies.c.name))}
    for entry in conn.execute(select(register).order_by(register.c.created_at, register.c.item_id)).all():
        if conn.execute(select(tech_links.c.item_id).where(tech_links.c.item_id == entry.item_id,
                                                           tech_links.c.how == "register")).first():
            continue
        record = conn.execute(select(items.c.record).where(items.c.id == entry.item_id)).scalar()
        title = (_json(record) or {}).get("title") if record is not None else None
        name = (title or entry.item_id)[:180]
        if name.lower() in names:
            name = f"{name} ({entry.item_id})"[:200]
        tech_id, n = tech_slug(name), 2
        while tech_id in taken:
            tech_id, n = f"{tech_slug(name)[:95]}-{n}", n + 1
        taken.add(tech_id)
        names.add(name.lower())
        conn.execute(technologies.insert(), {
            "id": tech_id, "name": name, "aliases": [], "kind": "other", "developer": "", "areas": [],
            "description": "", "stage": entry.stage, "owner": entry.owner, "next_review": entry.next_review,
            "notes": entry.notes, "outcome": "", "created_at": entry.created_at, "updated_at": entry.updated_at})
        log = conn.execute(select(register_log).where(register_log.c.item_id == entry.item_id)
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
