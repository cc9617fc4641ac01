"""The weekly run, composed once: fetch, store, link technologies, then each ICS's digest.

Plain Python over the steps (``flows/fetching.py``, ``flows/stages.py``,
``flows/ics_digest.py``), each returning what it kept and what it counted, added to the
run's tally once. How each step runs is the engine's (``flows/engine.py``): the
``weekly-digest`` Prefect flow runs this with ``PrefectEngine`` (tasks with retries, a
task runner, artifacts), the local ``horizon digest`` and the fault suite with ``Plain``
(no Prefect at all). Everything handed on is plain data: a store URL, a config folder, dates.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from flows.engine import Engine
from flows.ics_digest import DigestRef, IcsDone
from flows.kept import Tally
from flows.setup import Run, open_run
from flows.stages import link_technologies, nice_sources, seed_files, stop_if_every_source_failed, store_items
from horizon.errors import AllSourcesFailed
from horizon.icss import load_icss
from outputs import artifacts
from scanners import ScanResult
from steps.pipeline import iso_week, since_for


@dataclass(frozen=True)
class WeekRequest:
    """What to run, as plain data: the weekly flow's parameters."""

    config_dir: str | None = None
    out: str | None = None
    since: date | None = None
    sample: bool = False
    resend: bool = False
    formats: tuple[str, ...] | None = None  # every registered format unless a caller asks for fewer


@dataclass(frozen=True)
class Week:
    """The run's summary (one ICS's, or all of them combined) and each ICS's own."""

    summary: dict
    icss: tuple[IcsDone, ...]


def run_week(request: WeekRequest, engine: Engine) -> Week:
    """Pull what is new or changed from every source once, then classify, rank and publish per ICS."""
    with open_run(request.config_dir, request.sample, out=request.out, throttle=engine.throttle) as run:
        config, store, as_of = run.config, run.store, run.as_of
        now = datetime.now(UTC)
        results = fetch_week(engine, run, request.since)
        tally = Tally()
        reports = tally.take("store-items", engine.step("store-items", store_items)(
            store, results, now, validators=run.http.validators))
        try:
            stop_if_every_source_failed(reports)
        except AllSourcesFailed as failed:  # the run ends Failed; last week's files stay, and the UI says why
            engine.leave(artifacts.outage(iso_week(as_of), failed.failures, request.sample))
            raise
        batch = [item for result in results for item in result.items]
        tally.take("link-technologies", engine.step("link-technologies", link_technologies)(
            config, store, batch, now, seed_files(config, request.sample)))
        ref = DigestRef(
            config_dir=request.config_dir, store_url=config.store_for(request.sample), as_of=as_of, now=now,
            week=iso_week(as_of), since=request.since, out=request.out, sample=request.sample,
            resend=request.resend, source_order=tuple(config.sources), reports=tuple(reports),
            counts=dict(tally.counts), notes=(*run.notes, *(n for r in results for n in r.notes)),
            nice_pages=nice_sources(config), formats=request.formats)
        del results, batch  # the items are in the store now; each ICS reads what it needs from there
        done = engine.each_ics(ref, [ics.id for ics in load_icss(config)])
        return Week(done[0].summary if len(done) == 1 else combined([d.summary for d in done]), tuple(done))


def fetch_week(engine: Engine, run: Run, since: date | None) -> list[ScanResult]:
    """Every source from its own start: its watermark less the overlap, or ``since`` when given."""
    store, as_of = run.store, run.as_of
    return engine.fetch_all(run.config, run.scanners, lambda scanner: since_for(
        store, scanner.source, scanner.settings.lookback_days, scanner.settings.overlap_days, as_of, since),
        run.deadline)


def combined(done: Sequence[dict]) -> dict:
    """One summary for several ICSs: the shared sources' outcome, every file, and each ICS's own."""
    return {**done[0], "entries": sum(d["entries"] for d in done), "files": [f for d in done for f in d["files"]],
            "delivered": [f"{d['ics']}: {m}" for d in done for m in d["delivered"]],
            "delivery_error": "; ".join(f"{d['ics']}: {d['delivery_error']}" for d in done
                                        if d["delivery_error"]) or None,
            "icss": {d["ics"]: d for d in done}}
