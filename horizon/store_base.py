"""What every part of the store shares: the one ``metadata`` all tables join, and small helpers.

Kept apart from ``horizon/store.py`` so the modules holding the tables and their
operations (``store_items``, ``store_runs``, ``store_workspace``) can import it without
importing the ``Store`` facade they are part of.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import MetaData
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine

from horizon.errors import StoreError

metadata = MetaData()


def utcnow() -> datetime:
    return datetime.now(UTC)


def insert_for(engine: Engine):
    """The dialect's INSERT, which has ``on_conflict_do_update`` on both SQLite and PostgreSQL."""
    return postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert


def check_choice(value: str, allowed: Sequence[str], what: str) -> None:
    """Refuse a value outside ``allowed`` in one line that lists the valid ones."""
    if value not in allowed:
        raise StoreError(f"unknown {what} '{value}'; valid: {', '.join(allowed)}")


def from_json(value):
    """A JSON column's value: SQLite's driver hands back text, PostgreSQL's the decoded value."""
    return json.loads(value) if isinstance(value, str) else value


def as_utc(value: datetime) -> datetime:
    """A stored time as UTC-aware (SQLite hands back naive datetimes)."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def store_label(url: str) -> str:
    """The URL without its password."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - never let a malformed URL (or its password) into an error message
        return "<store_url>"
