"""`horizon scan` and `horizon setup-limits` from the command line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from apps.cli import app
from horizon.errors import InputError, UnknownName
from tests.helpers import page, study

ROOT = Path(__file__).parents[1]
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


PROBE = """
import sys
from apps.cli import main
sys.argv = ["horizon", "scan", *sys.argv[1:]]
try:
    main()
except SystemExit as exit:
    print("prefect imported:", "prefect" in sys.modules, "exit:", exit.code)
"""


def test_the_local_scan_runs_on_the_plain_engine_without_importing_prefect(write_config, httpserver, tmp_path):
    trial = study("NCT00000001", "Smartwatch screening for atrial fibrillation in older adults",
                  "Case-finding for atrial fibrillation with a smartwatch ECG.", updated="2026-10-01")
    httpserver.expect_request("/v2/studies").respond_with_json(page([trial]))
    config = write_config({"ctgov": {"base_url": httpserver.url_for("/v2"), "uk_only": False}})
    env = {k: v for k, v in os.environ.items() if k not in ("PREFECT_API_URL", "HORIZON_ENGINE", "PREFECT_PROFILE")}
    env.update(PYTHONPATH=str(ROOT), COLUMNS="200", PREFECT_PROFILES_PATH=str(tmp_path / "no-profiles.toml"))
    local = subprocess.run([sys.executable, "-c", PROBE, "atrial fibrillation", "--config", str(config),
                            "--since", "2026-09-01", "--out", str(tmp_path / "scan")],
                           cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert "prefect imported: False exit: 0" in local.stdout, local.stdout + local.stderr[-3000:]
    # Headed with the query and its dates; each line in words, with how well it matched the query.
    assert "Scan for “atrial fibrillation”, items updated 2026-09-01 to now: 1 entry, best match first" in local.stdout
    assert "(ClinicalTrials.gov · Cardiovascular disease · query match 1.00 · score " in local.stdout
    assert "Smartwatch screening for atrial fibrillation" in local.stdout
    assert [req.args.get("query.term") for req, _ in httpserver.log] == ["atrial fibrillation"]
    doc = json.loads((tmp_path / "scan" / "digest.json").read_text(encoding="utf-8"))
    assert doc["key"].startswith("scan-") and doc["key"].endswith("-atrial-fibrillation")
    assert doc["scan"] == {"query": "atrial fibrillation", "since": "2026-09-01", "until": None}


@pytest.mark.slow
@pytest.mark.parametrize("engine", ["plain", pytest.param("prefect", marks=pytest.mark.prefect)])
def test_scan_on_the_sample_prints_the_ranked_result_and_where_it_wrote(engine, request, tmp_path, monkeypatch):
    if engine == "prefect":
        request.getfixturevalue("prefect_harness")
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["scan", "heart", "--sample", "--areas", "cardiovascular", "--limit", "3",
                                 "--out", str(tmp_path / "scan"), "--engine", engine])
    assert result.exit_code == 0, result.output
    assert "Scan for “heart”, items updated " in result.output and "  1. " in result.output
    assert "Cardiovascular disease · query match" in result.output and "(ctgov" not in result.output
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
                "since": "2026-01-01", "until": None,
                "top": [{"title": "Closing [/] tag and [link=http://evil]x[/link]", "source": "[/]",
                         "publisher": "[/]", "areas": ["asthma"], "area_names": ["[red]"], "match": 0.5,
                         "score": 0.5}]})
    captured = capsys.readouterr()
    assert "Closing [/] tag and [link=http://evil]x[/link]" in captured.out and "([/] · [red] · " in captured.out
    assert "Scan for “[bold]q”" in captured.out and "x/[red]y" in captured.out
    assert "bad [/] feed" in captured.err and "bad [/] feed" not in captured.out
