"""The weekly digest: pull what is new from every source once, then classify, rank and publish per ICS."""

from __future__ import annotations

from datetime import UTC, date, datetime

from prefect import flow
from prefect.utilities.annotations import quote

from flows.ics_digest import DigestRef, ics_digest
from flows.runners import task_runner
from flows.setup import open_run
from flows.tasks import fetch_all, nice_sources, stop_if_every_source_failed, store_items
from flows.tech import link_technologies, seed_files
from horizon.icss import load_icss
from steps.pipeline import iso_week, since_for


@flow(name="weekly-digest", task_runner=task_runner(), log_prints=True)
def weekly_digest(
    config_dir: str | None = None,
    out: str | None = None,
    since: date | None = None,
    sample: bool = False,
    resend: bool = False,
) -> dict:
    """Pull what is new or changed from every source, classify and rank it, and publish the digest.

    Args:
        config_dir: Folder with priorities.yaml, sources.yaml, settings.yaml (icss.yaml: many ICSs); defaults if empty.
        out: Directory for the digest files; `<output_dir>/<ISO week>/` from settings.yaml if empty.
        since: Fetch and show everything updated since this date instead of what is new since the last digest.
        sample: Run offline against the recorded responses bundled with the package.
        resend: Send the digest again on every channel, even where it was delivered already.
    """
    with open_run(config_dir, sample, out=out) as run:
        config, store, as_of = run.config, run.store, run.as_of
        now = datetime.now(UTC)
        results = fetch_all(config, run.scanners, lambda scanner: since_for(
            store, scanner.source, scanner.settings.lookback_days, scanner.settings.overlap_days, as_of, since),
            run.deadline)
        reports, counts = store_items(store, quote(results), now, validators=run.http.validators)
        stop_if_every_source_failed(reports)  # the run ends Failed; last week's files stay
        batch = [item for result in results for item in result.items]
        counts.update(link_technologies(config, store, quote(batch), now, seed_files(config, sample)))
        ref = DigestRef(
            config_dir=config_dir, store_url=config.store_for(sample), as_of=as_of, now=now, week=iso_week(as_of),
            since=since, out=out, sample=sample, resend=resend, source_order=tuple(config.sources),
            reports=tuple(reports), counts=dict(counts), notes=(*run.notes, *(n for r in results for n in r.notes)),
            nice_pages=nice_sources(config))
        del results, batch  # the items are in the store now; each ICS reads what it needs from there
        icss = load_icss(config)
        futures = [ics_digest.submit(ref, ics.id) for ics in icss]
        done = [f.result() for f in futures]
        return done[0] if len(done) == 1 else combined(done)


def combined(done: list[dict]) -> dict:
    """One summary for several ICSs: the shared sources' outcome, every file, and each ICS's own."""
    return {**done[0], "entries": sum(d["entries"] for d in done), "files": [f for d in done for f in d["files"]],
            "delivered": [f"{d['ics']}: {m}" for d in done for m in d["delivered"]],
            "delivery_error": "; ".join(f"{d['ics']}: {d['delivery_error']}" for d in done
                                        if d["delivery_error"]) or None,
            "icss": {d["ics"]: d for d in done}}
