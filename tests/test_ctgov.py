"""ClinicalTrials.gov v2 over real HTTP: fields, pagination, the since window, failures."""

from __future__ import annotations

import json
from datetime import date
from urllib.parse import parse_qs

import pytest
from pytest_httpserver.httpserver import QueryMatcher
from werkzeug import Response

from horizon.config import HttpSettings
from scanners.ctgov import Ctgov
from scanners.http import HttpClient
from tests.helpers import fixture_bytes, page, study

SINCE = date(2026, 11, 1)
PARSER = Ctgov(Ctgov.Settings(base_url="http://127.0.0.1:9/api/v2"), HttpClient())


class PageToken(QueryMatcher):
    """Matches a request by its pageToken alone (None: the first page)."""

    def __init__(self, token: str | None):
        self.token = token

    def get_comparing_values(self, request_query_string: bytes):
        return parse_qs(request_query_string.decode()).get("pageToken", [None])[0], self.token


def scanner(httpserver, **settings) -> Ctgov:
    http = HttpClient(HttpSettings(retries=0, backoff=0, read_timeout=5))
    return Ctgov(Ctgov.Settings(base_url=httpserver.url_for("/api/v2"), **settings), http)


def test_parses_every_field_of_the_common_record():
    (item,) = PARSER.parse(fixture_bytes("ctgov/study_NCT06388018.json")).items
    assert item.id == "ctgov:NCT06388018"
    assert item.title == "Tailoring Therapy in Post-surgical Patients With Low-risk Endometrial Cancer"
    assert item.summary.startswith("This phase II trial tests how well tailoring therapy")
    assert item.url == "https://clinicaltrials.gov/study/NCT06388018"
    assert (item.published, item.updated) == (date(2024, 4, 29), date(2024, 7, 15))
    assert (item.extras.status, item.extras.phase, item.extras.study_type) == ("RECRUITING", "PHASE2", "INTERVENTIONAL")
    assert item.extras.sponsor == "NRG Oncology"
    assert item.extras.countries == ("United States",)
    assert "Endometrial Neoplasms" in item.extras.keywords  # MeSH term
    assert item.extras.results_posted is False
    assert item.extras.completion == date(2027, 1, 16)


def test_markdown_escapes_and_entities_become_plain_text():
    raw = json.dumps(page([study("NCT00000001", "Adults &amp; teens", summary="Age \\>= 18 \\*and\\* up")])).encode()
    (item,) = PARSER.parse(raw).items
    assert (item.title, item.summary) == ("Adults & teens", "Age >= 18 *and* up")


def test_isrctn_and_eudract_secondary_ids_become_cross_references():
    ident = {"secondaryIdInfos": [{"id": "ISRCTN12345678", "type": "REGISTRY"}, {"id": "2019-001234-56", "type": "EUDRACT_NUMBER"},
                                  {"id": "U10CA180868", "type": "NIH"}]}
    record = study("NCT00000001", "x")
    record["protocolSection"]["identificationModule"].update(ident)
    (item,) = PARSER.parse(json.dumps(page([record])).encode()).items
    assert item.extras.xrefs == ("isrctn:ISRCTN12345678", "eudract:2019-001234-56")


def test_follows_next_page_tokens_repeating_the_first_requests_parameters(httpserver):
    first = page([study(f"NCT{n:08d}", f"Trial {n}") for n in range(3)], token="p2")
    second = page([], token="p3")  # a page can hold an empty studies list
    third = page([study("NCT00000010", "Last")])
    for token, body in ((None, first), ("p2", second), ("p3", third)):
        httpserver.expect_request("/api/v2/studies", query_string=PageToken(token)).respond_with_json(body)
    result = scanner(httpserver, queries=("asthma",), uk_only=True).scan(SINCE)
    assert result.ok, result.error
    assert [i.id for i in result.items] == [f"ctgov:NCT{n:08d}" for n in (0, 1, 2, 10)]
    tokens = [req.args.get("pageToken") for req, _ in httpserver.log]
    assert tokens == [None, "p2", "p3"]
    for req, _ in httpserver.log:
        assert req.args["query.term"] == "asthma"
        assert req.args["filter.advanced"] == 'AREA[LastUpdatePostDate]RANGE[2026-11-01,MAX] AND AREA[LocationCountry]"United Kingdom"'
        assert req.args["sort"] == "LastUpdatePostDate:desc"
        assert "horizon-scanning" in req.headers["User-Agent"]


def test_the_since_window_is_sent_as_an_advanced_filter(httpserver):
    httpserver.expect_request("/api/v2/studies").respond_with_json(page([]))
    result = scanner(httpserver, uk_only=False).scan(date(2024, 6, 1))
    assert result.ok and result.items == []
    (req, _), = httpserver.log
    assert req.args["filter.advanced"] == "AREA[LastUpdatePostDate]RANGE[2024-06-01,MAX]"
    assert "query.term" not in req.args


def test_a_malformed_record_is_skipped_and_counted(httpserver):
    good = [study(f"NCT0000000{n}", "Good") for n in range(1, 10)]
    body = page([*good, {"protocolSection": {}}, study("BAD", "No valid id"), "junk"])
    httpserver.expect_request("/api/v2/studies").respond_with_json(body)
    result = scanner(httpserver).scan(SINCE)
    assert [i.id for i in result.items] == [f"ctgov:NCT0000000{n}" for n in range(1, 10)]
    assert result.counts["malformed"] == 3 and result.ok  # 3 of 12: a counted warning


