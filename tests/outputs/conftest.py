"""Fixtures for the output tests; the golden digest itself lives in golden.py."""

from __future__ import annotations

import pytest

from horizon.digest import Digest
from tests.outputs.golden import TREND, make_digest


@pytest.fixture
def digest() -> Digest:
    """The golden digest, with twelve weeks of trend data."""
    return make_digest(trend=TREND)
