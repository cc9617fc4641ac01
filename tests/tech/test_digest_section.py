"""The digest opens with tracked technologies' new evidence and stage reviews due, in every reading format."""

from __future__ import annotations

from datetime import date

from horizon.digest import AreaInfo, Classification, Digest, Entry, Factors
from horizon.tech.digest_section import with_technologies
from horizon.tech.link import link_batch
from outputs.html import HtmlWriter
from outputs.markdown import MarkdownWriter
from outputs.text import TextWriter
from tests.tech.conftest import ITEMS, NOW

HEADING = "Technologies you track: new evidence this week"


def digest_for(store, techs, keep=None) -> Digest:
    link_batch(techs, ITEMS, now=NOW, suggest=False, propose=False)
    techs.update("derm", next_review=date(2026, 11, 20), owner="Planned care")
    entry = Entry(item=ITEMS[1], classification=Classification(item_id=ITEMS[1].id, scores={"cardiovascular": 0.9},
                                                                 areas=("cardiovascular",)),
                  factors=Factors(relevance=1, area_weight=1, impact=1, uk=1, recency=1, novelty=1))
    base = Digest(title="Horizon scan", week="2026-W48", generated=NOW, entries=(entry,),
                  areas=(AreaInfo(id="cardiovascular", name="Cardiovascular disease", description="Hearts"),))
    novelty = {i.id: "new" for i in ITEMS} | {"nice:MTG32": "changed"}
    return with_technologies(store, base, ITEMS, novelty, as_of=date(2026, 11, 23), keep=keep)


def test_sections_say_what_arrived_from_where_and_the_stage(store, techs):
    digest = digest_for(store, techs)
    arrived = [(t.name, t.stage, [(e.item_id, e.kind, e.source, e.novelty) for e in t.arrived]) for t in digest.tracked]
    assert arrived == [
        ("HeartFlow FFRCT", "signal", [("nice:MTG32", "guidance", "nice", "changed"),
                                       ("nhse-news:3d-heart", "news", "nhse-news", "new")]),
        ("DERM", "signal", [("ctgov:NCT06654999", "trials", "ctgov", "new")])]
    assert digest.tracked[0].readiness == ("NICE medical technologies guidance 2026; no trials; no safety notices; "
                                           "1 news item, 1 on adoption")
    assert [(d.name, d.owner, d.next_review) for d in digest.tech_due] == [("DERM", "Planned care", date(2026, 11, 20))]
    assert digest.entries[0].technologies == ("HeartFlow FFRCT",)


def test_one_ics_of_several_shows_only_the_technologies_it_tracks(store, techs):
    """The ICS's records (``store_scopes.tech_visible``): another ICS's DERM is not its news, review or name."""
    digest = digest_for(store, techs, keep=lambda ids: {i for i in ids if i != "derm"})
    assert [t.name for t in digest.tracked] == ["HeartFlow FFRCT"] and digest.tech_due == ()
    assert digest.entries[0].technologies == ("HeartFlow FFRCT",)
    none = digest_for(store, techs, keep=lambda ids: set())
    assert none.tracked == () and none.tech_due == () and none.entries[0].technologies == ()


def test_every_reading_format_opens_with_the_technologies_then_safety_then_reviews_due(store, techs):
    """The digest opens with tracked technologies (issue 13), then safety notices (on the first screen too, issue 14),
    then stage reviews due, and only then the area counts and the top items."""
    digest = digest_for(store, techs)
    md = MarkdownWriter().render(digest).decode()
    txt = TextWriter().render(digest).decode()
    page = HtmlWriter().render(digest).decode()
    for text, safety, heading, due, top in (
            (md, "## Safety notices in your areas", HEADING, "## Stage reviews due", "## Top 1 this week"),
            (txt, "SAFETY NOTICES IN YOUR AREAS", HEADING.upper(), "STAGE REVIEWS DUE", "TOP 1 THIS WEEK"),
            (page, ">Safety notices in your areas<", HEADING, ">Stage reviews due<", ">Top 1 this week<")):
        assert heading in text and due in text
        assert text.index(heading) < text.index(safety) < text.index(due) < text.index(top)
        assert "Technology: HeartFlow FFRCT" in text


def test_no_tracked_technologies_leaves_the_digest_as_it_was(store):
    base = Digest(title="Horizon scan", week="2026-W48", generated=NOW, areas=())
    assert with_technologies(store, base, ITEMS, {}, as_of=date(2026, 11, 23)) == base
    assert HEADING not in MarkdownWriter().render(base).decode()


