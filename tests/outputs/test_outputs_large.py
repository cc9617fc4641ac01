"""The streaming writers keep what the files had: every entry in CSV/JSON/XLSX, the XLSX
links, dates and header; the reading formats show the top and say where the rest is."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

import feedparser
import openpyxl
import pytest

import outputs
from horizon.digest import Digest
from horizon.errors import OutputError
from outputs.base import write_all
from outputs.rows import neutralise
from tests.outputs.golden import TREND, golden_entries, make_digest, showcase_entries

COPIES = 15  # copies of the golden entries: above top_n, the Atom feed's 25 and the table artifact's 50


def many_entries(copies: int = COPIES) -> Digest:
    """The golden digest's entries repeated under new ids, each title marked ``copyKxJ``."""
    entries = [
        e.model_copy(update={"item": e.item.model_copy(update={"id": f"{e.item.id}-{k}",
                                                               "title": f"{e.item.title} copy{k}x{j}"})})
        for k in range(copies) for j, e in enumerate(golden_entries())
    ]
    return make_digest(entries=tuple(entries), trend=TREND)


def test_every_entry_reaches_csv_json_and_xlsx_while_the_reading_formats_show_the_top(tmp_path):
    digest = many_entries()
    ids = [e.item.id for e in digest.entries]
    assert len(ids) > 50
    outputs.write(digest, tmp_path, top_n=3, also_max=2)
    table = list(csv.DictReader(io.StringIO((tmp_path / "digest.csv").read_text(encoding="utf-8-sig"))))
    assert [r["id"] for r in table] == ids
    assert [e["id"] for e in json.loads((tmp_path / "digest.json").read_text())["entries"]] == ids
    sheet = openpyxl.load_workbook(tmp_path / "digest.xlsx")["Entries"]
    header = [c.value for c in sheet[1]]
    assert [r[header.index("id")] for r in sheet.iter_rows(min_row=2, values_only=True)] == ids
    markers = [f"copy{k}x{j}" for k in range(COPIES) for j in range(len(golden_entries()))]
    for name in ("digest.html", "digest.md", "digest.txt"):
        text = (tmp_path / name).read_text()
        assert "more: every entry is in the CSV, XLSX and JSON digests" in text, name
        shown = sum(f"{m} " in text or f"{m}<" in text or f"{m}\n" in text or f"{m}]" in text for m in markers)
        assert 3 <= shown < len(ids) / 2, (name, shown)  # the top of each area and a few more, not the list
    feed = feedparser.parse((tmp_path / "digest.atom").read_bytes())
    assert len(feed.entries) == 25
    assert "the top 25 here, every entry is in the CSV, XLSX and JSON digests" in feed.feed.subtitle


def test_write_only_xlsx_keeps_header_links_real_dates_and_layout():
    digest = many_entries(3)
    book = openpyxl.load_workbook(io.BytesIO(outputs.get("xlsx")().render(digest)))
    assert book.sheetnames == ["Entries", "Run summary"]
    sheet = book["Entries"]
    header = [c.value for c in sheet[1]]
    assert header == outputs.rows.columns(digest)
    assert all(c.font.bold for c in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:{sheet.cell(1, len(header)).column_letter}{len(digest.entries) + 1}"
    assert sheet.column_dimensions["I"].width == 60 and header[8] == "title"
    url, published, seen = (header.index(n) + 1 for n in ("url", "published", "first_seen"))
    rows = {sheet.cell(r, header.index("id") + 1).value: r for r in range(2, sheet.max_row + 1)}
    assert len(rows) == len(digest.entries)
    for copy in range(3):
        link = sheet.cell(rows[f"nice:DG61-{copy}"], url)
        assert link.hyperlink.target == link.value == "https://www.nice.org.uk/guidance/dg61"
        assert link.style == "Hyperlink"
        assert sheet.cell(rows[f"rss:hostile-1-{copy}"], url).hyperlink is None
        day = sheet.cell(rows[f"nice:DG61-{copy}"], published)
        assert day.is_date and day.value.date() == date(2026, 11, 18) and day.number_format == "yyyy-mm-dd"
        assert sheet.cell(rows[f"nice:DG61-{copy}"], seen).value.date() == date(2026, 11, 23)
    assert not [c.coordinate for row in sheet.iter_rows() for c in row if c.data_type == "f"]
    summary = book["Run summary"]
    assert summary.column_dimensions["D"].width == 60
    assert ("count", "value", None, None) in list(summary.iter_rows(values_only=True))


@pytest.mark.parametrize("indent", [2, None, 0, 4])
@pytest.mark.parametrize("size", [0, 1, 3])
def test_streamed_json_is_exactly_the_documented_document(indent, size):
    digest = many_entries(size) if size else make_digest(entries=())
    expected = json.dumps(outputs.json.document(digest), ensure_ascii=False, indent=indent)
    for char, escaped in outputs.json._HTML_SAFE.items():
        expected = expected.replace(char, escaped)
    assert outputs.get("json")(indent=indent).render(digest) == expected.encode("utf-8") + b"\n"


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", " =1", "\x0b=1", "\x01\x02@x", "\r1"])
def test_formulas_behind_blanks_or_control_characters_are_neutralised(value):
    assert neutralise(value) == "'" + value


@pytest.mark.parametrize("value", ["a-b", "", " ", "x=1", "'=1", 0.5, None, "\x0babc"])
def test_other_values_are_left_as_they_are(value):
    assert neutralise(value) == value


def test_a_writer_that_fails_leaves_every_previous_file(tmp_path):
    first, second = tmp_path / "a.txt", tmp_path / "b.txt"
    write_all([(first, b"old a"), (second, b"old b")])

    def half_then_full_disk(out):
        out.write(b"half")
        raise OSError(28, "No space left on device")

    with pytest.raises(OutputError, match=r"b.txt: cannot write: No space left on device; free some disk space"):
        write_all([(first, b"new a"), (second, half_then_full_disk)])
    assert (first.read_bytes(), second.read_bytes()) == (b"old a", b"old b")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "b.txt"]


