"""The ad-hoc scan on both engines, over real HTTP and on the bundled sample.

Each behaviour is checked on the plain engine (the composition in ``flows/scan.py``, as
the local ``horizon scan`` runs it) and as the ``adhoc-scan`` flow under a temporary
Prefect API (as deployments run it).
"""

from __future__ import annotations

from datetime import date

import pytest
from prefect.exceptions import ParameterTypeError

from horizon.errors import InputError, UnknownName
from horizon.store import Store
from tests.helpers import page, study

TRIALS = [
    study("NCT00000001", "Smartwatch screening for atrial fibrillation in older adults",
          "Case-finding for atrial fibrillation with a smartwatch ECG, with anticoagulation when AF is found.",
          updated="2026-10-01"),
    study("NCT00000002", "Asthma self-management app for children",
          "A smartphone app supporting asthma self-management and inhaler technique for children and families.",
          updated="2026-11-20"),
    study("NCT00000003", "Atrial fibrillation ablation versus drugs", "Catheter ablation for atrial fibrillation.",
          updated="2026-11-21"),
]


def test_a_source_that_searches_gets_the_query_and_one_that_only_lists_gets_nothing():
    from scanners import Scanner

    class Lister(Scanner):
        searches = False

    assert Scanner.for_query("atrial fibrillation") == {"queries": ["atrial fibrillation"]}
    assert Lister.for_query("atrial fibrillation") == {}


def test_items_of_a_listing_source_are_kept_when_they_mention_a_word_of_the_query():
    from horizon.items import Item
    from steps.pipeline import mentions

    items = [Item(id=f"nice:{n}", source="nice", type="guidance", title=t, summary=s)
             for n, (t, s) in enumerate([("Asthma: diagnosis", ""), ("Heart failure", "chronic"),
                                         ("Inhalers", "for COPD or asthma")])]
    assert [i.id for i in mentions(items, "asthma OR copd")] == ["nice:0", "nice:2"]


@pytest.fixture(params=["plain", pytest.param("prefect", marks=pytest.mark.prefect)])
def adhoc(request):
    """The scan on each engine: the composition on ``Plain``, or the ``adhoc-scan`` flow on Prefect's."""
    if request.param == "prefect":
        request.getfixturevalue("prefect_harness")
        from flows.adhoc_scan import adhoc_scan

        return adhoc_scan
    from flows.engine import Plain
    from flows.scan import ScanRequest, run_scan

    return lambda **kw: run_scan(ScanRequest(**kw), Plain())


@pytest.fixture
def scan(adhoc, write_config, tmp_path):
    def go(configured, **kw):
        return adhoc(config_dir=str(write_config(configured)), out=str(tmp_path / "scan"), **kw)

    return go


def test_scan_searches_each_source_for_the_query_and_publishes_a_ranked_result(scan, httpserver, tmp_path):
    httpserver.expect_request("/v2/studies").respond_with_json(page(TRIALS))
    result = scan({"ctgov": {"base_url": httpserver.url_for("/v2"), "uk_only": False, "queries": ["diabetes"]}},
                  query="atrial fibrillation", since=date(2026, 9, 1), until=date(2026, 11, 20),
                  areas=["cardiovascular"], limit=5)
    assert result["failed_sources"] == {} and result["query"] == "atrial fibrillation"
    # Only the query, not the configured ones, was asked for.
    assert [req.args.get("query.term") for req, _ in httpserver.log] == ["atrial fibrillation"]
    assert [t["title"] for t in result["top"]] == ["Smartwatch screening for atrial fibrillation in older adults"]
    counts = result["counts"]
    assert counts["dropped/after-until"] == 1  # NCT00000003 was updated after --until
    assert counts["dropped/other-areas"] == 1  # the asthma app is not cardiovascular
    html = (tmp_path / "scan" / "digest.html").read_text()
    assert "Ad-hoc scan: atrial fibrillation" in html and "Asthma self-management" not in html
    store = Store(f"sqlite:///{tmp_path / 'store.db'}")
    assert store.count() == 3  # everything fetched is stored for reviewers
    assert store.watermark("ctgov") is None  # but the weekly digest's watermark never moves
    assert store.digests() == []  # and a scan is not a digest of the weekly series
    store.close()


