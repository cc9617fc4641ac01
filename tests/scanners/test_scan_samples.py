"""The bundled samples of these scanners replay through the real scanners over HTTP.

The server here applies the replay rule of ``horizon digest --sample`` (routes.json:
path equal, a null param matches anything or nothing, a string must be equal; most
specific route first) and each source is configured as the sample run configures it.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from importlib import resources
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from werkzeug import Request, Response

import scanners
from horizon.dedup import group
from scanfix import make

SAMPLE = Path(str(resources.files("horizon") / "sample"))
AS_OF = date(2026, 11, 23)
# What each source is configured with in the sample run (base paths as in sources.yaml).
SAMPLE_SOURCES = {
    "isrctn": {"base_url": "{replay}/isrctn", "queries": [""]},
    "nice": {"base_url": "{replay}/nice", "listings": ["published"], "page_size": 25},
    "mhra-safety": {"scanner": "govuk", "base_url": "{replay}/mhra-safety", "page_size": 10},
    "pubmed": {"base_url": "{replay}/pubmed/entrez/eutils", "queries": ["sample"]},
    "nhse-news": {"scanner": "rss", "base_url": "{replay}/nhse-news", "lookback_days": 3650,
                  "feeds": [{"path": "/feed/", "type": "news", "page_param": "paged"}]},
    "nihr-news": {"scanner": "rss", "base_url": "{replay}/nihr-news", "lookback_days": 3650,
                  "feeds": [{"path": "/rss/news", "type": "news"}]},
    "hin-news": {"scanner": "rss", "base_url": "{replay}/hin-news", "lookback_days": 3650,
                 "feeds": [{"path": "/feed/", "type": "innovation", "page_param": "paged"}]},
    "health-press": {"scanner": "rss", "base_url": "{replay}/health-press", "lookback_days": 3650,
                     "feeds": [{"path": "/feed/", "type": "news", "page_param": "paged"},
                               {"path": "/innovation/feed/", "type": "innovation"}]},
}
EXPECTED = {"isrctn": 25, "nice": 50, "mhra-safety": 24, "pubmed": 9, "nhse-news": 5, "nihr-news": 2,
            "hin-news": 2, "health-press": 41}  # health-press: 43 stories, 2 older than the 10-year window


def routes() -> list[dict]:
    found = [dict(r, folder=f) for f in SAMPLE_SOURCES for r in json.loads((SAMPLE / f / "routes.json").read_text())]
    return sorted(found, key=lambda r: -sum(v is not None for v in r["params"].values()))


def replay(request: Request) -> Response:
    for route in routes():
        if route["path"] == urlsplit(request.url).path and all(
                want is None or request.args.get(name) == want for name, want in route["params"].items()):
            return Response((SAMPLE / route["folder"] / route["file"]).read_bytes(), content_type=route["content_type"])
    return Response("no recorded response for this request", 404)


def scanner_for(source: str, replay_url: str):
    raw = {k: v.replace("{replay}", replay_url) if isinstance(v, str) else v for k, v in SAMPLE_SOURCES[source].items()}
    cls, settings = scanners.settings_for(source, raw)
    return make(cls, settings.base_url, source=source, **settings.model_dump(exclude={"base_url", "scanner"}))


def test_every_route_is_well_formed_and_its_file_exists():
    for route in routes():
        assert set(route) == {"path", "params", "file", "content_type", "folder"}
        assert route["path"].startswith(f"/{route['folder']}/")
        assert (SAMPLE / route["folder"] / route["file"]).is_file()
        assert all(v is None or isinstance(v, str) for v in route["params"].values())


@pytest.mark.parametrize("source", sorted(SAMPLE_SOURCES))
def test_a_sample_source_replays_cleanly(httpserver, source, monkeypatch):
    monkeypatch.delenv("NICE_API_KEY", raising=False)
    httpserver.expect_request("").respond_with_handler(replay)  # "" matches every path
    scanner = scanner_for(source, httpserver.url_for("").rstrip("/"))
    result = scanner.scan(AS_OF - timedelta(days=scanner.settings.lookback_days))  # a first run's window
    assert result.ok, result.error
    assert len(result.items) == EXPECTED[source]
    assert all(i.source == source for i in result.items)
    if source == "health-press":
        assert result.counts["before-since"] == 2
    if source == "nice":
        assert [r.args["pa"] for r, _ in httpserver.log] == ["1", "2"]  # paging exercised


def test_the_isrctn_sample_has_a_real_cross_reference_to_the_ctgov_sample(httpserver):
    httpserver.expect_request("").respond_with_handler(replay)
    items = scanner_for("isrctn", httpserver.url_for("").rstrip("/")).scan(AS_OF).items
    recovery = next(i for i in items if i.id == "isrctn:ISRCTN50189673")
    assert "ctgov:NCT04381936" in recovery.extras.xrefs
    from horizon.items import Item
    ctgov = Item(id="ctgov:NCT04381936", source="ctgov", type="trial", title="RECOVERY")
    groups, merged = group([ctgov, *items])
    assert merged == 1 and groups[0] == (ctgov, (recovery,))
