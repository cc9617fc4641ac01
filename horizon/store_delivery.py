"""Which digest went out on which channel: so a retry or a re-run never sends it twice.

One row per attempt (digest key and week, channel, recipients, time, outcome). A
channel is *claimed* in one locked transaction before it is sent, so two runs of
the same week cannot both send it; a claim left by a crashed run expires after
``STALE_CLAIM`` and the channel may be tried again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Column, DateTime, Integer, String, Table, Text, select, update

from horizon import migrations
from horizon.store import Store, metadata, utcnow
from horizon.store_base import as_utc

SENDING, SENT, FAILED = "sending", "sent", "failed"
STALE_CLAIM = timedelta(minutes=15)  # longer than any channel's timeout and retries

deliveries = Table(
    "deliveries", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("digest_key", String(100), nullable=False, index=True),
    Column("week", String(10), nullable=False),
    Column("channel", String(32), nullable=False),
    Column("recipients", Text, nullable=False),  # addresses, or the webhook's variable name: never a secret
    Column("at", DateTime(timezone=True), nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("detail", Text, nullable=False),  # the redacted reason of a failure
)


@dataclass(frozen=True)
class Delivery:
    """One attempt to send a digest on a channel."""

    id: int
    digest_key: str
    week: str
    channel: str
    recipients: str
    at: datetime
    outcome: str
    detail: str


def claim(store: Store, key: str, week: str, channel: str, recipients: str, resend_after: datetime | None = None,
          now: datetime | None = None) -> int | None:
    """Reserve ``channel`` for this digest; None if it was already sent (or is being sent).

    ``resend_after`` (a deliberate ``--resend``) ignores sends before that time.
    """
    now = now or utcnow()
    with store.engine.begin() as conn:
        migrations.exclusive(conn, "deliveries")
        rows = conn.execute(select(deliveries.c.outcome, deliveries.c.at).where(
            deliveries.c.digest_key == key, deliveries.c.week == week, deliveries.c.channel == channel,
            deliveries.c.outcome.in_((SENT, SENDING)))).all()
        for outcome, at in rows:
            at = as_utc(at)
            if resend_after is not None and at < resend_after:
                continue
            if outcome == SENT or now - at < STALE_CLAIM:
                return None
        return conn.execute(deliveries.insert(), {  # type: ignore[index]
            "digest_key": key, "week": week, "channel": channel, "recipients": recipients, "at": now,
            "outcome": SENDING, "detail": ""}).inserted_primary_key[0]


def finish(store: Store, claim_id: int, ok: bool, detail: str = "", now: datetime | None = None) -> None:
    """Record how a claimed send ended; a failure frees the channel for the next try."""
    with store.engine.begin() as conn:
        conn.execute(update(deliveries).where(deliveries.c.id == claim_id).values(
            outcome=SENT if ok else FAILED, detail=detail[:500], at=now or utcnow()))


def history(store: Store, key: str | None = None, week: str | None = None) -> list[Delivery]:
    """Every attempt, oldest first (of one digest series and week when given)."""
    query = select(deliveries).order_by(deliveries.c.id)
    if key is not None:
        query = query.where(deliveries.c.digest_key == key)
    if week is not None:
        query = query.where(deliveries.c.week == week)
    with store.engine.connect() as conn:
        return [Delivery(**{**r._mapping, "at": as_utc(r.at)}) for r in conn.execute(query)]

