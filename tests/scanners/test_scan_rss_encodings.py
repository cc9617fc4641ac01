"""Feeds in the encodings publishers really use: raw bytes and the response headers go to feedparser."""

from __future__ import annotations

from scanners import saved as saved_response
from scanners.rss import Rss
from tests.scanners.scanfix import FIXTURES, make, saved


def rss(base_url: str = "http://unused"):
    return make(Rss, base_url)


def test_utf16_and_utf32_feeds_with_a_byte_order_mark_are_feeds():
    for name in ("feedparser_utf-16le-bom.xml", "feedparser_utf-32be-bom.xml"):
        parsed = rss().parse(saved("rss", name))
        assert parsed.items == [] and not parsed.skipped, name


def test_a_utf16_feed_keeps_its_entries():
    (item,) = rss().parse(saved("rss", "govuk_alerts_atom_utf-16.xml")).items
    assert item.title == rss().parse(saved("rss", "govuk_alerts_atom_thirdparty.xml")).items[0].title


def test_a_windows_1252_charset_given_only_by_the_http_header_is_honoured():
    response = saved_response.load(FIXTURES / "rss" / "feedparser_http_windows-1252.response.json")
    (item,) = rss().parse(response.body, response.headers).items
    assert item.summary == "This is a \u00a3\u201ctest.\u201d"


def test_the_header_charset_reaches_the_parser_over_http(httpserver):
    body = saved("rss", "feedparser_http_windows-1252.body")
    httpserver.expect_request("/feed").respond_with_data(body, headers={"Content-Type": "text/xml; charset=windows-1252"})
    result = make(Rss, httpserver.url_for(""), feeds=[{"path": "feed"}]).scan(__import__("datetime").date(2000, 1, 1))
    assert result.ok, result.error
    assert [i.summary for i in result.items] == ["This is a \u00a3\u201ctest.\u201d"]


def test_an_entity_declaration_in_utf16_is_still_refused():
    import pytest

    from horizon.errors import MalformedResponse

    attack = saved("rss", "billion_laughs.xml").decode("utf-8").replace('encoding="UTF-8"', 'encoding="UTF-16"')
    with pytest.raises(MalformedResponse, match="declares XML entities"):
        rss().parse(attack.encode("utf-16"))
