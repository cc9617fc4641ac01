"""Throwaway PostgreSQL databases for tests, on the server named by HORIZON_TEST_POSTGRES_URL.

`.ci/start-postgres` starts a local server and writes that variable to `.ci/env`.
Without it, PostgreSQL tests are skipped with this reason, never silently.
"""

from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy.engine import URL, make_url

ENV = "HORIZON_TEST_POSTGRES_URL"
SKIP_REASON = f"no PostgreSQL server: set {ENV} (run .ci/start-postgres, then `. .ci/env`)"


def server_url() -> URL | None:
    value = os.environ.get(ENV)
    return make_url(value) if value else None


def _admin(url: URL):
    import psycopg

    try:
        return psycopg.connect(host=url.host, port=url.port or 5432, user=url.username, password=url.password,
                               dbname=url.database or "postgres", autocommit=True, connect_timeout=10)
    except psycopg.OperationalError as err:
        pytest.fail(f"{ENV} is set but PostgreSQL does not answer: {err}")


def create_database(prefix: str = "horizon_test") -> URL:
    """A fresh, empty database on the test server; skips the test if there is no server."""
    url = server_url()
    if url is None:
        pytest.skip(SKIP_REASON)
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with _admin(url) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return url.set(database=name)


def drop_database(url: URL) -> None:
    server = server_url()
    assert server is not None
    with _admin(server) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)')


def reset_schema(url: URL) -> None:
    """Empty a test database between tests: cheaper than a new database each time."""
    with _admin(url) as conn:
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")
