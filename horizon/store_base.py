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


def _insert_for(engine: Engine):
    """The dialect's INSERT, which has ``on_conflict_do_update`` on both SQLite and PostgreSQL."""
    return postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert


def _check(value: str, allowed: Sequence[str], what: str) -> None:
    if value not in allowed:
        raise StoreError(f"unknown {what} '{value}'; valid: {', '.join(allowed)}")


def _json(value):
    return json.loads(value) if isinstance(value, str) else value


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def store_label(url: str) -> str:
    """The URL without its password."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - never let a malformed URL (or its password) into an error message
        return "<store_url>"
