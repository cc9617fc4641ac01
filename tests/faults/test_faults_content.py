"""Hostile and broken content from every scanner: duplicate ids, dates that are all
malformed, XML entity bombs, and hostile text carried through the whole pipeline to
every registered writer, where it must be inert and still readable."""

from __future__ import annotations

import csv
import io
import json
import re
import resource
import tracemalloc
from email import message_from_bytes
from email.policy import default as email_policy
from pathlib import Path

import pytest
import yaml

import outputs
import scanners
from tests.faults.faultrun import CONTROL_RECS, SUBJECT, run_week, serve_control, write_config
from tests.faults.faultspecs import SPECS, Rec
from tests.faults.hostile import dynamic

ALL = sorted(scanners.REGISTRY)
XML = sorted(name for name in ALL if SPECS[name].xml)
DUPES = [Rec(1, "Smartwatch atrial fibrillation screening"), Rec(1, "Smartwatch atrial fibrillation screening (v2)"),
         Rec(2, "Asthma self-management app for children")]
BAD_DATES = [Rec(n, f"Atrial fibrillation study {n}", day="not a date") for n in (1, 2, 3)]
LAUGHS = ('<!DOCTYPE x [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
          + "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(2, 10)) + "]>")
EXTERNAL = '<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'


def serve(hostile, scanner: str, recs: list[Rec], mangle=lambda ct, body: body) -> None:
    spec = SPECS[scanner]

    def render(req):
        ct, body = spec.render(req, recs)
        return 200, {"Content-Type": ct}, mangle(ct, body)

    hostile.routes["/bad"] = dynamic(render)
    serve_control(hostile)


def subject_items(outcome) -> list:
    control = {SPECS["ctgov"].item_id("control", r) for r in CONTROL_RECS}
    return [i for i in outcome.store.items_since(None) if i.id not in control]


@pytest.mark.parametrize("scanner", ALL)
def test_duplicate_ids_in_one_response_are_stored_and_shown_once(scanner, tmp_path, hostile, reliability):
    serve(hostile, scanner, DUPES)
    outcome = run_week(write_config(tmp_path / "config", hostile, scanner), tmp_path / "out")
    ids = [i.id for i in subject_items(outcome)]
    reliability("content", "duplicate ids in one response", scanner,
                f"stored {len(ids)} of 3 records (2 distinct ids)" if outcome.subject.ok else outcome.subject.error)
    assert outcome.subject.ok and outcome.control.ok
    assert sorted(ids) == sorted({SPECS[scanner].item_id(SUBJECT, r) for r in DUPES})
    shown = [e.item.id for e in outcome.digest.entries]
    assert len(shown) == len(set(shown))


@pytest.mark.parametrize("scanner", ALL)
def test_a_response_whose_every_date_is_malformed_loses_nothing_silently(scanner, tmp_path, hostile, reliability):
    serve(hostile, scanner, BAD_DATES)
    outcome = run_week(write_config(tmp_path / "config", hostile, scanner), tmp_path / "out")
    kept = subject_items(outcome)
    skipped = outcome.counts.get(f"{SUBJECT}/malformed", 0) + outcome.counts.get(f"{SUBJECT}/before-since", 0)
    reliability("content", "every date malformed", scanner,
                f"{len(kept)} kept undated, {skipped} skipped and counted" if outcome.subject.ok
                else f"source failed: {outcome.subject.error}")
    assert outcome.subject.ok, outcome.subject.error
    assert len(kept) + skipped == len(BAD_DATES)  # every record is either kept or counted
    assert all(i.updated is None and i.published is None for i in kept)
    assert outcome.store.watermark(SUBJECT) is None  # no date, so no watermark that could skip items


def _with_doctype(doctype: str, reference: str):
    def mangle(ct: str, body: bytes) -> bytes:
        if "xml" not in ct:
            return body  # PubMed's esearch is JSON; the entities go in the XML
        head, _, rest = body.partition(b"\n")
        return head + b"\n" + doctype.encode() + b"\n" + rest.replace(b"ENTITY_HERE", reference.encode())
    return mangle


