"""The weekly digest: pull what is new from every source, classify, rank, publish."""

from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path

from prefect import flow
from prefect.task_runners import ThreadPoolTaskRunner

from flows.publish import publish, send, summary
from flows.setup import open_run
from flows.tasks import classify, fetch_all, nice_overviews, store_items
from horizon.pipeline import assemble, candidates, digest_key, iso_week, one_per_thing, since_for


@flow(name="weekly-digest", task_runner=ThreadPoolTaskRunner(max_workers=4), log_prints=True)
def weekly_digest(
    config_dir: str | None = None,
    out: str | None = None,
    since: date | None = None,
    sample: bool = False,
) -> dict:
    """Pull what is new or changed from every source, classify and rank it, and publish the digest.

    Args:
        config_dir: Directory with priorities.yaml, sources.yaml and settings.yaml; the bundled defaults if empty.
        out: Directory for the digest files; `<output_dir>/<ISO week>/` from settings.yaml if empty.
        since: Fetch and show everything updated since this date instead of what is new since the last digest.
        sample: Run offline against the recorded responses bundled with the package.
    """
    with open_run(config_dir, sample) as run:
        config, store, as_of = run.config, run.store, run.as_of
        now = datetime.now(timezone.utc)
        results = fetch_all(config, run.scanners, lambda scanner: since_for(
            store, scanner.source, scanner.settings.lookback_days, scanner.settings.overlap_days, as_of, since))
        reports, counts = store_items(store, results, now, validators=run.http.validators)
        key, week = digest_key(config), iso_week(as_of)
        found, novelty, history = candidates(store, key, week, since)
        items, also, counts["dropped/duplicate"] = one_per_thing(found, list(config.sources))
        items, read = nice_overviews(config, store, run.http, items)
        counts.update(read)
        verdicts, learned = classify(config, store, items)
        digest = assemble(config, store, items, verdicts, novelty, history, as_of, now, reports, counts, since,
                          [*run.notes, *(n for r in results for n in r.notes), learned], also)
        # The running feed of recent digests lives beside the weekly folders; --out is a one-off place.
        root = Path(config.settings.output_dir)
        directory, feed = (Path(out), None) if out else (root / week, root / "feed.atom")
        paths = publish(store, digest, directory, config.settings.top_n, feed)
        delivered, problem = [], None
        if run.delivery.email or run.delivery.webhook:
            state = send(digest, run.delivery, return_state=True)
            if state.is_completed():
                delivered = state.result()
            else:
                problem = str(state.result(raise_on_failure=False))
        return summary(digest, paths, delivered, problem)

