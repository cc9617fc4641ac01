"""NICE listings over real HTTP: stable selectors, paging by ``pa``, the from/to window, syndication."""

from __future__ import annotations

from datetime import date

import pytest
from werkzeug import Response

from horizon.items import changes_between
from scanners.http import Validators
from scanners.nice import Nice, programme
from tests.scanners.scanfix import make, saved, sent

PUBLISHED = "/guidance/published"
SINCE = date(2026, 10, 1)


@pytest.fixture(autouse=True)
def _no_syndication_key(monkeypatch):
    monkeypatch.delenv("NICE_API_KEY", raising=False)


def serve_two_pages(httpserver):
    for number in ("1", "2"):
        httpserver.expect_request(PUBLISHED, query_string={"from": SINCE.isoformat(), "to": date.today().isoformat(),
                                                           "ps": "50", "pa": number}) \
            .respond_with_data(saved("nice", f"published_page{number}.html"), content_type="text/html")


def test_every_field_of_a_listing_row():
    parsed = make(Nice, "http://unused").parse(saved("nice", "published_page1.html"))
    first = parsed.items[0]
    assert first.id == "nice:CG181"
    assert first.source == "nice" and first.type == "guidance"
    assert first.title == "Cardiovascular disease: risk assessment and reduction, including lipid modification"
    assert first.url == "https://www.nice.org.uk/guidance/cg181"
    assert first.published == date(2014, 7, 18) and first.updated == date(2021, 10, 6)
    assert first.summary == ""  # the listing carries no summary
    x = first.extras
    assert (x.status, x.programme, x.sponsor, x.countries, x.revised) == \
        ("published", "Clinical guideline", "NICE", ("England",), date(2021, 10, 6))
    assert [i.id for i in parsed.items] == ["nice:CG181", "nice:NG191", "nice:NG203", "nice:NG201", "nice:NG9"]
    assert parsed.next_page == "2"


def test_pages_are_followed_to_the_end_with_the_window_in_every_request(httpserver):
    serve_two_pages(httpserver)
    result = make(Nice, httpserver.url_for("")).scan(SINCE)
    assert result.ok, result.error
    assert len(result.items) == 9
    assert result.counts["malformed"] == 1  # the row without a guidance link
    assert [p["pa"] for p in sent(httpserver)] == ["1", "2"]
    assert all(p["from"] == "2026-10-01" and p["ps"] == "50" for p in sent(httpserver))


def test_hashed_class_names_and_advice_links_do_not_matter(httpserver):
    parsed = make(Nice, "http://unused").parse(saved("nice", "published_page2.html"))
    by_id = {i.id: i for i in parsed.items}
    assert by_id["nice:TA1000"].title == "Example appraisal & its markup"
    assert by_id["nice:MIB273"].url == "https://www.nice.org.uk/advice/mib273"
    assert by_id["nice:MIB273"].extras.programme == "Medtech innovation briefing"
    assert by_id["nice:HTE8"].extras.programme == "HealthTech guidance (early use)"
    assert parsed.next_page is None


def test_withdrawn_and_updated_guidance_are_changes_the_store_tracks():
    before = make(Nice, "http://unused").parse(saved("nice", "published_page1.html")).items[0]
    withdrawn = make(Nice, "http://unused").parse(saved("nice", "published_page2.html")).items[2]
    assert withdrawn.extras.status == "withdrawn"
    updated = before.model_copy(update={"extras": before.extras.model_copy(update={"revised": date(2026, 11, 3)})})
    assert changes_between(before, updated) == {"revised": ("2021-10-06", "2026-11-03")}
    gone = before.model_copy(update={"extras": before.extras.model_copy(update={"status": "withdrawn"})})
    assert changes_between(before, gone) == {"status": ("published", "withdrawn")}


def test_guidance_in_development(httpserver):
    httpserver.expect_request("/guidance/indevelopment").respond_with_data(saved("nice", "indevelopment.html"),
                                                                         content_type="text/html")
    result = make(Nice, httpserver.url_for(""), listings=["indevelopment"]).scan(SINCE)
    assert [(i.id, i.extras.status, i.extras.programme) for i in result.items] == [
        ("nice:GID-NG10445", "in development", "NICE guideline"),
        ("nice:GID-TA11000", "in development", "Technology appraisal guidance"),
    ]
    first = result.items[0]
    assert first.url == "https://www.nice.org.uk/guidance/indevelopment/gid-ng10445"
    # The expected publication date is a future date, not an update: it is the estimated completion.
    assert (first.published, first.updated) == (None, None)
    assert (first.extras.completion, first.extras.completion_estimated) == (date(2027, 3, 10), True)
    assert "from" not in sent(httpserver)[0]  # its date filter is on expected publication: no past window


