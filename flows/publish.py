"""Publishing a digest: write every format, record it in the store, leave Prefect artifacts, deliver.

Files are written first (atomically) and the digest recorded, so a delivery
failure never loses them: it is retried, then reported. Each channel is sent at
most once per digest (``horizon/store_delivery.py``) unless a re-send is asked for.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from prefect import task
from prefect.artifacts import create_link_artifact, create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE

import outputs
from horizon import store_delivery
from horizon.digest import Digest
from horizon.errors import DeliveryError
from horizon.progress import report
from horizon.store import Store
from outputs import artifacts
from outputs.atom import update_feed
from outputs.delivery import DeliveryConfig, channels, deliver_one, recipients


@task(name="publish-digest", cache_policy=NO_CACHE)
def publish(store: Store, digest: Digest, directory: Path, top_n: int, feed: Path | None = None,
            record: bool = True, base_url: str | None = None, sample: bool = False) -> list[Path]:
    """Write the digest in every format, record it and its items, and create artifacts.

    ``feed`` is the running Atom feed of recent digests that readers subscribe to.
    An ad-hoc scan passes ``record=False``: it is not a digest of the series, so it
    must not become the workspace's latest digest or the next digest's cutoff.
    ``base_url`` is where the output directory is published (``public_base_url``);
    a ``sample`` run's artifacts form their own series.
    """
    paths = outputs.write(digest, directory, outputs.FORMATS, top_n=top_n)
    if feed is not None:
        paths.append(update_feed(feed, digest))
    ranked = [(e.item.id, e.score, e.classification.areas) for e in digest.entries]
    if record:
        store.record_digest(digest.key, digest.week, str(directory), ranked, now=digest.generated,
                            classifications=[e.classification for e in digest.entries])
    root = feed.parent if feed is not None else directory
    made = artifacts.build(digest, paths, base_url=base_url, root=root,
                           series=artifacts.artifact_key("sample", digest.key) if sample else None)
    for md in made.markdown:
        create_markdown_artifact(md.markdown, key=md.key, description=md.description)
    for table in made.tables:
        create_table_artifact(table.table, key=table.key, description=table.description)
    for link in made.links:
        create_link_artifact(link.link, link_text=link.link_text, key=link.key, description=link.description)
    report(f"published {len(digest.entries)} entries to {directory}")
    return paths


@task(name="deliver", cache_policy=NO_CACHE)
def send_channel(store: Store, digest: Digest, delivery: DeliveryConfig, channel: str,
                 resend_after: datetime | None = None) -> bool:
    """Send the digest on one channel unless the store says it went already; True if sent now.

    Each channel is its own task run, so Prefect's retry of a failed webhook never
    re-sends the e-mail; the store's record makes a re-run of the week just as safe.
    """
    claim = store_delivery.claim(store, digest.key, digest.week, channel, recipients(delivery, channel),
                                 resend_after=resend_after)
    if claim is None:
        report(f"{channel}: already sent for {digest.week}; use --resend to send it again")
        return False
    try:
        deliver_one(digest, delivery, channel)
    except DeliveryError as err:
        store_delivery.finish(store, claim, ok=False, detail=str(err))
        raise
    store_delivery.finish(store, claim, ok=True)
    report(f"delivered by {channel}")
    return True


def send(store: Store, digest: Digest, delivery: DeliveryConfig, resend: bool = False) -> tuple[list[str], str | None]:
    """Every configured channel, each retried alone; returns the channels sent now and what failed."""
    resend_after = datetime.now(UTC) if resend else None
    sent, problems = [], []
    for channel in channels(delivery):
        task = send_channel.with_options(name=f"deliver-{channel}", retries=delivery.retries,
                                         retry_delay_seconds=delivery.retry_delay)
        state = task(store, digest, delivery, channel, resend_after, return_state=True)
        if state.is_completed():
            if state.result():
                sent.append(channel)
        else:
            problems.append(str(state.result(raise_on_failure=False)))
    if problems:
        done = f" (sent: {', '.join(sent)})" if sent else ""
        return sent, "; ".join(problems) + done + "; the digest files are written and unaffected"
    return sent, None


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


_PUBLISHED: list[dict] = []  # the summaries of digests this process published, oldest first


def published_since(mark: int | None = None) -> Any:
    """With no ``mark``: a mark for now. With one: the newest summary published since it, or None.

    The CLI uses it to tell a published digest from a failed run when Prefect raises
    at the very end of a flow (the digest is whole by then).
    """
    if mark is None:
        return len(_PUBLISHED)
    return _PUBLISHED[-1] if len(_PUBLISHED) > mark else None


def summary(digest: Digest, paths: list[Path], delivered: list[str], delivery_error: str | None,
            store: str | None = None) -> dict:
    """What the flow returns: enough for the CLI's closing lines and for scripts (``store``: where it went)."""
    done = {
        "store": store,
        "week": digest.week,
        "entries": len(digest.entries),
        "files": [str(p) for p in paths],
        "failed_sources": {s.name: s.error for s in digest.summary.failed},
        "counts": digest.summary.counts,
        "delivered": delivered,
        "delivery_error": delivery_error,
    }
    _PUBLISHED.append(done)
    return done
