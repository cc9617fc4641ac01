"""Loud failures through the real weekly flow: a changed layout and a run where every source failed."""

from __future__ import annotations

import logging
import socket

import pytest

from horizon.store import Store
from tests.helpers import page, study
from tests.scanners.scanfix import saved
from tests.scanners.test_scan_silent_zero import changed_layout

pytestmark = pytest.mark.prefect
TRIAL = study("NCT00000001", "Smartwatch screening for atrial fibrillation in older adults",
              "Case-finding for atrial fibrillation with a smartwatch ECG.")


@pytest.fixture(autouse=True)
def _no_syndication_key(monkeypatch):
    monkeypatch.delenv("NICE_API_KEY", raising=False)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_changed_layout_fails_the_source_in_the_digest_and_keeps_its_watermark(
        prefect_harness, write_config, httpserver, tmp_path):
    from flows.weekly_digest import weekly_digest

    listing = httpserver.expect_request("/guidance/published")
    httpserver.expect_request("/api/v2/studies").respond_with_json(page([TRIAL]))
    config = write_config({"nice": {"base_url": httpserver.url_for("")},
                           "ctgov": {"base_url": httpserver.url_for("/api/v2"), "uk_only": False}})
    listing.respond_with_data(saved("nice", "published_page2.html"), content_type="text/html")
    weekly_digest(config_dir=str(config), out=str(tmp_path / "first"))
    store = Store(f"sqlite:///{tmp_path / 'store.db'}")
    mark = store.watermark("nice")
    assert mark is not None

    httpserver.clear_all_handlers()  # next week NICE's markup changes
    httpserver.expect_request("/guidance/published").respond_with_data(changed_layout(), content_type="text/html")
    httpserver.expect_request("/api/v2/studies").respond_with_json(page([TRIAL]))
    result = weekly_digest(config_dir=str(config), out=str(tmp_path / "second"))
    reason = "10 rows, 0 understood (10 malformed): the page layout may have changed"
    assert result["failed_sources"] == {"nice": reason}
    md = (tmp_path / "second" / "digest.md").read_text(encoding="utf-8")
    assert "10 rows, 0 understood" in md and "the page layout may have changed" in md
    assert store.watermark("nice") == mark


def test_every_source_unreachable_fails_fast_says_so_and_keeps_last_weeks_digest(
        prefect_harness, write_config, tmp_path, monkeypatch, capsys, caplog):
    from apps.cli import main

    port = closed_port()
    config = write_config({
        "ctgov": {"base_url": "https://clinicaltrials.invalid/api/v2", "queries": ["asthma", "diabetes"]},
        "isrctn": {"base_url": "https://isrctn.invalid"},
        "nice": {"base_url": f"http://127.0.0.1:{port}"},
    }, http={"retries": 3, "backoff": 0, "source_retries": 2, "source_retry_delay": 0, "connect_timeout": 2})
    out = tmp_path / "out"
    out.mkdir()
    (out / "digest.html").write_text("last week's digest", encoding="utf-8")
    caplog.set_level(logging.DEBUG, logger="scanners.http")
    monkeypatch.setattr("sys.argv", ["horizon", "digest", "--config", str(config), "--out", str(out)])
    with pytest.raises(SystemExit) as exit_:
        main()
    assert exit_.value.code == 1
    err = capsys.readouterr().err
    assert "source failed ctgov: cannot resolve clinicaltrials.invalid: no network, or a wrong base_url?" in err
    assert "source failed isrctn: cannot resolve isrctn.invalid: no network, or a wrong base_url?" in err
    assert f"source failed nice: connection to 127.0.0.1:{port} refused" in err
    assert "error: every source failed (3 of 3): nothing was published, the last digest is left in place" in err
    assert "urllib3" not in err and "Retrying" not in err
    tried = [r.getMessage() for r in caplog.records if r.name == "scanners.http"]
    # One attempt per source: no urllib3 retry, no Prefect retry, no second query after the first failed.
    assert sorted(tried) == sorted(["connecting to clinicaltrials.invalid:443", "connecting to isrctn.invalid:443",
                                    f"connecting to 127.0.0.1:{port}"])
    assert (out / "digest.html").read_text(encoding="utf-8") == "last week's digest"
    assert sorted(p.name for p in out.iterdir()) == ["digest.html"]


