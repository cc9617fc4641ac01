"""The production set-up end to end: a real Prefect server, a process work pool, `prefect deploy
--all` from prefect.yaml, a worker, and both deployments run to completion on the bundled sample.

The server's database is a fresh PostgreSQL database when HORIZON_TEST_POSTGRES_URL names a
server (as in production), else SQLite; the item store follows the same choice, and both
flows run at once against it. Every process started here is killed, whatever happens.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
import yaml

from tests import pg
from tests.helpers import DEFAULTS

pytestmark = pytest.mark.slow

ROOT = Path(__file__).parents[2]
BIN = Path(sys.executable).parent
POOL = yaml.safe_load((ROOT / "prefect.yaml").read_text())["deployments"][0]["work_pool"]["name"]
WAIT = 240  # seconds; generous: CI machines are busy
UNUSED_SERVICES = ("CANCELLATION_CLEANUP", "DB_VACUUM", "FOREMAN", "LATE_RUNS", "PAUSE_EXPIRATIONS", "REPOSSESSOR",
                   "CLEANUP_RECONCILER", "TRIGGERS", "EVENT_LOGGER")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Processes:
    """Background processes, each in its own process group, all killed by ``stop``."""

    def __init__(self, logs: Path):
        self.logs = logs
        self.running: list[tuple[str, subprocess.Popen]] = []

    def start(self, name: str, args: list[str], env: dict) -> subprocess.Popen:
        log = open(self.logs / f"{name}.log", "wb")
        proc = subprocess.Popen(args, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
        self.running.append((name, proc))
        return proc

    def tail(self) -> str:
        return "\n".join(f"--- {name}.log (last lines) ---\n"
                         + "\n".join((self.logs / f"{name}.log").read_text(errors="replace").splitlines()[-40:])
                         for name, _ in self.running)

    def stop(self) -> None:
        for _, proc in reversed(self.running):
            for sig, wait in ((signal.SIGTERM, 20), (signal.SIGKILL, 10)):
                if proc.poll() is not None:
                    break
                try:
                    os.killpg(proc.pid, sig)
                    proc.wait(timeout=wait)
                except (ProcessLookupError, subprocess.TimeoutExpired):
                    pass


def prefect(env: dict, *args: str, timeout: int = WAIT) -> str:
    """Run one `prefect` command from the repository root, with no terminal to prompt on."""
    done = subprocess.run([str(BIN / "prefect"), *args], env=env, cwd=ROOT, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"prefect {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def wait_for(what: str, check, timeout: float = WAIT, every: float = 1.0):
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(every)


@pytest.fixture
def databases():
    """A fresh PostgreSQL database each for the Prefect server and the store, or None for SQLite."""
    if pg.server_url() is None:
        yield None, None
        return
    made = [pg.create_database("horizon_prefect"), pg.create_database("horizon_store")]
    try:
        yield made[0].set(drivername="postgresql+asyncpg"), made[1]
    finally:
        for url in made:
            pg.drop_database(url)


def test_deployments_run_on_a_prefect_server_through_a_worker(tmp_path, databases):
    server_db, store_db = databases
    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "HORIZON_STORE"))}
    env.update({
        "PREFECT_HOME": str(tmp_path / "prefect-home"),
        "PREFECT_API_URL": api,
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_UI_ENABLED": "false",
        "PREFECT_WORKER_QUERY_SECONDS": "1",
        "PREFECT_WORKER_PREFETCH_SECONDS": "5",
        "PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS": "5",
        "PREFECT_LOGGING_LEVEL": "INFO",
    })
    for service in UNUSED_SERVICES:  # less for a busy CI machine to do; the scheduler stays on
        env[f"PREFECT_SERVER_SERVICES_{service}_ENABLED"] = "false"
    if server_db is not None:
        env["PREFECT_API_DATABASE_CONNECTION_URL"] = server_db.render_as_string(hide_password=False)
    config = tmp_path / "config"
    config.mkdir()
    shutil.copy(DEFAULTS / "priorities.yaml", config / "priorities.yaml")
    shutil.copy(DEFAULTS / "sources.yaml", config / "sources.yaml")
    store_url = store_db.render_as_string(hide_password=False) if store_db else f"sqlite:///{tmp_path / 'store.db'}"
    sample_store = f"sqlite:///{tmp_path / 'sample.db'}"
    (config / "settings.yaml").write_text(yaml.safe_dump({"store_url": store_url, "sample_store_url": sample_store,
                                                          "output_dir": str(tmp_path / "digests")}))

    procs = Processes(tmp_path)
    try:
        procs.start("server", [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)], env)
        wait_for("the Prefect server", lambda: _get(f"{api}/health") is not None, every=2)
        prefect(env, "work-pool", "create", POOL, "--type", "process")
        prefect(env, "deploy", "--all")
        limits = subprocess.run([str(BIN / "horizon"), "setup-limits"], env=env, capture_output=True, text=True,
                                timeout=300)  # as the README says, on the bundled defaults
        assert limits.returncode == 0 and "host-clinicaltrials-gov" in limits.stdout, limits.stderr
        procs.start("worker", [str(BIN / "prefect"), "worker", "start", "--pool", POOL, "--limit", "2"], env)

        weekly_out, scan_out = tmp_path / "weekly", tmp_path / "scan"
        weekly = _run(env, "weekly-digest/weekly-digest", {"config_dir": str(config), "out": str(weekly_out), "sample": True})
        scan = _run(env, "adhoc-scan/adhoc-scan", {"query": "asthma", "areas": ["respiratory"], "limit": 10,
                                                   "config_dir": str(config), "out": str(scan_out), "sample": True})
        states = {run: wait_for(f"flow run {run} to finish", lambda run=run: _finished(api, run), every=2)
                  for run in (weekly, scan)}
        assert states == {weekly: "COMPLETED", scan: "COMPLETED"}, procs.tail()

        assert "Cardiovascular disease" in (weekly_out / "digest.html").read_text()
        assert (weekly_out / "digest.md").exists()
        assert "Ad-hoc scan: asthma" in (scan_out / "digest.html").read_text()
        weekly_keys = _artifact_keys(api, weekly)
        assert "sample-suffolk-and-north-east-essex-ics-digest" in weekly_keys, weekly_keys  # sample runs: own series
        scan_keys = _artifact_keys(api, scan)
        assert any(k.removeprefix("sample-").startswith("scan-") and k.endswith("-asthma-entries")
                   for k in scan_keys), scan_keys
        _check_the_store(sample_store)
        _check_untouched(store_url)  # a sample run never writes into the configured store
        _check_next_monday_at_seven_in_london(api)
    finally:
        procs.stop()


def _get(url: str):
    try:
        response = httpx.get(url, timeout=10)
    except httpx.HTTPError:
        return None
    return response.json() if response.status_code == 200 else None


def _run(env: dict, deployment: str, params: dict) -> str:
    out = prefect(env, "deployment", "run", deployment, "--params", json.dumps(params))
    match = re.search(r"UUID:\s*([0-9a-f-]{36})", out)
    assert match, out
    return match.group(1)


def _finished(api: str, run: str) -> str | None:
    state = (_get(f"{api}/flow_runs/{run}") or {}).get("state") or {}
    return state.get("type") if state.get("type") in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED") else None


def _artifact_keys(api: str, run: str) -> list[str]:
    body = {"artifacts": {"flow_run_id": {"any_": [run]}}}
    return [a["key"] for a in httpx.post(f"{api}/artifacts/filter", json=body, timeout=30).json() if a["key"]]


def _check_the_store(store_url: str) -> None:
    from horizon.store import Store

    store = Store(store_url)
    try:
        keys = [d.key for d in store.digests()]
        assert keys.count("suffolk-and-north-east-essex-ics") == 2  # the sample's last week, and this week
        assert not any(k.startswith("scan-") for k in keys)  # a scan is not a digest of the series
        assert store.count() > 0
    finally:
        store.close()


def _check_untouched(store_url: str) -> None:
    from horizon.store import Store

    store = Store(store_url)
    try:
        assert (store.count(), store.digests()) == (0, [])
    finally:
        store.close()


def _check_next_monday_at_seven_in_london(api: str) -> None:
    deployment = _get(f"{api}/deployments/name/weekly-digest/weekly-digest")
    body = {"flow_runs": {"deployment_id": {"any_": [deployment["id"]]}, "state": {"type": {"any_": ["SCHEDULED"]}}},
            "sort": "EXPECTED_START_TIME_ASC", "limit": 1}

    def scheduled():
        return httpx.post(f"{api}/flow_runs/filter", json=body, timeout=30).json()

    (upcoming,) = wait_for("the weekly digest's next scheduled run", scheduled, every=2)
    at = datetime.fromisoformat(upcoming["expected_start_time"]).astimezone(ZoneInfo("Europe/London"))
    assert (at.strftime("%A"), at.hour, at.minute) == ("Monday", 7, 0), at