def test_evidence_is_named_in_words_not_source_ids(store, techs):
    """Issue 14's "words, not codes" holds in the technologies section too."""
    digest = digest_for(store, techs)
    for text in (MarkdownWriter().render(digest).decode(), TextWriter().render(digest).decode(),
                 HtmlWriter().render(digest).decode()):
        text = " ".join(text.split())  # the text digest wraps its lines
        assert "guidance, NICE, changed" in text and "news, NHS England, new" in text
        assert "trial, ClinicalTrials.gov, new" in text
        assert "nhse-news, new" not in text and "trials, ctgov" not in text


def test_the_analysts_formats_name_the_technology_of_each_entry_too(store, techs, tmp_path):
    """JSON, CSV, XLSX and Atom: an entry about a tracked technology names it, as the reading formats do."""
    import csv
    import io
    import json

    import jsonschema
    from openpyxl import load_workbook

    import outputs
    from outputs.json import schema

    techs.add("=HoloScan", ["3D heart scans"], now=NOW)  # a formula-like name stays text in a spreadsheet
    digest = digest_for(store, techs)
    digest = digest.model_copy(update={"entries": tuple(e.model_copy(update={"kind": "news"}) for e in digest.entries)})
    render = {fmt: outputs.get(fmt)().render(digest) for fmt in ("json", "csv", "xlsx", "atom")}
    doc = json.loads(render["json"])
    jsonschema.validate(doc, schema())
    assert doc["entries"][0]["technologies"] == ["=HoloScan", "HeartFlow FFRCT"]
    [row] = csv.DictReader(io.StringIO(render["csv"].decode("utf-8-sig")))
    assert row["technologies"] == "'=HoloScan; HeartFlow FFRCT"
    sheet = load_workbook(io.BytesIO(render["xlsx"])).worksheets[0]
    header = [c.value for c in next(sheet.iter_rows(max_row=1))]
    cell = next(sheet.iter_rows(min_row=2, max_row=2))[header.index("technologies")]
    assert cell.value == "'=HoloScan; HeartFlow FFRCT" and cell.data_type == "s"
    assert "Technologies: =HoloScan, HeartFlow FFRCT" in render["atom"].decode()
    from outputs.atom import update_feed

    feed = update_feed(tmp_path / "feed.atom", digest).read_text()  # the running feed: one entry a week
    assert "Technologies you track with new evidence: HeartFlow FFRCT, =HoloScan, DERM" in feed


def test_a_hostile_technology_name_is_inert_in_every_reading_format(store, techs):
    """Reviewers name technologies in the workspace; a name is untrusted text like any item's title."""
    techs.add('<img src=x onerror=alert(1)> [x](javascript:alert(2))', ["3D heart scans"], now=NOW)
    techs.set_stage('img-src-x-onerror-alert-1-x-javascript-alert-2', "piloting", by="<b>rob</b>", now=NOW)
    digest = digest_for(store, techs)
    md = MarkdownWriter().render(digest).decode()
    page = HtmlWriter().render(digest).decode()
    txt = TextWriter().render(digest).decode()
    assert "<img" not in md and "](javascript:" not in md and "\\[x\\]\\(javascript:alert\\(2\\)\\)" in md
    assert "<img" not in page and 'href="javascript' not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "<img src=x onerror=alert(1)> [x](javascript:alert(2))" in txt  # plain text shows it as it is


def test_the_opening_section_stays_short_so_safety_stays_on_the_first_screen():
    """At most three pieces of evidence per technology; in HTML, technologies past the fourth are folded."""
    from horizon.digest import TechEvidence, TechNews

    def news(n: int, items: int) -> TechNews:
        return TechNews(tech_id=f"t{n}", name=f"Technology {n}", stage="signal", readiness="no NICE guidance",
                        arrived=tuple(TechEvidence(item_id=f"x:{n}-{i}", title=f"Evidence {n}.{i}", source="ctgov",
                                                   kind="trials") for i in range(items)))

    digest = Digest(title="Horizon scan", week="2026-W48", generated=NOW, areas=(),
                    tracked=(news(1, 5), *(news(n, 1) for n in range(2, 7))))
    md = MarkdownWriter().render(digest).decode()
    assert "Evidence 1.2" in md and "Evidence 1.3" not in md and "…and 2 more in this digest" in md
    assert "### Technology 6" in md  # Markdown has no fold: every technology, briefly
    page = HtmlWriter().render(digest).decode()
    opened, folded = page.split("2 more technologies with new evidence: Technology 5, Technology 6</summary>")
    assert "Technology 4 <span" in opened and "Technology 5 <span" not in opened
    assert "Technology 5 <span" in folded and folded.index("</details>") < folded.index("Safety notices in your areas")
