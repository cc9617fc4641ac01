"""The weekly run's steps between fetch and publish, as plain Python that imports no Prefect.

Each returns a ``Kept``: what it kept and what it counted (new, changed, dropped and
why). ``flows/week.py`` and ``flows/ics_digest.py`` compose them; on the Prefect engine
each runs as a task of the same name (``flows/prefect_engine.py``).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from flows.fetching import VALIDATORS_KEY
from flows.kept import Kept
from horizon.config import Config
from horizon.digest import Classification, SourceReport
from horizon.errors import AllSourcesFailed, HorizonError
from horizon.failures import in_words
from horizon.items import Item
from horizon.progress import report
from horizon.store import Store
from scanners import ScanResult
from scanners.http import Validators
from steps.pipeline import latest_update, one_per_thing

OVERVIEWS_KEY = "nice-overviews"  # where the store keeps the NICE overviews read so far


def store_items(store: Store, results: Sequence[ScanResult], now: datetime, watermarks: bool = True,
                validators: Validators | None = None) -> Kept[list[SourceReport]]:
    """Upsert each source's items with its watermark in one transaction per source; keeps each source's report.

    An ad-hoc scan passes ``watermarks=False``: it fetched only what matched its
    query, so moving a source's watermark would hide the rest from the next digest.
    ``validators`` (ETag / Last-Modified learned this run) are saved only after the
    items they vouch for are stored, so a 304 next time never hides an unstored item.
    """
    reports, counts = [], Counter[str]()
    for result in results:
        for reason, n in result.counts.items():
            if n:
                counts[f"{result.source}/{reason}"] += n
        # A failed source keeps its old watermark, so nothing it missed is skipped next time.
        mark = latest_update(result.items) if result.ok and watermarks else None
        done = store.upsert(result.items, now=now, watermark=(result.source, mark) if mark else None)
        counts[f"{result.source}/new"] += len(done.new)
        if done.changed:
            counts[f"{result.source}/changed"] += len(done.changed)
        error = in_words(result.error) if result.error else result.error
        reports.append(SourceReport(name=result.source, ok=result.ok, fetched=len(result.items), error=error))
    if validators is not None:
        store.set_meta_value(VALIDATORS_KEY, validators.dumps())
    report(f"stored {sum(r.fetched for r in reports)} items")
    return Kept(reports, counts)


def stop_if_every_source_failed(reports: Sequence[SourceReport]) -> None:
    """An empty digest that looks like a quiet week is worse than none: fail the run instead."""
    if reports and not any(r.ok for r in reports):
        raise AllSourcesFailed({r.name: r.error or "failed" for r in reports})


def seed_files(config: Config, sample: bool) -> list[Path]:
    """Where tracked technologies are declared: the config's technologies.yaml, and the sample's."""
    from horizon.tech import seed
    from scanners.replay import SAMPLE_DIR

    found = [SAMPLE_DIR / seed.FILENAME] if sample else []
    directory = getattr(config, "directory", None)
    if directory and (Path(directory) / seed.FILENAME).exists():
        found.append(Path(directory) / seed.FILENAME)
    return found


def link_technologies(config: Config, store: Store, batch: Sequence[Item], now: datetime,
                      seeds: Sequence[Path] = ()) -> Kept[int]:
    """Add declared technologies, then link this week's items to every technology; keeps how many there are.

    A technology added now is also linked to every item stored before it, so its evidence is complete.
    """
    from horizon.store_tech import Technologies
    from horizon.tech import seed
    from horizon.tech.link import link_batch, link_store

    techs = Technologies(store)
    counts: Counter[str] = Counter()
    added: list[str] = []
    for path in seeds:
        try:
            added += seed.apply(techs, seed.read(path, config.priorities.ids))
        except HorizonError as err:  # a broken technologies.yaml never stops the digest
            counts["tech/seed-failed"] += 1
            report(f"technologies not seeded: {err}")
    if added:
        counts["tech/alias-links-past"] = link_store(techs, now=now, only=added)
    counts.update(link_batch(techs, batch, now=now))
    tracked = len(techs.all())
    report(f"linked items to {tracked} technologies")
    return Kept(tracked, counts)


@dataclass(frozen=True)
class OnePerThing:
    items: list[Item]  # the lead record of each thing
    also: dict[str, tuple[Item, ...]]  # lead id -> the other records of the same thing


def dedup(items: Sequence[Item], source_order: Sequence[str]) -> Kept[OnePerThing]:
    """One entry per thing (registrations and re-told stories merged); counts the records merged away."""
    leads, also, merged = one_per_thing(items, list(source_order))
    return Kept(OnePerThing(leads, also), Counter({"dropped/duplicate": merged}))


def nice_sources(config: Config) -> tuple[tuple[str, str], ...]:
    """(source name, base URL) of every enabled NICE source: where its guidance pages are read."""
    from scanners.nice_pages import SITE

    return tuple((name, body.get("base_url") or SITE) for name, body in config.sources.items()
                 if (body.get("scanner") or name) == "nice" and body.get("enabled") is not False)


def read_nice_overviews(sources: Sequence[tuple[str, str]], store: Store, http,
                        items: Sequence[Item]) -> Kept[list[Item]]:
    """Summaries for NICE guidance that has none: one cached request per item to its guidance page."""
    from scanners.nice_pages import add_overviews, load_cache

    counts: Counter[str] = Counter()
    if not sources:
        return Kept(list(items), counts)
    cache = load_cache(store.meta_value(OVERVIEWS_KEY))
    for name, base_url in sources:
        done = add_overviews(items, http, base_url, cache, source=name)
        items, cache = done.items, done.cache
        counts.update({f"{name}/{k}": n for k, n in done.counts.items()})
    store.set_meta_value(OVERVIEWS_KEY, json.dumps(cache, sort_keys=True))
    if counts:
        report("read NICE overviews: " + ", ".join(f"{k} {n}" for k, n in sorted(counts.items())))
    return Kept(list(items), counts)


def classify(config: Config, store: Store, items: Sequence[Item], model_dir: str | None = None,
             sample: bool = False, shared: Store | None = None, ics=None) -> Kept[tuple[list[Classification], str]]:
    """Retrain through the training job if reviewers added labels, then score every candidate item.

    Keeps the verdicts and one line for the run summary on what the classifier learned.
    ``store`` may be one ICS's view (``horizon.store_icss.IcsStore``) and ``model_dir``
    its own model folder, so each ICS learns only from its own reviewers; ``shared`` is then
    the whole store, which holds the job queue, and ``ics`` (``horizon.icss.Ics``) the ICS whose
    training job it queues. The workspace's "Retrain now" runs the same job, so a weekly run
    and a reviewer never train at once. A sample run scores the bundled training items with
    models that did not see them, so it shows the model on unseen text.
    """
    from classifiers import ensure_current
    from flows.training_job import describe, run_training_job

    job = run_training_job(shared or store, config, by="weekly run", model_dir=model_dir, labels=store, ics=ics)
    classifier, _ = ensure_current(config.priorities, store, model_dir=model_dir, cv=0, unseen=sample)
    verdicts = classifier.classify(list(items))
    report(f"classified {len(verdicts)} items")
    return Kept((verdicts, describe(job)))
