"""The run summary a reader sees names sources as publishers, not by their configuration ids.

The full counters (behind "Every source and counter") keep the ids a maintainer looks up
in sources.yaml; the sentences, the failed-source warning and the notes use names.
"""

from __future__ import annotations

import html
import re

import pytest

import outputs
from horizon.digest import RunSummary, SourceReport
from tests.outputs.golden import make_digest

NOTES = ("hin-news: stopped after 50 pages of /feed/ with more to come; raise max_pages to read them all",
         "nice: NICE Syndication API skipped: set NICE_API_KEY to use it", "mirror: an unknown source keeps its name",
         "Store: sqlite:///horizon.db.")


def _digest():
    digest = make_digest()
    summary = RunSummary(counts=digest.summary.counts, notes=NOTES, sources=(
        *digest.summary.sources, SourceReport(name="mhra-safety", ok=False, error="HTTP 503 after 3 attempts")))
    return digest.model_copy(update={"summary": summary})


def _outside_details(page: str) -> str:
    """What a reader sees without opening anything: the page's text, details elements removed."""
    page = re.sub(r"<details.*?</details>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


@pytest.mark.parametrize("fmt", ["html", "md", "text"])
def test_sentences_failures_and_notes_name_publishers(fmt):
    rendered = outputs.get(fmt)().render(_digest()).decode()
    seen = _outside_details(rendered) if fmt == "html" else re.sub(r"\\(.)", r"\1", rendered)
    seen = " ".join(seen.split())
    assert "Health Innovation Network: stopped after 50 pages" in seen
    assert "NICE: NICE Syndication API skipped" in seen
    assert "mirror: an unknown source keeps its name" in seen and "Store: sqlite:///horizon.db." in seen
    assert "2 failed (NICE, MHRA)." in seen  # the run summary's sentence
    assert re.search(r"Some sources failed:\**\s*NICE \(timed out", seen)  # the warning at the top
    if fmt == "html":  # the ids stay for the maintainer, one click away
        for code in ("hin-news:", "nice:", "mhra-safety", "(nice"):
            assert code not in seen, code
        assert ">mhra-safety<" in rendered


def test_json_keeps_the_notes_as_the_run_gave_them_and_the_sentences_in_words():
    doc = outputs.get("json")().render(_digest()).decode()
    assert "hin-news: stopped after 50 pages" in doc and "2 failed (NICE, MHRA)." in doc
