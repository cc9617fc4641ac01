"""The workspace's pages over a seeded store, through the real app (no browser)."""

from __future__ import annotations

import re
from pathlib import Path

from bs4 import BeautifulSoup
from starlette.testclient import TestClient

import classifiers
from apps.workspace import create_app
from horizon.store import Store
from tests.web.conftest import csrf_of, run_queued_jobs, sign_in
from tests.web.seed import HELD_BACK, HOSTILE, ITEMS, TAUGHT, password_hash


def cards(html: str) -> list[str]:
    return [a["data-item"] for a in BeautifulSoup(html, "html.parser").select("article.item")]


def test_triage_shows_the_digest_by_area_in_rank_order_with_definitions(client_for, store):
    html = client_for("vic").get("/").text
    soup = BeautifulSoup(html, "html.parser")
    cardio = soup.select_one("#area-cardiovascular")
    assert "Atrial fibrillation detection and virtual AF pathways" in cardio.select_one("aside").get_text()
    ranks = [int(r.get_text().lstrip("#")) for r in cardio.select(".rank")]
    assert ranks == sorted(ranks) and len(ranks) >= 3
    rows = {r.item_id: r for r in store.digest_items(store.digest_id)}
    assert [c["data-item"] for c in cardio.select("article.item")] == \
        sorted((i for i, r in rows.items() if "cardiovascular" in r.areas), key=lambda i: rows[i].rank)
    first = soup.select_one(f'#item-{ITEMS[0].id.replace(":", "-")}')
    assert "<mark>" in str(first.select_one("h3")) and "ClinicalTrials.gov" in first.get_text()
    assert "form" not in [t.name for t in soup.select("article.item *")]  # a viewer gets no triage forms


def test_what_changed_since_the_previous_digest_is_shown(client_for):
    html = client_for("vic").get("/?area=respiratory").text
    assert "Changed:" in html and "status: recruiting → completed" in html


def test_filters_narrow_the_list(client_for, store):
    client = client_for("rob")
    assert set(cards(client.get("/?source=nice").text)) == {"nice:DG61"}
    assert set(cards(client.get("/?type=news").text)) == {"nhse:virtual-wards-frailty", HOSTILE.id}
    assert cards(client.get("/?area=dermatology").text) == ["nice:DG61"]
    assert set(cards(client.get("/?since=2026-11-10").text)) == {i.id for i in ITEMS + TAUGHT}
    assert set(cards(client.get("/?until=2026-11-05").text)) == {HOSTILE.id}
    token = csrf_of(client.get("/").text)
    client.post("/judge", data={"csrf": token, "item_id": "nice:DG61", "state": "uncertain"})
    assert cards(client.get("/?state=uncertain").text) == ["nice:DG61", "nice:DG61"]  # in two areas
    assert "nice:DG61" not in cards(client.get("/?state=untriaged").text)


def test_a_plain_form_judgement_with_a_corrected_area_returns_to_the_item(client_for, store):
    client = client_for("rob")
    given = next(set(r.areas) for r in store.digest_items(store.digest_id) if r.item_id == TAUGHT[0].id)
    shown_in = sorted(given)[0]  # an area the digest (the real classifier) gave it
    token = csrf_of(client.get("/").text)
    response = client.post("/judge", data={"csrf": token, "item_id": TAUGHT[0].id, "digest_id": store.digest_id,
                                           "state": "relevant", "areas": ["cardiovascular"], "note": "AF monitoring",
                                           "next": f"/?area={shown_in}"})
    assert response.status_code == 303
    assert response.headers["location"] == f"/?area={shown_in}#item-ctgov-NCT06100011"
    labels = {(r["area"], r["relevant"]) for r in store.labels()}
    # The reviewer's area is a positive label; every area the digest gave and the reviewer took away, a negative.
    assert labels == {("cardiovascular", True)} | {(a, False) for a in given - {"cardiovascular"}}
    page = client.get(f"/?area={shown_in}").text  # sections follow the digest; the correction shows on the card
    assert "rob: relevant (cardiovascular) “AF monitoring”" in page
    unticked = ", ".join(sorted(given - {"cardiovascular"}))
    history = client.get(f"/items/{TAUGHT[0].id}").text  # the judgement keeps the areas rob unticked
    assert unticked and f"<td>cardiovascular</td><td>{unticked}</td><td>AF monitoring</td>" in history


def test_bad_judgements_are_refused(client_for):
    client = client_for("rob")
    token = csrf_of(client.get("/").text)
    assert client.post("/judge", data={"csrf": token, "item_id": ITEMS[0].id, "state": "maybe"}).status_code == 400
    assert client.post("/judge", data={"csrf": token, "item_id": ITEMS[0].id, "state": "relevant",
                                       "areas": "astrology"}).status_code == 400
    assert client.post("/judge", data={"csrf": token, "item_id": "x:none", "state": "relevant"}).status_code == 404


