"""Fixtures for the output tests; the golden digest itself lives in outputs_golden.py."""

from __future__ import annotations

import pytest
from outputs_golden import TREND, make_digest

from horizon.digest import Digest


@pytest.fixture
def digest() -> Digest:
    """The golden digest, with twelve weeks of trend data."""
    return make_digest(trend=TREND)
