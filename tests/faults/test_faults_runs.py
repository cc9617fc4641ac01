"""Runs that stop in time and say why: pre-flight checks, the run deadline, a quiet terminal.

Each case runs the real code over real sockets (the hostile server); the slow cases
drive the real ``horizon`` command against the session's Prefect API.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from horizon.errors import OutputError
from tests.faults.faultrun import CONTROL, SUBJECT, serve_control, write_config
from tests.faults.faultspecs import SPECS, Rec
from tests.faults.hostile import respond, stall, truncate

ROOT = Path(__file__).parents[2]
RECS = [Rec(1, "Atrial fibrillation screening in primary care")]


def _add_sources(config: Path, **extra: dict) -> None:
    path = config / "sources.yaml"
    sources = yaml.safe_load(path.read_text())["sources"]
    path.write_text(yaml.safe_dump({"sources": {**sources, **extra}}))


def _settings(config: Path, **changes) -> None:
    path = config / "settings.yaml"
    path.write_text(yaml.safe_dump({**yaml.safe_load(path.read_text()), **changes}))


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize("how", ["a file where the folder should be", "--out under a file"])
def test_an_unwritable_output_directory_stops_the_run_before_any_request(tmp_path, hostile, reliability, how):
    from typer.testing import CliRunner

    from apps.cli import app
    from flows.setup import open_run

    serve_control(hostile)
    config = write_config(tmp_path / "config", hostile, "ctgov")
    blocker = tmp_path / "blocker"
    blocker.write_text("not a folder")
    args = ["digest", "--config", str(config)]
    if how == "--out under a file":
        args += ["--out", str(blocker / "week")]
    else:
        _settings(config, output_dir=str(blocker / "digests"))
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1 and isinstance(result.exception, OutputError)
    assert "cannot write in the output directory" in str(result.exception) and str(blocker) in str(result.exception)
    with pytest.raises(OutputError, match="cannot write"):  # the flow's own check, for deployments
        with open_run(str(config), False, out=str(blocker / "week") if "--out" in how else None):
            pass
    assert hostile.log == []  # found before a single source was asked
    reliability("run", f"unwritable output ({how})", "pre-flight check",
                "one line naming the directory before any request (was: after every fetch)")


@pytest.mark.parametrize("how", ["output_dir under a file", "out under a file"])
def test_an_ad_hoc_scan_run_checks_its_output_folder_before_any_request(tmp_path, hostile, reliability, how):
    from flows.engine import Plain
    from flows.scan import ScanRequest, run_scan

    serve_control(hostile)
    config = write_config(tmp_path / "config", hostile, "ctgov")
    blocker = tmp_path / "blocker"
    blocker.write_text("not a folder")
    out = None
    if how == "out under a file":
        out = str(blocker / "scan")
    else:
        _settings(config, output_dir=str(blocker / "digests"))
    with pytest.raises(OutputError, match="cannot write in the output directory") as refused:
        run_scan(ScanRequest(query="atrial fibrillation", config_dir=str(config), out=out), Plain())
    assert str(blocker) in str(refused.value)
    assert hostile.log == []  # the adhoc-scan deployment finds it before a single source was asked
    reliability("run", f"unwritable ad-hoc scan output ({how})", "adhoc-scan pre-flight",
                "one line naming the directory before any request (was: after every fetch)")


def test_the_local_path_keeps_the_run_deadline_too(tmp_path, hostile, reliability):
    """The plain engine (local ``horizon digest``) stops waiting at the deadline, as the flow does below."""
    from tests.faults.faultrun import run_week

    serve_control(hostile)
    hostile.routes["/bad"] = stall()
    # Without a deadline: 11 tries of a 1 s read timeout, then 3 whole-source retries 1 s, 2 s and 4 s apart.
    config = write_config(tmp_path / "config", hostile, "ctgov",
                          http={"retries": 10, "read_timeout": 1, "total_timeout": 60,
                                "source_retries": 3, "source_retry_delay": 1})
    _settings(config, run_deadline=3)
    started = time.monotonic()
    outcome = run_week(config, tmp_path / "out")
    elapsed = time.monotonic() - started
    assert "run's deadline passed (3 s" in (outcome.subject.error or "")
    assert outcome.control.ok and outcome.digest.entries  # published with the rest
    assert "timed out" in (tmp_path / "out" / "digest.md").read_text()
    assert elapsed < 30
    reliability("run", "every request of a source stalls (local path)", "run_deadline 3 s",
                f"source reported timed out, digest published after {elapsed:.0f} s")


@pytest.mark.prefect
@pytest.mark.slow
def test_the_run_deadline_reports_stalled_sources_as_timed_out_and_publishes(prefect_harness, tmp_path, hostile,
                                                                           reliability):
    from flows.weekly_digest import weekly_digest

    serve_control(hostile)
    hostile.routes["/bad"] = stall()
    # Without a deadline: 11 tries of a 2 s read timeout, then 3 Prefect retries 1 s apart, about 90 s.
    config = write_config(tmp_path / "config", hostile, "ctgov",
                          http={"retries": 10, "read_timeout": 2, "total_timeout": 60,
                                "source_retries": 3, "source_retry_delay": 1})
    _settings(config, run_deadline=10)
    started = time.monotonic()
    result = weekly_digest(config_dir=str(config), out=str(tmp_path / "out"))
    elapsed = time.monotonic() - started
    assert "run's deadline passed (10 s" in result["failed_sources"][SUBJECT]
    assert CONTROL not in result["failed_sources"] and result["entries"] >= 1  # published with the rest
    assert "timed out" in (tmp_path / "out" / "digest.md").read_text()
    reliability("run", "every request of a source stalls", "run_deadline 10 s",
                f"source reported timed out, digest published; whole flow (classifier included) {elapsed:.0f} s "
                "(about 90 s without the deadline)")


@pytest.mark.prefect
@pytest.mark.slow
def test_the_terminal_stays_quiet_and_says_failures_in_words(prefect_harness, tmp_path, hostile, reliability):
    from prefect.settings import PREFECT_API_URL

    serve_control(hostile)
    hostile.routes["/bad"] = truncate(SPECS["ctgov"].render(None, RECS * 40)[1])
    deep = b'{"studies": ' + b"[" * 200_000 + b"]" * 200_000 + b"}"
    hostile.routes["/deep"] = respond(200, deep, {"Content-Type": "application/json"})
    xml = b'<?xml version="1.0"?><rss version="2.0"><channel><title>not html</title></channel></rss>'
    hostile.routes["/nice"] = respond(200, xml, {"Content-Type": "text/html"})
    config = write_config(tmp_path / "config", hostile, "ctgov")
    _add_sources(config,
                 deep={"scanner": "ctgov", "base_url": hostile.url("/deep"), "uk_only": False},
                 nice={"base_url": hostile.url("/nice"), "listings": ["published"],
                       "syndication_url": hostile.url("/nice/syndication")},
                 gone={"scanner": "rss", "base_url": f"http://127.0.0.1:{_closed_port()}",
                       "feeds": [{"path": "feed", "type": "news"}]})
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PREFECT_API_URL": PREFECT_API_URL.value()}
    env.pop("PREFECT_LOGGING_LEVEL", None)
    result = subprocess.run([sys.executable, "-c", "from apps.cli import main; main()", "digest",
                             "--config", str(config), "--out", str(tmp_path / "out")],
                            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    err = " ".join(result.stderr.split())  # rich wraps long lines at the terminal's width
    assert result.returncode == 0, err[-3000:]
    assert "the connection was cut off" in err and "the response is nested too deeply" in err
    for noise in ("Retrying", "XMLParsedAsHTMLWarning", "looks like you're using an HTML parser",
                  "IncompleteRead", "RecursionError", "Traceback", "unexpected"):
        assert noise not in err, (noise, err[-3000:])
    assert "source failed" in err and "gone" in err  # the refused source is reported, once, in words
    reliability("terminal", "cut-off body, 200,000-deep JSON, XML served as HTML, refused connection",
                "horizon digest without --debug", "failures in words; no retry warnings, parser warnings "
                "or tracebacks")
