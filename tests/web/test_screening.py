"""The screening queue and blind review: what comes next, weekly progress, hidden calls, kappa."""

from __future__ import annotations

import re

from bs4 import BeautifulSoup
from sklearn.metrics import cohen_kappa_score

from apps.workspace import learning, screening
from classifiers import load_classifier
from horizon.store_review import blind_judgements
from tests.web.conftest import csrf_of
from tests.web.seed import HELD_BACK, ITEMS


def next_card(client) -> str | None:
    node = BeautifulSoup(client.get("/queue").text, "html.parser").select_one("article.item")
    return node["data-item"] if node else None


def progress(client) -> tuple[int, int]:
    node = BeautifulSoup(client.get("/queue").text, "html.parser").select_one(".progress")
    return int(node["data-reviewed"]), int(node["data-total"])


def judge(client, item_id: str, state: str, areas=()) -> None:
    token = csrf_of(client.get("/learning").text)
    response = client.post("/judge", data={"csrf": token, "item_id": item_id, "state": state, "areas": list(areas),
                                           "next": "/queue"})
    assert response.status_code == 303


def test_order_puts_unsure_items_first_then_likely_relevant_then_no_area():
    scored = {
        "sure-yes": {"a": 0.95, "b": 0.1},
        "unsure": {"a": 0.52, "b": 0.1},
        "unsure-low": {"a": 0.38, "b": 0.2},
        "likely": {"a": 0.80, "b": 0.2},
        "no-area": {"a": 0.05, "b": 0.1},
        "unscored": None,
    }
    assert screening.order(scored) == ["unsure", "unsure-low", "sure-yes", "likely", "no-area", "unscored"]
    assert "unsure about a" in screening.reason(scored["unsure"])
    assert "matched no area" in screening.reason(scored["no-area"])


def test_estimate_of_relevant_items_left_follows_the_reviewed_rate_per_score_band():
    tops = {"r1": 0.9, "r2": 0.8, "n1": 0.1, "n2": 0.2, "u1": 0.85, "u2": 0.15, "u3": 0.1}
    decided = {"r1": True, "r2": True, "n1": False, "n2": False}
    # Band 0.75-1: 2 relevant of 2, smoothed by one pseudo-item at 0.875 -> 0.958; band 0-0.25: 0.125 / 3.
    expected = (2 + 0.875) / 3 + 2 * (0 + 0.125) / 3
    assert abs(screening.estimate_relevant(tops, decided, ["u1", "u2", "u3"]) - expected) < 1e-9


def test_the_queue_offers_the_weeks_items_in_the_order_the_model_needs_them(client_for, store, config):
    rob = client_for("rob")
    in_digest = {r.item_id for r in store.digest_items(store.digest_id)}
    assert HELD_BACK.id not in in_digest
    seen = []
    reviewed, total = progress(rob)
    assert reviewed == 0 and total == len(in_digest) + 1  # the week's items include the one outside the digest
    while (item_id := next_card(rob)) is not None:
        assert item_id not in seen
        seen.append(item_id)
        judge(rob, item_id, "not-relevant")
        assert progress(rob) == (len(seen), total)
    assert set(seen) == in_digest | {HELD_BACK.id}  # the no-area item was offered too
    classifier = load_classifier(config.priorities, app_model_dir())
    items = store.get(seen)
    scores = {v.item_id: v.scores for v in classifier.classify([items[i] for i in seen])}
    assert seen == screening.order(scores)
    unsure = [i for i in seen if screening.doubt(scores[i]) <= screening.UNCERTAIN_MARGIN]
    assert seen[:len(unsure)] == unsure and unsure  # every unsure item before every sure one
    assert "You have reviewed every item" in rob.get("/queue").text


def app_model_dir():
    import os

    return os.environ["HORIZON_MODEL_DIR"]


def test_progress_line_reads_as_a_sentence(client_for):
    text = " ".join(BeautifulSoup(client_for("rob").get("/queue").text, "html.parser")
                    .select_one(".progress").get_text().split())
    assert re.search(r"0 of \d+ reviewed; an estimated \d+ relevant items? remains? unreviewed", text), text


