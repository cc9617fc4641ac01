"""Retracted evidence says so wherever a technology's evidence is shown, not only in the digest's entries.

The record is PubMed's real one for PMID 9500320 (retracted, with an expression of concern).
"""

from __future__ import annotations

import pytest

from horizon.digest import Digest
from horizon.tech.digest_section import with_technologies
from horizon.tech.dossier_data import dossier
from outputs.dossier import html, markdown
from outputs.html import HtmlWriter
from outputs.markdown import MarkdownWriter
from outputs.text import TextWriter
from scanners.pubmed import Pubmed
from tests.scanners.scanfix import make, saved
from tests.tech.conftest import NOW

WARNING = "RETRACTED, EXPRESSION OF CONCERN: Ileal-lymphoid-nodular hyperplasia"


@pytest.fixture
def retracted(store, techs):
    (paper,) = make(Pubmed, "http://unused").parse(saved("pubmed", "efetch_retracted_thirdparty.xml")).items
    store.upsert([paper], now=NOW)
    techs.decide("heartflow-ffrct", paper.id, "confirmed", by="rob", now=NOW)
    return paper


def test_the_tracked_technology_section_flags_a_retracted_paper_in_every_reading_format(store, techs, retracted):
    base = Digest(title="Horizon scan", week="2026-W48", generated=NOW, entries=(), areas=())
    digest = with_technologies(store, base, [retracted], {retracted.id: "new"}, as_of=NOW.date())
    assert [e.item_id for t in digest.tracked for e in t.arrived] == [retracted.id]
    for writer in (MarkdownWriter(), TextWriter(), HtmlWriter()):
        shown = " ".join(writer.render(digest).decode().split())
        assert WARNING in shown, type(writer).__name__


def test_the_dossier_flags_a_retracted_paper_in_both_formats(techs, retracted):
    record = dossier(techs, techs.get("heartflow-ffrct"))
    for text in (markdown(record), html(record)):
        assert WARNING in " ".join(text.split())
