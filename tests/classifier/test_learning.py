"""The learning loop: a reviewer's label changes the next prediction for a similar item."""

from __future__ import annotations

from datetime import datetime, timezone

from classifiers import ensure_current
from horizon.items import Item
from horizon.store import Store


def news(id_: str, title: str, summary: str) -> Item:
    return Item(id=f"test:{id_}", source="test", type="news", title=title, summary=summary)


def test_reviewer_label_changes_next_prediction(tmp_path, priorities):
    store = Store(f"sqlite:///{tmp_path}/h.db")
    labelled = [news("1", "Podiatry service offers ingrown toenail surgery in the community",
                     "A community podiatry clinic treats ingrown toenails under local anaesthetic."),
                news("2", "Community podiatry clinic cuts waits for toenail surgery",
                     "Podiatrists run nail surgery lists for ingrown toenails.")]
    similar = news("3", "New podiatry clinic for ingrown toenail surgery opens",
                   "Podiatry team treats ingrown toenails in a community clinic.")
    store.upsert(labelled)
    model_dir = tmp_path / "model"
    before, report = ensure_current(priorities, store, model_dir, cv=0)
    assert report.retrained and report.store_labels == 0
    assert "ageing-well" not in before.classify([similar])[0].areas

    for item in labelled:
        store.add_label(item.id, "ageing-well", True, "tester", now=datetime(2026, 11, 1, tzinfo=timezone.utc))
    after, report = ensure_current(priorities, store, model_dir, cv=0)
    assert report.retrained and report.store_labels == 2 and report.new_labels == 2
    assert "ageing-well" in after.classify([similar])[0].areas

    _, again = ensure_current(priorities, store, model_dir, cv=0)
    assert not again.retrained
