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


def renamed(source: str, name: str, old: bytes, new: bytes) -> bytes:
    """A real recorded response whose record element (or key) the publisher has renamed."""
    return saved(source, name).replace(old, new)


def test_isrctn_records_under_a_new_element_name_fail_the_source(httpserver):
    from scanners.isrctn import Isrctn

    body = renamed("isrctn", "query_two_trials.xml", b"fullTrial", b"trialRecord")
    httpserver.expect_request("/api/query/format/default").respond_with_data(body, content_type="text/xml")
    result = make(Isrctn, httpserver.url_for("")).scan(SINCE)
    assert result.items == []
    assert result.error == "2 records, 0 understood (2 malformed): the response format may have changed"


def test_pubmed_articles_under_a_new_element_name_are_not_an_empty_page():
    from scanners.pubmed import Pubmed

    body = renamed("pubmed", "efetch_preprint.xml", b"PubmedArticle>", b"PubmedRecord>")
    parsed = make(Pubmed, "http://unused").parse(body)
    assert parsed.items == [] and parsed.skipped["malformed"] == 1


def test_medrxiv_posts_under_a_new_key_are_refused_saying_so():
    import pytest

    from horizon.errors import MalformedResponse
    from scanners.medrxiv import Medrxiv

    body = renamed("medrxiv", "details_biorxiv_thirdparty.json", b'"collection"', b'"posts"')
    with pytest.raises(MalformedResponse, match=r"'messages' says 30 posts were sent but 'collection' holds none "
                                                 r"\(JSON with keys: messages, posts\)"):
        make(Medrxiv, "http://unused").parse(body)


def test_horizon_parse_fails_a_page_whose_rows_it_did_not_understand(tmp_path):
    from typer.testing import CliRunner

    from apps.cli import app

    page = tmp_path / "published.html"
    page.write_bytes(changed_layout())
    result = CliRunner().invoke(app, ["parse", "nice", str(page)])
    assert result.exit_code == 1
    assert str(result.exception) == "nice: 10 rows, 0 understood (10 malformed): the page layout may have changed"
