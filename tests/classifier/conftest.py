"""One model fitted on the bundled labels, shared by the whole session (fitting takes seconds)."""

from __future__ import annotations

import pytest

from classifiers import AreaClassifier, persist
from classifiers.training import train, training_set
from horizon.config import load_config


@pytest.fixture(scope="session")
def priorities():
    return load_config().priorities


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory, priorities):
    path = tmp_path_factory.mktemp("model")
    train(priorities, training_set(priorities), path, cv=None)
    return path


@pytest.fixture(scope="session")
def classifier(model_dir, priorities) -> AreaClassifier:
    return AreaClassifier(priorities, persist.load(model_dir, priorities)[0])


@pytest.fixture
def use_model(monkeypatch, model_dir):
    """Point the CLI at the session model instead of the user's cache."""
    monkeypatch.setenv("HORIZON_MODEL_DIR", str(model_dir))
    return model_dir
