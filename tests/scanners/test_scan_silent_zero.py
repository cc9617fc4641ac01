"""No silent zeros: a response with rows but none (or too few) understood is a failure of the source."""

from __future__ import annotations

from datetime import date

from scanners.nice import Nice
from tests.scanners.scanfix import make, saved

SINCE = date(2026, 10, 1)


def changed_layout() -> bytes:
    """NICE's real published listing with every guidance link turned into plain text: rows, no links."""
    html = saved("nice", "nextweb_published.html").decode("utf-8")
    return html.replace("<a\n                        href=", "<span\n                        data-href=") \
        .replace("</a>\n                    </td>", "</span>\n                    </td>") \
        .replace("?pa=", "?page=").encode("utf-8")  # and one page only


def test_rows_present_but_none_understood_fail_the_source_with_a_reason(httpserver):
    httpserver.expect_request("/guidance/published").respond_with_data(changed_layout(), content_type="text/html")
    result = make(Nice, httpserver.url_for("")).scan(SINCE)
    assert result.items == [] and result.counts["malformed"] == 10
    assert result.error == "10 rows, 0 understood (10 malformed): the page layout may have changed"


def test_a_few_bad_rows_among_many_are_a_counted_warning(httpserver):
    httpserver.expect_request("/guidance/published").respond_with_data(saved("nice", "published_page2.html"),
                                                                     content_type="text/html")
    result = make(Nice, httpserver.url_for("")).scan(SINCE)
    assert result.ok and len(result.items) == 4 and result.counts["malformed"] == 1  # 1 in 5: 20%


def test_an_empty_window_is_not_a_failure(httpserver):
    httpserver.expect_request("/guidance/published").respond_with_data(saved("nice", "no_results.html"),
                                                                     content_type="text/html")
    assert make(Nice, httpserver.url_for("")).scan(SINCE).ok
