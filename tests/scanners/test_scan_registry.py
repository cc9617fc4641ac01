"""Every registered scanner has saved responses, tests and a default source (the registry is the list)."""

from __future__ import annotations

from pathlib import Path

import pytest

import scanners
from horizon.config import load_config
from tests.scanners.scanfix import FIXTURES

TESTS = Path(__file__).parents[1]


@pytest.mark.parametrize("name", sorted(scanners.REGISTRY))
def test_a_scanner_has_fixtures_tests_and_a_default_source(name):
    assert any((FIXTURES / name).iterdir()), f"no saved responses in tests/scanners/fixtures/{name}/"
    assert list(TESTS.rglob(f"test_*{name}*.py")), f"no test module for {name}"
    defaults = load_config().sources
    assert any((raw.get("scanner") or key) == name for key, raw in defaults.items()), f"{name} not in sources.yaml"


def test_every_default_source_validates_against_its_scanner():
    for key, raw in load_config().sources.items():
        _cls, settings = scanners.settings_for(key, raw)
        assert settings.base_url.startswith("https://"), key
