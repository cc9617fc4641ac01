"""The bundled sample replays through the real scanners, over the real replay server of ``--sample``.

Each source is configured as the sample run configures it (``horizon/sample/sources.yaml``).
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
import yaml

import scanners
from scanners.replay import SAMPLE_DIR as SAMPLE
from scanners.replay import replay_server
from steps.dedup import group
from tests.scanners.scanfix import make

AS_OF = date(2026, 11, 23)
SOURCES = yaml.safe_load((SAMPLE / "sources.yaml").read_text(encoding="utf-8"))["sources"]
EXPECTED = {"ctgov": 47, "isrctn": 26, "nice": 52, "mhra-safety": 24, "pubmed": 9, "medrxiv": 1, "nhse-news": 5,
            "nihr-news": 2, "hin-news": 2, "health-press": 43}
PREVIOUS = sorted(p.name for p in (SAMPLE / "previous").iterdir() if (p / "routes.json").exists())


def scanner_for(source: str, replay_url: str):
    raw = {k: v.replace("{replay}", replay_url) if isinstance(v, str) else v for k, v in SOURCES[source].items()}
    cls, settings = scanners.settings_for(source, raw)
    return make(cls, settings.base_url, source=source, **settings.model_dump(exclude={"base_url", "scanner"}))


def scan(source: str, root: Path = SAMPLE, as_of: date = AS_OF):
    """Replay ``root`` and scan ``source`` over a first run's window; returns the scanner and its result."""
    with replay_server(root) as url:
        scanner = scanner_for(source, url)
        return scanner, scanner.scan(as_of - timedelta(days=scanner.settings.lookback_days))


def test_every_configured_source_has_recorded_responses_and_vice_versa():
    assert sorted(SOURCES) == sorted(EXPECTED) == sorted(p.parent.name for p in SAMPLE.glob("*/routes.json"))


@pytest.mark.parametrize("root", [SAMPLE, SAMPLE / "previous"], ids=["this-week", "previous"])
def test_every_route_is_well_formed_and_its_file_exists(root):
    for routes_file in root.glob("*/routes.json"):
        for route in json.loads(routes_file.read_text()):
            assert {"path", "params", "file", "content_type"} <= set(route) <= {"path", "params", "file",
                                                                                "content_type", "status"}
            assert route.get("status", 200) in (200, 404)  # 404: past a feed's last page
            assert route["path"].startswith(f"/{routes_file.parent.name}/")
            assert (routes_file.parent / route["file"]).is_file()
            assert all(v is None or isinstance(v, str) for v in route["params"].values())


@pytest.mark.parametrize("source", sorted(EXPECTED))
def test_a_sample_source_replays_cleanly(source, monkeypatch):
    monkeypatch.delenv("NICE_API_KEY", raising=False)
    scanner, result = scan(source)
    assert result.ok, result.error
    assert len(result.items) == EXPECTED[source]
    assert all(i.source == source for i in result.items)
    assert not [n for n in result.notes if "stopped after" in n]  # the sample ends where its recording does
    if source in ("nice", "ctgov"):
        assert scanner.http.requests_made >= 2  # paging exercised


def test_the_isrctn_sample_has_a_real_cross_reference_to_the_ctgov_sample():
    items = scan("isrctn")[1].items
    recovery = next(i for i in items if i.id == "isrctn:ISRCTN50189673")
    assert "ctgov:NCT04381936" in recovery.extras.xrefs
    from horizon.items import Item
    ctgov = Item(id="ctgov:NCT04381936", source="ctgov", type="trial", title="RECOVERY")
    groups, merged = group([ctgov, *items])
    assert merged == 1 and groups[0] == (ctgov, (recovery,))


@pytest.mark.parametrize("source", PREVIOUS)
def test_last_weeks_snapshot_replays_too(source, monkeypatch):
    monkeypatch.delenv("NICE_API_KEY", raising=False)
    result = scan(source, SAMPLE / "previous", date(2026, 11, 16))[1]
    assert result.ok, result.error
    assert 0 < len(result.items) < EXPECTED[source] or EXPECTED[source] <= 2


def test_a_nice_guideline_is_revised_between_the_two_weeks():
    from horizon.items import changes_between

    def listing(root: Path) -> dict:
        return {i.id: i for i in scan("nice", root)[1].items}

    before, after = listing(SAMPLE / "previous"), listing(SAMPLE)
    changed = {k: changes_between(before[k], after[k]) for k in before if changes_between(before[k], after[k])}
    assert changed == {"nice:DG35": {"revised": ("2019-01-29", "2026-11-18")}}
