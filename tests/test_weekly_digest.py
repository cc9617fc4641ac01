"""The weekly digest flow end to end under a temporary Prefect API, over real HTTP."""

from __future__ import annotations

import json
import os
from datetime import date

import pytest
from prefect.client.orchestration import get_client

from horizon.config import load_config
from outputs.artifacts import artifact_key
from tests.helpers import page, study
from tests.outputs.test_outputs_browser import ARGS as CHROMIUM_ARGS
from tests.outputs.test_outputs_browser import CHROMIUM

pytestmark = pytest.mark.prefect

TRIALS = [
    study("NCT00000001", "Smartwatch screening for atrial fibrillation in older adults",
          "Case-finding for atrial fibrillation with a smartwatch ECG, with anticoagulation when AF is found."),
    study("NCT00000002", "<script>alert(1)</script> Asthma self-management app for children",
          "A smartphone app supporting asthma self-management and inhaler technique for children and families."),
    study("NCT00000003", "Hip replacement implant wear in veterinary patients", "Dogs after hip surgery."),
]


@pytest.fixture
def run(prefect_harness, write_config, tmp_path):
    from flows.weekly_digest import weekly_digest

    def go(sources, **kw):
        return weekly_digest(config_dir=str(write_config(sources)), out=str(tmp_path / "out"), **kw)

    return go


def test_flow_fetches_pages_classifies_ranks_and_publishes(run, httpserver, tmp_path):
    httpserver.expect_request("/v2/studies").respond_with_json(page(TRIALS))
    result = run({"ctgov": {"base_url": httpserver.url_for("/v2"), "uk_only": False}})
    html = (tmp_path / "out" / "digest.html").read_text()
    md = (tmp_path / "out" / "digest.md").read_text()
    assert result["failed_sources"] == {}
    assert result["counts"]["ctgov/fetched"] == 3 and result["counts"]["dropped/no-area"] == 1
    assert "Smartwatch screening for atrial fibrillation" in html and "Smartwatch screening" in md
    assert "Hip replacement implant wear" not in html  # off-topic: no area, not in the digest
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html


def test_rerunning_the_same_week_publishes_the_same_digest_once(run, httpserver, tmp_path):
    from horizon.store import Store

    httpserver.expect_request("/v2/studies").respond_with_json(page(TRIALS))
    sources = {"ctgov": {"base_url": httpserver.url_for("/v2"), "uk_only": False}}
    store = Store(f"sqlite:///{tmp_path / 'store.db'}")

    def shown():
        (digest,) = store.digests()  # exactly one digest for the week, however often it runs
        return [r.item_id for r in store.digest_items(digest.id)]

    run(sources)
    first = shown()
    store.save_register("ctgov:NCT00000001", "piloting", "Asha", date(2026, 1, 5), "", by="asha")
    run(sources)
    assert shown() == first
    html = (tmp_path / "out" / "digest.html").read_text()
    assert "Register: due for review" in html and "piloting" in html  # the register reminder
    assert sorted(first) == ["ctgov:NCT00000001", "ctgov:NCT00000002"]
    assert store.count() == 3


def test_a_failing_source_is_reported_and_the_run_completes(run, httpserver, tmp_path):
    httpserver.expect_request("/good/studies").respond_with_json(page(TRIALS[:1]))
    httpserver.expect_request("/bad/studies").respond_with_data("down", status=500)
    result = run({
        "ctgov": {"base_url": httpserver.url_for("/good"), "uk_only": False},
        "ctgov-mirror": {"scanner": "ctgov", "base_url": httpserver.url_for("/bad"), "uk_only": False},
    })
    assert result["failed_sources"] == {"ctgov-mirror": f"HTTP 500 from {httpserver.url_for('/bad/studies')}"}
    assert result["entries"] == 1
    html = (tmp_path / "out" / "digest.html").read_text()
    assert "ctgov-mirror" in html and "HTTP 500" in html


def test_the_flow_leaves_a_markdown_artifact(run, httpserver):
    httpserver.expect_request("/v2/studies").respond_with_json(page(TRIALS))
    run({"ctgov": {"base_url": httpserver.url_for("/v2"), "uk_only": False}})
    key = artifact_key("suffolk-and-north-east-essex-ics", "digest")

    async def latest():
        async with get_client() as client:
            return await client.read_latest_artifacts()

    import asyncio

    artifacts = {a.key: a for a in asyncio.run(latest())}
    assert key in artifacts
    assert "Smartwatch screening for atrial fibrillation" in artifacts[key].data


@pytest.fixture(scope="module")
def sample_run(prefect_harness, tmp_path_factory):
    """The bundled sample digest, run once through the real flow in a scratch working directory."""
    from flows.weekly_digest import weekly_digest

    workdir = tmp_path_factory.mktemp("sample")
    previous = os.getcwd()
    os.chdir(workdir)
    try:
        yield workdir, weekly_digest(sample=True, out=str(workdir / "sample"))
    finally:
        os.chdir(previous)


@pytest.mark.slow  # a whole sample digest (shared by the module)
def test_the_bundled_sample_runs_offline(sample_run):
    workdir, result = sample_run
    html = (workdir / "sample" / "digest.html").read_text()
    shown = json.loads((workdir / "sample" / "digest.json").read_text())
    assert result["failed_sources"] == {}
    assert len({a for e in shown["entries"] for a in e["areas"]}) >= 6  # items under at least six areas
    assert all(e["score"] > 0 and e["why"] for e in shown["entries"])  # every entry has a score and reasons
    assert {"ctgov", "isrctn", "nice", "mhra-safety", "pubmed", "medrxiv", "nhse-news"} <= {
        name.split("/")[0] for name in result["counts"]}  # every kind of source took part
    assert result["counts"]["digest/changed"] >= 1  # last week's snapshot makes changes visible
    assert "https://www.isrctn.com/ISRCTN00000002" in html  # CLOuD's two registrations are one entry
    assert (workdir / "horizon-sample.db").exists()  # never the real store


