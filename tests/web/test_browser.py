"""The workspace in headless Chromium: sign in, triage by mouse and keyboard, correct an area,
promote to the register, retrain in the background, and find it all again after a server restart;
screen ten items from the queue and watch a retrain finish while the workspace stays responsive.

Runs the real ``horizon serve`` in a subprocess over a temporary SQLite store; screenshots go
to ``tmp_path`` only (``scripts/screenshots_workspace.py`` regenerates the docs' on purpose).
"""

from __future__ import annotations

import re

import pytest

from horizon.store import Store
from tests.web.browser import chromium, chromium_path, server, sign_in
from tests.web.seed import HELD_BACK, ITEMS, PASSWORDS, TAUGHT, seed

JOB_TIMEOUT_MS = 240_000  # a retrain with cross-validation, on a shared and loaded test machine

pytestmark = [
    pytest.mark.browser, pytest.mark.slow,
    pytest.mark.skipif(chromium_path() is None,
                       reason="chromium not found: install Debian's chromium (apt-get install chromium) "
                              "to run the browser tests"),
]


@pytest.fixture(scope="module")
def browser():
    pytest.importorskip("playwright.sync_api", reason="playwright (a dev dependency) is not installed")
    with chromium() as browser:
        yield browser


def expect(locator):
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


def card(page, item_id: str):
    return page.locator(f'article.item[data-item="{item_id}"]').first


def prediction(page, base: str) -> set[str]:
    page.goto(f"{base}/items/{HELD_BACK.id}")
    return set(page.locator(".prediction").get_attribute("data-areas").split())


def test_triage_register_and_retrain_survive_a_restart(browser, config, config_dir, tmp_path):
    store = Store(config.settings.store_url)
    digest_id = seed(config, store, hostile=False)  # the hostile item has its own tests; keep the screenshot plain
    store.close()
    log = tmp_path / "server.log"

    with server(config_dir, log) as base:
        rob = sign_in(browser, base, "rob")
        before = prediction(rob, base)
        assert "cardiovascular" not in before
        rob.goto(base + "/")

        # By mouse: a plain form post, back to the item's anchor.
        card(rob, ITEMS[1].id).locator("button[value=relevant]").click()
        expect(card(rob, ITEMS[1].id).locator("[data-role=state]")).to_have_text("relevant")

        # By keyboard: j selects the first card, r judges it and moves on; u then n for the next two.
        rob.locator("body").press("j")
        first = rob.locator("article.item.current").get_attribute("data-item")
        rob.keyboard.press("r")
        expect_state(rob, first, "relevant")
        second = rob.locator("article.item.current").get_attribute("data-item")
        assert second != first
        rob.keyboard.press("u")
        expect_state(rob, second, "uncertain")
        third = rob.locator("article.item.current").get_attribute("data-item")
        rob.keyboard.press("k")
        rob.keyboard.press("j")
        assert rob.locator("article.item.current").get_attribute("data-item") == third
        rob.keyboard.press("n")
        expect_state(rob, third, "not-relevant")

        # By mouse, after the keyboard pass (whose order follows the classifier's ranking), correcting the
        # digest's areas to cardiovascular alone, with a note.
        taught = card(rob, TAUGHT[0].id)
        taught.locator("details.areas summary").click()
        boxes = taught.locator("details.areas input[type=checkbox]")
        for n in range(boxes.count()):  # whatever else the classifier gave it, the reviewer says: only this
            boxes.nth(n).uncheck()
        taught.get_by_label("Cardiovascular disease").check()
        taught.locator("input[name=note]").fill("wearable AF detection: cardiovascular, not frailty")
        taught.locator("button[value=relevant]").click()
        expect(card(rob, TAUGHT[0].id).locator("[data-role=state]")).to_have_text("relevant")
        expect(card(rob, TAUGHT[0].id).locator(".judged")).to_contain_text("rob: relevant (cardiovascular)")

        # By keyboard with an area toggled: select the second taught item; 1 ticks cardiovascular.
        card(rob, TAUGHT[1].id).locator(".meta").click()
        if not card(rob, TAUGHT[1].id).get_by_label("Cardiovascular disease").is_checked():
            rob.keyboard.press("1")
        rob.keyboard.press("r")
        expect_state(rob, TAUGHT[1].id, "relevant")

        rob.goto(base + "/")
        screenshot = tmp_path / "triage.png"
        rob.screenshot(path=str(screenshot))

        # Promote the relevant NICE item to the innovation register (judged relevant again by mouse in
        # case the keyboard pass, whose order follows the classifier's ranking, judged it otherwise).
        card(rob, ITEMS[1].id).locator("button[value=relevant]").click()
        expect(card(rob, ITEMS[1].id).locator("[data-role=state]")).to_have_text("relevant")
        rob.goto(f"{base}/items/{ITEMS[1].id}")
        form = rob.locator("form.promote")
        form.locator("select[name=stage]").select_option("piloting")
        form.locator("input[name=owner]").fill("Dermatology pathway lead")
        form.locator("input[name=next_review]").fill("2026-12-14")
        form.locator("textarea[name=notes]").fill("Pilot with two PCNs; evaluate with the HIN.")
        form.get_by_role("button", name="Add to register").click()
        rob.wait_for_url(base + "/register")
        assert "Dermatology pathway lead" in rob.locator("table.register").inner_text()

        # The admin retrains; the held-back item's prediction changes.
        ada = sign_in(browser, base, "ada")
        ada.goto(base + "/learning")
        ada.get_by_role("button", name="Retrain now").click()
        ada.wait_for_url(base + "/learning")  # at once: the retrain is a queued job
        expect(ada.locator("#job")).to_have_attribute("data-job-state", "done", timeout=JOB_TIMEOUT_MS)
        expect(ada.locator("table.runs tr")).to_have_count(2)
        after = prediction(ada, base)
        assert "cardiovascular" in after and after != before

    # The keyboard pass follows the classifier's ranking, so it may judge an item judged again later: later wins.
    expected = {ITEMS[1].id: "relevant", first: "relevant", second: "uncertain", third: "not-relevant"}
    expected.update({TAUGHT[0].id: "relevant", TAUGHT[1].id: "relevant", ITEMS[1].id: "relevant"})

    with server(config_dir, log) as base:
        rob = sign_in(browser, base, "rob")  # blind review: the states are rob's, hidden from others until they judge
        assert "cardiovascular" in prediction(rob, base)
        rob.goto(f"{base}/digests/{digest_id}?state=relevant")
        shown = set(rob.locator("article.item").evaluate_all("els => els.map(e => e.dataset.item)"))
        assert {i for i, state in expected.items() if state == "relevant"} <= shown
        rob.goto(base + "/register")
        assert "Dermatology pathway lead" in rob.locator("table.register").inner_text()

    store = Store(config.settings.store_url)
    current = {i: j["rob"] for i, j in store.current_judgements().items()}
    assert {i: j.state for i, j in current.items()} == expected
    assert current[TAUGHT[0].id].areas == ("cardiovascular",)
    assert current[TAUGHT[0].id].note == "wearable AF detection: cardiovascular, not frailty"
    assert ("cardiovascular", True) in {(r.area, r.relevant) for r in store.labels()
                                        if r.item_id == TAUGHT[0].id}
    assert "cardiovascular" in current[TAUGHT[1].id].areas
    [entry] = store.register_entries()
    assert (entry.item_id, entry.stage, str(entry.next_review), entry.updated_by) == \
        (ITEMS[1].id, "piloting", "2026-12-14", "rob")
    assert [run.by for run in store.training_runs()] == ["ada"]
    store.close()
    for password in PASSWORDS.values():
        assert password not in log.read_text()
    assert screenshot.stat().st_size > 10_000


