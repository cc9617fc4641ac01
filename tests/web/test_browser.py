"""The workspace in headless Chromium: sign in, triage by mouse and keyboard, correct an area,
promote to the register, retrain, and find it all again after a server restart.

Runs the real ``horizon serve`` in a subprocess over a temporary SQLite store. Needs Debian's
``chromium`` (``apt-get install chromium``); Playwright drives it, never downloading a browser.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from horizon.store import Store
from tests.web.seed import HELD_BACK, ITEMS, PASSWORDS, TAUGHT, seed

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "triage-screenshot.png"

pytestmark = [
    pytest.mark.browser, pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists() and not shutil.which("chromium"),
                       reason=f"{CHROMIUM} not found: install Debian's chromium (apt-get install chromium) "
                              "to run the browser tests"),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def server(config_dir: Path, log: Path):
    """``horizon serve`` on a free port; yields its base URL and stops it afterwards."""
    port = free_port()
    command = [sys.executable, "-c", "from horizon.cli import main; main()", "serve", "--port", str(port),
               "--config", str(config_dir)]
    env = {k: v for k, v in os.environ.items() if k not in ("HORIZON_STORE_URL", "HORIZON_SECRET_KEY")}
    with log.open("a") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(base + "/login", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"horizon serve did not start:\n{log.read_text()}")
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright (a dev dependency) is not installed")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=shutil.which("chromium") or CHROMIUM, args=ARGS)
        yield browser
        browser.close()


def expect(locator):
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


def sign_in(browser, base: str, name: str):
    page = browser.new_context(viewport={"width": 1280, "height": 1000}).new_page()
    page.goto(base + "/")
    assert "/login" in page.url
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", PASSWORDS[name])
    page.click("form.login button[type=submit]")
    page.wait_for_url(base + "/")
    return page


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
        rob.screenshot(path=str(SCREENSHOT))

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
        ada.wait_for_url(base + "/learning")
        expect(ada.locator("table.runs tr")).to_have_count(2)
        after = prediction(ada, base)
        assert "cardiovascular" in after and after != before

    # The keyboard pass follows the classifier's ranking, so it may judge an item judged again later: later wins.
    expected = {ITEMS[1].id: "relevant", first: "relevant", second: "uncertain", third: "not-relevant"}
    expected.update({TAUGHT[0].id: "relevant", TAUGHT[1].id: "relevant", ITEMS[1].id: "relevant"})

    with server(config_dir, log) as base:
        ada = sign_in(browser, base, "ada")
        assert "cardiovascular" in prediction(ada, base)
        ada.goto(f"{base}/digests/{digest_id}?state=relevant")
        shown = set(ada.locator("article.item").evaluate_all("els => els.map(e => e.dataset.item)"))
        assert {i for i, state in expected.items() if state == "relevant"} <= shown
        ada.goto(base + "/register")
        assert "Dermatology pathway lead" in ada.locator("table.register").inner_text()

    store = Store(config.settings.store_url)
    current = {i: j["rob"] for i, j in store.current_judgements().items()}
    assert {i: j["state"] for i, j in current.items()} == expected
    assert current[TAUGHT[0].id]["areas"] == ["cardiovascular"]
    assert current[TAUGHT[0].id]["note"] == "wearable AF detection: cardiovascular, not frailty"
    assert ("cardiovascular", True) in {(r["area"], r["relevant"]) for r in store.labels()
                                        if r["item_id"] == TAUGHT[0].id}
    assert "cardiovascular" in current[TAUGHT[1].id]["areas"]
    [entry] = store.register_entries()
    assert (entry["item_id"], entry["stage"], str(entry["next_review"]), entry["updated_by"]) == \
        (ITEMS[1].id, "piloting", "2026-12-14", "rob")
    assert [run["by"] for run in store.training_runs()] == ["ada"]
    store.close()
    for password in PASSWORDS.values():
        assert password not in log.read_text()
    assert SCREENSHOT.stat().st_size > 10_000


def expect_state(page, item_id: str, state: str) -> None:
    """Wait for the keyboard script's fetch to land and the card to show the new state."""
    page.wait_for_function(
        "([id, state]) => [...document.querySelectorAll('article.item')].some("
        "e => e.dataset.item === id && e.querySelector('[data-role=state]').textContent === state)",
        arg=[item_id, state], timeout=15_000)
