"""`horizon scan` and `horizon setup-limits` from the command line."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from apps.cli import app
from horizon.errors import InputError, UnknownName

runner = CliRunner()


@pytest.mark.parametrize(("args", "error", "message"), [
    (["--areas", "cardio"], UnknownName, "unknown area 'cardio'; valid areas: cardiovascular, "),
    (["--sources", "ctgov,nope"], UnknownName, "unknown source 'nope'; configured: ctgov, "),
    (["--sample", "--sources", "nope"], UnknownName, "unknown source 'nope'; configured: ctgov, "),
    (["--since", "2026-11-02", "--until", "2026-11-01"], InputError, "since 2026-11-02 is after until 2026-11-01"),
])
def test_a_bad_parameter_is_one_line_before_prefect_starts(args, error, message):
    result = runner.invoke(app, ["scan", "atrial fibrillation", *args])
    assert isinstance(result.exception, error) and str(result.exception).startswith(message)


def test_a_bad_date_or_limit_names_the_option():
    assert "--since" in runner.invoke(app, ["scan", "af", "--since", "last week"]).output
    assert "--limit" in runner.invoke(app, ["scan", "af", "--limit", "0"]).output


@pytest.mark.prefect
@pytest.mark.slow
def test_scan_on_the_sample_prints_the_ranked_result_and_where_it_wrote(prefect_harness, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["scan", "heart", "--sample", "--areas", "cardiovascular", "--limit", "3",
                                 "--out", str(tmp_path / "scan")])
    assert result.exit_code == 0, result.output
    assert "Scan 'heart'" in result.output and "  1. " in result.output and "cardiovascular" in result.output
    assert f"wrote {tmp_path / 'scan' / 'digest.html'}" in result.output


@pytest.mark.prefect
def test_setup_limits_creates_one_active_limit_per_source_host_and_is_idempotent(prefect_harness, write_config):
    config = write_config({"ctgov": {"base_url": "https://clinicaltrials.gov/api/v2"},
                           "mirror": {"scanner": "ctgov", "base_url": "https://ctgov-mirror.example.org/v2"}},
                          http={"requests_per_second": 0.5})
    first = runner.invoke(app, ["setup-limits", "--config", str(config)])
    assert first.exit_code == 0, first.output
    assert "created host-clinicaltrials-gov: 0.5 request(s)/s (burst 1, decay 0.5/s)" in first.output
    assert "created host-ctgov-mirror-example-org" in first.output
    again = runner.invoke(app, ["setup-limits", "--config", str(config)])
    assert "unchanged host-clinicaltrials-gov" in again.output


def test_scan_results_with_markup_in_source_text_print_as_text_on_stdout(capsys):
    from apps.cli.scan import print_scan

    print_scan({"query": "[bold]q", "entries": 1, "failed_sources": {"rss": "bad [/] feed"}, "files": ["x/[red]y"],
                "top": [{"title": "Closing [/] tag and [link=http://evil]x[/link]", "source": "[/]",
                         "areas": ["asthma"], "score": 0.5}]})
    captured = capsys.readouterr()
    assert "Closing [/] tag and [link=http://evil]x[/link]" in captured.out
    assert "Scan '[bold]q'" in captured.out and "x/[red]y" in captured.out
    assert "bad [/] feed" in captured.err and "bad [/] feed" not in captured.out
