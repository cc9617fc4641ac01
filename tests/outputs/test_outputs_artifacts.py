"""Prefect artifact payloads: valid keys, escaped Markdown, rows the UI can show."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

import outputs
from outputs.artifacts import artifact_key, build
from tests.outputs.golden import IMG

KEY = re.compile(r"^[a-z0-9-]+$")


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        (("weekly",), "weekly"),
        (("Weekly Digest", "2026-W48"), "weekly-digest-2026-w48"),
        (("__",), "digest"),
        (("ctgov/fetched: 412!",), "ctgov-fetched-412"),
        (("x" * 300,), "x" * 100),
    ],
)
def test_artifact_key_is_valid(parts, expected):
    assert artifact_key(*parts) == expected and KEY.match(expected)


def test_build_gives_valid_keys_and_escaped_markdown(tmp_path, digest):
    files = outputs.write(digest, tmp_path / "2026-W48", formats=("html", "json"))
    built = build(digest, files)
    keys = [a.key for a in [*built.markdown, *built.tables, *built.links]]
    assert all(KEY.match(k) for k in keys) and len(set(keys)) == len(keys)
    summary = built.markdown[0].markdown
    assert "4 items \\(3 new, 1 changed\\)" in summary and "timed out after 3 attempts" in summary
    assert "<img" not in summary and "&lt;img src=x onerror=alert\\(1\\)>" in summary
    assert "[Artificial intelligence-derived" in summary and "(https://www.nice.org.uk/guidance/dg61)" in summary
    entries = built.tables[0].table
    assert [r["rank"] for r in entries] == [1, 2, 3, 4] and entries[0]["url"] == "https://www.nice.org.uk/guidance/dg61"
    assert next(r for r in entries if r["title"].endswith("Asthma inhaler recall"))["url"] == ""
    assert built.tables[1].table[-1] == {
        "source": "nice",
        "ok": False,
        "fetched": 0,
        "error": "timed out after 3 attempts " + IMG,
    }
    assert [link.link for link in built.links] == [p.resolve().as_uri() for p in files]
    published = build(digest, files, base_url="https://ics.example.nhs.uk/digests/")
    assert published.links[0].link == "https://ics.example.nhs.uk/digests/2026-W48/digest.html"


def test_outputs_import_neither_prefect_nor_sklearn():
    code = (
        "import sys, outputs, outputs.artifacts, outputs.delivery; "
        "print(sorted(m for m in ('prefect', 'sklearn', 'flows', 'scanners', 'classifiers') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
