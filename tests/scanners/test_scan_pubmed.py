"""PubMed over real HTTP: esearch ids in the Entrez-date window, then efetch XML; key from the environment."""

from __future__ import annotations

from datetime import date

import pytest
from werkzeug import Response

from scanners.pubmed import Pubmed
from tests.scanners.scanfix import make, saved, sent

ESEARCH, EFETCH = "/esearch.fcgi", "/efetch.fcgi"
SINCE = date(2026, 11, 9)


@pytest.fixture(autouse=True)
def _no_key(monkeypatch):
    monkeypatch.delenv("NCBI_API_KEY", raising=False)


def test_every_field_of_an_article():
    parsed = make(Pubmed, "http://unused").parse(saved("pubmed", "efetch_structured.xml"))
    (item,) = parsed.items
    assert parsed.skipped["malformed"] == 1  # the record with an empty title
    assert item.id == "pubmed:33798091" and item.source == "pubmed" and item.type == "literature"
    assert item.title.startswith("The Fast Track FIT study: diagnostic accuracy")
    assert item.summary == ("BACKGROUND: Patients with suspected colorectal cancer are referred urgently. "
                            "METHODS: FIT at f-Hb ≥10 \u03bcg/g was compared with colonoscopy.")  # NFKC: micro sign -> mu
    assert item.url == "https://pubmed.ncbi.nlm.nih.gov/33798091/"
    assert item.published == date(2021, 4, 2)  # the entrez date: no 'pubmed' status in this record
    assert item.updated == date(2021, 12, 9)
    x = item.extras
    assert x.programme == "Gut"
    assert x.keywords == ("Colorectal Neoplasms", "Occult Blood", "FIT")
    assert x.categories == ("Journal Article", "Evaluation Study")
    assert x.xrefs == ("doi:10.1136/gutjnl-2020-323956",)


def test_inline_markup_and_entities_in_a_real_record():
    (item,) = make(Pubmed, "http://unused").parse(saved("pubmed", "efetch_preprint.xml")).items
    assert item.summary.startswith("Mycobacterium tuberculosis is currently the leading cause")
    assert "(1.8Å)" in item.summary and "2×198,426" in item.summary
    assert item.published == date(2023, 2, 8) and item.extras.categories == ("Preprint",)


def test_search_window_and_paging_then_fetch(httpserver, monkeypatch):
    monkeypatch.setenv("NCBI_API_KEY", "k3y")
    page = b'{"esearchresult": {"count": "3", "idlist": ["33798091", "99999999"]}}'
    page2 = b'{"esearchresult": {"count": "3", "idlist": ["36747776"]}}'
    httpserver.expect_request(ESEARCH, query_string={"db": "pubmed", "term": "FIT", "retmode": "json", "datetype": "edat",
                                                     "mindate": "2026/11/09", "maxdate": date.today().strftime("%Y/%m/%d"),
                                                     "retmax": "2", "retstart": "0", "tool": "horizon-scanning",
                                                     "api_key": "k3y"}).respond_with_data(page)
    httpserver.expect_request(ESEARCH).respond_with_data(page2)
    httpserver.expect_request(EFETCH, query_string={"db": "pubmed", "id": "33798091,99999999", "retmode": "xml",
                                                    "rettype": "abstract", "tool": "horizon-scanning", "api_key": "k3y"}) \
        .respond_with_data(saved("pubmed", "efetch_structured.xml"), content_type="text/xml")
    httpserver.expect_request(EFETCH).respond_with_data(saved("pubmed", "efetch_preprint.xml"), content_type="text/xml")
    result = make(Pubmed, httpserver.url_for(""), queries=["FIT"], page_size=2).scan(SINCE)
    assert [i.id for i in result.items] == ["pubmed:33798091", "pubmed:36747776"]
    assert result.counts["malformed"] == 1
    # One record in three not understood is past the 25% line: kept items, but a failed source.
    assert result.error == "3 records, 2 understood (1 malformed): the response format may have changed"
    assert [p["retstart"] for p in sent(httpserver, ESEARCH)] == ["0", "2"]
    assert "k3y" not in repr(result)


def test_no_results_means_no_fetch(httpserver):
    httpserver.expect_request(ESEARCH).respond_with_data(saved("pubmed", "esearch_no_results.json"))
    result = make(Pubmed, httpserver.url_for(""), queries=["nothing"]).scan(SINCE)
    assert result.ok and result.items == []
    assert len(httpserver.log) == 1


def test_an_ncbi_error_is_a_clear_error(httpserver):
    httpserver.expect_request(ESEARCH).respond_with_data(saved("pubmed", "esearch_error.json"))
    result = make(Pubmed, httpserver.url_for(""), queries=["x AND AND"]).scan(SINCE)
    assert result.error == "esearch error: Invalid query syntax near 'AND AND'"


def test_429_with_retry_after_is_waited_for_then_succeeds(httpserver):
    httpserver.expect_ordered_request(ESEARCH).respond_with_response(Response("", 429, {"Retry-After": "0"}))
    httpserver.expect_ordered_request(ESEARCH).respond_with_data(b'{"esearchresult": {"count": "1", "idlist": ["36747776"]}}')
    httpserver.expect_ordered_request(EFETCH).respond_with_data(saved("pubmed", "efetch_preprint.xml"))
    result = make(Pubmed, httpserver.url_for(""), queries=["x"]).scan(SINCE)
    assert result.ok and [i.id for i in result.items] == ["pubmed:36747776"]


def test_an_html_page_instead_of_efetch_xml_is_a_clear_error(httpserver):
    httpserver.expect_request(ESEARCH).respond_with_data(b'{"esearchresult": {"count": "1", "idlist": ["1"]}}')
    httpserver.expect_request(EFETCH).respond_with_data(saved("isrctn", "html_error.html"), content_type="text/html")
    result = make(Pubmed, httpserver.url_for(""), queries=["x"]).scan(SINCE)
    assert result.error.startswith("expected <PubmedArticleSet> from efetch, got <html>")


def test_without_queries_it_says_so():
    result = make(Pubmed, "http://127.0.0.1:9").scan(SINCE)
    assert result.ok and result.notes == ["pubmed: no queries configured; PubMed needs a search term"]


def test_an_esearch_page_given_to_parse_says_what_it_is():
    from horizon.errors import MalformedResponse

    with pytest.raises(MalformedResponse, match=r"this is an esearch response \(10 of 97451 ids\), not efetch XML"):
        make(Pubmed, "http://unused").parse(saved("pubmed", "esearch.json"))


def test_pmc_ids_are_carried_as_cross_references():
    from scanners.pubmed import Pubmed
    from tests.scanners.scanfix import make, saved

    (item,) = make(Pubmed, "http://unused").parse(saved("pubmed", "efetch_preprint.xml")).items
    assert "pmc:PMC9900942" in item.extras.xrefs and "doi:10.1101/2023.01.27.525930" in item.extras.xrefs


def test_a_retracted_article_is_flagged_for_every_output():
    from scanners.pubmed import Pubmed
    from tests.scanners.scanfix import make, saved

    (item,) = make(Pubmed, "http://unused").parse(saved("pubmed", "efetch_retracted_thirdparty.xml")).items
    assert item.id == "pubmed:9500320"
    assert item.extras.flags == ("retracted", "expression-of-concern")
    (other,) = make(Pubmed, "http://unused").parse(saved("pubmed", "efetch_preprint.xml")).items
    assert other.extras.flags == ()
