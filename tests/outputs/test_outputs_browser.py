"""The HTML digest in a real browser: Debian's headless chromium driven by Playwright.

Checks it renders without console errors or dialogs, fetches nothing but itself,
shows every area heading and fits a phone screen. (The README's screenshots of the
bundled sample digest are made by scripts/screenshots.py; no test writes them.)
Skips (visibly, with the reason) when /usr/bin/chromium is missing: run
.ci/install-chromium. Never uses ``playwright install``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import outputs
from tests.outputs.golden import make_digest, showcase_entries

CHROMIUM = Path(os.environ.get("HORIZON_CHROMIUM", "/usr/bin/chromium"))
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"Debian's chromium is not installed at {CHROMIUM}; run .ci/install-chromium to run this test")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield browser
        browser.close()


def _open(browser, path: Path, width: int):
    page = browser.new_page(viewport={"width": width, "height": 900})
    events = {"console": [], "requests": [], "dialogs": [], "errors": []}
    page.on(
        "console", lambda m: events["console"].append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else None
    )
    page.on("pageerror", lambda e: events["errors"].append(str(e)))
    page.on("request", lambda r: events["requests"].append(r.url))
    page.on("dialog", lambda d: (events["dialogs"].append(d.message), d.dismiss()))
    page.goto(path.resolve().as_uri(), wait_until="load")
    return page, events


def test_hostile_digest_runs_nothing_and_fetches_nothing(browser, tmp_path, digest):
    [path] = outputs.write(digest, tmp_path, formats=["html"])
    page, events = _open(browser, path, 390)
    page.wait_for_timeout(200)  # give any injected handler a chance to fire
    assert events["dialogs"] == [] and events["errors"] == [] and events["console"] == []
    assert events["requests"] == [path.resolve().as_uri()]
    assert page.locator("script, img, iframe").count() == 0
    assert page.get_by_text("<script>alert(1)</script> Asthma inhaler recall").first.is_visible()
    page.close()


def test_digest_renders_on_a_phone_and_on_a_desktop(browser, tmp_path):
    from tests.outputs.golden import TREND

    digest = make_digest(entries=showcase_entries(), trend=TREND, reason="timed out after 3 attempts")
    [path] = outputs.write(digest, tmp_path, formats=["html"])
    page, events = _open(browser, path, 390)
    assert events["console"] == [] and events["errors"] == []
    assert events["requests"] == [path.resolve().as_uri()]
    for area in digest.areas:
        assert page.get_by_role("heading", name=area.name, level=2).is_visible(), area.name
    assert page.get_by_role("heading", level=1).inner_text() == digest.title
    assert page.get_by_role("img", name="Items per priority area, 2026-W37 to 2026-W48").is_visible()
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"page is {overflow}px wider than a 390px phone screen"
    page.close()
    wide, events = _open(browser, path, 760)
    shot = tmp_path / "wide.png"
    wide.screenshot(path=str(shot), full_page=True)
    wide.close()
    assert events["console"] == [] and shot.stat().st_size > 10_000
