"""GOV.UK Search API (MHRA) over real HTTP: formats, the public_timestamp window, start/count paging."""

from __future__ import annotations

from datetime import date

from werkzeug import Response

from scanners.govuk import Govuk
from tests.scanners.scanfix import make, saved, sent

PATH = "/api/search.json"
SINCE = date(2026, 11, 9)


def test_every_field_and_the_facets():
    items = make(Govuk, "http://unused").parse(saved("govuk", "dsu_page1.json")).items
    dsu, alert = items
    assert dsu.id.startswith("govuk:drug-safety-update/isotretinoin-roaccutane-introduction")
    assert dsu.source == "govuk" and dsu.type == "safety"
    assert dsu.title.startswith("Isotretinoin (Roaccutane): introduction of new safety measures")
    assert dsu.summary == "New safety measures for isotretinoin & oversight of initiation in under-18s."
    assert dsu.url.startswith("https://www.gov.uk/drug-safety-update/isotretinoin")
    assert dsu.published == date(2023, 10, 31) and dsu.updated == date(2023, 10, 31)
    assert dsu.extras.categories == ("dermatology", "psychiatry")
    assert dsu.extras.programme == "Drug Safety Update"
    assert dsu.extras.sponsor == "MHRA" and dsu.extras.countries == ("United Kingdom",)
    assert alert.extras.categories == ("Field safety notices", "Diabetes", "General practice")
    assert alert.extras.programme == "MHRA alert"


def test_each_format_is_paged_to_the_end_with_the_window(httpserver):
    pages = {"0": "dsu_page1.json", "2": "dsu_page2.json"}
    httpserver.expect_request(PATH).respond_with_handler(
        lambda request: Response(saved("govuk", pages[request.args["start"]]), content_type="application/json"))
    scanner = make(Govuk, httpserver.url_for(""), formats=["drug_safety_update"], page_size=2)
    result = scanner.scan(SINCE)
    assert result.ok, result.error
    assert len(result.items) == 3
    params = sent(httpserver, PATH)
    assert [p["start"] for p in params] == ["0", "2"]
    assert all(p["filter_public_timestamp"] == "from:2026-11-09" and p["count"] == "2"
               and p["order"] == "-public_timestamp" and "therapeutic_area" in p["fields"] for p in params)


def test_an_empty_result(httpserver):
    httpserver.expect_request(PATH).respond_with_data(saved("govuk", "empty.json"), content_type="application/json")
    result = make(Govuk, httpserver.url_for("")).scan(SINCE)
    assert result.ok and result.items == []
    assert [p["filter_format"] for p in sent(httpserver)] == ["drug_safety_update", "medical_safety_alert"]


def test_429_with_retry_after_is_waited_for_then_succeeds(httpserver):
    httpserver.expect_ordered_request(PATH).respond_with_response(Response("", 429, {"Retry-After": "0"}))
    httpserver.expect_ordered_request(PATH).respond_with_data(saved("govuk", "dsu_page2.json"))
    result = make(Govuk, httpserver.url_for(""), formats=["drug_safety_update"]).scan(SINCE)
    assert result.ok and [i.title for i in result.items] == ["Valproate use by women and girls"]


def test_malformed_records_are_skipped_and_counted(httpserver):
    httpserver.expect_request(PATH).respond_with_data(saved("govuk", "malformed_records.json"))
    result = make(Govuk, httpserver.url_for(""), formats=["drug_safety_update"]).scan(SINCE)
    assert [i.id for i in result.items] == ["govuk:drug-safety-update/a-good-one"]
    assert result.counts["malformed"] == 3  # no link, an off-site link, not an object


def test_an_html_error_page_is_a_clear_error_of_the_source(httpserver):
    httpserver.expect_request(PATH).respond_with_data(saved("govuk", "html_error.html"), content_type="text/html")
    result = make(Govuk, httpserver.url_for(""), source="mhra-safety").scan(SINCE)
    assert result.error.startswith("response is not JSON (starts '<!DOCTYPE html>")
    assert result.source == "mhra-safety"


def test_a_422_is_not_retried(httpserver):
    httpserver.expect_request(PATH).respond_with_data("unknown parameter", status=422)
    result = make(Govuk, httpserver.url_for("")).scan(SINCE)
    assert result.error.startswith("HTTP 422 from")
    assert len(httpserver.log) == 1


def test_stopping_at_max_pages_is_said_not_silent(httpserver):
    httpserver.expect_request(PATH).respond_with_data(saved("govuk", "dsu_page1.json"))  # always "more to come"
    result = make(Govuk, httpserver.url_for(""), formats=["drug_safety_update"], max_pages=3).scan(SINCE)
    assert len(httpserver.log) == 3
    assert result.notes == ["govuk: stopped after 3 pages of drug_safety_update with more to come; "
                            "raise max_pages to read them all"]


def test_the_publishing_organisations_come_from_the_response():
    from scanners.govuk import Govuk
    from tests.scanners.scanfix import make, saved

    (item,) = make(Govuk, "http://unused").parse(saved("govuk", "rummager_readme_example.json")).items
    assert item.extras.sponsor == "Department for Transport; Driver and Vehicle Licensing Agency"  # not "MHRA"

