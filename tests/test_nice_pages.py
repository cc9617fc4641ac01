"""NICE guidance overviews: one polite, cached request per guidance item without a summary."""

from __future__ import annotations

from datetime import date

from horizon.config import HttpSettings
from horizon.items import Extras, Item
from scanners.http import HttpClient
from scanners.nice_pages import add_overviews, cache_key, load_cache, parse_overview
from scanners.replay import SAMPLE_DIR

NO_RETRIES = HttpSettings(retries=0)
PAGE = (SAMPLE_DIR / "nice" / "pages" / "dg35.html").read_bytes()


def guidance(ref: str, summary: str = "", revised: date | None = None) -> Item:
    return Item(id=f"nice:{ref}", source="nice", type="guidance", title=ref, summary=summary,
                url=f"https://www.nice.org.uk/guidance/{ref.lower()}", published=date(2019, 1, 29),
                extras=Extras(revised=revised))


def test_each_guidance_without_a_summary_costs_one_request_once(httpserver):
    httpserver.expect_request("/guidance/dg35").respond_with_data(PAGE, content_type="text/html")
    httpserver.expect_request("/guidance/ng1").respond_with_data("gone", status=404)
    httpserver.expect_request("/guidance/qs1").respond_with_data("busy", status=503)
    items = [guidance("DG35"), guidance("NG1"), guidance("QS1"), guidance("TA1", summary="From the API."),
             Item(id="ctgov:NCT1", source="ctgov", type="trial", title="A trial")]
    first = add_overviews(items, HttpClient(NO_RETRIES), httpserver.url_for(""))
    by_id = {i.id: i for i in first.items}
    assert by_id["nice:DG35"].summary.startswith("NICE diagnostics guidance on handheld lead-I")
    assert by_id["nice:NG1"].summary == "" and by_id["nice:TA1"].summary == "From the API."
    paths = [r.path for r, _ in httpserver.log]
    assert paths[:2] == ["/guidance/dg35", "/guidance/ng1"] and set(paths[2:]) == {"/guidance/qs1"}  # 503: retried
    assert first.counts == {"overview-requests": 3, "overview-failed": 2, "overview-found": 1, "overview-none": 2}
    asked = len(httpserver.log)
    second = add_overviews(items, HttpClient(NO_RETRIES), httpserver.url_for(""), first.cache)
    # A missing page is not asked for again; one that was busy (503) is, next run.
    assert {r.path for r, _ in httpserver.log[asked:]} == {"/guidance/qs1"}
    assert {i.id: i.summary for i in second.items} == {i.id: i.summary for i in first.items}
    revised = guidance("DG35", revised=date(2026, 11, 18))
    assert cache_key(revised) != cache_key(guidance("DG35"))  # a revised guideline is read again


def test_the_overview_is_the_meta_description_or_the_overview_paragraph_as_plain_text():
    assert parse_overview(b'<html><head><meta name="description" content="Covers &amp; more"></head></html>') == \
        "Covers & more"
    page = b'<main><section id="overview"><h2>Overview</h2><p>This guideline <b>covers</b> asthma.</p></section></main>'
    assert parse_overview(page) == "This guideline covers asthma."
    assert parse_overview(b"<html><body>nothing here</body></html>") == ""
    assert load_cache("not json") == {} and load_cache('{"a": "b"}') == {"a": "b"}
