"""Local runs on Prefect's embedded server: started reliably, and never failed after publishing.

The slow case starts three ``horizon digest --sample --engine prefect`` at once on one
fresh Prefect home, as a newcomer (or a CI job) asking for Prefect's engine might; the
others drive ``local_prefect.run`` with plain callables standing in for a flow whose
server timed out or that raised after its digest was published.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from apps.cli import local_prefect
from apps.cli.local_prefect import TIMED_OUT
from horizon.errors import PrefectStartError

ROOT = Path(__file__).parents[2]


def test_a_start_timeout_is_one_line_then_one_retry_then_one_clear_error(monkeypatch):
    monkeypatch.setenv("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
    said, calls = [], []

    def flaky():
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError(TIMED_OUT + ". stdout: ... 200 lines of server log ...")
        return {"week": "2026-W49"}

    assert local_prefect.run(flaky, said.append, lambda: None) == {"week": "2026-W49"}
    assert len(calls) == 2 and said == [
        "Prefect's local server did not start within 180 s (the machine is busy); trying once more"]

    def never():
        raise RuntimeError(TIMED_OUT)

    with pytest.raises(PrefectStartError, match=r"did not start within 180 s, twice.*PREFECT_API_URL") as caught:
        local_prefect.run(never, said.append, lambda: None)
    assert "\n" not in str(caught.value) and "stdout" not in str(caught.value)


def test_an_error_after_the_digest_was_published_is_a_note_not_a_failure():
    said = []
    published = {"week": "2026-W49", "entries": 12}

    def ends_badly():
        raise RuntimeError("ObjectNotFound: flow run 1234 not found\n" + "Traceback ...\n" * 50)

    assert local_prefect.run(ends_badly, said.append, lambda: published) is published
    assert len(said) == 1 and said[0].startswith("note: Prefect reported a problem after the digest was published")
    with pytest.raises(ValueError):  # before anything was published, an error stays an error
        local_prefect.run(lambda: (_ for _ in ()).throw(ValueError("bug")), said.append, lambda: None)


@pytest.mark.slow
def test_three_concurrent_sample_runs_on_one_fresh_prefect_home(tmp_path, reliability):
    home = tmp_path / "prefect-home"  # fresh: the first runs must migrate it, once
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update({"PYTHONPATH": str(ROOT), "PREFECT_HOME": str(home), "HORIZON_MODEL_DIR": str(tmp_path / "models"),
                "COLUMNS": "200"})
    runs = []
    started = time.monotonic()
    for n in range(3):
        work = tmp_path / f"run{n}"
        work.mkdir()
        runs.append((work, subprocess.Popen(
            [sys.executable, "-c", "from apps.cli import main; main()", "digest", "--sample", "--engine", "prefect",
             "--out", "out"],
            cwd=work, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)))
    outcomes = []
    for work, process in runs:
        out, err = process.communicate(timeout=1200)
        outcomes.append((work, process.returncode, out + err, time.monotonic() - started))
    for work, code, text, _ in outcomes:
        assert code == 0, text[-3000:]
        assert (work / "out" / "digest.html").exists() and "Digest " in text
        for noise in ("Traceback", "unexpected", "Timed out", "alembic", "database is locked"):
            assert noise not in text, (noise, text[-3000:])
    assert len(list(home.glob(".horizon-migrated-*"))) == 1
    slowest = max(t for *_, t in outcomes)
    reliability("local Prefect", "3 concurrent `horizon digest --sample --engine prefect`, fresh PREFECT_HOME",
                "embedded server",
                f"all 3 published, exit 0, home migrated once; slowest finished after {slowest:.0f} s")
