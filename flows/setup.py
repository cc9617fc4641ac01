"""Everything a run needs before any work starts: validated config, scanners, store, clock.

Config and source settings are validated here, so a mistake is one line before
anything is fetched. In sample mode the recorded responses are served locally
and the sample's own sources.yaml replaces the configured one.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import yaml

import scanners
from flows.deadline import RunDeadline
from flows.fetching import VALIDATORS_KEY
from flows.preflight import check_outputs
from flows.publishing import shown_url
from flows.throttle import PREFECT, host_throttle
from horizon.config import Config, digest_key, load_config
from horizon.errors import HorizonError
from horizon.store import Store
from outputs.delivery import DeliveryConfig, load_delivery
from scanners.http import HttpClient, Validators
from scanners.replay import SAMPLE_DIR, replay_server, sample_manifest
from steps.pipeline import LONDON, iso_week, latest_update, today_in_london
from steps.ranking import rank


@dataclass
class Run:
    config: Config
    store: Store
    http: HttpClient
    scanners: list[scanners.Scanner]
    as_of: date
    delivery: DeliveryConfig = field(default_factory=DeliveryConfig)
    notes: list[str] = field(default_factory=list)
    store_url: str = ""  # as shown: no password
    deadline: RunDeadline = field(default_factory=lambda: RunDeadline(None))


@contextmanager
def open_run(config_dir: str | None, sample: bool, only: list[str] | None = None,
             overrides: dict[str, dict] | None = None, query: str | None = None,
             out: str | None = None, throttle: str = PREFECT) -> Iterator[Run]:
    """Load and validate everything, then yield a ready ``Run``; cleans up whatever happens.

    With ``query`` (an ad-hoc scan), each source searches for it in its own syntax.
    Requests to each host are rate-limited (``throttle``: by Prefect, see ``flows/limits.py``,
    or in this process, see ``flows/throttle.py``), except in sample mode, where they go to
    the local replay server.
    """
    config = load_config(config_dir)
    deadline = RunDeadline(config.settings.run_deadline)
    delivery = DeliveryConfig() if sample else load_delivery(config.directory)  # a sample is never sent
    if query is None:
        check_outputs(config, out, sample)  # an unwritable folder is found now, not after every source was fetched
    as_of = today_in_london()
    with ExitStack() as stack:
        notes: list[str] = []
        if sample:
            url = stack.enter_context(replay_server())
            config = _sample_config(config, url)
            as_of = date.fromisoformat(sample_manifest()["as_of"])
            notes.append(f"Sample run: recorded responses replayed locally, as of {as_of.isoformat()}.")
        if query is not None:
            overrides = {**_query_overrides(config, query), **(overrides or {})}
        if overrides:
            sources = {name: {**body, **overrides.get(name, {})} for name, body in config.sources.items()}
            config = config.model_copy(update={"sources": sources})
        # Each fetch task builds its own client from this one's settings, with the run's deadline.
        limits = None if sample else host_throttle(throttle, config.settings.http)
        http = HttpClient(config.settings.http, throttle=limits)
        stack.callback(http.close)
        found = scanners.build(config, http, only)  # validates every source's settings first
        url = config.store_for(sample)
        store = Store(url)
        stack.callback(store.close)
        notes.append(f"Store: {shown_url(url)}.")  # which store a run used is never a guess
        # ETag / Last-Modified from earlier runs make repeat requests conditional (see store_items).
        http.validators = Validators.loads(store.meta_value(VALIDATORS_KEY) or "")
        if sample:
            _seed_sample_history(config, store, http)
        yield Run(config=config, store=store, http=http, scanners=found, as_of=as_of, delivery=delivery,
                  notes=notes, deadline=deadline, store_url=shown_url(url))


def _seed_sample_history(config: Config, store: Store, http: HttpClient) -> None:
    """Give a fresh sample store last week's digest, so 'new' and 'changed' mean something.

    The previous snapshot is replayed through the same scanners and stored as it
    would have been a week earlier; its digest, classified and ranked like any other
    (so the trend chart starts from a real week), is recorded without writing files.
    """
    previous = sample_manifest().get("previous")
    key = digest_key(config)
    if not previous or store.digests(key):
        return
    as_of = date.fromisoformat(previous["as_of"])
    then = datetime.combine(as_of, time(7), tzinfo=LONDON)
    folder = SAMPLE_DIR / previous["dir"]
    with replay_server(folder) as url:
        history = _sample_config(config, url)
        recorded = [p.name for p in folder.iterdir() if (p / "routes.json").exists()]
        stored = []
        for scanner in scanners.build(history, http, only=recorded):
            result = scanner.scan(as_of - timedelta(days=scanner.settings.lookback_days))
            if result.error:
                raise HorizonError(f"bundled sample is broken: {scanner.source}: {result.error}")
            mark = latest_update(result.items)
            store.upsert(result.items, now=then, watermark=(scanner.source, mark) if mark else None)
            stored += result.items
    from classifiers import ensure_current

    classifier, _ = ensure_current(config.priorities, store, cv=0)
    verdicts = classifier.classify(stored)
    entries = rank(stored, verdicts, config.priorities, config.settings.ranking, as_of)
    store.record_digest(key, iso_week(as_of), "(sample history: no files)",
                        [(e.item.id, e.score, e.classification.areas) for e in entries], now=then,
                        classifications=[e.classification for e in entries])


def _query_overrides(config: Config, query: str) -> dict[str, dict]:
    """Each configured source's settings for searching ``query``, from its scanner's hook."""
    found = {}
    for name, body in config.sources.items():
        cls = scanners.REGISTRY.get(body.get("scanner") or name)
        if cls is not None:  # an unknown scanner is reported by scanners.build, with the valid names
            found[name] = cls.for_query(query)
    return found


def _sample_config(config: Config, replay_url: str) -> Config:
    """The configuration with the sample's sources, pointed at the replay server."""
    text = (SAMPLE_DIR / "sources.yaml").read_text(encoding="utf-8").replace("{replay}", replay_url)
    return config.model_copy(update={"sources": yaml.safe_load(text)["sources"]})
