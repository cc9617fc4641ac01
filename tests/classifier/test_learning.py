"""The learning loop: a reviewer's label changes the next prediction for a similar item."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

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
        store.add_label(item.id, "ageing-well", True, "tester", now=datetime(2026, 11, 1, tzinfo=UTC))
    after, report = ensure_current(priorities, store, model_dir, cv=0)
    assert report.retrained and report.store_labels == 2 and report.new_labels == 2
    assert "ageing-well" in after.classify([similar])[0].areas

    _, again = ensure_current(priorities, store, model_dir, cv=0)
    assert not again.retrained


JUDGED = datetime(2026, 11, 1, tzinfo=UTC)
# "Labour" is a maternity keyword; these are about the political party.
COLUMN = news("own", "Labour MP says the NHS needs a new deal for GPs",
              "Column by a Labour MP on general practice funding, waiting times and the party's plans for "
              "primary care.")
POLITICS = [news(f"p{i}", title, summary) for i, (title, summary) in enumerate([
    ("Labour government sets out NHS ten-year plan",
     "The Labour health secretary announced reforms to NHS England and integrated care boards."),
    ("Labour party conference: health secretary promises shorter waits",
     "Speech to the Labour conference on elective waiting lists and NHS productivity."),
    ("Labour MPs question NHS England abolition",
     "Labour backbenchers asked ministers how abolishing NHS England will affect ICBs."),
    ("Shadow minister criticises Labour's NHS budget",
     "Opposition attack on the Labour government's spending plans for the NHS."),
    ("Labour pledges more GP appointments", "The Labour manifesto promises thousands more GP appointments each week."),
])]
UNSEEN = news("unseen", "Labour minister announces new NHS league tables",
              "The Labour government will publish league tables ranking NHS trusts.")


def test_a_correction_changes_that_items_own_next_prediction(tmp_path, priorities):
    store = Store(f"sqlite:///{tmp_path}/h.db")
    store.upsert([COLUMN])
    before, _ = ensure_current(priorities, store, tmp_path / "model", cv=0)
    assert "maternity" in before.classify([COLUMN])[0].areas  # the keyword "Labour" decides at first
    store.add_label(COLUMN.id, "maternity", False, "tester", now=JUDGED)
    after, report = ensure_current(priorities, store, tmp_path / "model", cv=0)
    assert report.retrained and report.store_labels == 1
    assert "maternity" not in after.classify([COLUMN])[0].areas


def test_a_handful_of_labels_overrule_the_keywords_on_similar_unseen_items(tmp_path, priorities):
    store = Store(f"sqlite:///{tmp_path}/h.db")
    store.upsert(POLITICS)
    before, _ = ensure_current(priorities, store, tmp_path / "model", cv=0)
    first = before.classify([UNSEEN])[0]
    assert "maternity" in first.areas and "Labour" in first.why["maternity"]
    for item in POLITICS:
        store.add_label(item.id, None, False, "tester", now=JUDGED)  # no area at all
    after, _ = ensure_current(priorities, store, tmp_path / "model", cv=0)
    again = after.classify([UNSEEN])[0]
    assert "maternity" not in again.areas
    assert again.scores["maternity"] < first.scores["maternity"] - 0.3


def test_labels_outweigh_the_keyword_prior_as_they_accumulate(priorities):
    """The blend's weight on the keywords moves off its starting point only as far as labels say."""
    from classifiers.blend import PRIOR_SLOPE, fit_blend

    rng = np.random.default_rng(0)
    for n, far in ((4, False), (400, True)):
        prior = rng.integers(0, 2, n) * np.log(2)  # one keyword hit or none
        y = rng.integers(0, 2, n)  # ... and the labels say hits mean nothing
        a, _, _ = fit_blend(prior, np.zeros(n), y, np.ones(n), strength=1.0, learned_start=0.0)
        assert bool(abs(a) < PRIOR_SLOPE / 4) == far, (n, a)