@pytest.mark.parametrize("scanner", XML)
@pytest.mark.parametrize("payload", ["billion laughs", "external file entity"])
def test_xml_entities_are_refused_not_expanded(scanner, payload, tmp_path, hostile, reliability):
    doctype, ref = (LAUGHS, "&lol9;") if payload == "billion laughs" else (EXTERNAL, "&xxe;")
    recs = [Rec(1, "Atrial fibrillation ENTITY_HERE"), Rec(2, "Asthma app")]
    serve(hostile, scanner, recs, _with_doctype(doctype, ref))
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    try:
        outcome = run_week(write_config(tmp_path / "config", hostile, scanner), tmp_path / "out")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    growth_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) / 1024
    reliability("content", f"XML with DOCTYPE entities ({payload})", scanner,
                "parsed" if outcome.subject.ok else f"source failed: {outcome.subject.error}")
    assert not outcome.subject.ok and re.search(r"entit", outcome.subject.error or "", re.I), outcome.subject.error
    assert outcome.control.ok
    assert peak < 50_000_000 and growth_mb < 200
    for path in outcome.files:
        assert b"root:x:0:0" not in path.read_bytes() and b"lollollol" not in path.read_bytes()


# -- hostile text, end to end ------------------------------------------------------------
SCRIPT = "<script>alert('t')</script>"
IMG = "<img src=x onerror=alert('i')>"
HOSTILE = [
    Rec(1, f"Atrial fibrillation screening {SCRIPT} {IMG} with a smartwatch ECG: anticoagulation for stroke "
           "prevention in atrial fibrillation",
        "Links: [click](javascript:alert(1)) <a href=\"javascript:alert(2)\">a</a> data:text/html;base64,PHNjcmlwdD4= "
        "vbscript:msgbox(1) <div style=\"width: expression(alert(3))\">css</div> atrial fibrillation anticoagulation",
        link="javascript:alert(4)"),
    Rec(2, "=HYPERLINK(\"http://evil.example\",\"x\") asthma self-management app \u202eexe.txt\u202c zero\u200bwidth",
        "Asthma inhaler technique app for children.\r\nBcc: victim@example.org\r\nSubject: spoofed"),
    Rec(3, "Atrial fibrillation " + "enormous title " * 15000, "Atrial fibrillation detection with wearables."),
]
INVISIBLE = re.compile("[\u202a-\u202e\u2066-\u2069\u200b-\u200f]")
ACTIVE_HTML = [
    re.compile(r"<script\b", re.I),
    re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I),  # an event handler inside a real tag
    re.compile(r"""(href|src|action)\s*=\s*["']?\s*(javascript|data|vbscript):""", re.I),
    re.compile(r"""style\s*=\s*["'][^"']*expression\s*\(""", re.I),
]
FORMULA_START = tuple("=+-@\t\r")


def _text_of(path: Path) -> str:
    """What a reader sees of a file: decoded text, or every cell of a workbook."""
    if path.suffix == ".xlsx":
        from openpyxl import load_workbook

        book = load_workbook(path)
        cells = [c for ws in book.worksheets for row in ws.iter_rows() for c in row if c.value is not None]
        formulas = [c.coordinate for c in cells if c.data_type == "f" or (isinstance(c.value, str) and c.value.startswith(FORMULA_START))]
        assert not formulas, f"{path.name}: formula cells {formulas[:5]}"
        return "\n".join(str(c.value) for c in cells)
    return path.read_text(encoding="utf-8")


