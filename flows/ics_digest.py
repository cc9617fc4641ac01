"""One ICS's part of the weekly run: select, dedup, NICE overviews, classify, assemble, publish, deliver.

The weekly composition (``flows/week.py``) fetches and stores every source once, then
runs ``digest_for`` once per ICS (in parallel, as the engine runs them: a thread each, or
a Prefect task on whichever task runner the flow has). It takes a ``DigestRef`` (plain
data: the config folder, the store URL, dates) and opens what it needs itself, so it can
run in another process (Dask) and Prefect has nothing big to walk. A re-run of a week
in which nothing new was stored reuses the published digest instead of classifying and
writing everything again.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from flows.kept import Tally
from flows.publishing import publish, send, shown_url, summary
from flows.stages import classify, dedup, read_nice_overviews
from flows.throttle import host_throttle
from horizon import store_scopes
from horizon.config import load_config
from horizon.digest import Digest, SourceReport
from horizon.icss import Ics, find
from horizon.progress import report
from horizon.records import RegisterEntry
from horizon.store import Store
from horizon.store_icss import IcsStore, news_since, published_at
from horizon.tech.digest_section import with_technologies
from outputs.delivery import DeliveryConfig, load_delivery
from scanners.http import HttpClient
from steps.pipeline import assemble, candidates
from steps.ranking import novelty_of

if TYPE_CHECKING:
    from flows.engine import Engine

STATE_KEY = "digest-state:{key}:{week}"  # meta row: what a published digest was made from, and its summary


@dataclass(frozen=True)
class DigestRef:
    """Everything one ICS's digest needs from the run, as plain data."""

    config_dir: str | None
    store_url: str
    as_of: date
    now: datetime
    week: str
    since: date | None = None
    out: str | None = None
    sample: bool = False
    resend: bool = False
    source_order: tuple[str, ...] = ()
    reports: tuple[SourceReport, ...] = ()
    counts: dict[str, int] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    nice_pages: tuple[tuple[str, str], ...] = ()  # (source, base URL) whose guidance pages give summaries
    formats: tuple[str, ...] | None = None  # every registered format unless a caller asks for fewer


@dataclass(frozen=True)
class IcsDone:
    """One ICS's summary (what the CLI prints), and its digest when it was made in this process now."""

    summary: dict
    digest: Digest | None = None  # None when this week's published digest was kept, or it ran elsewhere


def digest_for(ref: DigestRef, ics_id: str, engine: Engine) -> IcsDone:
    """Classify, rank and publish one ICS's digest from the shared store."""
    ics = find(load_config(ref.config_dir), ics_id)
    store = Store(ref.store_url)
    try:
        return make_digest(ref, ics, store, engine)
    finally:
        store.close()


def make_digest(ref: DigestRef, ics: Ics, store: Store, engine: Engine) -> IcsDone:
    config, key = ics.config, ics.key
    labels = store if ics.single else IcsStore(store, ics.id, default=ics.first)
    due = store.register_due(ref.as_of) if ics.single else store_scopes.register_due(store, ics, ref.as_of)
    state = run_state(ref, ics, [row.id for row in labels.labels()], due)
    if not ref.resend and (saved := reusable(store, key, ref.week, state, ref.since)) is not None:
        report(f"{ics.id}: nothing new since this week's digest; kept it")
        return IcsDone(kept(saved, ref))
    tally = Tally(ref.counts)
    found, novelty, history = candidates(store, key, ref.week, ref.since)
    things = tally.take("dedup", dedup(found, ref.source_order))
    overviews = read_nice_overviews(ref.nice_pages, store, overview_client(ref, config, engine), things.items)
    items = tally.take("nice-overviews", overviews)
    verdicts, learned = tally.take("classify", engine.step("classify", classify)(
        config, labels, items, model_dir(ics, store.url), sample=ref.sample, shared=store, ics=ics))
    digest = assemble(config, store, items, verdicts, novelty, history, ref.as_of, ref.now, ref.reports,
                      tally.counts, ref.since, [*ref.notes, learned], things.also, key=key, title=ics.title, due=due)
    # The technologies section labels evidence as the digest does: backfill is not "new".
    worded = {i.id: novelty_of(i, novelty.get(i.id, "new"), ref.as_of, config.settings.ranking) for i in found}
    keep = None if ics.single else (lambda ids: store_scopes.tech_visible(store, ics, ids))
    digest = with_technologies(store, digest, found, worded, ref.as_of, keep)
    directory, feed = folders(ref, ics)
    paths = engine.step("publish-digest", publish)(
        store, digest, directory, config.settings.top_n, feed, base_url=config.settings.public_base_url,
        sample=ref.sample, formats=ref.formats, leave=engine.leave)
    delivery = DeliveryConfig() if ref.sample else load_delivery(ics.directory)  # a sample is never sent
    delivered, problem = send(store, digest, delivery, ref.resend, engine.attempt)
    result = {**summary(digest, paths, delivered, problem, store=shown_url(ref.store_url)), "ics": ics.id}
    if problem is None and ref.since is None:
        store.set_meta_value(STATE_KEY.format(key=key, week=ref.week), json.dumps({"state": state, "summary": result}))
    return IcsDone(result, digest)


def overview_client(ref: DigestRef, config, engine: Engine) -> HttpClient:
    """The polite client for NICE guidance pages: the run's settings, the hosts' limits (not the sample's)."""
    return HttpClient(config.settings.http, throttle=None if ref.sample else host_throttle(engine.throttle,
                                                                                          config.settings.http))


def folders(ref: DigestRef, ics: Ics) -> tuple[Path, Path | None]:
    """Where the files go, and the running feed of recent digests (none for a one-off ``--out``)."""
    root = ics.output_root(ref.sample)
    if ref.out:
        return (Path(ref.out) if ics.single else Path(ref.out) / ics.id), None
    return root / ref.week, root / "feed.atom"


def model_dir(ics: Ics, store_url: str) -> str | None:
    """A lone ICS keeps the usual model cache; each of several gets its own folder in it (per store)."""
    from flows.training_job import ics_model_dir

    return None if ics.single else ics_model_dir(ics, store_url)


def run_state(ref: DigestRef, ics: Ics, label_ids: list[int], due: list[RegisterEntry]) -> str:
    """A hash of what the digest shows besides the items: priorities, settings, labels, register reminders."""
    doc = {"priorities": ics.config.priorities.model_dump(mode="json"), "title": ics.title,
           "settings": ics.config.settings.model_dump(mode="json"), "out": ref.out, "labels": label_ids,
           "due": [asdict(e) for e in due],
           "failed": sorted(r.name for r in ref.reports if not r.ok)}
    return hashlib.sha256(json.dumps(doc, sort_keys=True, default=str).encode()).hexdigest()[:20]


def reusable(store: Store, key: str, week: str, state: str, since: date | None) -> dict | None:
    """This week's published summary, if nothing it was made from has changed and its files are there."""
    if since is not None:
        return None
    when = published_at(store, key, week)
    saved = store.meta_value(STATE_KEY.format(key=key, week=week))
    if when is None or saved is None or news_since(store, when):
        return None
    doc = json.loads(saved)
    if doc.get("state") != state or not all(Path(p).exists() for p in doc["summary"]["files"]):
        return None
    return doc["summary"]


def kept(saved: dict, ref: DigestRef) -> dict:
    """The published digest's summary, with this run's fetch counts: what was fetched now, shown now."""
    shown = {k: v for k, v in saved["counts"].items() if k.startswith(("digest/", "dropped/"))}
    return {**saved, "counts": dict(sorted({**ref.counts, **shown}.items())), "delivered": [], "kept": True}