def test_an_empty_window(httpserver):
    httpserver.expect_request(PUBLISHED).respond_with_data(saved("nice", "no_results.html"), content_type="text/html")
    result = make(Nice, httpserver.url_for("")).scan(SINCE)
    assert result.ok and result.items == [] and len(httpserver.log) == 1


def test_429_with_retry_after_is_waited_for_then_succeeds(httpserver):
    httpserver.expect_ordered_request(PUBLISHED).respond_with_response(Response("", 429, {"Retry-After": "0"}))
    httpserver.expect_ordered_request(PUBLISHED).respond_with_data(saved("nice", "published_page2.html"),
                                                                  content_type="text/html")
    result = make(Nice, httpserver.url_for("")).scan(SINCE)
    assert result.ok and len(result.items) == 4


def test_an_error_page_instead_of_a_listing_is_a_clear_error(httpserver):
    httpserver.expect_request(PUBLISHED).respond_with_data(saved("nice", "error_page.html"), content_type="text/html")
    result = make(Nice, httpserver.url_for("")).scan(SINCE)
    assert result.error.startswith("no results table (table#results) in the listing page (starts '<!DOCTYPE html>")


def test_unchanged_listing_is_a_304_and_costs_no_parsing(httpserver):
    httpserver.expect_ordered_request(PUBLISHED).respond_with_data(
        saved("nice", "published_page2.html"), content_type="text/html", headers={"ETag": '"v1"'})
    httpserver.expect_ordered_request(PUBLISHED, headers={"If-None-Match": '"v1"'}).respond_with_data("", status=304)
    first = make(Nice, httpserver.url_for(""))
    assert len(first.scan(SINCE).items) == 4
    next_run = make(Nice, httpserver.url_for(""))
    next_run.http.validators = Validators.loads(first.http.validators.dumps())  # saved after the items were stored
    again = next_run.scan(SINCE)
    assert again.ok and again.items == []


def test_syndication_is_skipped_with_a_note_without_a_key(httpserver):
    serve_two_pages(httpserver)
    result = make(Nice, httpserver.url_for("")).scan(SINCE)
    assert result.notes == ["nice: NICE Syndication API skipped: set NICE_API_KEY to use it (listing pages were read instead)"]


def test_syndication_sends_the_key_in_a_header_and_never_shows_it(httpserver, monkeypatch):
    monkeypatch.setenv("NICE_API_KEY", "s3cret-key")
    httpserver.expect_request("/guidance/published").respond_with_data(saved("nice", "no_results.html"))
    httpserver.expect_request("/services/guidance/index/current.json", headers={"API-Key": "s3cret-key"}) \
        .respond_with_json({"IndexItems": [
            {"Title": "Tirzepatide for treating type 2 diabetes", "GuidanceReference": "TA924",
             "LastModified": "2026-10-20T00:00:00", "PublishedDate": "2023-10-18T00:00:00"},
            {"Title": "Old", "GuidanceReference": "TA1", "LastModified": "2001-01-01T00:00:00"},
            {"Title": "", "GuidanceReference": "nonsense"}]})
    scanner = make(Nice, httpserver.url_for(""), syndication_url=httpserver.url_for("/services"))
    result = scanner.scan(SINCE)
    assert [(i.id, i.extras.programme, i.updated) for i in result.items] == [
        ("nice:TA924", "Technology appraisal guidance", date(2026, 10, 20))]
    assert result.counts["malformed"] == 1
    assert "s3cret-key" not in repr(result)


@pytest.mark.parametrize(("ref", "expected"), [
    ("TA1000", "Technology appraisal guidance"), ("NG28", "NICE guideline"), ("DG56", "Diagnostics guidance"),
    ("MTG71", "Medical technologies guidance"), ("MIB300", "Medtech innovation briefing"),
    ("HTE9", "HealthTech guidance (early use)"), ("IPG700", "Interventional procedures guidance"),
    ("QS202", "Quality standard"), ("HST15", "Highly specialised technologies guidance"), ("XY1", None),
])
def test_programme_from_the_reference_prefix(ref, expected):
    assert programme(ref) == expected


def test_a_syndication_index_as_a_bare_list_or_not_json():
    from horizon.errors import MalformedResponse
    from scanners.nice import parse_syndication

    parsed = parse_syndication(b'[{"Title": "T", "GuidanceReference": "ng28", "LastModified": "2026-11-01"}]',
                               "nice", date(2026, 10, 1))
    assert [i.id for i in parsed.items] == ["nice:NG28"]
    with pytest.raises(MalformedResponse, match="Syndication API response is not JSON"):
        parse_syndication(b"<html>denied</html>", "nice", date(2026, 10, 1))