def _check_atom(text: str) -> None:
    """Feed readers render type="html"/"xhtml" content and follow link hrefs; text is inert."""
    from defusedxml.ElementTree import fromstring

    for el in fromstring(text.encode("utf-8")).iter():
        if el.get("type") in ("html", "xhtml"):
            inner = "".join(el.itertext())
            for pattern in ACTIVE_HTML:
                assert not pattern.search(inner), f"atom {el.tag}: active content {pattern.pattern}"
        href = el.get("href")
        if href is not None:  # a source's link is http(s) or absent; the feed's own files may be relative
            own = el.get("rel") in ("self", "alternate") and href in ("digest.html", "digest.atom")
            assert own or href.startswith(("https://", "http://")), f"atom link {href[:60]!r}"


def _check_inert(path: Path, fmt: str) -> str:
    text = _text_of(path)
    assert not INVISIBLE.search(text), f"{fmt}: bidi override or zero-width character survived"
    assert path.stat().st_size < 5_000_000, f"{fmt}: {path.stat().st_size} bytes"
    if fmt == "html":
        for pattern in ACTIVE_HTML:
            assert not pattern.search(text), f"html: active content {pattern.pattern}"
    if fmt == "atom":
        _check_atom(text)
    if fmt == "md":
        assert not re.search(r"\]\(\s*(javascript|data|vbscript):", text, re.I), "md: active link"
        assert not re.search(r"<(script|img|a|div)\b", text, re.I), "md: raw HTML"
    if fmt == "csv":
        for row in csv.reader(io.StringIO(text)):
            for cell in row:
                assert not (cell.startswith(FORMULA_START) and not re.fullmatch(r"-?\d+(\.\d+)?", cell)), f"csv: {cell[:40]!r}"
    if fmt == "json":
        def links(node):
            if isinstance(node, dict):
                for k, v in node.items():
                    if k in ("url", "link", "href") and isinstance(v, str):
                        yield v
                    yield from links(v)
            elif isinstance(node, list):
                for v in node:
                    yield from links(v)
        for link in links(json.loads(text)):
            assert link == "" or link.startswith(("https://", "http://")), f"json: {link[:60]!r}"
    return text


@pytest.mark.parametrize("scanner", ALL)
def test_hostile_text_is_inert_and_readable_in_every_output(scanner, tmp_path, hostile, reliability):
    serve(hostile, scanner, HOSTILE)
    config = write_config(tmp_path / "config", hostile, scanner)
    priorities = yaml.safe_load((config / "priorities.yaml").read_text())
    priorities["name"] = "Evil ICS\r\nBcc: victim@example.org\r\nX-Injected: yes"
    (config / "priorities.yaml").write_text(yaml.safe_dump(priorities))
    outcome = run_week(config, tmp_path / "out")
    formats = {path: fmt for fmt, cls in outputs.REGISTRY.items() for path in outcome.files if path.name == cls.filename}
    reliability("hostile text", "script, event handlers, js/data/vbscript links, CSS expression, bidi, "
                "zero-width, formulas, 225 kB title, header injection", scanner,
                f"inert in {', '.join(sorted(formats.values()))}")
    assert outcome.subject.ok, outcome.subject.error
    assert set(formats.values()) == set(outputs.REGISTRY), "every writer must have written its file"
    shown = {e.item.id for e in outcome.digest.entries}
    assert SPECS[scanner].item_id(SUBJECT, HOSTILE[0]) in shown
    for path, fmt in formats.items():
        text = _check_inert(path, fmt)
        assert "Atrial fibrillation screening" in text, f"{fmt}: the hostile item is no longer readable"
    _check_email(outcome.digest)


def _check_email(digest) -> None:
    """Anything that reaches a header stays on one line: no injected Bcc or extra header."""
    from outputs.delivery import EmailSettings, build_message

    settings = EmailSettings(host="localhost", sender="horizon@example.org", recipients=("team@example.org",))
    raw = build_message(digest, settings).as_bytes()
    parsed = message_from_bytes(raw, policy=email_policy)
    assert parsed.get_all("Bcc") is None and parsed.get_all("X-Injected") is None
    assert "\n" not in str(parsed["Subject"]) and "\r" not in str(parsed["Subject"])
    assert parsed.get_all("To") == ["team@example.org"]