@pytest.mark.slow  # a whole sample digest (shared by the module)
def test_the_sample_digest_never_calls_an_old_trial_new(sample_run):
    """New means new to the world: no trial registered more than five years before the sample week is "new"."""
    import re
    from html.parser import HTMLParser

    class Cards(HTMLParser):  # the muted line under each card's title, as the reader sees it
        def __init__(self):
            super().__init__()
            self.lines, self._in = [], False

        def handle_starttag(self, tag, attrs):
            self._in = tag == "p" and "color:#4c6272" in (dict(attrs).get("style") or "")
            if self._in:
                self.lines.append("")

        def handle_endtag(self, tag):
            self._in = False

        def handle_data(self, data):
            if self._in:
                self.lines[-1] += data

    html = (sample_run[0] / "sample" / "digest.html").read_text()
    cards = Cards()
    cards.feed(html)
    labelled = [line for line in cards.lines if re.search(r"(^| · )(new|changed|backfill|seen before)$", line)]
    assert len(labelled) >= 30
    for line in labelled:
        registered = re.search(r"registered (\d{4})-(\d{2})-(\d{2})", line)
        if line.endswith(" · new") and ("ClinicalTrials.gov" in line or "ISRCTN" in line):
            assert registered and date(*map(int, registered.groups())) >= date(2021, 11, 23), line
    assert any(line.endswith("backfill") and "ClinicalTrials.gov" in line for line in labelled)
    shown = json.loads((sample_run[0] / "sample" / "digest.json").read_text())
    for entry in shown["entries"]:
        if entry["type"] == "trial" and entry["novelty"] == "new":
            assert entry["published"] and entry["published"] >= "2021-11-23", entry["id"]
    # The previous week is a real digest with items, so the trend starts there rather than at zero.
    assert {series[0]["week"] for series in shown["trend"].values()} == {"2026-W47"}
    assert sum(series[0]["count"] for series in shown["trend"].values()) >= 5
    from scanners.replay import SAMPLE_DIR

    recorded = {page.stem for page in (SAMPLE_DIR / "nice" / "pages").glob("*.html")}
    nice = {e["id"].split(":")[1].lower(): bool(e["summary"]) for e in shown["entries"] if e["source"] == "nice"}
    assert len(nice) >= 10 and nice == {ref: ref in recorded for ref in nice}  # read from each recorded page
    assert ("No summary published." in html) == any(not e["summary"] for e in shown["entries"])  # or says so


@pytest.mark.browser
@pytest.mark.slow
def test_the_sample_digest_renders_in_a_browser_with_safety_on_the_first_screen(sample_run, tmp_path):
    """Headless Chromium: no console errors, nothing fetched, safety and tracked technologies on the first screen.

    The README's screenshots are made by scripts/screenshots.py; this test writes only to tmp_path.
    """
    if not CHROMIUM.exists():
        pytest.skip(f"Debian's chromium is not installed at {CHROMIUM}; run .ci/install-chromium to run this test")
    from playwright.sync_api import sync_playwright

    path = sample_run[0] / "sample" / "digest.html"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 760, "height": 900})
        problems, requests = [], []
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.on("request", lambda r: requests.append(r.url))
        page.goto(path.resolve().as_uri(), wait_until="load")
        assert problems == [] and requests == [path.resolve().as_uri()]
        safety = page.get_by_role("heading", name="Safety notices in your areas", level=2)
        box = safety.bounding_box()
        assert box is not None and box["y"] + box["height"] < 900  # on the first screen, whatever the scores
        first_notice = page.locator("#safety + table a").first.bounding_box()
        assert first_notice is not None and first_notice["y"] < 900
        tracked = page.get_by_role("heading", name="Technologies you track: new evidence this week", level=2)
        box = tracked.bounding_box()
        assert box is not None and box["y"] + box["height"] < 900  # the tracked technologies start on it too
        for area in load_config().priorities.areas:
            assert page.get_by_role("heading", name=area.name, level=2).is_visible(), area.name
        shot = tmp_path / "digest.png"
        page.screenshot(path=str(shot), full_page=True)
        browser.close()
    assert shot.stat().st_size > 10_000


FEED = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>News</title><link>https://example.org/</link>
<item><title>Virtual ward for heart failure opens</title><link>https://example.org/a</link><guid>a</guid>
<pubDate>Fri, 20 Nov 2026 09:00:00 GMT</pubDate><description>Remote monitoring of heart failure at home.</description></item>
</channel></rss>"""


def test_a_feed_unchanged_since_the_last_run_costs_a_304(run, httpserver):
    from werkzeug import Response

    def feed(request):
        if request.headers.get("If-None-Match") == '"v1"':
            return Response(status=304)
        return Response(FEED, content_type="application/rss+xml", headers={"ETag": '"v1"'})

    httpserver.expect_request("/feed/").respond_with_handler(feed)
    sources = {"news": {"scanner": "rss", "base_url": httpserver.url_for(""), "lookback_days": 30,
                        "feeds": [{"path": "/feed/", "type": "news"}]}}
    first = run(sources)
    second = run(sources)
    sent = [req.headers.get("If-None-Match") for req, _ in httpserver.log]
    assert sent == [None, '"v1"']  # the validator learned in the first run, saved with its items
    assert first["counts"]["news/fetched"] == 1 and "news/fetched" not in second["counts"]
    assert second["failed_sources"] == {}