def test_mostly_malformed_records_fail_the_source_keeping_the_good_ones(httpserver):
    body = page([study("NCT00000001", "Good"), {"protocolSection": {}}, study("BAD", "No valid id"), "junk"])
    httpserver.expect_request("/api/v2/studies").respond_with_json(body)
    result = scanner(httpserver).scan(SINCE)
    assert [i.id for i in result.items] == ["ctgov:NCT00000001"]
    assert result.error == "4 records, 1 understood (3 malformed): the response format may have changed"


def test_malformed_json_is_counted_and_reported_keeping_earlier_pages(httpserver):
    httpserver.expect_request("/api/v2/studies", query_string=PageToken(None)).respond_with_json(
        page([study("NCT00000001", "Kept")], token="p2"))
    httpserver.expect_request("/api/v2/studies", query_string=PageToken("p2")).respond_with_data(
        '{"studies": [', content_type="application/json")
    result = scanner(httpserver).scan(SINCE)
    assert [i.id for i in result.items] == ["ctgov:NCT00000001"]
    assert result.counts["malformed-response"] == 1
    assert result.error == "response is not JSON (starts '{\"studies\": [')"


def test_a_server_error_is_an_error_of_the_source_not_a_crash(httpserver):
    httpserver.expect_request("/api/v2/studies").respond_with_data("oops", status=500)
    result = scanner(httpserver).scan(SINCE)
    assert result.error == f"HTTP 500 from {httpserver.url_for('/api/v2/studies')}" and result.transient


def test_an_html_error_page_with_status_200_is_a_clear_error(httpserver):
    httpserver.expect_request("/api/v2/studies").respond_with_data("<html><body>Maintenance</body></html>", content_type="text/html")
    result = scanner(httpserver).scan(SINCE)
    assert result.error == "response is not JSON (starts '<html><body>Maintenance</body></html>')"


def test_a_429_with_retry_after_is_waited_for_then_succeeds(httpserver):
    httpserver.expect_ordered_request("/api/v2/studies").respond_with_response(
        Response("slow down", status=429, headers={"Retry-After": "1"}))
    httpserver.expect_ordered_request("/api/v2/studies").respond_with_json(page([study("NCT00000001", "After wait")]))
    http = HttpClient(HttpSettings(retries=2, backoff=0))
    result = Ctgov(Ctgov.Settings(base_url=httpserver.url_for("/api/v2")), http).scan(SINCE)
    assert [i.title for i in result.items] == ["After wait"]
    assert len(httpserver.log) == 2


def test_a_body_over_the_size_cap_is_refused(httpserver):
    httpserver.expect_request("/api/v2/studies").respond_with_json(page([study(f"NCT{n:08d}", "x" * 500) for n in range(50)]))
    http = HttpClient(HttpSettings(retries=0, max_bytes=10_000))
    result = Ctgov(Ctgov.Settings(base_url=httpserver.url_for("/api/v2")), http).scan(SINCE)
    assert result.items == [] and "exceeds the 10,000-byte cap" in result.error


@pytest.mark.parametrize("status", [400, 404])
def test_other_client_errors_are_not_retried(httpserver, status):
    httpserver.expect_request("/api/v2/studies").respond_with_data("no", status=status)
    http = HttpClient(HttpSettings(retries=3, backoff=0))
    result = Ctgov(Ctgov.Settings(base_url=httpserver.url_for("/api/v2")), http).scan(SINCE)
    assert result.error.startswith(f"HTTP {status}") and not result.transient
    assert len(httpserver.log) == 1


def test_items_carry_the_configured_source_name(httpserver):
    httpserver.expect_request("/api/v2/studies").respond_with_json(page([study("NCT00000001", "x")]))
    scanner = Ctgov(Ctgov.Settings(base_url=httpserver.url_for("/api/v2")), HttpClient(), source="ctgov-uk")
    (item,) = scanner.scan(SINCE).items
    assert (item.id, item.source) == ("ctgov:NCT00000001", "ctgov-uk")


def test_enrolment_is_read_and_a_change_of_it_is_tracked_but_its_first_appearance_is_not():
    import json
    from pathlib import Path

    from horizon.items import changes_between
    from scanners.ctgov import parse_study

    body = json.loads((Path(__file__).parent / "scanners/fixtures/ctgov/study_NCT06388018.json").read_text())
    study = body["studies"][0] if "studies" in body else body
    item = parse_study(study)
    assert item.extras.enrolment == study["protocolSection"]["designModule"]["enrollmentInfo"]["count"]
    grown = item.model_copy(update={"extras": item.extras.model_copy(update={"enrolment": item.extras.enrolment + 50})})
    assert changes_between(item, grown) == {"enrolment": (str(item.extras.enrolment), str(item.extras.enrolment + 50))}
    unknown = item.model_copy(update={"extras": item.extras.model_copy(update={"enrolment": None})})
    assert changes_between(unknown, item) == {}  # a store from before the field: not news
