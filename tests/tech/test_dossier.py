"""The dossier in Markdown and HTML: the facts a board paper needs, and hostile text inert in both."""

from __future__ import annotations

import re
from datetime import timedelta

from horizon.tech.dossier_data import dossier, summary
from tests.tech.conftest import NOW, item

HOSTILE_TITLE = '<img src=x onerror=alert(1)> [click](javascript:alert(2)) **HeartFlow**'


def hostile_store(store, techs):
    store.upsert([item("health-press:evil", "news", HOSTILE_TITLE, "<script>alert(3)</script>")
                  .model_copy(update={"url": "javascript:alert(4)"})], now=NOW)
    techs.decide("heartflow-ffrct", "health-press:evil", "confirmed", by="rob", now=NOW)
    techs.decide("heartflow-ffrct", "nice:MTG32", "confirmed", by="rob", now=NOW)
    techs.update("heartflow-ffrct", notes="<b>notes</b> | pipe", outcome="fewer angiograms")
    techs.set_stage("heartflow-ffrct", "piloting", by="rob", why="<i>board</i> agreed", now=NOW + timedelta(days=1))
    return dossier(techs, techs.get("heartflow-ffrct"))


def test_markdown_dossier_has_profile_timeline_and_history_with_hostile_text_inert(store, techs):
    from outputs.dossier import markdown

    text = markdown(hostile_store(store, techs))
    assert text.startswith("# HeartFlow FFRCT\n")
    assert "**NICE medical technologies guidance 2026; no trials; no safety notices; 1 news item**" in text
    assert "| 1 | 0 | 0 | 0 | 1 |" in text  # guidance, trials, safety, literature, news
    assert "| piloting | rob | &lt;i>board&lt;/i> agreed |" in text  # "<" as an entity: no tag can start
    assert "<img" not in text and "<script" not in text
    assert not re.search(r"\]\((?!https?://)", text)  # every link target is http(s)
    assert "\\[click\\]\\(javascript:alert\\(2\\)\\)" in text  # shown as text, not a link
    assert "[HeartFlow FFRCT for estimating" in text and "(https://example.org/nice/MTG32)" in text
    assert "**Outcome:** fewer angiograms" in text


def test_html_dossier_escapes_everything_and_links_only_http(store, techs):
    from outputs.dossier import html

    page = html(hostile_store(store, techs))
    assert "<img src=x" not in page and "<script>" not in page and 'href="javascript' not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert '<a href="https://example.org/nice/MTG32">' in page
    assert "&lt;i&gt;board&lt;/i&gt; agreed" in page and "&lt;b&gt;notes&lt;/b&gt;" in page
    assert "<h2>Stage history</h2>" in page


def test_the_list_line_counts_evidence_by_kind(store, techs):
    hostile_store(store, techs)
    line = summary(techs, techs.get("heartflow-ffrct"))
    assert line == {"id": "heartflow-ffrct", "name": "HeartFlow FFRCT", "stage": "piloting",
                    "areas": ["cardiovascular"],
                    "evidence": {"guidance": 1, "trials": 0, "safety": 0, "literature": 0, "news": 1},
                    "items": ["health-press:evil", "nice:MTG32"]}


def test_both_dossiers_name_publishers_phase_and_status_in_words(store, techs):
    from outputs.dossier import html, markdown

    techs.decide("derm", "ctgov:NCT06654999", "confirmed", by="rob", now=NOW)
    techs.decide("derm", "health-press:skin-ai", "confirmed", by="rob", now=NOW)
    made = dossier(techs, techs.get("derm"))
    for text in (markdown(made), html(made)):
        assert "ClinicalTrials.gov · " in text and "recruiting · UK sites" in text and "Health press" in text
        assert "RECRUITING" not in text and "ctgov ·" not in text and "health-press)" not in text
    assert "Trials by phase and status: recruiting: 1" in markdown(made)