def test_a_queue_judgement_unticking_the_models_area_is_a_negative_label(client_for, store):
    rob = client_for("rob")
    while True:  # skip (as "uncertain") the unsure items the model assigns no area, up to a likely relevant one
        html = rob.get("/queue").text
        card = BeautifulSoup(html, "html.parser").select_one("article.item")
        proposed = [i["value"] for i in card.select("input[name=proposed]")]
        if proposed:
            break
        judge(rob, card["data-item"], "uncertain")
    token = csrf_of(html)
    rob.post("/judge", data={"csrf": token, "item_id": card["data-item"], "state": "relevant", "areas": [],
                             "proposed": [*proposed, "not-an-area"]})
    labels = {(r["area"], r["relevant"]) for r in store.labels() if r["item_id"] == card["data-item"]}
    assert labels == {(a, False) for a in proposed}


def test_blind_review_hides_another_reviewers_call_until_both_have_judged(client_for):
    rob, rey, vic = client_for("rob"), client_for("rey"), client_for("vic")
    item = ITEMS[0].id
    judge(rob, item, "relevant", ["cardiovascular"])
    call = "rob: relevant (cardiovascular)"
    for path in ("/", f"/items/{item}", "/search?q=atrial"):
        page = rey.get(path).text
        assert call not in page and "1 other call hidden" in page, path
    assert call in vic.get(f"/items/{item}").text  # a viewer never judges, so hides nothing
    judge(rey, item, "not-relevant")
    for path in ("/", f"/items/{item}"):
        assert call in rey.get(path).text
    assert "rey: not-relevant" in rob.get(f"/items/{item}").text


def test_disagreements_go_to_the_conflict_list(client_for):
    rob, rey, ada = client_for("rob"), client_for("rey"), client_for("ada")
    judge(rob, ITEMS[0].id, "relevant", ["cardiovascular"])
    judge(rey, ITEMS[0].id, "relevant", ["cardiovascular", "ageing-well"])  # same decision, other areas
    judge(rob, ITEMS[1].id, "relevant", ["dermatology"])
    judge(rey, ITEMS[1].id, "relevant", ["dermatology"])  # agreement: not a conflict
    judge(rob, ITEMS[2].id, "relevant", ["cancer-early-diagnosis"])
    judge(rey, ITEMS[2].id, "uncertain")  # waiting for discussion, not a conflict yet
    rows = BeautifulSoup(rey.get("/conflicts").text, "html.parser").select("table.conflicts tr[data-item]")
    assert [r["data-item"] for r in rows] == [ITEMS[0].id]
    assert "rob: relevant (cardiovascular)" in rows[0].get_text()
    hidden = BeautifulSoup(ada.get("/conflicts").text, "html.parser").select_one("table.conflicts tr[data-item]")
    assert "hidden until you judge" in hidden.get_text()  # ada has not judged it: still blind


def test_kappa_uses_blind_pairs_only(client_for, store, config):
    rob, rey = client_for("rob"), client_for("rey")
    blind = {ITEMS[0].id: ("relevant", "not-relevant"), ITEMS[1].id: ("relevant", "relevant"),
             ITEMS[3].id: ("not-relevant", "not-relevant"), ITEMS[4].id: ("not-relevant", "relevant")}
    for item_id, (by_rob, by_rey) in blind.items():
        judge(rob, item_id, by_rob, ["cardiovascular"])
        judge(rey, item_id, by_rey, ["cardiovascular"])
    judge(rey, ITEMS[0].id, "relevant", ["cardiovascular"])  # changed after seeing rob's call: not blind
    store.judge(ITEMS[5].id, "rob", "relevant", ["cardiovascular"])  # outside the workspace: not blind
    store.judge(ITEMS[5].id, "rey", "not-relevant")
    [row] = [r for r in learning.agreement(config.priorities, blind_judgements(store))
             if r["area"].id == "cardiovascular"]
    first = [int(a == "relevant") for a, _ in blind.values()]
    second = [int(b == "relevant") for _, b in blind.values()]
    assert row["pairs"] == 4
    assert row["kappa"] == round(float(cohen_kappa_score(first, second)), 3) == 0.0
    assert row["agreement"] == 0.5
