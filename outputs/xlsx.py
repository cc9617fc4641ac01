"""The XLSX digest for analysts: an Entries sheet (every field, one row per entry) and a
Run summary sheet. Text is formula-injection safe and stripped of characters XLSX forbids."""

from __future__ import annotations

import gc
import re
import sys
import traceback
from copy import copy
from datetime import date
from typing import IO, Any

from lxml.etree import SerialisationError  # what lxml's incremental writer raises on a full disk

from horizon.digest import Digest
from horizon.errors import OutputError
from outputs import rows
from outputs.base import Writer, WriterOptions

# openpyxl pulls in numpy (~1 s to import): loaded when a workbook is rendered, not when
# the writer registry is imported.
MAX_CELL = 32_767  # Excel's limit on characters in one cell
ILLEGAL_CHARACTERS = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")  # openpyxl's ILLEGAL_CHARACTERS_RE
WIDTHS = {"title": 60, "summary": 80, "url": 40, "why": 40, "changes": 30}


def _date(value: Any) -> Any:
    """An ISO date cell as a real date (Excel filters and sorts it); empty stays empty."""
    if isinstance(value, str) and value:
        try:
            return date.fromisoformat(value)
        except ValueError:
            return _cell(value)
    return value or None


def _cell(value: Any) -> Any:
    """A value fit for a cell; empty text is no cell at all (write-only mode then writes nothing)."""
    if isinstance(value, str):
        return rows.neutralise(ILLEGAL_CHARACTERS.sub("", value))[:MAX_CELL] if value else None
    return value


def _line(values: tuple[Any, ...]) -> list[Any]:
    """``_cell`` of each value of a neutralised row, with one search for forbidden characters per row, not per cell."""
    if ILLEGAL_CHARACTERS.search("".join([v for v in values if isinstance(v, str)])):
        return [_cell(v) for v in values]  # rare: each text is cleaned, and neutralised again
    return [(v[:MAX_CELL] or None) if isinstance(v, str) else v for v in values]


class XlsxWriter(Writer):
    """Office Open XML workbook written by openpyxl in write-only mode.

    Write-only: each row goes to the sheet's file as it is appended, so memory stays flat
    however many entries there are (a normal workbook keeps every cell: 2 GB at 100,000).
    Everything a sheet-level setting needs (column widths, frozen header, filter range) is
    set before the first row; styled cells (bold header, hyperlinks) are ``WriteOnlyCell`` objects
    and dates get openpyxl's ``yyyy-mm-dd`` format as real dates.
    """

    format = "xlsx"
    filename = "digest.xlsx"
    media_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    Options = WriterOptions
    uses_rows = True

    def stream(self, digest: Digest, out: IO[bytes]) -> None:
        from openpyxl import Workbook
        from openpyxl.styles.builtins import styles as BUILTIN_STYLES

        book = Workbook(write_only=True)
        # The workbook's own copy of the built-in "Hyperlink" style: assigned by name, openpyxl would
        # bind its module-wide one to this workbook and so keep the workbook alive after it is saved.
        book.add_named_style(copy(BUILTIN_STYLES["Hyperlink"]))
        book.properties.title = _cell(f"{digest.title} {digest.week}")
        book.properties.created = digest.generated.replace(tzinfo=None)
        try:
            self._entries(book.create_sheet("Entries"), digest)
            self._summary(book.create_sheet("Run summary"), digest)
            book.save(out)
        except (OSError, SerialisationError) as err:  # openpyxl spools each sheet to a temporary file via lxml
            failure = err
        else:
            return
        reason = f"{type(failure).__name__}: {failure}"
        del book  # its half-written sheet streams go now, not at exit with a second traceback
        _release_quietly(failure)
        del failure
        raise OutputError(f"xlsx writer: cannot build the workbook ({reason}); free some disk space "
                          "(in the output folder and the temporary directory) or leave xlsx out")

    @staticmethod
    def _entries(sheet, digest: Digest) -> None:
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Font
        from openpyxl.utils import get_column_letter

        names = rows.columns(digest)
        for index, name in enumerate(names, 1):
            sheet.column_dimensions[get_column_letter(index)].width = WIDTHS.get(name, 14)
        sheet.freeze_panes = "A2"
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(names))}{len(digest.entries) + 1}"
        bold = Font(bold=True)
        sheet.append([_styled(WriteOnlyCell(sheet, name), font=bold) for name in names])
        dates, link_col = [names.index(n) for n in rows.DATES], names.index("url")
        for values in rows.table(digest):
            # Neutralised strings stay strings: openpyxl would store "=..." as a formula.
            line = _line(values)
            for i in dates:
                line[i] = _date(values[i])
            if url := values[link_col]:  # safe_url made it http(s): a real hyperlink, not text
                link = WriteOnlyCell(sheet, line[link_col])
                link.hyperlink, link.style = url, "Hyperlink"
                line[link_col] = link
            sheet.append(line)

    @staticmethod
    def _summary(sheet, digest: Digest) -> None:
        sheet.column_dimensions["A"].width = 28
        sheet.column_dimensions["D"].width = 60
        sheet.append(["source", "ok", "fetched", "error"])
        for s in digest.summary.sources:
            sheet.append([_cell(s.name), s.ok, s.fetched, _cell(s.error or "")])
        sheet.append([])
        sheet.append(["count", "value"])
        for name, value in sorted(digest.summary.counts.items()):
            sheet.append([_cell(name), value])
        for note in digest.summary.notes:
            sheet.append([_cell(note)])


def _styled(cell: Any, **style: Any) -> Any:
    for name, value in style.items():
        setattr(cell, name, value)
    return cell


def _release_quietly(err: BaseException) -> None:
    """Free openpyxl's half-written sheet streams now, without the second traceback their cleanup prints."""
    hook, sys.unraisablehook = sys.unraisablehook, lambda _unraisable: None
    try:
        traceback.clear_frames(err.__traceback__)
        gc.collect()
    finally:
        sys.unraisablehook = hook
