"""Training jobs in the store: retraining is queued, claimed by one worker at a time, and recorded.

A job moves queued -> running -> done or failed. ``claim`` takes the oldest queued job
under the store's "training" lock and only when no other job is running, so two
processes (the workspace and a weekly run) never train at once. A job whose worker
died stays "running" until it is older than ``STALE_AFTER``; then it is marked failed.
Reads return ``TrainingJob`` records, their times aware (UTC).
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import JSON, Boolean, Column, DateTime, Float, Integer, String, Table, Text, func, select

from horizon import migrations
from horizon.store import Store, judgements, metadata, utcnow
from horizon.store_base import as_utc

JOB_STATES: tuple[str, ...] = ("queued", "running", "done", "failed")
ACTIVE = ("queued", "running")
STALE_AFTER = timedelta(hours=1)  # far beyond a training run (under two minutes on a loaded machine)

training_jobs = Table(
    "training_jobs", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("state", String(16), nullable=False, index=True),
    Column("requested_by", String(100), nullable=False),
    Column("reason", String(200), nullable=False),
    Column("requested_at", DateTime(timezone=True), nullable=False),
    Column("judgements_seen", Integer, nullable=False),  # judgements in the store when it was asked for
    Column("started_at", DateTime(timezone=True)),
    Column("finished_at", DateTime(timezone=True)),
    Column("worker", String(200)),  # host:pid that ran it
    Column("trained", Boolean),  # False: the model already had these labels; nothing was fitted
    Column("labels", Integer),  # reviewer labels used
    Column("items", Integer),  # labelled texts used
    Column("f1_before", Float),
    Column("f1_after", Float),
    Column("error", Text),
    Column("report", JSON),
)


@dataclass(frozen=True, slots=True)
class TrainingJob:
    """One retrain asked for: who asked and why, where it got to, and (once done) what it trained on."""

    id: int
    state: str
    requested_by: str
    reason: str
    requested_at: datetime
    judgements_seen: int
    started_at: datetime | None = None
    finished_at: datetime | None = None
    worker: str | None = None
    trained: bool | None = None  # False: the model already had these labels; nothing was fitted
    labels: int | None = None
    items: int | None = None
    f1_before: float | None = None
    f1_after: float | None = None
    error: str | None = None
    report: dict | None = None


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def request(store: Store, by: str, reason: str, judgements_seen: int, now: datetime | None = None) -> int:
    """Queue a retrain, or return the job already queued (one queued job covers every new label)."""
    with store.engine.begin() as conn:
        migrations.exclusive(conn, "training")
        queued = conn.execute(select(training_jobs.c.id).where(training_jobs.c.state == "queued")
                              .order_by(training_jobs.c.id).limit(1)).scalar()
        if queued is not None:
            return queued
        inserted = conn.execute(training_jobs.insert(), {
            "state": "queued", "requested_by": by, "reason": reason[:200], "requested_at": now or utcnow(),
            "judgements_seen": judgements_seen})
        return int(inserted.inserted_primary_key[0])  # type: ignore[index]  # always set for one insert


def claim(store: Store, worker: str | None = None, now: datetime | None = None) -> TrainingJob | None:
    """Mark the oldest queued job running and return it; None if none is queued or one is running."""
    now = now or utcnow()
    if not _any_queued(store):  # a cheap read first: most polls find nothing to do
        return None
    with store.engine.begin() as conn:
        migrations.exclusive(conn, "training")
        for row in conn.execute(select(training_jobs).where(training_jobs.c.state == "running")).all():
            if as_utc(row.started_at) > now - STALE_AFTER:
                return None
            conn.execute(training_jobs.update().where(training_jobs.c.id == row.id).values(
                state="failed", finished_at=now, error=f"abandoned: worker {row.worker} stopped before finishing"))
        job_id = conn.execute(select(training_jobs.c.id).where(training_jobs.c.state == "queued")
                              .order_by(training_jobs.c.id).limit(1)).scalar()
        if job_id is None:
            return None
        conn.execute(training_jobs.update().where(training_jobs.c.id == job_id).values(
            state="running", started_at=now, worker=(worker or worker_name())[:200]))
    return job(store, job_id)


def finish(store: Store, job_id: int, report: Mapping, now: datetime | None = None) -> None:
    """Record a finished job: what it trained on and how F1 moved."""
    values = {k: report.get(k) for k in ("trained", "labels", "items", "f1_before", "f1_after")}
    with store.engine.begin() as conn:
        conn.execute(training_jobs.update().where(training_jobs.c.id == job_id).values(
            state="done", finished_at=now or utcnow(), report=json.loads(json.dumps(dict(report), default=str)),
            **values))


def fail(store: Store, job_id: int, error: str, now: datetime | None = None) -> None:
    with store.engine.begin() as conn:
        conn.execute(training_jobs.update().where(training_jobs.c.id == job_id).values(
            state="failed", finished_at=now or utcnow(), error=error[:2000]))


def job(store: Store, job_id: int) -> TrainingJob | None:
    with store.engine.connect() as conn:
        row = conn.execute(select(training_jobs).where(training_jobs.c.id == job_id)).first()
    return _row(row) if row else None


def jobs(store: Store, limit: int = 20) -> list[TrainingJob]:
    """The latest jobs, newest first."""
    with store.engine.connect() as conn:
        rows = conn.execute(select(training_jobs).order_by(training_jobs.c.id.desc()).limit(limit)).all()
    return [_row(r) for r in rows]


def active(store: Store) -> TrainingJob | None:
    """The running job, else the oldest queued one, else None."""
    with store.engine.connect() as conn:
        rows = conn.execute(select(training_jobs).where(training_jobs.c.state.in_(ACTIVE))
                            .order_by(training_jobs.c.id)).all()
    rows = sorted(rows, key=lambda r: (r.state != "running", r.id))
    return _row(rows[0]) if rows else None


def last_judgements_seen(store: Store) -> int:
    """Judgements in the store when the latest job was asked for (0 before any job)."""
    with store.engine.connect() as conn:
        return conn.execute(select(func.max(training_jobs.c.judgements_seen))).scalar() or 0


def judgement_count(store: Store) -> int:
    with store.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(judgements)).scalar_one()


def _any_queued(store: Store) -> bool:
    with store.engine.connect() as conn:
        return conn.execute(select(training_jobs.c.id).where(training_jobs.c.state == "queued").limit(1)).first() \
            is not None


def _row(row) -> TrainingJob:
    out = dict(row._mapping)
    for key in ("requested_at", "started_at", "finished_at"):
        out[key] = as_utc(out[key]) if out[key] else None
    out["report"] = json.loads(out["report"]) if isinstance(out["report"], str) else out["report"]
    return TrainingJob(**out)

