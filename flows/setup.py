"""Everything a run needs before any work starts: validated config, scanners, store, clock.

Config and source settings are validated here, so a mistake is one line before
anything is fetched. In sample mode the recorded responses are served locally
and the sample's own sources.yaml replaces the configured one.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from datetime import date, datetime, time, timedelta

import yaml

from flows.deadline import RunDeadline

import scanners
from flows.limits import HostThrottle
from flows.tasks import VALIDATORS_KEY
from horizon.config import Config, load_config
from horizon.errors import HorizonError, OutputError
from horizon.http import HttpClient, Validators
from horizon.pipeline import LONDON, digest_key, iso_week, latest_update, today_in_london
from horizon.replay import SAMPLE_DIR, replay_server, sample_manifest
from horizon.store import Store
from outputs.delivery import DeliveryConfig, load_delivery

DEFAULT_STORE = "sqlite:///horizon.db"
SAMPLE_STORE = "sqlite:///horizon-sample.db"  # sample items never mix with the real store


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


def check(config_dir: str | None, sample: bool = False, out: str | None = None) -> None:
    """Validate the configuration and open the store without fetching anything.

    The CLI calls this before Prefect starts, so a bad setting, a missing store
    directory, an unwritable output directory or a store from a newer schema is
    one line, with nothing begun.
    """
    config = load_config(config_dir)
    if not sample:
        load_delivery(config.directory)
        scanners.build(config, HttpClient(config.settings.http))
    check_writable(output_root(config, out))
    Store(store_url(config, sample)).close()


def output_root(config: Config, out: str | None) -> Path:
    """Where this run writes: ``--out``, or ``output_dir`` (week folders and the running feed)."""
    return Path(out) if out else Path(config.settings.output_dir)


def check_writable(directory: Path) -> None:
    """Make sure files can be written in ``directory`` (creating it), before any fetching starts."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=directory, prefix=".horizon-write-check-"):
            pass
    except OSError as err:
        raise OutputError(f"{directory}: output directory is not writable ({err.strerror or type(err).__name__}); "
                          "fix its permissions, or set output_dir in settings.yaml or --out") from err


def store_url(config: Config, sample: bool) -> str:
    """The store of this run. A sample run never touches a configured store, only its own
    (``HORIZON_SAMPLE_STORE_URL``, default ``horizon-sample.db`` in the working directory)."""
    if sample:
        return os.environ.get("HORIZON_SAMPLE_STORE_URL") or SAMPLE_STORE
    return config.settings.store_url or DEFAULT_STORE


def shown_url(url: str) -> str:
    """A store URL fit for a summary or an artifact: no password, a SQLite file as an absolute path."""
    from sqlalchemy.engine import make_url

    try:
        parsed = make_url(url)
    except Exception:  # noqa: BLE001 - Store() has already refused a bad URL with its own message
        return "<store_url>"
    if parsed.drivername.startswith("sqlite") and parsed.database and parsed.database != ":memory:":
        return f"sqlite:///{Path(parsed.database).resolve()}"
    return parsed.render_as_string(hide_password=True)


@contextmanager
def open_run(config_dir: str | None, sample: bool, only: list[str] | None = None,
             overrides: dict[str, dict] | None = None, query: str | None = None,
             out: str | None = None) -> Iterator[Run]:
    """Load and validate everything, then yield a ready ``Run``; cleans up whatever happens.

    With ``query`` (an ad-hoc scan), each source searches for it in its own syntax.
    Requests to each host are rate-limited by Prefect (see ``flows/limits.py``),
    except in sample mode, where they go to the local replay server.
    """
    config = load_config(config_dir)
    deadline = RunDeadline(config.settings.run_deadline)
    delivery = DeliveryConfig() if sample else load_delivery(config.directory)  # a sample is never sent
    if query is None:
        check_writable(output_root(config, out))  # found now, not after every source was fetched
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
        http = HttpClient(config.settings.http, throttle=deadline.gate(None if sample else HostThrottle()))
        http.time_left = deadline.remaining
        stack.callback(http.close)
        found = scanners.build(config, http, only)  # validates every source's settings first
        url = store_url(config, sample)
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
    would have been a week earlier; its digest is recorded without writing files.
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
        for scanner in scanners.build(history, http, only=recorded):
            result = scanner.scan(as_of - timedelta(days=scanner.settings.lookback_days))
            if result.error:
                raise HorizonError(f"bundled sample is broken: {scanner.source}: {result.error}")
            mark = latest_update(result.items)
            store.upsert(result.items, now=then, watermark=(scanner.source, mark) if mark else None)
    store.record_digest(key, iso_week(as_of), "(sample history: no files)", [], now=then)


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
