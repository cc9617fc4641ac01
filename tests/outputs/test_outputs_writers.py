"""Every registered writer renders the golden digest and carries what a reader needs."""

from __future__ import annotations

import csv
import html
import io
import json
import re
from datetime import UTC, date, datetime
from pathlib import Path

import feedparser
import openpyxl
import pytest

import outputs
from horizon.errors import OutputError, UnknownName
from outputs.base import write_atomic
from tests.outputs.golden import FORMULA, IMG, JS_LINK, SCRIPT, make_digest

NICE_TITLE = "Artificial intelligence-derived software to analyse chest X-rays for suspected lung cancer"
AF_TITLE = "Screening for atrial fibrillation with a smartwatch in over-65s (SAFER-Watch)"
COMMON = ["2026-W48", NICE_TITLE, AF_TITLE, "https://www.nice.org.uk/guidance/dg61", "0.798"]
RUN_SUMMARY = ["timed out after 3 attempts", "dropped/no-area", "ctgov/fetched"]
# People read words, not codes: publisher names, plain phase and status, area names.
READABLE = ["relevance 0.84", "Atrial fibrillation", "chest x-ray", "status: recruiting → completed",
            "Phase 3, completed", "ClinicalTrials.gov, ISRCTN registry", "UK sites", "sponsor University of Oxford (academic)"]
SENTENCES = ["3 sources checked, 1 failed (NICE).", "37 items matched no priority area.",
             "ISRCTN registry: 2 malformed records skipped."]
RAW = ["RECRUITING", "COMPLETED"]
# What each format must carry beyond COMMON; a new writer must be added here.
EXPECTS = {
    "html": RUN_SUMMARY + READABLE + SENTENCES + ["Top 4 this week", "Run summary", "Safety notices in your areas"],
    "md": RUN_SUMMARY + READABLE + SENTENCES + ["Top 4 this week", "Run summary", "Safety notices in your areas"],
    "text": RUN_SUMMARY + READABLE + SENTENCES + ["TOP 4 THIS WEEK", "RUN SUMMARY", "SAFETY NOTICES IN YOUR AREAS"],
    "csv": RAW + ["factor_relevance", "score_asthma", "isrctn:ISRCTN11223344", "University of Oxford",
                  "Phase 3, completed", "ClinicalTrials.gov; ISRCTN registry", "Atrial fibrillation", "academic"],
    "xlsx": RAW + RUN_SUMMARY + ["factor_relevance", "score_asthma", "isrctn:ISRCTN11223344", "University of Oxford",
                                 "Phase 3, completed", "Atrial fibrillation"],
    "json": RAW + RUN_SUMMARY + SENTENCES + ["isrctn:ISRCTN11223344", "University of Oxford", "chest x-ray"],
    "atom": READABLE[:1] + READABLE[3:6] + ["tag:", "chest x-ray"],
}


def readable(fmt: str, data: bytes) -> str:
    """The text a person or program reads out of a rendered file, markup removed."""
    if fmt == "xlsx":
        book = openpyxl.load_workbook(io.BytesIO(data))
        return "\n".join(
            str(c) for sheet in book for row in sheet.iter_rows(values_only=True) for c in row if c is not None
        )
    text = data.decode("utf-8-sig")
    if fmt == "json":
        return json.dumps(json.loads(text), ensure_ascii=False)
    if fmt == "md":
        text = re.sub(r"\\(.)", r"\1", text)
    return html.unescape(text)


def test_registry_lists_every_format():
    assert set(outputs.FORMATS) == set(EXPECTS)
    assert len({cls.filename for cls in outputs.REGISTRY.values()}) == len(outputs.REGISTRY)


@pytest.mark.parametrize("fmt", outputs.FORMATS)
def test_writer_renders_golden_digest(fmt, digest):
    text = " ".join(readable(fmt, outputs.get(fmt)().render(digest)).split())  # undo line wrapping
    missing = [s for s in COMMON + EXPECTS[fmt] if s not in text]
    assert not missing, f"{fmt} lacks {missing}"


@pytest.mark.parametrize("fmt", outputs.FORMATS)
def test_writer_renders_empty_digest(fmt):
    empty = make_digest(entries=(), failed=False)
    text = readable(fmt, outputs.get(fmt)().render(empty))
    if fmt in ("csv", "xlsx"):  # a header row and nothing else
        assert "factor_relevance" in text and "NCT05123456" not in text
    else:
        assert "2026-W48" in text and "NCT05123456" not in text and "SAFER" not in text
    if fmt in ("html", "md", "text"):
        assert "Nothing new matched a priority area" in text and "No safety notices in your priority areas" in text


