"""Shared fixtures: recorded responses, a config directory pointed at a local server, Prefect."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest
import yaml

# Never touch the developer's Prefect profile or an API they configured.
os.environ["PREFECT_HOME"] = tempfile.mkdtemp(prefix="horizon-test-prefect-")
os.environ.pop("PREFECT_API_URL", None)
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ.pop("HORIZON_STORE_URL", None)
# Models trained by tests (and by servers they start) never touch the user's model cache.
os.environ["HORIZON_MODEL_DIR"] = tempfile.mkdtemp(prefix="horizon-test-models-")

from tests.helpers import DEFAULTS, Inbox, free_port


@pytest.fixture
def write_config(tmp_path):
    """Write a config directory: the default priorities, given sources, fast test settings."""

    def write(sources: dict, **settings: object) -> Path:
        directory = tmp_path / "config"
        directory.mkdir(exist_ok=True)
        shutil.copy(DEFAULTS / "priorities.yaml", directory / "priorities.yaml")
        (directory / "sources.yaml").write_text(yaml.safe_dump({"sources": sources}))
        base = {
            "store_url": f"sqlite:///{tmp_path / 'store.db'}",
            "http": {"retries": 0, "backoff": 0, "source_retries": 0, "source_retry_delay": 0,
                     "connect_timeout": 2, "read_timeout": 5},
        }
        base.update(settings)
        (directory / "settings.yaml").write_text(yaml.safe_dump(base))
        return directory

    return write


@pytest.fixture(scope="session")
def prefect_harness():
    """One temporary Prefect API for the whole session: starting one costs ~15 s."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=300):  # a busy CI machine is slow to start it
        yield


@pytest.fixture(scope="session")
def postgres_database():
    """One fresh PostgreSQL database for the session (skipped, with the reason, without a server)."""
    from tests import pg

    url = pg.create_database()
    yield url
    pg.drop_database(url)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request, tmp_path):
    """A URL for an empty store on each backend: a SQLite file, and a PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    from tests import pg

    url = request.getfixturevalue("postgres_database")
    pg.reset_schema(url)
    return url.render_as_string(hide_password=False)


@pytest.fixture
def smtp():
    """A real local SMTP server (aiosmtpd): its controller, and the inbox it fills."""
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, inbox
    controller.stop()
