"""One weekly run, stage by stage as ``flows/weekly_digest.py`` wires it, without the Prefect engine.

Each fault case runs a subject source (pointed at the hostile server) beside a
healthy control source, through the real scanners, store, classifier, ranking and
every registered writer. The task bodies are called through ``.fn`` (STYLE.md: test
task logic where the engine adds nothing); a few flow-level tests run the real flow.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import yaml

import outputs
import scanners
from horizon.config import Priorities, digest_key, load_config
from horizon.digest import Digest, SourceReport
from horizon.errors import SourceError
from horizon.store import Store
from scanners.http import HttpClient
from steps.pipeline import assemble, candidates, iso_week
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


_CLASSIFIERS: dict[str, object] = {}


def _classifier(priorities: Priorities):  # fitting the profile model once per session is enough
    from classifiers import load_classifier

    key = priorities.model_dump_json()
    if key not in _CLASSIFIERS:
        _CLASSIFIERS[key] = load_classifier(priorities)
    return _CLASSIFIERS[key]


# Where a reader meets the run summary; the transport matrix checks these, content tests every format.
SUMMARY_FORMATS = tuple(f for f in ("html", "md", "text") if f in outputs.REGISTRY)


def run_week(config_dir: Path, out: Path, formats: tuple[str, ...] = outputs.FORMATS) -> Outcome:
    """Fetch, store, classify, rank and write the digest, as the weekly flow does."""
    from flows.tasks import failed_result, fetch_source, store_items

    config = load_config(config_dir)
    store = Store(config.settings.store_url)
    http = HttpClient(config.settings.http)
    as_of = date.today()
    now = datetime.now(UTC)
    try:
        results = []
        for scanner in scanners.build(config, http):
            since = as_of - timedelta(days=scanner.settings.lookback_days)
            try:
                results.append(fetch_source.fn(scanner, since))
            except SourceError as err:  # what Prefect hands the flow once retries are spent
                results.append(failed_result(scanner.source, err))
        reports, counts = store_items.fn(store, results, now)
        key, week = digest_key(config), iso_week(as_of)
        items, novelty, history = candidates(store, key, week)
        verdicts = _classifier(config.priorities).classify(items)
        digest = assemble(config, store, items, verdicts, novelty, history, as_of, now, reports, counts)
        files = outputs.write(digest, out, formats, top_n=config.settings.top_n)
    finally:
        http.close()
    by_name = {r.name: r for r in reports}
    return Outcome(by_name[SUBJECT], by_name[CONTROL], digest, files, store, dict(counts))