@pytest.mark.parametrize("fmt", outputs.FORMATS)
def test_writer_rejects_unknown_option(fmt):
    with pytest.raises(OutputError, match=rf"{fmt} writer: unknown option 'colour'; valid options: "):
        outputs.get(fmt)(colour="blue")


def test_writer_rejects_invalid_option_value():
    with pytest.raises(OutputError, match="html writer: top_n: input should be greater than or equal to 1, got 0"):
        outputs.get("html")(top_n=0)


def test_unknown_format_lists_available():
    with pytest.raises(UnknownName, match="unknown output format 'pdf'; available: html, md, text"):
        outputs.write(make_digest(), "unused", formats=["html", "pdf"])


def test_write_routes_options_and_rejects_unwanted(tmp_path, digest):
    paths = outputs.write(digest, tmp_path, formats=("html", "md", "csv"), top_n=1)
    assert [p.name for p in paths] == ["digest.html", "digest.md", "digest.csv"]
    assert "Also in Asthma" in (tmp_path / "digest.html").read_text()
    assert "Also in Asthma" in (tmp_path / "digest.md").read_text()
    assert [p.name for p in outputs.write(digest, tmp_path, formats="json, csv")] == ["digest.json", "digest.csv"]
    outputs.write(digest, tmp_path, formats=("html", "md", "text"), top_n=1, also_max=0)
    for name in ("digest.html", "digest.md", "digest.txt"):
        assert "…and 1 more: every entry is in the CSV, XLSX and JSON digests" in (tmp_path / name).read_text(), name
    with pytest.raises(
        OutputError,
        match="unknown option 'indent' for formats html, md; valid options: also_max, email, full_url, summary_chars, top, "
              "top_n",
    ):
        outputs.write(digest, tmp_path, formats=("html", "md"), indent=4)


def test_write_is_atomic_and_leaves_no_temp_files(tmp_path, digest):
    first = outputs.write(digest, tmp_path / "2026-W48")
    again = outputs.write(digest, tmp_path / "2026-W48")
    assert first == again
    assert sorted(p.name for p in (tmp_path / "2026-W48").iterdir()) == sorted(p.name for p in first)
    blocker = tmp_path / "digest.html"
    blocker.mkdir()
    (blocker / "keep").write_text("x")
    with pytest.raises(OutputError, match="digest.html: cannot write"):
        write_atomic(blocker, b"<html>")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["2026-W48", "digest.html"]


def test_write_to_unwritable_place_is_one_line_error(tmp_path, digest):
    (tmp_path / "file").write_text("x")
    with pytest.raises(OutputError, match="cannot write digest files"):
        outputs.write(digest, tmp_path / "file" / "sub", formats=["json"])


