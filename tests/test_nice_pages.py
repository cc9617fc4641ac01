"""NICE guidance overviews: one polite, cached request per guidance item without a summary."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

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
    assert sorted(r.path for r, _ in httpserver.log) == ["/guidance/dg35", "/guidance/ng1", "/guidance/qs1"]
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


@pytest.fixture
def threaded_server():
    server = HTTPServer(threaded=True)
    server.start()
    yield server
    server.clear()
    server.stop()


class Gate:
    """Holds requests until ``wanted`` are in flight together; gives up after ``seconds`` (serial) and stops holding."""

    def __init__(self, wanted: int, seconds: float = 5.0):
        self.wanted, self.seconds = wanted, seconds
        self.reached = self.timed_out = False
        self.in_flight = self.peak = 0
        self.changed = threading.Condition()

    def __call__(self, request: Request) -> Response:
        ref = request.path.rsplit("/", 1)[1]
        with self.changed:
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
            self.changed.notify_all()
            if not (self.reached or self.timed_out):
                if self.changed.wait_for(lambda: self.reached or self.in_flight >= self.wanted, self.seconds):
                    self.reached = True
                else:
                    self.timed_out = True  # serial: the test fails once, rather than waiting 5 s per page
            self.in_flight -= 1
        if ref == "ng9":
            return Response("gone", status=404)
        if ref == "qs9":
            return Response("busy", status=503)
        if ref == "ta5":
            return Response("<html><body>nothing here</body></html>", content_type="text/html")
        return Response(f'<meta name="description" content="Overview of {ref}.">', content_type="text/html")


def test_several_pages_are_read_at_once_with_the_serial_result(threaded_server):
    refs = ["TA1", "NG9", "TA2", "QS9", "TA3", "TA4", "TA5", "TA6", "TA7"]
    items = [guidance(ref) for ref in refs]
    items.insert(3, guidance("TA8", summary="From the API."))
    items.insert(5, Item(id="ctgov:NCT1", source="ctgov", type="trial", title="A trial"))
    cached = {cache_key(guidance("TA2")): "Read last week."}
    gate = Gate(wanted=4)
    for ref in refs:
        threaded_server.expect_request(f"/guidance/{ref.lower()}").respond_with_handler(gate)
    base = threaded_server.url_for("")

    at_once = add_overviews(items, HttpClient(NO_RETRIES), base, cached, max_pages=7, workers=4)
    assert gate.reached and not gate.timed_out and gate.peak == 4  # four pages were in flight together, no more
    asked = sorted(r.path.rsplit("/", 1)[1] for r, _ in threaded_server.log)
    assert asked == ["ng9", "qs9", "ta1", "ta3", "ta4", "ta5", "ta6"]  # the cache and the cap of 7 kept

    gate.peak = 0
    one_by_one = add_overviews(items, HttpClient(NO_RETRIES), base, cached, max_pages=7, workers=1)
    assert gate.peak == 1
    assert [(i.id, i.summary) for i in at_once.items] == [(i.id, i.summary) for i in one_by_one.items]
    assert [i.id for i in at_once.items] == [i.id for i in items]
    assert at_once.cache == one_by_one.cache and at_once.counts == one_by_one.counts
    assert at_once.counts == {"overview-requests": 7, "overview-failed": 2, "overview-found": 5, "overview-none": 4}
    assert at_once.items[0].summary == "Overview of ta1." and at_once.items[2].summary == "Read last week."
    assert at_once.cache[cache_key(guidance("NG9"))] == "" and cache_key(guidance("QS9")) not in at_once.cache
    assert cache_key(guidance("TA7")) not in at_once.cache  # over the cap: read next run
