"""A two-ICS week on a local Dask cluster of processes publishes the same digests as on threads.

The fetch and per-ICS tasks take plain data (SourceRef, DigestRef), so they can be sent
to another process; before, a thread lock in flows/limits.py travelled with the task.
"""

from __future__ import annotations

import json
import pickle
import shutil
from pathlib import Path

import pytest
import yaml

from flows.limits import HostThrottle
from tests.helpers import DEFAULTS, page
from tests.test_icss import FEED, TRIALS, two_icss


def config_at(directory: Path, base: str) -> Path:
    directory.mkdir()
    shutil.copy(DEFAULTS / "priorities.yaml", directory / "priorities.yaml")
    sources = {"ctgov": {"base_url": f"{base}/v2", "uk_only": False},
               "news": {"scanner": "rss", "base_url": f"{base}/news", "lookback_days": 3650,
                        "feeds": [{"path": "/feed/", "type": "news"}]}}
    (directory / "sources.yaml").write_text(yaml.safe_dump({"sources": sources}))
    settings = {"store_url": f"sqlite:///{directory / 'store.db'}", "output_dir": str(directory / "digests"),
                "http": {"retries": 0, "source_retries": 0, "connect_timeout": 2, "read_timeout": 5}}
    (directory / "settings.yaml").write_text(yaml.safe_dump(settings))
    return two_icss(directory)


def published(out: Path) -> dict:
    """Each ICS's digest without the times it was made."""
    found = {}
    for ics in ("heart", "lungs"):
        doc = json.loads((out / ics / "digest.json").read_text())
        found[ics] = {"title": doc["title"], "week": doc["week"],
                      "entries": [(e["id"], e["areas"], e["score"], e["novelty"]) for e in doc["entries"]]}
    return found


def test_the_host_throttle_pickles_without_its_lock():
    throttle = HostThrottle(timeout=12)
    copy = pickle.loads(pickle.dumps(throttle))
    assert copy.timeout == 12 and copy._lock is not throttle._lock


@pytest.mark.slow
@pytest.mark.prefect
def test_a_two_ics_week_on_a_dask_cluster_equals_the_thread_run(prefect_harness, httpserver, tmp_path):
    from prefect_dask import DaskTaskRunner

    from flows.weekly_digest import weekly_digest

    httpserver.expect_request("/v2/studies").respond_with_json(page(TRIALS))
    httpserver.expect_request("/news/feed/").respond_with_data(FEED, content_type="application/rss+xml")
    base = httpserver.url_for("").rstrip("/")
    threads = weekly_digest(config_dir=str(config_at(tmp_path / "threads", base)), out=str(tmp_path / "t"))
    dask = DaskTaskRunner(cluster_class="distributed.LocalCluster",
                          cluster_kwargs={"n_workers": 2, "threads_per_worker": 1, "processes": True,
                                          "dashboard_address": None})
    on_dask = weekly_digest.with_options(task_runner=dask)(
        config_dir=str(config_at(tmp_path / "dask", base)), out=str(tmp_path / "d"))
    assert threads["failed_sources"] == on_dask["failed_sources"] == {}
    assert published(tmp_path / "t") == published(tmp_path / "d")
    assert published(tmp_path / "t")["heart"]["entries"]  # not two empty digests
