"""medRxiv over real HTTP: the date interval in the path, cursor stepped by the count sent, highest version kept."""

from __future__ import annotations

from datetime import date

from werkzeug import Response

from scanners.medrxiv import Medrxiv
from tests.scanners.scanfix import make, saved

SINCE = date(2026, 11, 9)


def path(cursor: int) -> str:
    return f"/details/medrxiv/2026-11-09/{date.today().isoformat()}/{cursor}/json"


def test_every_field_of_a_preprint():
    parsed = make(Medrxiv, "http://unused").parse(saved("medrxiv", "page_cursor3.json"))
    (item,) = parsed.items
    assert item.id == "medrxiv:10.1101/2026.11.10.26300001"
    assert item.source == "medrxiv" and item.type == "literature"
    assert item.title == "Smartwatch AF screening in primary care: final"
    assert item.summary.startswith("Background: screening for atrial fibrillation")
    assert item.url == "https://doi.org/10.1101/2026.11.10.26300001"
    assert item.published is None and item.updated == date(2026, 11, 20)  # v3: v1's date is not in this row
    x = item.extras
    assert x.status == "v3" and x.programme == "medRxiv preprint"
    assert x.categories == ("Cardiovascular medicine",) and x.sponsor == "University of Leeds"
    assert x.xrefs == ("doi:10.1101/2026.11.10.26300001", "doi:10.1136/heartjnl-2026-000001")
    assert parsed.next_page is None  # cursor 3 + count 1 = total 4


def test_cursor_steps_by_the_count_sent_and_the_highest_version_wins(httpserver):
    httpserver.expect_request(path(0)).respond_with_data(saved("medrxiv", "page_cursor0.json"))
    httpserver.expect_request(path(3)).respond_with_data(saved("medrxiv", "page_cursor3.json"))
    result = make(Medrxiv, httpserver.url_for("")).scan(SINCE)
    assert result.ok, result.error
    assert [(i.id, i.extras.status) for i in result.items] == [
        ("medrxiv:10.1101/2026.11.11.26300002", "v1"), ("medrxiv:10.1101/2026.11.10.26300001", "v3")]
    assert result.counts["older-version"] == 2
    assert len(httpserver.log) == 2


def test_an_abstract_licensed_cc_no_is_not_republished():
    items = make(Medrxiv, "http://unused").parse(saved("medrxiv", "page_cursor0.json")).items
    assert next(i for i in items if i.id.endswith("26300002")).summary == ""


def test_an_empty_interval(httpserver):
    httpserver.expect_request(path(0)).respond_with_data(saved("medrxiv", "empty.json"))
    result = make(Medrxiv, httpserver.url_for("")).scan(SINCE)
    assert result.ok and result.items == [] and len(httpserver.log) == 1


def test_malformed_records_are_skipped_and_counted(httpserver):
    httpserver.expect_request(path(0)).respond_with_data(saved("medrxiv", "malformed_records.json"))
    result = make(Medrxiv, httpserver.url_for("")).scan(SINCE)
    assert [i.title for i in result.items] == ["Kept"] and result.counts["malformed"] == 1


def test_429_with_retry_after_is_waited_for_then_succeeds(httpserver):
    httpserver.expect_ordered_request(path(0)).respond_with_response(Response("", 429, {"Retry-After": "0"}))
    httpserver.expect_ordered_request(path(0)).respond_with_data(saved("medrxiv", "empty.json"))
    assert make(Medrxiv, httpserver.url_for("")).scan(SINCE).ok


def test_an_html_error_page_is_a_clear_error(httpserver):
    httpserver.expect_request(path(0)).respond_with_data(saved("nice", "error_page.html"), content_type="text/html")
    result = make(Medrxiv, httpserver.url_for("")).scan(SINCE)
    assert result.error.startswith("response is not JSON (starts '<!DOCTYPE html>")


def test_the_third_party_biorxiv_capture_parses():
    parsed = make(Medrxiv, "http://unused", server="biorxiv").parse(saved("medrxiv", "details_biorxiv_thirdparty.json"))
    assert [i.id for i in parsed.items] == ["medrxiv:10.64898/2026.07.31.741992"]  # the new DOI prefix is fine
    assert parsed.next_page == "30"  # counts as numbers and strings: total "109"


def test_structured_abstract_headings_are_separated_from_their_text():
    from scanners.medrxiv import Medrxiv
    from tests.scanners.scanfix import make, saved

    (item,) = make(Medrxiv, "http://unused").parse(saved("medrxiv", "glued_headings.json")).items
    assert item.summary.startswith("Background: Restless legs syndrome (RLS) affects")
    assert " Methods: We randomised 120" in item.summary and " Results: Symptom scores" in item.summary
    assert "BackgroundRestless" not in item.summary and "ConclusionsOral" not in item.summary


def test_headings_are_separated_in_a_real_medrxiv_page():
    """medRxiv's own flattening, as recorded: a heading glued to the text, once after a section number."""
    items = {i.id: i for i in make(Medrxiv, "http://unused").parse(
        saved("medrxiv", "interval_medrxiv_thirdparty.json")).items}
    assert items["medrxiv:10.1101/2025.07.17.25331613"].summary.startswith(
        "Background: Restless legs syndrome (RLS) is a common neurological disorder")
    assert items["medrxiv:10.1101/2025.07.03.25330864"].summary.startswith(
        "Purpose: To explore how collaborative challenges")
    assert items["medrxiv:10.1101/2024.08.12.24311345"].summary == ""  # cc_no: not ours to republish
