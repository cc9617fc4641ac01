"""The import rules of docs/architecture.md, checked with ``ast`` so they cannot silently erode.

The core (``horizon``) imports no stage; each stage imports only the core; the
flows compose the stages; the applications sit on top. No module over 300 lines.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MAY_IMPORT = {
    "horizon": set(),
    "scanners": {"horizon"},
    "classifiers": {"horizon"},
    "steps": {"horizon"},
    "outputs": {"horizon"},
    "flows": {"horizon", "scanners", "classifiers", "steps", "outputs"},
    "apps": {"horizon", "scanners", "classifiers", "steps", "outputs", "flows"},
}
MODULES = sorted(p for layer in MAY_IMPORT for p in (ROOT / layer).rglob("*.py"))


def imported(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_each_module_imports_only_the_layers_below_it(path):
    layer = path.relative_to(ROOT).parts[0]
    upward = (imported(path) & set(MAY_IMPORT)) - MAY_IMPORT[layer] - {layer}
    assert not upward, f"{layer} may not import {', '.join(sorted(upward))} (see docs/architecture.md)"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_module_is_over_300_lines(path):
    assert len(path.read_text(encoding="utf-8").splitlines()) <= 300


def test_every_module_imports_cleanly():
    """A name dropped from a module breaks only its importers, often in a flow no fast test imports."""
    names = [".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__") for p in MODULES]
    script = "import importlib, sys\nfor name in sys.argv[1:]:\n    importlib.import_module(name)\n"
    done = subprocess.run([sys.executable, "-c", script, *names], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
