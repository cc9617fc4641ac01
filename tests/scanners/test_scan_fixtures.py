"""Walk every saved response: each file's README row says where it came from and what it must yield."""

from __future__ import annotations

import json
import re

import pytest

import scanners
from horizon.errors import MalformedResponse
from scanners import saved as saved_response
from scanners.pubmed import parse_search
from tests.scanners.scanfix import FIXTURES, make

ROW = re.compile(r"^\| `(?P<file>[^`]+)` \| (?P<scanner>[\w-]+) \| (?P<provenance>.+?) \| (?P<yields>.+) \|$")
TOKEN = re.compile(r'(\w+(?:-\w+)*)=("[^"]*"|\S+)')


def rows() -> list[dict[str, str]]:
    lines = (FIXTURES / "README.md").read_text(encoding="utf-8").splitlines()
    return [m.groupdict() for line in lines if (m := ROW.match(line))]


def expected(yields: str) -> dict[str, str]:
    return {k: v.strip('"') for k, v in TOKEN.findall(yields)}


def headers_of() -> dict[str, dict[str, str]]:
    """Response headers by body file, from each ``.response.json`` (the format ``horizon fetch --save`` writes)."""
    out = {}
    for meta in FIXTURES.rglob(f"*{saved_response.SUFFIX}"):
        response = saved_response.load(meta)
        body = meta.parent / json.loads(meta.read_text(encoding="utf-8"))["body"]
        out[str(body.relative_to(FIXTURES))] = response.headers
    return out


def test_every_saved_response_has_a_row():
    listed = {r["file"] for r in rows()}
    on_disk = {str(p.relative_to(FIXTURES)) for p in FIXTURES.rglob("*")
               if p.is_file() and p.name != "README.md" and p.suffix != ".jsonl" and not saved_response.is_saved(p)}
    assert on_disk == listed
    assert set(headers_of()) <= listed


@pytest.mark.parametrize("row", rows(), ids=lambda r: r["file"])
def test_a_saved_response_yields_what_its_note_says(row):
    raw = (FIXTURES / row["file"]).read_bytes()
    want = expected(row["yields"])
    assert want, f"no expectation for {row['file']}"
    if row["scanner"] == "pubmed-esearch":
        if "error" in want:
            with pytest.raises(MalformedResponse) as err:
                parse_search(raw)
            assert err.value.reason.startswith(want["error"])
        else:
            ids, total = parse_search(raw)
            assert (len(ids), total) == (int(want["ids"]), int(want["total"]))
        return
    scanner = make(scanners.get(row["scanner"]), "http://unused")
    if "error" in want:
        with pytest.raises(MalformedResponse) as err:
            scanner.parse(raw)
        assert err.value.source == row["scanner"] and err.value.reason.startswith(want["error"])
        return
    headers = headers_of().get(row["file"])
    parsed = scanner.parse(raw) if headers is None else scanner.parse_response(raw, headers)
    assert len(parsed.items) == int(want["items"])
    if "first" in want:
        assert parsed.items[0].id == want["first"]
    if "skipped" in want:
        reason, n = want["skipped"].rsplit(":", 1)
        assert parsed.skipped[reason] == int(n)
    else:
        assert not +parsed.skipped
    assert parsed.next_page == want.get("next")