def test_a_scan_is_ranked_by_its_query_and_headed_with_the_query_and_dates(scan, httpserver, tmp_path):
    import json

    ablation = study("NCT00000004", "Atrial fibrillation ablation versus anticoagulation after stroke in atrial "
                     "fibrillation", "Catheter ablation for atrial fibrillation with ECG follow-up.", updated="2026-11-20")
    httpserver.expect_request("/v2/studies").respond_with_json(page([ablation, TRIALS[0]]))
    scan({"ctgov": {"base_url": httpserver.url_for("/v2"), "uk_only": False}},
         query="smartwatch screening", since=date(2026, 9, 1), until=date(2026, 11, 30))
    doc = json.loads((tmp_path / "scan" / "digest.json").read_text())
    assert [e["id"] for e in doc["entries"]] == ["ctgov:NCT00000001", "ctgov:NCT00000004"]
    best, other = (e["factors"] for e in doc["entries"])
    assert best["query"] == 1.0 and other["query"] == 0.2  # "smartwatch screening" is not in the ablation trial
    assert best["novelty"] == other["novelty"] == 1.0  # novelty is shown, never scored, in a scan
    assert doc["scan"] == {"query": "smartwatch screening", "since": "2026-09-01", "until": "2026-11-30"}
    html = (tmp_path / "scan" / "digest.html").read_text()
    assert "Best 2 matches for “smartwatch screening”" in html and "this week" not in html.lower()
    assert "items updated 2026-09-01 to 2026-11-30" in html


def test_limit_keeps_the_best_entries(scan, httpserver):
    httpserver.expect_request("/v2/studies").respond_with_json(page(TRIALS))
    result = scan({"ctgov": {"base_url": httpserver.url_for("/v2"), "uk_only": False}}, query="trials", limit=1)
    assert result["entries"] == 1 and result["counts"]["dropped/over-limit"] >= 1


def test_an_unknown_area_or_source_is_one_line_listing_the_valid_ones(scan, httpserver):
    sources = {"ctgov": {"base_url": httpserver.url_for("/v2"), "uk_only": False}}
    with pytest.raises(UnknownName, match=r"^unknown area 'cardio'; valid areas: cardiovascular, cancer-early-diagnosis"):
        scan(sources, query="af", areas=["cardio"])
    with pytest.raises(UnknownName, match=r"^unknown source 'isrctn'; configured: ctgov$"):
        scan(sources, query="af", sources=["isrctn"])
    with pytest.raises(InputError, match="since 2026-11-02 is after until 2026-11-01"):
        scan(sources, query="af", since=date(2026, 11, 2), until=date(2026, 11, 1))
    assert len(httpserver.log) == 0  # refused before any request


@pytest.mark.prefect
def test_prefect_validates_parameters_from_the_type_hints(prefect_harness, write_config, tmp_path):
    from flows.adhoc_scan import adhoc_scan

    config = str(write_config({"ctgov": {"base_url": "http://127.0.0.1:9/v2"}}))
    with pytest.raises(ParameterTypeError, match="limit"):
        adhoc_scan(query="af", limit=0, config_dir=config)
    with pytest.raises(ParameterTypeError, match="query"):
        adhoc_scan(query="", config_dir=config)


@pytest.mark.parametrize(("given", "message"), [
    ({"query": "af", "limit": 0}, r"^limit: give 1 to 1000 entries, got 0$"),
    ({"query": "af", "limit": 1001}, r"^limit: give 1 to 1000 entries, got 1001$"),
    ({"query": "  "}, r"^query: give 1 to 500 characters of words to search for, got '  '$"),
    ({"query": "a" * 501}, r"^query: give 1 to 500 characters"),
])
def test_the_plain_composition_refuses_what_the_flows_type_hints_refuse(given, message):
    from flows.scan import ScanRequest

    with pytest.raises(InputError, match=message):
        ScanRequest(**given)


@pytest.mark.slow
def test_scan_on_the_bundled_sample_runs_offline(adhoc, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = adhoc(query="asthma", sample=True, areas=["respiratory"])
    assert result["failed_sources"] == {} and result["entries"] >= 1
    folder = tmp_path / result["directory"]
    assert folder.parent == tmp_path / "digests" / "scans" and folder.name.endswith("-asthma")
    assert (folder / "digest.html").exists() and (folder / "digest.md").exists()
    assert all("respiratory" in t["areas"] for t in result["top"])