def test_search_covers_every_stored_item(client_for):
    client = client_for("vic")
    assert set(cards(client.get("/search?q=paroxysmal").text)) == {TAUGHT[0].id, TAUGHT[1].id, HELD_BACK.id}
    assert "0 items" in client.get("/search?q=no-such-words").text


def test_only_items_judged_relevant_join_the_register(client_for, store):
    client = client_for("rob")
    token = csrf_of(client.get("/").text)
    entry = {"csrf": token, "item_id": ITEMS[2].id, "stage": "assessing", "owner": "Cancer alliance lead",
             "next_review": "2026-12-14", "notes": "ask the alliance about a pilot"}
    assert client.post("/register", data=entry).status_code == 400
    client.post("/judge", data={"csrf": token, "item_id": ITEMS[2].id, "state": "relevant",
                                "areas": "cancer-early-diagnosis"})
    assert client.post("/register", data=entry).status_code == 303
    assert client.post("/register", data={**entry, "next_review": "soon"}).status_code == 400
    page = client.get("/register").text
    assert "Cancer alliance lead" in page and "2026-12-14" in page
    [saved] = store.register_entries()
    assert (saved["stage"], saved["updated_by"], str(saved["next_review"])) == ("assessing", "rob", "2026-12-14")
    csv_text = client.get("/register.csv").text
    assert csv_text.splitlines()[0].startswith("item_id,title,source,url,stage")
    assert ITEMS[2].title in csv_text


def test_learning_page_shows_f1_runs_and_reviewer_agreement(client_for, store, config):
    rob, rey, ada = client_for("rob"), client_for("rey"), client_for("ada")
    for client, verdicts in ((rob, {ITEMS[0].id: "relevant", ITEMS[1].id: "relevant", ITEMS[6].id: "not-relevant"}),
                             (rey, {ITEMS[0].id: "relevant", ITEMS[1].id: "not-relevant", ITEMS[6].id: "not-relevant"})):
        token = csrf_of(client.get("/").text)
        for item_id, state in verdicts.items():
            areas = ["cardiovascular"] if item_id == ITEMS[0].id else ["dermatology"]
            client.post("/judge", data={"csrf": token, "item_id": item_id, "state": state, "areas": areas})
    token = csrf_of(ada.get("/learning").text)
    assert ada.post("/learning/retrain", data={"csrf": token}).status_code == 303
    [job] = run_queued_jobs(store, config)
    assert (job.state, job.requested_by, job.trained) == ("done", "ada", True)
    soup = BeautifulSoup(ada.get("/learning").text, "html.parser")
    run = [td.get_text() for td in soup.select("table.runs tr")[1].select("td")]
    bundled = len((Path(classifiers.__file__).parent / "data" / "dev.jsonl").read_text().splitlines())
    assert run[1:4] == ["ada", str(len(store.labels())), str(bundled + 3)]  # labelled texts: bundled + 3 judged
    rows = {tr.select("td")[0].get_text(): [td.get_text() for td in tr.select("td")]
            for tr in soup.select("table.agreement tr")[1:]}
    assert rows["Dermatology"][1:3] == ["3", "67%"]  # three shared items, one disagreement
    assert rows["Dermatology"][3] == "0.00"  # Cohen's kappa: 2/3 agreement is what chance gives here
    assert rows["Cardiovascular disease"][1:3] == ["3", "100%"]
    assert re.fullmatch(r"-?\d\.\d\d", rows["Cardiovascular disease"][3])


def test_retrain_changes_the_prediction_for_a_similar_held_back_item(client_for, store, config):
    rob, ada = client_for("rob"), client_for("ada")

    def predicted() -> set[str]:
        node = BeautifulSoup(ada.get(f"/items/{HELD_BACK.id}").text, "html.parser").select_one(".prediction")
        return set(node["data-areas"].split())

    assert "cardiovascular" not in predicted()
    token = csrf_of(rob.get("/").text)
    for item in TAUGHT:
        rob.post("/judge", data={"csrf": token, "item_id": item.id, "state": "relevant", "areas": "cardiovascular"})
    assert "cardiovascular" not in predicted()  # nothing changes until someone retrains
    ada.post("/learning/retrain", data={"csrf": csrf_of(ada.get("/learning").text)})
    assert "cardiovascular" not in predicted()  # the retrain is queued, not run inside the request
    run_queued_jobs(store, config)
    assert "cardiovascular" in predicted()


def test_an_empty_store_and_unknown_pages_say_what_to_do(config, client_for, store, tmp_path):
    empty = Store(f"sqlite:///{tmp_path / 'empty.db'}")
    empty.add_user("vic", password_hash("vic"), "viewer")
    with TestClient(create_app(config, store=empty), follow_redirects=False) as client:
        sign_in(client, "vic")
        assert "No digest yet" in client.get("/").text and "horizon digest" in client.get("/").text
    viewer = client_for("vic")
    missing = viewer.get("/items/ctgov:NCT00000000")
    assert missing.status_code == 404 and "No such item." in missing.text
    assert viewer.get("/digests/999").status_code == 404
