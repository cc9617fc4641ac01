"""Revision 0004: the labels a store kept beside its judgements survive as judgements, per ICS, and come back."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import command
from sqlalchemy import create_engine, inspect

from horizon import migrations
from horizon.store import Store, metadata
from horizon.store_icss import ics_labels

JUDGED, LABELLED = datetime(2026, 11, 2, 9, tzinfo=UTC), datetime(2026, 11, 3, 9, tzinfo=UTC)
judgements = sa.table("judgements", sa.column("item_id"), sa.column("reviewer"),
                      sa.column("state"), sa.column("areas", sa.JSON), sa.column("note"),
                      sa.column("created_at", sa.DateTime(timezone=True)))
labels = sa.table("labels", sa.column("item_id"), sa.column("area"), sa.column("relevant"),
                  sa.column("reviewer"), sa.column("created_at", sa.DateTime(timezone=True)))


def _at_0003_with_labels(store_url):
    """A store at revision 0003 as the workspace and ``horizon label`` left it (ids from 1, in order)."""
    engine = create_engine(store_url)
    with engine.begin() as conn:
        command.upgrade(migrations.alembic_config(conn, metadata), "0003")
        conn.execute(judgements.insert(), [
            {"item_id": "a", "reviewer": "rob", "state": "relevant", "areas": ["cardiovascular"],
             "note": "AF pathway", "created_at": JUDGED},
            {"item_id": "b", "reviewer": "rey", "state": "not-relevant", "areas": [], "note": "",
             "created_at": JUDGED}])
        conn.execute(sa.text("INSERT INTO judgement_scopes (judgement_id, ics) VALUES (2, 'lungs')"))
        conn.execute(labels.insert(), [  # rob's judgement (ticked one area, unticked another), then his CLI label
            {"item_id": "a", "area": "cardiovascular", "relevant": True, "reviewer": "rob",
             "created_at": JUDGED},
            {"item_id": "a", "area": "mental-health", "relevant": False, "reviewer": "rob",
             "created_at": JUDGED},
            {"item_id": "a", "area": "diabetes", "relevant": True, "reviewer": "rob", "created_at": LABELLED},
            {"item_id": "b", "area": None, "relevant": False, "reviewer": "rey", "created_at": JUDGED},
            {"item_id": "c", "area": "respiratory", "relevant": True, "reviewer": "rey",
             "created_at": LABELLED}])  # `horizon label --ics lungs` on an item rey never judged
        conn.execute(sa.text("INSERT INTO label_scopes (label_id, ics) VALUES (4, 'lungs'), (5, 'lungs')"))
    return engine


def test_labels_become_judgements_keeping_unticked_areas_and_their_ics(store_url):
    engine = _at_0003_with_labels(store_url)
    try:
        before = Store(store_url)  # opening it upgrades it
        try:
            calls = [(j["item_id"], j["reviewer"], j["state"], j["areas"], j["not_areas"], j["note"])
                     for j in before.judgements()]
            assert calls == [("a", "rob", "relevant", ["cardiovascular"], ["mental-health"], "AF pathway"),
                             ("b", "rey", "not-relevant", [], [], ""),
                             ("a", "rob", "relevant", ["cardiovascular", "diabetes"], ["mental-health"], "AF pathway"),
                             ("c", "rey", "relevant", ["respiratory"], [], "")]
            heart = sorted((r["item_id"], r["area"], r["relevant"]) for r in ics_labels(before, "heart", True))
            assert heart == [("a", "cardiovascular", True), ("a", "diabetes", True), ("a", "mental-health", False)]
            lungs = [(r["item_id"], r["area"], r["relevant"]) for r in ics_labels(before, "lungs", False)]
            assert lungs == [("b", None, False), ("c", "respiratory", True)]
        finally:
            before.close()
        assert not {"labels", "label_scopes"} & set(inspect(engine).get_table_names())
        with engine.begin() as conn:
            command.downgrade(migrations.alembic_config(conn, metadata), "0003")
            back = conn.execute(sa.text("SELECT l.item_id, l.area, l.relevant, s.ics FROM labels l "
                                        "LEFT JOIN label_scopes s ON s.label_id = l.id ORDER BY l.id")).all()
        assert [(i, a, bool(r), s) for i, a, r, s in back] == [
            ("b", None, False, "lungs"), ("a", "cardiovascular", True, None), ("a", "diabetes", True, None),
            ("a", "mental-health", False, None), ("c", "respiratory", True, "lungs")]
    finally:
        engine.dispose()
