"""The plug-in registries: every scanner and writer registered once, a duplicate name refused."""

from __future__ import annotations

import sys

import pytest

import outputs
import scanners
from horizon.registry import collect


def test_each_registry_finds_its_plugins_by_their_own_names():
    assert set(scanners.REGISTRY) == {"ctgov", "isrctn", "nice", "govuk", "pubmed", "medrxiv", "rss"}
    assert set(outputs.REGISTRY) == {"html", "md", "text", "csv", "xlsx", "json", "atom"}
    assert all(cls.name == name for name, cls in scanners.REGISTRY.items())


def test_two_plugins_with_one_name_fail_at_import(tmp_path, monkeypatch):
    package = tmp_path / "plugins"
    package.mkdir()
    (package / "__init__.py").write_text("class Base:\n    pass\n")
    for module in ("first", "second"):
        (package / f"{module}.py").write_text("from plugins import Base\n\nclass P(Base):\n    name = 'same'\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    base = __import__("plugins").Base
    try:
        with pytest.raises(ImportError, match="two plugins have name 'same': plugins.first and plugins.second"):
            collect("plugins", ("first", "second"), base, "name")
        assert list(collect("plugins", ("first",), base, "name")) == ["same"]
    finally:
        for name in ("plugins", "plugins.first", "plugins.second"):
            sys.modules.pop(name, None)
