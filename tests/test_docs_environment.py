"""The production guide names every HORIZON_* variable the program reads, and says what it does.

A worker's environment decides the store, the model folder and the secrets of every run
it starts; a variable the guide does not mention is one an operator cannot set on purpose.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).parents[1]
PACKAGES = ("apps", "classifiers", "flows", "horizon", "outputs", "scanners", "steps")
READ = re.compile(r"""(?:environ\.get\(|environ\[|getenv\(|envvar=)\s*["'](HORIZON_[A-Z_]+)["']""")


def variables_read() -> set[str]:
    found: set[str] = set()
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            found |= set(READ.findall(path.read_text(encoding="utf-8")))
    return found


def test_every_variable_the_program_reads_is_in_the_production_guide():
    names = variables_read()
    assert {"HORIZON_STORE_URL", "HORIZON_MODEL_DIR", "HORIZON_SECRET_KEY"} <= names  # the scan finds them
    guide = (ROOT / "docs" / "production.md").read_text(encoding="utf-8")
    section = guide.split("### Environment", 1)[1].split("\n### ", 1)[0] if "### Environment" in guide else ""
    missing = sorted(n for n in names if f"`{n}`" not in section)
    assert not missing, f"not in docs/production.md's Environment section: {missing}"


def test_no_doc_says_the_environment_overrides_a_configured_store():
    # horizon/config.py: HORIZON_STORE_URL only fills in a configuration that names no store_url.
    for path in [ROOT / "README.md", *(ROOT / "docs").glob("*.md")]:
        text = " ".join(path.read_text(encoding="utf-8").split())
        assert not re.search(r"HORIZON_STORE_URL`? overrides", text), path.name
