"""ISRCTN over real HTTP: the count-then-fetch pattern, the lastEdited window, fields, failures."""

from __future__ import annotations

import tracemalloc
from datetime import date

import pytest
from werkzeug import Response

from horizon.errors import MalformedResponse
from scanners.isrctn import NS, Isrctn, derive_status
from scanners.safexml import parse_xml
from tests.scanners.scanfix import make, saved, sent

PATH = "/api/query/format/default"
SINCE = date(2026, 11, 9)


def test_every_field_of_a_trial_with_cross_references():
    (item,) = make(Isrctn, "http://unused").parse(saved("isrctn", "trial_with_nct_crossref.xml")).items
    assert item.id == "isrctn:ISRCTN62918594"
    assert item.source == "isrctn" and item.type == "trial"
    assert item.title == "A Phase I/IIa trial of HMBD-001 in advanced HER3-positive solid tumours"
    assert item.summary.startswith("Primary Objectives: 1. To propose a recommended dose")  # tabs and newlines cleaned
    assert item.url == "https://www.isrctn.com/ISRCTN62918594"
    assert item.published == date(2026, 6, 25)
    assert item.updated == date(2026, 9, 30)  # from 2026-09-30T14:08:37.63458888Z: more than 6 fraction digits
    x = item.extras
    assert x.xrefs == ("ctgov:NCT05057013", "eudract:2020-005891-36", "iras:298897", "cpms:49816",
                       "ctis:2020-005891-36-00")
    assert x.phase == "Phase I/II"
    assert x.study_type == "INTERVENTIONAL"
    assert x.status == "COMPLETED"  # recruitment ended 2024-08-19, overall end 2025-09-10
    assert x.completion == date(2025, 9, 10)
    assert x.results_posted is True
    assert x.sponsor == "Cancer Research UK"
    assert x.countries == ("United Kingdom", "England")
    assert x.conditions[:2] == ("Bladder Cancer", "Triple Negative Breast Cancer")
    assert x.keywords == ("Cancer",)


def test_fetch_counts_then_fetches_all_with_the_lastedited_window(httpserver):
    body = saved("isrctn", "query_two_trials.xml").replace(b'totalCount="11"', b'totalCount="2"')
    httpserver.expect_request(PATH).respond_with_data(body, content_type="application/xml")
    scanner = make(Isrctn, httpserver.url_for(""), queries=["myalgic encephalomyelitis"])
    result = scanner.scan(SINCE)
    assert result.ok, result.error
    assert [i.id for i in result.items] == ["isrctn:ISRCTN15375673", "isrctn:ISRCTN16025168"]
    assert result.counts["fetched"] == 2
    params = sent(httpserver, PATH)
    expected_q = "(myalgic encephalomyelitis) AND lastEdited GE 2026-11-09T00:00:00"
    assert params == [{"q": expected_q, "limit": "1"}, {"q": expected_q, "limit": "2"}]


def test_several_queries_keep_one_record_per_trial(httpserver):
    body = saved("isrctn", "trial_with_nct_crossref.xml")
    httpserver.expect_request(PATH).respond_with_data(body, content_type="application/xml")
    result = make(Isrctn, httpserver.url_for(""), queries=["cancer", "HER3"]).scan(SINCE)
    assert [i.id for i in result.items] == ["isrctn:ISRCTN62918594"]
    assert result.counts["duplicate"] == 1
    assert sent(httpserver, PATH)[0]["q"] == "(cancer) AND lastEdited GE 2026-11-09T00:00:00"


def test_no_query_is_just_the_window(httpserver):
    httpserver.expect_request(PATH).respond_with_data(saved("isrctn", "query_empty.xml"), content_type="application/xml")
    result = make(Isrctn, httpserver.url_for("")).scan(SINCE)
    assert result.ok and result.items == []
    assert sent(httpserver, PATH) == [{"q": "lastEdited GE 2026-11-09T00:00:00", "limit": "1"}]  # nothing to fetch


def test_more_than_max_records_is_capped_and_said(httpserver):
    body = saved("isrctn", "query_two_trials.xml")  # totalCount=11, two records in the body
    httpserver.expect_request(PATH).respond_with_data(body, content_type="application/xml")
    scanner = make(Isrctn, httpserver.url_for(""), max_records=5)
    result = scanner.scan(SINCE)
    assert sent(httpserver, PATH)[1]["limit"] == "5"
    assert any("11 trials match" in note and "max_records" in note for note in result.notes)


