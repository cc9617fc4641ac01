"""Fixtures for the fault suite, and the recorder that turns its results into docs/reliability.md.

Each test calls ``reliability(area, case, subject, observed)``; the outcome (passed or
failed) is attached from pytest's own report. When ``HORIZON_RELIABILITY_OUT`` names a
file, the records are written there as JSON at the end of the session, and
``scripts/reliability_table.py`` renders them as the table in docs/reliability.md.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # hostile, specs, harness: plain helper modules

from tests.faults.hostile import HostileServer

_RECORDS: dict[str, list[dict]] = {}  # test id -> the cases it recorded (a chain test records several)


@pytest.fixture
def hostile():
    """A fresh hostile server per test, so one case's stalled sockets never touch the next."""
    server = HostileServer().start()
    yield server
    server.close()


@pytest.fixture
def reliability(request):
    """Record what a case observed, for the table in docs/reliability.md."""

    def record(area: str, case: str, subject: str, observed: str, expected: str = "") -> None:
        _RECORDS.setdefault(request.node.nodeid, []).append(
            {"test": request.node.nodeid, "area": area, "case": case, "subject": subject,
             "observed": observed, "expected": expected, "outcome": "not run"})

    return record


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    for entry in _RECORDS.get(item.nodeid, []):
        if report.failed:
            entry["outcome"] = "failed"
        elif report.when == "call":
            entry["outcome"] = "skipped" if report.skipped else "passed"


def pytest_sessionfinish(session, exitstatus):
    target = os.environ.get("HORIZON_RELIABILITY_OUT")
    if target:
        records = [entry for entries in _RECORDS.values() for entry in entries]
        Path(target).write_text(json.dumps(records, indent=1), encoding="utf-8")
