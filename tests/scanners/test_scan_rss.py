"""RSS/Atom over real HTTP: bytes via HttpClient, entries before ``since`` dropped, paging, defects counted."""

from __future__ import annotations

import tracemalloc
from datetime import date

from werkzeug import Response

from scanners.http import Validators
from scanners.rss import Rss
from tests.scanners.scanfix import make, saved, sent

SINCE = date(2026, 11, 9)


def feed(path: str = "/feed/", type: str = "news", **more: object) -> list[dict]:
    return [{"path": path, "type": type, **more}]


def test_every_field_of_an_rss2_entry():
    parsed = make(Rss, "http://unused", source="nhse-news", feeds=feed()).parse(saved("rss", "nhse_rss2.xml"))
    first = parsed.items[0]
    assert first.id == "nhse-news:https://www.england.nhs.uk/?p=212345"
    assert first.source == "nhse-news" and first.type == "news"
    assert first.title == "NHS rolls out \u2018lung health checks\u2019 to more areas"
    assert first.summary == "Targeted lung health checks & low-dose CT reach more areas."  # script body dropped
    assert first.url == "https://www.england.nhs.uk/2026/11/nhs-rolls-out-lung-health-checks/"
    assert first.published == first.updated == date(2026, 11, 20)
    assert first.extras.categories == ("Cancer", "News")
    assert parsed.skipped["malformed"] == 1  # the entry without a title


def test_a_govuk_atom_entry_has_only_updated():
    (item,) = make(Rss, "http://unused", source="mhra-alerts", feeds=feed(type="safety")) \
        .parse(saved("rss", "govuk_alerts_atom_thirdparty.xml")).items
    assert item.id == "mhra-alerts:tag:www.gov.uk,2005:/drug-device-alerts/mhra-safety-roundup-april-2026"
    assert item.type == "safety" and item.url == "https://www.gov.uk/drug-device-alerts/mhra-safety-roundup-april-2026"
    assert item.published == item.updated == date(2026, 4, 29)


def test_fetch_drops_entries_before_since_and_stops_paging_there(httpserver):
    httpserver.expect_request("/feed/").respond_with_data(saved("rss", "nhse_rss2.xml"), content_type="application/rss+xml")
    scanner = make(Rss, httpserver.url_for(""), source="nhse-news", feeds=feed(page_param="paged"))
    result = scanner.scan(SINCE)
    assert [i.title for i in result.items] == ["NHS rolls out \u2018lung health checks\u2019 to more areas",
                                               "Virtual wards pass 12,000 beds"]
    assert result.counts["before-since"] == 1 and result.counts["malformed"] == 1
    assert sent(httpserver) == [{}]  # page 1 reached back past since: no page 2


def test_paging_continues_while_every_entry_is_new(httpserver):
    fresh = saved("rss", "bozo_but_usable.xml")
    httpserver.expect_ordered_request("/feed/").respond_with_data(fresh)
    httpserver.expect_ordered_request("/feed/", query_string="paged=2").respond_with_data(saved("rss", "nhse_rss2.xml"))
    result = make(Rss, httpserver.url_for(""), feeds=feed(page_param="paged")).scan(SINCE)
    assert len(result.items) == 3
    assert sent(httpserver) == [{}, {"paged": "2"}]


def test_a_feed_with_a_recoverable_defect_is_kept_and_counted(httpserver):
    httpserver.expect_request("/feed/").respond_with_data(saved("rss", "bozo_but_usable.xml"))
    result = make(Rss, httpserver.url_for(""), feeds=feed(type="innovation")).scan(SINCE)
    assert result.ok and [i.type for i in result.items] == ["innovation"]
    assert result.counts["malformed-feed"] == 1


