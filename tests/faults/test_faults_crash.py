"""Crash safety: SIGKILL the weekly digest at many points, re-run it, and check that
nothing was lost or doubled, watermarks never skipped anything, exactly one digest was
published for the week, and no half-written file was ever visible at an output path.

Each run is a real subprocess (tests/faults/crash_driver.py calling the flow) against
one shared temporary Prefect API, so a run costs an import, not a server start.
"""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import sys
import time
import zipfile
from datetime import date, timedelta
from pathlib import Path

import pytest

from horizon.store import Store
from tests.faults.faultrun import write_config
from tests.faults.faultspecs import SPECS, Rec
from tests.faults.hostile import HostileServer, dynamic, stall

pytestmark = pytest.mark.prefect

DRIVER = Path(__file__).with_name("crash_driver.py")
ROOT = Path(__file__).parents[2]
TODAY = date.today()
TRIALS = [Rec(n, f"Atrial fibrillation screening trial {n}", "Smartwatch ECG for atrial fibrillation.",
              day=(TODAY - timedelta(days=n)).isoformat()) for n in (1, 2, 3)]
NEWS = [Rec(n, f"Asthma self-management app news {n}", "An app for asthma self-management.") for n in (1, 2, 3)]
# Every kill point, in the order the chain visits them; each run after a kill may be killed again later on.
POINTS = ["fetch", "store-mid-transaction:1", "store-between-sources:2", "render-mid-file:1",
          "render-before-rename:3", "record-digest"]


def _serve(server: HostileServer, hold_news: bool) -> None:
    def page(spec, recs):
        return dynamic(lambda req: (200, {"Content-Type": spec.render(req, recs)[0]}, spec.render(req, recs)[1]))
    server.routes["/trials"] = page(SPECS["ctgov"], TRIALS)
    server.routes["/news"] = stall() if hold_news else page(SPECS["rss"], NEWS)


def _config(tmp_path: Path, server: HostileServer) -> Path:
    config = write_config(tmp_path / "config", server, "ctgov", http={"read_timeout": 30, "total_timeout": 60})
    import yaml
    sources = {
        "trials": {"scanner": "ctgov", "base_url": server.url("/trials"), "uk_only": False},
        "news": {"scanner": "rss", "base_url": server.url("/news"), **SPECS["rss"].settings},
    }
    (config / "sources.yaml").write_text(yaml.safe_dump({"sources": sources}))
    return config


def _run(config: Path, out: Path, api_url: str, point: str | None, server: HostileServer) -> subprocess.CompletedProcess | None:
    env = {**os.environ, "PREFECT_API_URL": api_url, "PYTHONPATH": str(ROOT)}
    env.pop("HORIZON_CRASH_AT", None)
    if point and point != "fetch":
        env["HORIZON_CRASH_AT"] = point
    # Output goes to files, not pipes: worker processes of a killed run must not hold the test up.
    log = config.parent / "driver.log"
    with log.open("w") as sink:
        proc = subprocess.Popen([sys.executable, str(DRIVER), str(config), str(out)], env=env, cwd=config.parent,
                                stdout=sink, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    if point == "fetch":  # the server holds the feed; kill the run's process group once its request arrived
        deadline = time.monotonic() + 120
        while not server.requests_to("/news") and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert server.requests_to("/news"), log.read_text()[-2000:]
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=300)
    stdout = stderr = log.read_text()
    if point:
        assert proc.returncode == -signal.SIGKILL, f"{point}: expected a SIGKILL, got {proc.returncode}\n{stderr[-3000:]}"
        return None
    assert proc.returncode == 0, stderr[-3000:]
    return subprocess.CompletedProcess(proc.args, 0, stdout, stderr)


def _complete(path: Path) -> None:
    """A digest file at its published path is whole, never the first part of one."""
    data = path.read_bytes()
    assert data, path
    if path.suffix == ".html":
        assert data.rstrip().endswith(b"</html>"), path
    elif path.suffix == ".json":
        json.loads(data)
    elif path.suffix == ".xlsx":
        assert zipfile.ZipFile(io.BytesIO(data)).testzip() is None
    elif path.suffix == ".atom":
        from defusedxml.ElementTree import fromstring
        fromstring(data)
    elif path.suffix == ".csv":
        assert data.endswith(b"\n") and list(csv.reader(io.StringIO(data.decode("utf-8"))))


def _check_invariants(store_url: str, out: Path) -> dict:
    store = Store(store_url)
    try:
        ids = [i.id for i in store.items_since(None)]
        assert len(ids) == len(set(ids))
        trials = {SPECS["ctgov"].item_id("trials", r) for r in TRIALS}
        news = {SPECS["rss"].item_id("news", r) for r in NEWS}
        for source, expected in (("trials", trials), ("news", news)):
            if store.watermark(source) is not None:  # a watermark only ever follows its items' commit
                assert expected <= set(ids), f"{source}: watermark set but items missing"
        digests = store.digests()
        assert len(digests) <= 1
        shown = [row.item_id for d in digests for row in store.digest_items(d.id)]
        assert len(shown) == len(set(shown))
    finally:
        store.close()
    for path in out.glob("digest.*"):
        _complete(path)
    return {"ids": set(ids), "digests": digests, "trials": trials, "news": news}


@pytest.mark.slow
def test_sigkill_at_every_point_then_rerun_loses_and_doubles_nothing(prefect_harness, tmp_path, reliability):
    from prefect.settings import PREFECT_API_URL

    api_url = PREFECT_API_URL.value()
    server = HostileServer().start()
    try:
        config = _config(tmp_path, server)
        store_url = f"sqlite:///{tmp_path / 'store.db'}"
        out = tmp_path / "out"
        for point in POINTS:
            _serve(server, hold_news=(point == "fetch"))
            _run(config, out, api_url, point, server)
            _check_invariants(store_url, out)
            reliability("crash", f"SIGKILL at {point}, then re-run", "weekly flow", "killed; invariants hold")
        _serve(server, hold_news=False)
        _run(config, out, api_url, None, server)
        final = _check_invariants(store_url, out)
    finally:
        server.close()
    assert final["ids"] == final["trials"] | final["news"]  # every item exactly once, none lost
    assert len(final["digests"]) == 1  # exactly one digest for the week
    assert sorted(p.name for p in out.iterdir() if p.name.startswith("digest.")) == sorted(
        cls.filename for cls in __import__("outputs").REGISTRY.values())
    leftovers = [p.name for p in out.iterdir() if p.name.endswith(".tmp")]
    reliability("crash", "final clean re-run", "weekly flow",
                f"{len(final['ids'])} items once each, 1 digest, temp files left: {len(leftovers)}")
    assert not leftovers, f"temporary files left behind by killed runs: {leftovers}"