def test_on_a_total_outage_the_flow_run_ends_failed_and_its_state_says_which_sources_and_why(
        prefect_harness, write_config, tmp_path):
    from flows.weekly_digest import weekly_digest

    port = closed_port()
    config = write_config({"ctgov": {"base_url": "https://clinicaltrials.invalid/api/v2"},
                           "nice": {"base_url": f"http://127.0.0.1:{port}"}})
    state = weekly_digest(config_dir=str(config), out=str(tmp_path / "out"), return_state=True)
    assert state.is_failed()  # not Completed with an empty digest
    message = state.message or ""
    # What the Prefect UI shows for the run: every source, and why, not only a count.
    assert "every source failed (2 of 2)" in message
    assert "ctgov: cannot resolve clinicaltrials.invalid" in message
    assert f"nice: connection to 127.0.0.1:{port} refused" in message
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())  # nothing published
    # In place of a digest, the run leaves one that says so: which sources failed, and why.
    notice = outage_artifact()
    assert notice.startswith("# No digest for ") and "every source failed" in notice
    assert "- ctgov: cannot resolve clinicaltrials.invalid" in notice
    assert f"- nice: connection to 127.0.0.1:{port} refused" in notice


def outage_artifact() -> str:
    import asyncio

    from prefect.client.orchestration import get_client

    async def read() -> str:
        async with get_client() as client:
            found = [a for a in await client.read_artifacts() if a.key == "outage"]
            assert len(found) == 1, [a.key for a in await client.read_artifacts()]
            return str(found[0].data)

    return asyncio.run(read())


def test_when_prefects_api_goes_away_mid_fetch_the_run_fails_and_publishes_nothing(
        prefect_harness, write_config, httpserver, tmp_path, monkeypatch):
    import httpx

    from flows.weekly_digest import weekly_digest
    from horizon.errors import RunBroken
    from scanners.rss import Rss

    httpserver.expect_request("/api/v2/studies").respond_with_json(page([TRIAL]))
    config = write_config({"ctgov": {"base_url": httpserver.url_for("/api/v2"), "uk_only": False},
                           "news": {"scanner": "rss", "base_url": httpserver.url_for("/"),
                                    "feeds": [{"path": "feed", "type": "news"}]}})

    def api_gone(self, since):  # what a task sees when the Prefect server stops under it
        raise httpx.ConnectError("All connection attempts failed")

    monkeypatch.setattr(Rss, "scan", api_gone)
    out = tmp_path / "out"
    state = weekly_digest(config_dir=str(config), out=str(out), return_state=True)
    assert state.is_failed()
    with pytest.raises(RunBroken, match="news: the run broke while fetching.*nothing was published"):
        state.result()
    assert not out.exists() or list(out.iterdir()) == []  # no half-made digest: ctgov's items were not published
    store = Store(f"sqlite:///{tmp_path / 'store.db'}")
    assert store.count() == 0 and store.digests() == [] and store.watermark("ctgov") is None


def test_an_adhoc_scan_with_every_source_unreachable_tries_each_once_and_keeps_the_last_result(
        prefect_harness, write_config, tmp_path, monkeypatch, capsys, caplog):
    """``horizon scan`` offline with one host resolving (a closed local port): through Prefect, still one try each."""
    from apps.cli import main

    port = closed_port()
    config = write_config({
        "ctgov": {"base_url": "https://clinicaltrials.invalid/api/v2"},
        "nice": {"base_url": f"http://127.0.0.1:{port}"},
        "mhra-safety": {"scanner": "govuk", "base_url": f"http://127.0.0.1:{port}"},
    }, http={"retries": 3, "backoff": 0, "source_retries": 2, "source_retry_delay": 0, "connect_timeout": 2})
    out = tmp_path / "scan"
    out.mkdir()
    (out / "digest.html").write_text("the last scan", encoding="utf-8")
    caplog.set_level(logging.DEBUG, logger="scanners.http")
    monkeypatch.setattr("sys.argv", ["horizon", "scan", "asthma inhaler", "--config", str(config), "--out", str(out)])
    with pytest.raises(SystemExit) as exit_:
        main()
    assert exit_.value.code == 1
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.startswith(("source failed", "error:"))]
    assert len(lines) == 4  # one line per source, then the summary
    assert sorted(lines[:-1]) == sorted([
        "source failed ctgov: cannot resolve clinicaltrials.invalid: no network, or a wrong base_url?",
        f"source failed nice: connection to 127.0.0.1:{port} refused: is the service down, or the base_url wrong?",
        f"source failed mhra-safety: connection to 127.0.0.1:{port} refused: is the service down, or the base_url wrong?",
    ])
    assert lines[-1] == "error: every source failed (3 of 3): nothing was published, the last digest is left in place"
    assert "urllib3" not in err and "Retrying" not in err and "gaierror" not in err
    tried = sorted(r.getMessage() for r in caplog.records if r.name == "scanners.http")
    assert tried == sorted(["connecting to clinicaltrials.invalid:443", f"connecting to 127.0.0.1:{port}",
                            f"connecting to 127.0.0.1:{port}"])
    assert sorted(p.name for p in out.iterdir()) == ["digest.html"]
    assert (out / "digest.html").read_text(encoding="utf-8") == "the last scan"