def test_429_with_retry_after_is_waited_for_then_succeeds(httpserver):
    body = saved("isrctn", "trial_with_nct_crossref.xml")
    httpserver.expect_ordered_request(PATH).respond_with_response(Response("slow down", 429, {"Retry-After": "0"}))
    httpserver.expect_ordered_request(PATH).respond_with_data(body, content_type="application/xml")
    httpserver.expect_ordered_request(PATH).respond_with_data(body, content_type="application/xml")
    result = make(Isrctn, httpserver.url_for("")).scan(SINCE)
    assert result.ok, result.error
    assert [i.id for i in result.items] == ["isrctn:ISRCTN62918594"]
    assert len(httpserver.log) == 3


def test_malformed_records_are_skipped_and_counted(httpserver):
    httpserver.expect_request(PATH).respond_with_data(saved("isrctn", "malformed_records.xml"), content_type="application/xml")
    result = make(Isrctn, httpserver.url_for("")).scan(SINCE)
    assert [i.id for i in result.items] == ["isrctn:ISRCTN62918594"]
    assert result.counts["malformed"] == 2
    # Two of three records not understood is past the 25% line: the source failed, what it understood is kept.
    assert result.error == "3 records, 1 understood (2 malformed): the response format may have changed"


def test_an_html_error_page_is_a_clear_error_of_the_source(httpserver):
    httpserver.expect_request(PATH).respond_with_data(saved("isrctn", "html_error.html"), content_type="text/html")
    result = make(Isrctn, httpserver.url_for("")).scan(SINCE)
    assert not result.ok
    assert "expected <allTrials>" in result.error and "<html>" in result.error
    assert result.counts["malformed-response"] == 1


@pytest.mark.parametrize("name", ["billion_laughs.xml", "external_entity.xml"])
def test_entity_payloads_from_a_fake_isrctn_are_refused(httpserver, name):
    httpserver.expect_request(PATH).respond_with_data(saved("isrctn", name), content_type="application/xml")
    tracemalloc.start()
    try:
        result = make(Isrctn, httpserver.url_for("")).scan(SINCE)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert not result.ok and "declares entities" in result.error
    assert result.items == []
    assert peak < 20_000_000  # expanded, the billion laughs would be ~3 GB
    assert "root:" not in result.error  # the external file was never read


def test_entity_payloads_are_refused_by_parse_too():
    for name in ("billion_laughs.xml", "external_entity.xml"):
        with pytest.raises(MalformedResponse, match="isrctn: response refused"):
            make(Isrctn, "http://unused").parse(saved("isrctn", name))


def _participants(xml: str):
    return parse_xml("isrctn", f'<participants xmlns="{NS[1:-1]}">{xml}</participants>'.encode())


@pytest.mark.parametrize(("xml", "end", "expected"), [
    ("<recruitmentStart>2027-01-01T00:00:00.000Z</recruitmentStart>", None, "NOT_YET_RECRUITING"),
    ("<recruitmentStart>2025-01-01T00:00:00.000Z</recruitmentStart><recruitmentEnd>2027-01-01T00:00:00.000Z</recruitmentEnd>", None, "RECRUITING"),
    ("<recruitmentStart>2024-01-01T00:00:00.000Z</recruitmentStart><recruitmentEnd>2025-01-01T00:00:00.000Z</recruitmentEnd>", date(2027, 1, 1), "ACTIVE_NOT_RECRUITING"),
    ("<recruitmentStart>2024-01-01T00:00:00.000Z</recruitmentStart><recruitmentEnd>2025-01-01T00:00:00.000Z</recruitmentEnd>", date(2025, 6, 1), "COMPLETED"),
    ("<recruitmentStart>2025-01-01T00:00:00.000Z</recruitmentStart><recruitmentStatusOverride>Stopped</recruitmentStatusOverride>", None, "TERMINATED"),
    ("<recruitmentStatusOverride>Ongoing review</recruitmentStatusOverride>", None, "ONGOING_REVIEW"),
    ("<recruitmentStatusOverride />", None, None),
])
def test_status_is_derived_from_dates_and_overrides(xml, end, expected):
    assert derive_status(_participants(xml), end, date(2026, 11, 23)) == expected


def test_one_trial_as_the_single_trial_endpoint_sends_it_is_that_trial():
    """``/api/trial/{id}/format/default`` answers with one ``fullTrial``, not an ``allTrials`` envelope."""
    (one,) = make(Isrctn, "http://unused").parse(saved("isrctn", "one_trial_from_real.xml")).items
    (same, _) = make(Isrctn, "http://unused").parse(saved("isrctn", "query_two_trials.xml")).items
    assert one == same
