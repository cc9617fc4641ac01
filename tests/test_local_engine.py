"""The local ``horizon digest``: the weekly composition on the plain engine, without Prefect.

It must give the digest the ``weekly-digest`` flow gives, retry a failing source as
Prefect's task retries do, deliver each channel once (retrying only the failed one),
keep a re-run's published digest, and throttle each host as Prefect's limits would.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner
from werkzeug import Response

from apps.cli import app
from apps.cli.digest import EngineChoice, on_prefect
from tests.helpers import page, study

ROOT = Path(__file__).parents[1]
TRIALS = [study("NCT00000001", "Smartwatch screening for atrial fibrillation in older adults",
                "Case-finding for atrial fibrillation with a smartwatch ECG, with anticoagulation when AF is found.")]


def statuses(httpserver, path: str, codes: list[int]) -> list[int]:
    """Answer ``path`` with each status in turn (the last one for ever); 200 is the trial page."""
    answered: list[int] = []

    def handler(request):
        code = codes[min(len(answered), len(codes) - 1)]
        answered.append(code)
        return Response(json.dumps(page(TRIALS)), content_type="application/json") if code == 200 else \
            Response("busy", status=code)

    httpserver.expect_request(path).respond_with_handler(handler)
    return answered


def digest(args: list[str]):
    result = CliRunner().invoke(app, ["digest", "--engine", "plain", *args])
    assert result.exit_code == 0, (result.output, result.exception)
    return result


@pytest.mark.parametrize(("codes", "tries", "ok"), [
    ([503, 503, 200], 3, True),  # transient twice, then the page: two whole-source retries
    ([503], 3, False),  # transient for ever: 1 + source_retries, then the source is reported failed
    ([404], 1, False),  # not transient: never retried
])
def test_a_failing_source_is_retried_on_the_local_path(codes, tries, ok, write_config, httpserver, tmp_path):
    answered = statuses(httpserver, "/v2/studies", codes)
    config = write_config({"ctgov": {"base_url": httpserver.url_for("/v2"), "uk_only": False},
                           "mirror": {"scanner": "ctgov", "base_url": httpserver.url_for("/ok"), "uk_only": False}},
                          http={"retries": 0, "backoff": 0, "source_retries": 2, "source_retry_delay": 0})
    httpserver.expect_request("/ok/studies").respond_with_json(page([]))
    result = digest(["--config", str(config), "--out", str(tmp_path / "out")])
    assert len(answered) == tries
    assert ("source failed ctgov" in result.output) is not ok
    assert ("1 entries" in result.output) is ok


def test_retries_wait_as_prefects_exponential_backoff(write_config, httpserver):
    import scanners
    from flows.fetching import fetch_with_retries, source_ref
    from horizon.config import load_config
    from horizon.errors import SourceError
    from scanners.http import HttpClient

    statuses(httpserver, "/v2/studies", [503])
    config = load_config(write_config({"ctgov": {"base_url": httpserver.url_for("/v2"), "uk_only": False}},
                                      http={"retries": 0, "source_retries": 3, "source_retry_delay": 10}))
    (scanner,) = scanners.build(config, HttpClient(config.settings.http))
    waited: list[float] = []
    with pytest.raises(SourceError, match="503"):
        fetch_with_retries(source_ref(config, scanner, throttle=""), date(2026, 11, 1), sleep=waited.append)
    assert len(waited) == 3  # source_retries
    for wait, mean in zip(waited, (10, 20, 40), strict=True):  # source_retry_delay doubling, jittered by half
        assert mean * 0.5 <= wait <= mean * 1.5


def test_delivery_is_retried_once_per_channel_and_a_rerun_keeps_the_published_digest(
        write_config, httpserver, tmp_path, monkeypatch):
    from horizon import store_delivery
    from horizon.store import Store

    httpserver.expect_request("/v2/studies").respond_with_json(page(TRIALS))
    hook = statuses(httpserver, "/hook", [503, 503, 503, 503, 200])
    config = write_config({"ctgov": {"base_url": httpserver.url_for("/v2"), "uk_only": False}})
    (config / "delivery.yaml").write_text(json.dumps({"retries": 1, "retry_delay": 0,
                                                      "webhook": {"kind": "teams", "timeout": 5}}))
    monkeypatch.setenv("HORIZON_WEBHOOK_URL", httpserver.url_for("/hook"))
    args = ["--config", str(config), "--out", str(tmp_path / "out")]
    posts, said = [], []
    for _ in range(4):
        said.append(digest(args).output)
        posts.append(len(hook))
    assert posts == [2, 4, 5, 5]  # a failed channel is retried once per run; sent once, never again
    assert ["delivery failed" in s for s in said] == [True, True, False, False]
    assert "delivered by webhook" in said[2] and "delivered" not in said[3]  # the last run kept the digest
    resent = digest([*args, "--resend"]).output
    assert len(hook) == 6 and "delivered by webhook" in resent  # a deliberate re-send sends, even when all went out
    store = Store(f"sqlite:///{tmp_path / 'store.db'}")
    assert [d.outcome for d in store_delivery.history(store)] == ["failed"] * 4 + ["sent"] * 2
    (published,) = store.digests()  # one digest for the week, however often it ran
    assert [r.item_id for r in store.digest_items(published.id)] == ["ctgov:NCT00000001"]


def test_auto_runs_on_prefect_only_when_a_prefect_api_is_configured(tmp_path, monkeypatch):
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    monkeypatch.delenv("PREFECT_PROFILE", raising=False)
    profiles = tmp_path / "profiles.toml"
    monkeypatch.setenv("PREFECT_PROFILES_PATH", str(profiles))
    assert not on_prefect(EngineChoice.auto)  # no profiles file
    profiles.write_text('active = "server"\n[profiles.server]\nPREFECT_API_URL = "http://prefect:4200/api"\n'
                        '[profiles.ephemeral]\n')
    assert on_prefect(EngineChoice.auto)  # as `prefect config set PREFECT_API_URL=...` leaves it
    monkeypatch.setenv("PREFECT_PROFILE", "ephemeral")
    assert not on_prefect(EngineChoice.auto)
    monkeypatch.setenv("PREFECT_API_URL", "http://prefect:4200/api")
    assert on_prefect(EngineChoice.auto)
    assert not on_prefect(EngineChoice.plain) and on_prefect(EngineChoice.prefect)  # asked for: as asked


def test_the_local_throttle_keeps_each_hosts_budget():
    from flows.throttle import LocalThrottle

    now, slept = [0.0], []

    def sleep(seconds):
        slept.append(seconds)
        now[0] += seconds

    throttle = LocalThrottle(2, clock=lambda: now[0], sleep=sleep)
    for _ in range(4):
        throttle("clinicaltrials.gov")
    throttle("www.nice.org.uk:443")  # another host has its own budget
    assert slept == [0.5, 0.5]  # a burst of 2, then one request every half second
    now[0] += 10
    throttle("clinicaltrials.gov")
    assert slept == [0.5, 0.5]  # refilled while idle


def test_a_count_is_taken_from_one_step_only():
    from collections import Counter

    from flows.kept import Kept, Tally

    tally = Tally({"ctgov/fetched": 3})
    assert tally.take("dedup", Kept(["lead"], Counter({"dropped/duplicate": 0}))) == ["lead"]
    with pytest.raises(ValueError, match="classify counted 'dropped/duplicate', which dedup counted already"):
        tally.take("classify", Kept(None, Counter({"dropped/duplicate": 1})))
    assert tally.counts == {"ctgov/fetched": 3, "dropped/duplicate": 0}


PROBE = """
import sys
from apps.cli import main
sys.argv = ["horizon", "digest", "--sample", "--out", sys.argv[1]]
try:
    main()
