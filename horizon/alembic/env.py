"""Alembic's environment: run by ``horizon.migrations`` inside the store's locked transaction.

The connection always comes from ``config.attributes["connection"]`` (Alembic never
opens its own), so a migration runs in the transaction that holds the store's lock.
Importing this module (as the architecture test does) runs nothing.
"""

from __future__ import annotations

from alembic import context

from horizon.migrations import run_env

if __name__ != "horizon.alembic.env":  # Alembic loads this file under its own module name
    run_env(context)
