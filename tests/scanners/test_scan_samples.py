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
import yaml
from werkzeug import Request, Response

import scanners
from horizon.dedup import group
from tests.scanners.scanfix import make

SAMPLE = Path(str(resources.files("horizon") / "sample"))
AS_OF = date(2026, 11, 23)
SOURCES = yaml.safe_load((SAMPLE / "sources.yaml").read_text(encoding="utf-8"))["sources"]
MINE = ("isrctn", "nice", "mhra-safety", "pubmed", "nhse-news", "nihr-news", "hin-news", "health-press")
EXPECTED = {"isrctn": 26, "nice": 50, "mhra-safety": 24, "pubmed": 9, "nhse-news": 5, "nihr-news": 2,
            "hin-news": 2, "health-press": 43}


def routes(root: Path = SAMPLE) -> list[dict]:
    found = [dict(r, folder=f, root=root) for f in MINE for r in json.loads((root / f / "routes.json").read_text())]
    return sorted(found, key=lambda r: -sum(v is not None for v in r["params"].values()))


def replay(request: Request, root: Path = SAMPLE) -> Response:
    for route in routes(root):
        if route["path"] == urlsplit(request.url).path and all(
                want is None or request.args.get(name) == want for name, want in route["params"].items()):
            return Response((root / route["folder"] / route["file"]).read_bytes(), content_type=route["content_type"])
    return Response("no recorded response for this request", 404)


def scanner_for(source: str, replay_url: str):
    raw = {k: v.replace("{replay}", replay_url) if isinstance(v, str) else v for k, v in SOURCES[source].items()}
    cls, settings = scanners.settings_for(source, raw)
    return make(cls, settings.base_url, source=source, **settings.model_dump(exclude={"base_url", "scanner"}))


@pytest.mark.parametrize("root", [SAMPLE, SAMPLE / "previous"], ids=["this-week", "previous"])
def test_every_route_is_well_formed_and_its_file_exists(root):
    for route in routes(root):
        assert set(route) == {"path", "params", "file", "content_type", "folder", "root"}
        assert route["path"].startswith(f"/{route['folder']}/")
        assert (root / route["folder"] / route["file"]).is_file()
        assert all(v is None or isinstance(v, str) for v in route["params"].values())


@pytest.mark.parametrize("source", MINE)
def test_a_sample_source_replays_cleanly(httpserver, source, monkeypatch):
    monkeypatch.delenv("NICE_API_KEY", raising=False)
    httpserver.expect_request("").respond_with_handler(replay)  # "" matches every path
    scanner = scanner_for(source, httpserver.url_for("").rstrip("/"))
    result = scanner.scan(AS_OF - timedelta(days=scanner.settings.lookback_days))  # a first run's window
    assert result.ok, result.error
    assert len(result.items) == EXPECTED[source]
    assert all(i.source == source for i in result.items)
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


@pytest.mark.parametrize("source", MINE)
def test_last_weeks_snapshot_replays_too(httpserver, source, monkeypatch):
    monkeypatch.delenv("NICE_API_KEY", raising=False)
    httpserver.expect_request("").respond_with_handler(lambda request: replay(request, SAMPLE / "previous"))
    scanner = scanner_for(source, httpserver.url_for("").rstrip("/"))
    result = scanner.scan(date(2026, 11, 16) - timedelta(days=scanner.settings.lookback_days))
    assert result.ok, result.error
    assert 0 < len(result.items) < EXPECTED[source] or EXPECTED[source] <= 2


def test_a_nice_guideline_is_revised_between_the_two_weeks(httpserver):
    from horizon.items import changes_between

    def scan(root: Path) -> dict:
        httpserver.clear()
        httpserver.expect_request("").respond_with_handler(lambda request: replay(request, root))
        return {i.id: i for i in scanner_for("nice", httpserver.url_for("").rstrip("/")).scan(AS_OF).items}

    before, after = scan(SAMPLE / "previous"), scan(SAMPLE)
    changed = {k: changes_between(before[k], after[k]) for k in before if changes_between(before[k], after[k])}
    assert changed == {"nice:DG35": {"revised": ("2019-01-29", "2026-11-18")}}
