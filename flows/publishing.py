"""Publishing a digest, as plain Python: write every format, record it in the store, deliver once.

Files are written first (atomically) and the digest recorded, so a delivery failure
never loses them: it is retried, then reported. Each channel is sent at most once per
digest (``horizon/store_delivery.py``) unless a re-send is asked for. How a step is
retried, and whether Prefect artifacts are left, is the engine's (``flows/engine.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import outputs
from horizon import store_delivery
from horizon.digest import Digest
from horizon.errors import DeliveryError
from horizon.progress import report
from horizon.store import Store
from outputs import artifacts
from outputs.atom import update_feed
from outputs.delivery import DeliveryConfig, channels, deliver_one, recipients

# (name, step, retries, delay, *args) -> (True, value) or (False, the error once retries are spent)
Attempt = Callable[..., tuple[bool, Any]]


def publish(store: Store, digest: Digest, directory: Path, top_n: int, feed: Path | None = None,
            record: bool = True, base_url: str | None = None, sample: bool = False,
            formats: Sequence[str] | None = None,
            leave: Callable[[artifacts.Artifacts], None] | None = None) -> list[Path]:
    """Write the digest in every format (or ``formats``), record it and its items, and leave artifacts.

    ``feed`` is the running Atom feed of recent digests that readers subscribe to.
    An ad-hoc scan passes ``record=False``: it is not a digest of the series, so it
    must not become the workspace's latest digest or the next digest's cutoff.
    ``leave`` is the engine's way to leave artifacts (Prefect's); ``base_url`` is where
    the output directory is published (``public_base_url``); a ``sample`` run's artifacts
    form their own series.
    """
    paths = outputs.write(digest, directory, outputs.FORMATS if formats is None else formats, top_n=top_n)
    if feed is not None:
        paths.append(update_feed(feed, digest))
    ranked = [(e.item.id, e.score, e.classification.areas) for e in digest.entries]
    if record:
        store.record_digest(digest.key, digest.week, str(directory), ranked, now=digest.generated,
                            classifications=[e.classification for e in digest.entries])
    if leave is not None:
        root = feed.parent if feed is not None else directory
        leave(artifacts.build(digest, paths, base_url=base_url, root=root,
                              series=artifacts.artifact_key("sample", digest.key) if sample else None))
    report(f"published {len(digest.entries)} entries to {directory}")
    return paths


def send_channel(store: Store, digest: Digest, delivery: DeliveryConfig, channel: str,
                 resend_after: datetime | None = None) -> bool:
    """Send the digest on one channel unless the store says it went already; True if sent now.

    Each channel is its own attempt, so a retry of a failed webhook never re-sends the
    e-mail; the store's record makes a re-run of the week just as safe.
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


def send(store: Store, digest: Digest, delivery: DeliveryConfig, resend: bool,
         attempt: Attempt) -> tuple[list[str], str | None]:
    """Every configured channel, each retried alone; returns the channels sent now and what failed."""
    resend_after = datetime.now(UTC) if resend else None
    sent, problems = [], []
    for channel in channels(delivery):
        ok, value = attempt(f"deliver-{channel}", send_channel, delivery.retries, delivery.retry_delay,
                            store, digest, delivery, channel, resend_after)
        if not ok:
            problems.append(str(value))
        elif value:
            sent.append(channel)
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
    """What a run returns: enough for the CLI's closing lines and for scripts (``store``: where it went)."""
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