def expect_state(page, item_id: str, state: str) -> None:
    """Wait for the keyboard script's fetch to land and the card to show the new state."""
    page.wait_for_function(
        "([id, state]) => [...document.querySelectorAll('article.item')].some("
        "e => e.dataset.item === id && e.querySelector('[data-role=state]').textContent === state)",
        arg=[item_id, state], timeout=15_000)


def test_screen_ten_items_from_the_queue_then_retrain_in_the_background(browser, config, config_dir, tmp_path):
    settings = config_dir / "settings.yaml"
    settings.write_text(settings.read_text() + "  retrain_every: 100\n")  # only "Retrain now" trains here
    store = Store(config.settings.store_url)
    seed(config, store, hostile=False)
    store.close()
    log = tmp_path / "server.log"

    with server(config_dir, log) as base:
        rob = sign_in(browser, base, "rob")
        rob.goto(base + "/queue")
        progress = rob.locator(".progress")
        expect(progress).to_have_attribute("data-reviewed", "0")
        total = int(progress.get_attribute("data-total"))
        assert total >= 11
        screened = []
        for n in range(1, 11):
            current = rob.locator("article.item").first
            item_id = current.get_attribute("data-item")
            assert item_id not in screened
            screened.append(item_id)
            ticked = current.locator("details.areas input[type=checkbox]:checked").count()
            current.locator("button[value=relevant]" if ticked else "button[value=not-relevant]").click()
            expect(progress).to_have_attribute("data-reviewed", str(n))
            expect(progress).to_contain_text(f"{n} of {total} reviewed")

        ada = sign_in(browser, base, "ada")
        ada.goto(base + "/learning")
        expect(ada.locator(".curve-summary")).to_contain_text("No training run with an F1 yet")
        ada.get_by_role("button", name="Retrain now").click()
        ada.wait_for_url(base + "/learning")
        assert ada.locator("#job").get_attribute("data-job-state") in ("queued", "running")  # returned at once

        # While it trains, the workspace answers: rob screens an eleventh item and sees the job still going.
        rob.goto(base + "/queue")
        rob.locator("article.item").first.locator("button[value=not-relevant]").click()
        expect(progress).to_have_attribute("data-reviewed", "11")
        status = rob.request.get(base + "/learning/job").json()
        assert status["active"] and status["job"]["state"] in ("queued", "running")

        # The learning page's script polls the job and reloads when it ends.
        expect(ada.locator("#job")).to_have_attribute("data-job-state", "done", timeout=JOB_TIMEOUT_MS)
        expect(ada.locator(".curve-summary")).to_have_text(re.compile(r"With your \d+ labels, estimated F1 0\.\d\d"))
        expect(ada.locator("svg.curve circle")).to_have_count(1)
        expect(ada.locator(".job-status")).to_contain_text("trained on")

    store = Store(config.settings.store_url)
    [run] = store.training_runs()
    assert run.by == "ada" and run.labels >= 10 and run.f1 is not None
    assert len({j.item_id for j in store.judgements()}) == 11
    store.close()
    for password in PASSWORDS.values():
        assert password not in log.read_text()
