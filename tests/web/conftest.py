"""Fixtures for the workspace tests: a seeded temporary store, the app, signed-in clients."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from apps.workspace import create_app
from horizon.config import DEFAULT_DIR, load_config
from horizon.store import Store
from horizon.store_jobs import TrainingJob
from tests.web.seed import PASSWORDS, seed


@pytest.fixture(scope="session")
def bundled_model(tmp_path_factory) -> Path:
    """The zero-reviewer-label model, trained once per session (the seed classifies with it)."""
    from classifiers import load_classifier

    directory = tmp_path_factory.mktemp("bundled-model")
    saved = os.environ.get("HORIZON_MODEL_DIR")
    os.environ["HORIZON_MODEL_DIR"] = str(directory)  # load_classifier trains into the default folder when empty
    try:
        load_classifier(load_config(DEFAULT_DIR).priorities)
    finally:
        os.environ.pop("HORIZON_MODEL_DIR") if saved is None else os.environ.__setitem__("HORIZON_MODEL_DIR", saved)
    return directory


@pytest.fixture(autouse=True)
def model_dir(tmp_path: Path, bundled_model: Path, monkeypatch) -> Path:
    """Each test's own copy of the saved model: a retrain in one test never leaks into another."""
    directory = tmp_path / "model"
    shutil.copytree(bundled_model, directory)
    monkeypatch.setenv("HORIZON_MODEL_DIR", str(directory))
    return directory


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    """A config directory (the bundled priorities and sources) whose store is a temporary SQLite file."""
    directory = tmp_path / "config"
    directory.mkdir()
    for name in ("priorities.yaml", "sources.yaml"):
        shutil.copy(DEFAULT_DIR / name, directory / name)
    # Two folds: a retrain's cross-validation costs three fits, not six, on a shared test machine.
    (directory / "settings.yaml").write_text(f"store_url: sqlite:///{tmp_path / 'horizon.db'}\n"
                                             "workspace:\n  cv_folds: 2\n")
    return directory


@pytest.fixture
def config(config_dir: Path, monkeypatch):
    monkeypatch.delenv("HORIZON_STORE_URL", raising=False)
    monkeypatch.delenv("HORIZON_SECRET_KEY", raising=False)
    return load_config(config_dir)


@pytest.fixture
def store(config):
    store = Store(config.settings.store_url)
    store.digest_id = seed(config, store)
    yield store
    store.close()


@pytest.fixture
def app(config, store):
    return create_app(config, store=store, run_jobs=False)  # tests run training jobs themselves


@pytest.fixture
def anonymous(app):
    with TestClient(app, follow_redirects=False) as client:
        yield client


def sign_in(client: TestClient, name: str) -> TestClient:
    page = client.get("/login")
    token = csrf_of(page.text)
    response = client.post("/login", data={"csrf": token, "name": name, "password": PASSWORDS[name], "next": "/"})
    assert response.status_code == 303, response.text
    return client


def run_queued_jobs(store, config) -> list[TrainingJob]:
    """Run every queued training job here, as the workspace's runner thread would; the finished jobs."""
    from flows.training_job import run_job
    from horizon import store_jobs

    done = []
    while (job := store_jobs.claim(store)) is not None:
        done.append(run_job(store, config, job))
    return done


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


@contextmanager
def signed_in_clients(app) -> Iterator[Callable[[str], TestClient]]:
    """A function giving a client signed in as the named user; every client is closed afterwards."""
    clients: list[TestClient] = []

    def make(name: str) -> TestClient:
        client = TestClient(app, follow_redirects=False)
        client.__enter__()
        clients.append(client)
        return sign_in(client, name)

    try:
        yield make
    finally:
        for client in clients:
            client.__exit__(None, None, None)


@pytest.fixture
def client_for(app):
    """A function giving a client signed in as the named seed user."""
    with signed_in_clients(app) as make:
        yield make