def test_sections_and_safety_notices_are_grouped_once_and_follow_a_copy_with_other_entries():
    alert = tuple(e for e in showcase_entries() if e.item.type == "safety")
    digest = make_digest(entries=many_entries(2).entries + alert)
    for area in digest.areas:
        assert digest.section(area.id) == tuple(e for e in digest.entries if area.id in e.classification.areas)
    assert digest.section(digest.areas[0].id) is digest.section(digest.areas[0].id)
    assert digest.section("no-such-area") == ()
    assert len(alert) == 1 and digest.safety == alert
    for fewer in (digest.model_copy(update={"entries": digest.entries[:3]}),
                  digest.model_copy(update={"entries": digest.entries[-3:]})):
        for area in digest.areas:
            assert fewer.section(area.id) == tuple(e for e in fewer.entries if area.id in e.classification.areas)
        assert fewer.safety == tuple(e for e in fewer.entries if e.item.type == "safety")


def test_the_digest_files_are_written_in_place_of_the_old_ones(tmp_path: Path):
    outputs.write(many_entries(2), tmp_path, formats=["csv", "json"])
    smaller = make_digest()
    outputs.write(smaller, tmp_path, formats=["csv", "json"])
    assert len(json.loads((tmp_path / "digest.json").read_text())["entries"]) == len(smaller.entries)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["digest.csv", "digest.json"]


@pytest.mark.parametrize("url", ["https://x.org/a b", "https://x.org/a\tb", "https://x.org/a\xa0b", "https://x.org/a\u2028b",
                                 "https://x.org/a\u3000b", "https://x.org/a\x01b", "javascript:alert(1)", "//x.org/a"])
def test_links_with_whitespace_or_control_characters_or_no_http_scheme_are_dropped(url):
    from horizon.text import safe_url

    assert safe_url(url) == ""


def test_a_plain_http_link_is_kept():
    from horizon.text import safe_url

    assert safe_url(" https://x.org/a?b=1#c ") == "https://x.org/a?b=1#c"


def test_rows_are_made_once_for_csv_and_xlsx_while_writing_and_not_kept_after():
    from outputs import rows

    digest = many_entries(2)
    with rows.shared(digest):
        half = rows.table(digest)
        next(half), next(half)  # a reader that stopped half-way has not shared a partial table
        half.close()
        filling, meanwhile = rows.table(digest), rows.table(digest)  # interleaved: each reader gets every row once
        pairs = list(zip(filling, meanwhile, strict=True))
        first = list(rows.table(digest))
        again = list(rows.table(digest))
    after = list(rows.table(digest))
    assert len(first) == len(digest.entries) and first == again == after == [a for a, _ in pairs]
    assert [a for a, _ in pairs] == [b for _, b in pairs]
    assert all(a is b for (a, _), b in zip(pairs, first, strict=True))  # the filling reader's rows are shared
    assert all(a is b for a, b in zip(first, again, strict=True))  # the same rows, not made again
    assert not any(a is b for a, b in zip(first, after, strict=True))  # nothing kept once the files are written
    assert [dict(zip(rows.columns(digest), line, strict=True)) for line in first] == rows.rows(digest)


def test_a_full_disk_while_streaming_the_workbook_is_one_clear_line(tmp_path):
    """Under a 20 kB file-size limit the write-only workbook's sheet stream fails half-way:
    one error naming the cause, no second traceback when openpyxl's streams are freed."""
    import os
    import resource
    import signal
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    script = ("import sys\nfrom tests.outputs.test_outputs_large import many_entries\nimport outputs\n"
              "from horizon.errors import HorizonError\n"
              "try:\n    outputs.write(many_entries(40), sys.argv[1], ['xlsx'])\n"
              "except HorizonError as err:\n    print(err, file=sys.stderr); sys.exit(1)\n")

    def limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))

    result = subprocess.run([sys.executable, "-c", script, str(tmp_path / "o")], cwd=root, capture_output=True,
                            text=True, timeout=120, preexec_fn=limit, env={**os.environ, "PYTHONPATH": str(root)})
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [result.stderr.strip()], result.stderr
    assert "xlsx writer: cannot build the workbook" in result.stderr and "free some disk space" in result.stderr
    assert not [p for p in (tmp_path / "o").iterdir()]  # nothing half-written left


def test_xlsx_cells_lose_characters_xlsx_forbids_and_stay_inert_once_they_are_gone():
    entry = golden_entries()[0]
    titles = {"a\x02b": "ab", "\x01\tcmd": "'\tcmd", "\x01\x02=1": "'=1"}  # "\t" leads once "\x01" goes
    entries = tuple(entry.model_copy(update={"item": entry.item.model_copy(update={"id": f"x:{i}", "title": t})})
                    for i, t in enumerate(titles))
    sheet = openpyxl.load_workbook(io.BytesIO(outputs.get("xlsx")().render(make_digest(entries=entries))))["Entries"]
    title = [c.value for c in sheet[1]].index("title") + 1
    assert [sheet.cell(r, title).value for r in range(2, len(titles) + 2)] == list(titles.values())
