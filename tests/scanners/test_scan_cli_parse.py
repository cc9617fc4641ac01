"""``horizon parse SOURCE FILE``: one saved response through that source's parse, printed as JSON lines."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from apps.cli import app
from horizon.items import Item
from tests.scanners.scanfix import FIXTURES

runner = CliRunner()


def test_prints_one_json_line_per_item_and_a_count():
    result = runner.invoke(app, ["parse", "nice", str(FIXTURES / "nice" / "published_page2.html")])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    items = [Item.model_validate_json(line) for line in lines if line.startswith("{")]
    assert [i.id for i in items] == ["nice:TA1000", "nice:MIB273", "nice:CG95", "nice:HTE8"]
    assert json.loads(lines[0])["extras"]["programme"] == "Technology appraisal guidance"
    assert "nice: 4 items; skipped malformed 1" in result.stderr


def test_a_configured_source_uses_its_scanner():
    result = runner.invoke(app, ["parse", "mhra-safety", str(FIXTURES / "govuk" / "dsu_page2.json")])
    assert result.exit_code == 0
    assert json.loads(result.stdout.splitlines()[0])["source"] == "mhra-safety"


def test_an_unknown_source_is_one_line_listing_the_available_ones():
    result = runner.invoke(app, ["parse", "nosuch", str(FIXTURES / "nice" / "no_results.html")])
    assert result.exit_code == 1
    assert isinstance(result.exception, Exception)
    assert str(result.exception).startswith("unknown source 'nosuch'; available: ctgov, govuk,")
    assert "isrctn" in str(result.exception) and "mhra-safety" in str(result.exception)


def test_a_wrong_file_is_a_clear_error_of_the_source():
    result = runner.invoke(app, ["parse", "isrctn", str(FIXTURES / "govuk" / "empty.json")])
    assert result.exit_code == 1
    assert str(result.exception).startswith("isrctn: response is not well-formed XML")


def test_the_installed_command_prints_the_error_as_one_line(monkeypatch, capsys):
    import pytest

    from apps.cli import main

    monkeypatch.setattr("sys.argv", ["horizon", "parse", "nosuch", "x.xml"])
    with pytest.raises(SystemExit) as exit_:
        main()
    assert exit_.value.code == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: unknown source 'nosuch'; available: ") and "\n" not in err


def test_a_saved_response_is_parsed_with_its_headers():
    result = runner.invoke(app, ["parse", "rss", str(FIXTURES / "rss" / "feedparser_http_windows-1252.response.json")])
    assert result.exit_code == 0, result.output
    (line,) = [line for line in result.stdout.splitlines() if line.startswith("{")]
    assert json.loads(line)["summary"] == "This is a \u00a3\u201ctest.\u201d"


def test_a_file_that_is_not_a_saved_response_is_one_line(tmp_path):
    bad = tmp_path / "x.response.json"
    bad.write_text('{"url": "http://x"}', encoding="utf-8")
    result = runner.invoke(app, ["parse", "rss", str(bad)])
    assert result.exit_code == 1
    assert str(result.exception) == f"{bad}: not a saved response: no 'body' naming the body file"