def _tags(markup: str) -> list[tuple[str, dict[str, str | None]]]:
    from html.parser import HTMLParser

    found: list[tuple[str, dict[str, str | None]]] = []

    class Collect(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append((tag, dict(attrs)))

    Collect().feed(markup)
    return found


def _assert_inert(markup: str) -> None:
    tags = _tags(markup)
    names = {t for t, _ in tags}
    assert not names & {"script", "img", "iframe", "object", "embed", "link", "form", "style", "base"}, names
    for tag, attrs in tags:
        assert not [a for a in attrs if a.startswith("on")], (tag, attrs)
        for key in ("href", "src", "action"):
            if key in attrs:
                assert re.match(r"https?://|#area-", attrs[key] or ""), (tag, attrs)


def test_html_escapes_hostile_text_and_drops_unsafe_links(digest):
    page = outputs.get("html")().render(digest).decode()
    _assert_inert(page)
    assert html.escape(SCRIPT, quote=False) in page
    assert 'href="javascript' not in page.lower()
    hostile = [line for line in page.splitlines() if "Asthma inhaler recall" in line]
    assert hostile and all("<a " not in line for line in hostile)  # no safe link, so shown unlinked
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


def test_html_is_self_contained_and_email_safe(digest):
    page = outputs.get("html")().render(digest).decode()
    assert "<style" not in page and "<script" not in page and "url(" not in page
    assert not [attrs for _, attrs in _tags(page) if "src" in attrs]  # nothing fetched on open
    assert 'name="viewport"' in page and 'lang="en-GB"' in page
    assert re.search(r"<h1[^>]*>", page) and len(re.findall(r"<h2 id=\"area-", page)) == 3


def test_markdown_hostile_text_is_inert_when_rendered(digest):
    from markdown_it import MarkdownIt

    source = outputs.get("md")().render(digest).decode()
    rendered = MarkdownIt("commonmark", {"html": True}).enable("table").render(source)
    _assert_inert(rendered)
    assert IMG in html.unescape(rendered) and JS_LINK in html.unescape(rendered)  # shown as text
    assert "](javascript" not in source


def test_text_shows_hostile_text_verbatim_on_single_lines(digest):
    body = outputs.get("text")().render(digest).decode()
    assert IMG in body and SCRIPT in body
    assert "javascript:alert" not in "\n".join(line for line in body.splitlines() if line.strip().startswith("http"))
    assert not re.search(r"[\x00-\x09\x0b-\x1f\x7f]", body)


def test_atom_parses_without_bozo_and_ids_are_stable(digest):
    writer = outputs.get("atom")()
    first = feedparser.parse(writer.render(digest))
    rerun = digest.model_copy(update={"generated": datetime(2026, 11, 24, 9, 30, tzinfo=UTC)})
    second = feedparser.parse(writer.render(rerun))
    assert not first.bozo, first.get("bozo_exception")
    assert [e.id for e in first.entries] == [e.id for e in second.entries]
    assert len({e.id for e in first.entries}) == len(digest.entries)
    assert first.entries[0].id == "tag:nhs-ics.github.io,2026:weekly/2026-W48/nice:DG61"
    assert first.entries[0].link == "https://www.nice.org.uk/guidance/dg61"
    assert all(e.summary_detail.type == "text/plain" for e in first.entries)
    next_week = digest.model_copy(update={"week": "2026-W49"})
    assert not {e.id for e in first.entries} & {e.id for e in feedparser.parse(writer.render(next_week)).entries}


def test_atom_hostile_text_is_escaped(digest):
    from defusedxml import ElementTree

    raw = outputs.get("atom")().render(digest)
    root = ElementTree.fromstring(raw)
    assert b"<img" not in raw and b"<script" not in raw
    assert not [el for el in root.iter() if el.get("href", "").startswith("javascript")]
    hostile = next(e for e in feedparser.parse(raw).entries if e.id.endswith("rss:hostile-1"))
    assert IMG in hostile.summary and not hostile.get("links")


def test_atom_drops_characters_xml_forbids(digest):
    entry = digest.entries[0]
    bad = entry.model_copy(update={"item": entry.item.model_copy(update={"title": "bell\x07 and nul\x00 title"})})
    parsed = feedparser.parse(outputs.get("atom")().render(digest.model_copy(update={"entries": (bad,)})))
    assert not parsed.bozo and parsed.entries[0].title == "bell and nul title"


def test_csv_has_every_field_and_is_formula_safe(digest):
    data = outputs.get("csv")().render(digest)
    assert data.startswith(b"\xef\xbb\xbf")
    table = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert [r["id"] for r in table] == [e.item.id for e in digest.entries]
    row = table[[r["id"] for r in table].index("isrctn:ISRCTN99887766")]
    assert row["title"] == "'" + FORMULA
    assert row["summary"].startswith("'+cmd")
    assert row["conditions"] == "'-2+3; @SUM(1)"
    for r in table:
        assert not [v for v in r.values() if v[:1] in ("=", "+", "-", "@", "\t", "\r")], r
    hostile = table[[r["id"] for r in table].index("rss:hostile-1")]
    assert hostile["url"] == ""  # javascript: dropped
    assert table[0]["factor_relevance"] == "0.84" and table[0]["score"] == "0.798"


def test_xlsx_opens_with_right_rows_and_no_formulas(digest):
    book = openpyxl.load_workbook(io.BytesIO(outputs.get("xlsx")().render(digest)))
    assert book.sheetnames == ["Entries", "Run summary"]
    sheet = book["Entries"]
    values = list(sheet.iter_rows(values_only=True))
    header, body = values[0], values[1:]
    assert len(body) == len(digest.entries)
    assert [r[header.index("id")] for r in body] == [e.item.id for e in digest.entries]
    assert not [c.coordinate for row in sheet.iter_rows() for c in row if c.data_type == "f"]
    titles = [r[header.index("title")] for r in body]
    assert "'" + FORMULA in titles and FORMULA not in titles
    summary = list(book["Run summary"].iter_rows(values_only=True))
    assert ("nice", False, 0, "timed out after 3 attempts " + IMG) in summary


def test_xlsx_links_are_real_hyperlinks_and_dates_real_dates(digest):
    book = openpyxl.load_workbook(io.BytesIO(outputs.get("xlsx")().render(digest)))
    sheet = book["Entries"]
    header = [c.value for c in sheet[1]]
    url_col, published_col, seen_col = (header.index(n) + 1 for n in ("url", "published", "first_seen"))
    rows = {sheet.cell(r, header.index("id") + 1).value: r for r in range(2, sheet.max_row + 1)}
    nice = sheet.cell(rows["nice:DG61"], url_col)
    assert nice.hyperlink is not None and nice.hyperlink.target == "https://www.nice.org.uk/guidance/dg61"
    assert sheet.cell(rows["rss:hostile-1"], url_col).hyperlink is None  # javascript: is neither text nor link
    published = sheet.cell(rows["nice:DG61"], published_col)
    assert published.is_date and published.value.date() == date(2026, 11, 18)
    assert published.number_format == "yyyy-mm-dd"
    assert sheet.cell(rows["nice:DG61"], seen_col).value.date() == date(2026, 11, 23)
    assert sheet.cell(rows["isrctn:ISRCTN99887766"], header.index("area_names") + 1).value == \
        "Asthma; Early cancer diagnosis"


def test_json_matches_its_schema_and_is_html_embeddable(digest):
    import jsonschema

    data = outputs.get("json")().render(digest)
    doc = json.loads(data)
    jsonschema.Draft202012Validator(outputs.json.schema(), format_checker=jsonschema.FormatChecker()).validate(doc)
    assert b"<" not in data and b">" not in data
    assert doc["entries"][1]["changes"] == {"status": {"before": "RECRUITING", "after": "COMPLETED"}}
    assert [e["url"] for e in doc["entries"] if e["id"] == "rss:hostile-1"] == [""]
    assert doc["trend"]["asthma"][0] == {"week": "2026-W40", "count": 1}


def test_json_schema_rejects_a_wrong_document(digest):
    import jsonschema

    doc = json.loads(outputs.get("json")().render(digest))
    doc["entries"][0]["surprise"] = 1
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(doc, outputs.json.schema())


def test_trend_chart_drawn_only_with_history(digest):
    page = outputs.get("html")().render(digest).decode()
    svg = re.search(r"<svg.*?</svg>", page, re.S).group(0)
    assert svg.count("<polyline") == 2 and 'role="img"' in svg and "<title" in svg
    assert "Items per area, last 12 digests" in page
    none = outputs.get("html")().render(make_digest(trend={})).decode()
    assert "<svg" not in none and "Items per area" not in none


def test_json_docs_mention_every_field():
    doc = (Path(__file__).resolve().parents[2] / "docs" / "digest-json.md").read_text()
    spec = outputs.json.schema()
    names = [
        *spec["properties"],
        *spec["$defs"]["entry"]["properties"],
        *spec["$defs"]["entry"]["properties"]["extras"]["properties"],
    ]
    assert not [n for n in names if f"`{n}`" not in doc]


def test_outputs_docs_mention_every_format_and_option():
    doc = (Path(__file__).resolve().parents[2] / "docs" / "outputs.md").read_text()
    missing = [
        f"`{name}`"
        for fmt, cls in outputs.REGISTRY.items()
        for name in (fmt, cls.filename, *cls.Options.model_fields)
        if f"`{name}`" not in doc
    ]
    assert not missing


def test_running_feed_has_one_entry_per_digest_keeps_recent_weeks_and_replaces_reruns(tmp_path, digest):
    from outputs.atom import update_feed

    feed = tmp_path / "feed.atom"
    for week in ("2026-W46", "2026-W47", "2026-W48"):
        update_feed(feed, digest.model_copy(update={"week": week}), weeks=2)
    later = datetime(2026, 11, 24, tzinfo=UTC)
    rerun = digest.model_copy(update={"entries": digest.entries[:2], "generated": later})
    update_feed(feed, rerun, weeks=2)
    parsed = feedparser.parse(feed.read_bytes())
    assert not parsed.bozo and parsed.feed.title == digest.title
    assert [e.id for e in parsed.entries] == ["tag:nhs-ics.github.io,2026:weekly/2026-W48",
                                              "tag:nhs-ics.github.io,2026:weekly/2026-W47"]  # one a week
    latest = parsed.entries[0]
    assert latest.title == f"{digest.title} – 2026-W48" and latest.link == "2026-W48/digest.html"
    assert latest.summary.startswith("2 items (") and NICE_TITLE in latest.summary  # the rerun's counts
    links = {link.rel: link.href for link in parsed.feed.links}
    assert links == {"self": "feed.atom", "alternate": "2026-W48/digest.html"}
    assert not [p for p in tmp_path.iterdir() if p.name != "feed.atom"]


def test_the_digest_atom_has_feed_links_and_carries_only_the_top_entries(digest):
    parsed = feedparser.parse(outputs.get("atom")(max_entries=2).render(digest))
    assert [e.title for e in parsed.entries] == [e.item.title for e in digest.entries[:2]]
    assert {link.rel: link.href for link in parsed.feed.links} == {"self": "digest.atom", "alternate": "digest.html"}
    published = outputs.get("atom")(link="https://ics.example/d/2026-W48/digest.html",
                                    self_url="javascript:alert(1)").render(digest)
    links = {link.rel: link.href for link in feedparser.parse(published).feed.links}
    assert links == {"alternate": "https://ics.example/d/2026-W48/digest.html", "self": "digest.atom"}


def test_running_feed_refuses_to_overwrite_a_corrupt_file(tmp_path, digest):
    from outputs.atom import update_feed

    feed = tmp_path / "feed.atom"
    feed.write_text("<rss><channel>")
    with pytest.raises(OutputError, match="feed.atom: not a readable Atom feed .*move it aside"):
        update_feed(feed, digest)
    feed.write_text('<!DOCTYPE x [<!ENTITY a "aaaa">]><feed xmlns="http://www.w3.org/2005/Atom">&a;</feed>')
    with pytest.raises(OutputError, match="not a readable Atom feed"):
        update_feed(feed, digest)
    assert feed.read_text().startswith("<!DOCTYPE")


PAYLOADS = [
    '<a href="javascript:alert(1)">x</a>',
    "<svg/onload=alert(1)>",
    '"><script>alert(1)</script>',
    "[a](<javascript:alert(1)>)",
    "![x](https://evil.example/pixel.png)",
    "<https://evil.example/autolink>",
    "&#106;avascript&#58;alert(1) &lt;img src=x onerror=alert(1)&gt;",
    "\\<img src=x onerror=alert(1)\\>",
    "`<img src=x onerror=alert(1)>`",
    "x\n\n<iframe src=https://evil.example></iframe>\n# heading\n- list",
    "| a | b |\n|---|---|\n| <img src=x onerror=alert(1)> | c |",
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_hostile_payloads_are_inert_in_html_and_markdown(payload, digest):
    from markdown_it import MarkdownIt

    [entry] = [e for e in digest.entries if e.also]
    item = entry.item.model_copy(update={"title": payload, "summary": payload, "url": "javascript:alert(1)"})
    also = (entry.also[0].model_copy(update={"title": payload, "url": "https://ok.example/" + payload}),)
    hostile = digest.model_copy(update={"entries": (entry.model_copy(update={"item": item, "also": also}),)})
    _assert_inert(outputs.get("html")().render(hostile).decode())
    source = outputs.get("md")().render(hostile).decode()
    _assert_inert(MarkdownIt("commonmark", {"html": True}).enable("table").render(source))
    assert not feedparser.parse(outputs.get("atom")().render(hostile)).bozo


def test_every_item_field_reaches_the_analyst_formats():
    from horizon.items import Extras

    assert set(Extras.model_fields) <= set(outputs.rows.columns(make_digest()))
    assert set(Extras.model_fields) == set(
        outputs.json.schema()["$defs"]["entry"]["properties"]["extras"]["properties"]
    )


def test_register_entries_due_for_review_are_listed_and_inert():
    from datetime import date

    from horizon.digest import DueReview

    due = DueReview(item_id="nice:TA1", title="<b>Virtual AF ward</b>", url="javascript:registerDue()", stage="piloting",
                    owner="Asha", next_review=date(2026, 11, 20))
    digest = make_digest().model_copy(update={"register_due": (due,)})
    html = outputs.get("html")().render(digest).decode()
    md = outputs.get("md")().render(digest).decode()
    text = outputs.get("text")().render(digest).decode()
    for rendered in (html, md, text):
        assert "piloting" in rendered and "2026-11-20" in rendered and "registerDue" not in rendered
    assert "Register: due for review" in html and "&lt;b&gt;Virtual AF ward&lt;/b&gt;" in html
    assert "Register: due for review" in md and "REGISTER: DUE FOR REVIEW" in text
