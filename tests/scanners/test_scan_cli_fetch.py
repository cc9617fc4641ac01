"""``horizon fetch SOURCE --save DIR``: every raw response saved with URL, status, headers and time."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from apps.cli import app
from tests.scanners.scanfix import saved

runner = CliRunner()


def test_saves_each_response_and_parse_reads_it_back(httpserver, write_config, tmp_path, monkeypatch):
    monkeypatch.delenv("NICE_API_KEY", raising=False)
    body = saved("nice", "nextweb_indevelopment.html")
    httpserver.expect_request("/guidance/indevelopment").respond_with_data(
        body, headers={"Content-Type": "text/html; charset=utf-8", "ETag": '"v7"'})
    config = write_config({"nice": {"base_url": httpserver.url_for(""), "listings": ["indevelopment"], "max_pages": 1}})
    capture = tmp_path / "capture"
    result = runner.invoke(app, ["fetch", "nice", "--save", str(capture), "--since", "2026-10-01",
                                 "--config", str(config)])
    assert result.exit_code == 0, result.output
    meta_path = capture / "0001-nice.response.json"
    assert result.stdout.splitlines() == [str(meta_path)]
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    assert meta["url"].startswith(httpserver.url_for("/guidance/indevelopment") + "?ps=50&pa=1")
    assert meta["status"] == 200 and meta["headers"]["ETag"] == '"v7"' and meta["fetched_at"].endswith("+00:00")
    assert (capture / meta["body"]).read_bytes() == body
    parsed = runner.invoke(app, ["parse", "nice", str(meta_path), "--config", str(config)])
    assert parsed.exit_code == 0 and "nice: 10 items" in parsed.stderr


def test_a_response_that_breaks_the_parser_is_still_saved(httpserver, write_config, tmp_path):
    httpserver.expect_request("/api/v2/studies").respond_with_data(saved("ctgov", "aact_NCT04780763.json"),
                                                                 content_type="application/json")
    config = write_config({"ctgov": {"base_url": httpserver.url_for("/api/v2")}})
    capture = tmp_path / "capture"
    result = runner.invoke(app, ["fetch", "ctgov", "--save", str(capture), "--config", str(config)])
    assert result.exit_code == 1
    assert str(result.exception).startswith("ctgov: response is the retired API v1 shape (FullStudiesResponse)")
    assert (capture / "0001-ctgov.body").read_bytes() == saved("ctgov", "aact_NCT04780763.json")
