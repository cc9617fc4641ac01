"""Production findings: the store a run uses, whole digests only, artifacts, the shipped schedules.

The sample case runs the real flow (bundled sample, local replay) with a production
store configured both ways (``HORIZON_STORE_URL`` and ``store_url``) and checks
that neither is touched, and what the run says and links.
"""

from __future__ import annotations

import asyncio
import html
import shutil
from pathlib import Path

import pytest
import yaml

from horizon.config import DEFAULT_DIR, load_config
from horizon.errors import RunBroken, SourceError
from horizon.store import Store

ROOT = Path(__file__).parents[2]
BASE = "https://intranet.ics.example.nhs.uk/horizon/"


def _config(directory: Path, **settings) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name in ("priorities.yaml", "sources.yaml"):
        shutil.copy(DEFAULT_DIR / name, directory / name)
    (directory / "settings.yaml").write_text(yaml.safe_dump(settings))
    return directory


def test_a_configured_store_url_wins_over_the_environment(tmp_path, monkeypatch, reliability):
    monkeypatch.setenv("HORIZON_STORE_URL", "sqlite:///from-the-environment.db")
    own = _config(tmp_path / "suffolk", store_url="sqlite:///suffolk.db")
    bare = _config(tmp_path / "bare")
    assert load_config(own).settings.store_url == "sqlite:///suffolk.db"  # separate ICS stores stay separate
    assert load_config(bare).settings.store_url == "sqlite:///from-the-environment.db"
    reliability("production", "HORIZON_STORE_URL set, config names its own store", "store of a run",
                "the configuration's store_url is used; the environment only fills in a missing one")


@pytest.mark.prefect
@pytest.mark.slow
def test_a_sample_run_never_touches_a_configured_store_and_says_which_it_used(prefect_harness, tmp_path,
                                                                             monkeypatch, reliability):
    from prefect.client.orchestration import get_client

    from flows.weekly_digest import weekly_digest

    env_store, config_store = tmp_path / "production-env.db", tmp_path / "production-config.db"
    for path in (env_store, config_store):
        Store(f"sqlite:///{path}").close()  # the production stores exist, empty
    monkeypatch.setenv("HORIZON_STORE_URL", f"sqlite:///{env_store}")
    config = _config(tmp_path / "config", store_url=f"sqlite:///{config_store}", public_base_url=BASE,
                     output_dir=str(tmp_path / "digests"))
    monkeypatch.chdir(tmp_path)
    result = weekly_digest(config_dir=str(config), sample=True)

    for path in (env_store, config_store):
        production = Store(f"sqlite:///{path}")
        assert production.count() == 0 and production.digests() == [] and production.watermark("ctgov") is None
    assert result["store"] == f"sqlite:///{tmp_path / 'horizon-sample.db'}" and result["entries"] > 0
    assert Store(result["store"]).count() > 100
    week = result["week"]
    page = html.unescape((tmp_path / "digests" / week / "digest.html").read_text())
    assert f"Store: sqlite:///{tmp_path / 'horizon-sample.db'}" in page

    async def artifacts():
        async with get_client() as client:
            return {a.key: a for a in await client.read_artifacts() if a.key}

    found = asyncio.run(artifacts())
    ours = {k: a for k, a in found.items() if k.startswith("sample-")}
    assert ours, sorted(found)
    atom = {k: a.data for k, a in ours.items() if k.endswith("-atom")}
    assert len(atom) == 2  # digest.atom and the running feed.atom keep their own keys
    links = sorted(str(a.data) for k, a in ours.items() if "digest-html" in k or k.endswith("-atom"))
    assert any(f"{BASE}{week}/digest.html" in link for link in links), links
    assert any(f"{BASE}feed.atom" in link for link in links), links
    summary = str(ours[next(k for k in ours if k.endswith("-digest"))].data)
    assert "Store: sqlite:" in summary and "horizon-sample.db" in summary
    reliability("production", "sample run with HORIZON_STORE_URL and store_url set", "weekly-digest sample=true",
                "both production stores untouched; the sample store is named in the summary and the digest; "
                "artifacts in a sample- series, two Atom links, links under public_base_url")


def test_a_sample_run_never_writes_into_the_configured_output_folder_or_its_feed(tmp_path, monkeypatch,
                                                                               reliability):
    from flows.engine import Plain
    from flows.preflight import check
    from flows.week import WeekRequest, run_week

    production = tmp_path / "shared" / "digests"  # what subscribers read: the real weeks and feed.atom
    production.mkdir(parents=True)
    (production / "feed.atom").write_text("the real feed", encoding="utf-8")
    config = _config(tmp_path / "config", store_url=f"sqlite:///{tmp_path / 'production.db'}",
                     output_dir=str(production), sample_output_dir=str(tmp_path / "demo"))
    monkeypatch.chdir(tmp_path)
    check(str(config), sample=True)  # the pre-flight checks the sample's folder, not the real one
    result = run_week(WeekRequest(config_dir=str(config), sample=True), Plain()).summary
    assert sorted(p.name for p in production.iterdir()) == ["feed.atom"]
    assert (production / "feed.atom").read_text(encoding="utf-8") == "the real feed"
    assert (tmp_path / "demo" / result["week"] / "digest.html").exists() and (tmp_path / "demo" / "feed.atom").exists()
    reliability("production", "sample run with a shared output_dir configured", "weekly-digest sample=true",
                "files and feed.atom under sample_output_dir; the real folder and its feed untouched")


def test_a_crashed_source_task_stops_the_run_before_anything_is_published(reliability):
    from prefect.states import Completed, Crashed, Failed

    from flows.tasks import settled
    from scanners import ScanResult

    ok = ScanResult(source="nice")
    assert settled("nice", Completed(), ok) is ok
    failed = settled("nice", Failed(), SourceError("nice", "answered HTTP 503", transient=True))
    assert failed.error == "answered HTTP 503"  # a failed source is reported, the digest goes out
    with pytest.raises(RunBroken, match="nice: the run broke while fetching.*nothing was published"):
        settled("nice", Crashed(message="Execution was cancelled by the runtime environment."), None)
    import httpx

    with pytest.raises(RunBroken, match="ctgov"):  # Prefect's API went away mid-run
        settled("ctgov", Failed(), httpx.ConnectError("All connection attempts failed"))
    reliability("production", "a source task crashes or Prefect's API goes away mid-fetch", "fetch stage",
                "the run stops with one line before writing any file or store row: no partial digest")


def test_prefect_yaml_ships_an_inactive_sample_demo_schedule():
    from prefect.cli.deploy._schedules import _schedule_config_to_deployment_schedule

    from flows.weekly_digest import weekly_digest

    deployments = {d["name"]: d for d in yaml.safe_load((ROOT / "prefect.yaml").read_text())["deployments"]}
    schedules = [_schedule_config_to_deployment_schedule(s) for s in deployments["weekly-digest"]["schedules"]]
    weekly, demo = schedules
    assert weekly["active"] is True and "parameters" not in weekly  # the real week runs on the real sources
    assert demo["active"] is False and demo["parameters"] == {"sample": True}
    assert "sample" in weekly_digest.parameters.properties