def test_an_empty_feed(httpserver):
    httpserver.expect_request("/feed/").respond_with_data(
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>x</title></channel></rss>')
    result = make(Rss, httpserver.url_for(""), feeds=feed()).scan(SINCE)
    assert result.ok and result.items == []


def test_an_html_error_page_is_a_clear_error(httpserver):
    httpserver.expect_request("/feed/").respond_with_data(saved("rss", "html_error.html"), content_type="text/html")
    result = make(Rss, httpserver.url_for(""), source="hin-news", feeds=feed()).scan(SINCE)
    assert result.error.startswith("response is not an RSS or Atom feed (starts '<!DOCTYPE html>")


def test_429_with_retry_after_is_waited_for_then_succeeds(httpserver):
    httpserver.expect_ordered_request("/feed/").respond_with_response(Response("", 429, {"Retry-After": "0"}))
    httpserver.expect_ordered_request("/feed/").respond_with_data(saved("rss", "bozo_but_usable.xml"))
    assert len(make(Rss, httpserver.url_for(""), feeds=feed()).scan(SINCE).items) == 1


def test_a_billion_laughs_feed_is_refused_without_expanding(httpserver):
    httpserver.expect_request("/feed/").respond_with_data(saved("rss", "billion_laughs.xml"))
    tracemalloc.start()
    try:
        result = make(Rss, httpserver.url_for(""), feeds=feed()).scan(SINCE)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.error == "feed refused: it declares XML entities"
    assert peak < 20_000_000


def test_an_unchanged_feed_is_a_304(httpserver):
    httpserver.expect_ordered_request("/feed/").respond_with_data(
        saved("rss", "bozo_but_usable.xml"), headers={"Last-Modified": "Thu, 19 Nov 2026 12:00:00 GMT"})
    httpserver.expect_ordered_request("/feed/", headers={"If-Modified-Since": "Thu, 19 Nov 2026 12:00:00 GMT"}) \
        .respond_with_data("", status=304)
    first = make(Rss, httpserver.url_for(""), feeds=feed())
    assert len(first.scan(SINCE).items) == 1
    next_run = make(Rss, httpserver.url_for(""), feeds=feed())
    next_run.http.validators = Validators.loads(first.http.validators.dumps())
    assert next_run.scan(SINCE).items == []
    assert len(httpserver.log) == 2


def test_a_retry_within_a_run_never_gets_a_304_for_what_it_has_not_stored(httpserver):
    httpserver.expect_request("/feed/").respond_with_data(saved("rss", "bozo_but_usable.xml"), headers={"ETag": '"v1"'})
    scanner = make(Rss, httpserver.url_for(""), feeds=feed())
    assert len(scanner.scan(SINCE).items) == 1
    assert len(scanner.scan(SINCE).items) == 1  # e.g. Prefect retrying the source: the items again
    assert all("If-None-Match" not in req.headers for req, _ in httpserver.log)


def test_a_full_feed_url_overrides_the_base(httpserver):
    httpserver.expect_request("/other/atom").respond_with_data(saved("rss", "govuk_alerts_atom_thirdparty.xml"))
    result = make(Rss, "https://never.example", feeds=feed(path=httpserver.url_for("/other/atom"))).scan(date(2026, 1, 1))
    assert len(result.items) == 1


def test_no_feeds_configured_is_a_note():
    result = make(Rss, "https://never.example", source="x").scan(SINCE)
    assert result.ok and result.notes == ["x: no feeds configured"]


def test_a_wordpress_feed_answering_404_after_its_last_page_is_the_end_of_paging(httpserver):
    from datetime import date

    from scanners.rss import Rss
    from tests.scanners.scanfix import make, saved

    httpserver.expect_request("/feed/", query_string="").respond_with_data(saved("rss", "nhse_rss2.xml"),
                                                                           content_type="application/rss+xml")
    httpserver.expect_request("/feed/", query_string="paged=2").respond_with_data("<html>Not found</html>", status=404)
    result = make(Rss, httpserver.url_for(""), feeds=[{"path": "feed/", "page_param": "paged"}]).scan(date(2000, 1, 1))
    assert result.ok, result.error
    assert len(result.items) == 3 and len(httpserver.log) == 2
