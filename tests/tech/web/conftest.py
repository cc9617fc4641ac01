"""The workspace's fixtures (a seeded store, the app, signed-in clients), with tracked technologies added."""

from __future__ import annotations

import pytest

from horizon.store import Store
from horizon.store_tech import Technologies
from horizon.tech.link import link_batch
from tests.web.conftest import (  # noqa: F401 - the workspace fixtures, used here by name
    anonymous,
    app,
    bundled_model,
    client_for,
    config,
    config_dir,
    model_dir,
)
from tests.web.seed import ITEMS, seed
from tests.web.test_browser import browser  # noqa: F401 - the headless Chromium fixture

EVIL = '<script>alert("x")</script>'


@pytest.fixture
def store(config):  # noqa: F811 - the imported fixture, requested by name
    """The workspace's seeded store, tracking FeNO testing and DERM, linked by alias and similarity."""
    workspace_store = Store(config.settings.store_url)
    workspace_store.digest_id = seed(config, workspace_store)
    techs = Technologies(workspace_store)
    techs.add("FeNO testing", ["FeNO"], kind="diagnostic", areas=["respiratory"])
    techs.add("DERM", ["Skin Analytics"], kind="ai", areas=["dermatology"],
              description=f"AI triage of skin lesions referred on the suspected skin cancer pathway {EVIL}")
    link_batch(techs, ITEMS, propose=False)
    yield workspace_store
    workspace_store.close()