except SystemExit as exit:
    print("prefect imported:", "prefect" in sys.modules, "exit:", exit.code)
"""


def _entries(folder: Path) -> list[dict]:
    shown = json.loads((folder / "digest.json").read_text(encoding="utf-8"))
    return [{k: v for k, v in e.items() if k != "first_seen"} for e in shown["entries"]]  # first_seen: the run's clock


@pytest.mark.prefect
@pytest.mark.slow  # two whole sample digests
def test_the_local_path_gives_the_prefect_flows_digest_without_importing_prefect(prefect_harness, tmp_path,
                                                                                 monkeypatch):
    from flows.weekly_digest import weekly_digest

    (tmp_path / "local").mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PREFECT_API_URL", "HORIZON_ENGINE")}
    env.update(PYTHONPATH=str(ROOT), COLUMNS="200")
    local = subprocess.run([sys.executable, "-c", PROBE, str(tmp_path / "local" / "out")], cwd=tmp_path / "local",
                           env=env, capture_output=True, text=True, timeout=600)
    assert "prefect imported: False exit: 0" in local.stdout, local.stdout + local.stderr[-3000:]
    (tmp_path / "flow").mkdir()
    monkeypatch.chdir(tmp_path / "flow")
    flow = weekly_digest(sample=True, out=str(tmp_path / "flow" / "out"))

    files = sorted(p.name for p in (tmp_path / "flow" / "out").iterdir())
    assert sorted(p.name for p in (tmp_path / "local" / "out").iterdir()) == files and "digest.xlsx" in files
    local_entries = _entries(tmp_path / "local" / "out")
    assert local_entries == _entries(tmp_path / "flow" / "out") and len(local_entries) == flow["entries"] > 50
    counts = flow["counts"]
    assert (f"Digest {flow['week']}: {flow['entries']} entries ({counts['digest/new']} new, "
            f"{counts['digest/changed']} changed, {counts['digest/backfill']} backfill)") in local.stdout
    assert f"{counts['dropped/no-area']} items matched no priority area" in local.stdout
