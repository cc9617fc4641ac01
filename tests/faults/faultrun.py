"""One weekly run through the weekly composition itself (``flows/week.py``), on the plain engine.

Each fault case runs a subject source (pointed at the hostile server) beside a
healthy control source, through the same composition the ``weekly-digest`` flow and
``horizon digest`` run: the real scanners, store, technology links, classifier,
ranking, every registered writer and delivery. The plain engine adds no Prefect, so the
matrix runs in seconds; a few flow-level tests run the real flow on Prefect's engine.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import yaml

import outputs
from horizon.config import load_config
from horizon.digest import Digest, SourceReport
from horizon.store import Store
from tests.faults.faultspecs import SPECS, Rec
from tests.faults.hostile import HostileServer, dynamic

DEFAULTS = Path(__file__).parents[2] / "horizon" / "defaults"
SUBJECT, CONTROL = "subject", "control"
CONTROL_RECS = [
    Rec(901, "Smartwatch screening for atrial fibrillation in older adults",
        "Case-finding for atrial fibrillation with a smartwatch ECG and anticoagulation."),
    Rec(902, "Asthma self-management app for children", "A smartphone app for asthma self-management."),
]
# Small limits so the whole matrix runs in seconds: each is what a retry loop is bounded by.
FAST_HTTP = {"retries": 2, "backoff": 0, "max_retry_after": 0.2, "source_retries": 0, "source_retry_delay": 0,
             "connect_timeout": 1, "read_timeout": 0.5, "total_timeout": 2, "max_bytes": 1_000_000,
             "requests_per_second": 100}


@dataclass
class Outcome:
    subject: SourceReport
    control: SourceReport
    digest: Digest
    files: list[Path]
    store: Store
    counts: dict[str, int]


def write_config(directory: Path, server: HostileServer, scanner: str, http: dict | None = None,
                 subject: dict | None = None) -> Path:
    """A config directory: default priorities, the subject and control sources, fast HTTP limits."""
    directory.mkdir(parents=True, exist_ok=True)
    shutil.copy(DEFAULTS / "priorities.yaml", directory / "priorities.yaml")
    bad = server.url("/bad")
    settings = {k: (v.replace("{bad}", bad) if isinstance(v, str) else v) for k, v in SPECS[scanner].settings.items()}
    sources = {
        SUBJECT: {"scanner": scanner, "base_url": bad, **settings, **(subject or {})},
        CONTROL: {"scanner": "ctgov", "base_url": server.url("/ok"), "uk_only": False},
    }
    (directory / "sources.yaml").write_text(yaml.safe_dump({"sources": sources}), encoding="utf-8")
    (directory / "settings.yaml").write_text(yaml.safe_dump({
        "store_url": f"sqlite:///{directory.parent / 'store.db'}", "http": {**FAST_HTTP, **(http or {})},
    }), encoding="utf-8")
    return directory


def serve_control(server: HostileServer) -> None:
    server.routes["/ok"] = dynamic(lambda req: (200, {"Content-Type": SPECS["ctgov"].render(req, CONTROL_RECS)[0]},
                                                SPECS["ctgov"].render(req, CONTROL_RECS)[1]))


# Where a reader meets the run summary; the transport matrix checks these, content tests every format.
SUMMARY_FORMATS = tuple(f for f in ("html", "md", "text") if f in outputs.REGISTRY)


def run_week(config_dir: Path, out: Path, formats: tuple[str, ...] = outputs.FORMATS) -> Outcome:
    """Fetch, store, classify, rank, write and deliver the digest: the weekly composition, plain engine."""
    from flows.engine import Plain
    from flows.week import WeekRequest
    from flows.week import run_week as compose

    week = compose(WeekRequest(config_dir=str(config_dir), out=str(out), formats=tuple(formats)), Plain())
    (done,) = week.icss
    assert done.digest is not None, "a fresh store makes a new digest, never a kept one"
    by_name = {r.name: r for r in done.digest.summary.sources}
    store = Store(load_config(config_dir).settings.store_url)
    return Outcome(by_name[SUBJECT], by_name[CONTROL], done.digest, [Path(p) for p in week.summary["files"]], store,
                   dict(done.digest.summary.counts))
