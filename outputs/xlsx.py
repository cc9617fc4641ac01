"""The XLSX digest for analysts: an Entries sheet (every field, one row per entry) and a
Run summary sheet. Text is formula-injection safe and stripped of characters XLSX forbids."""

from __future__ import annotations

import gc
import io
import re
import sys
import traceback
from datetime import date
from typing import Any

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
    if isinstance(value, str):
        return rows.neutralise(ILLEGAL_CHARACTERS.sub("", value))[:MAX_CELL]
    return value


class XlsxWriter(Writer):
    """Office Open XML workbook written by openpyxl."""

    format = "xlsx"
    filename = "digest.xlsx"
    media_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    Options = WriterOptions

    def render(self, digest: Digest) -> bytes:
        from openpyxl import Workbook
        from openpyxl.styles import Font
        from openpyxl.utils import get_column_letter

        book = Workbook()
        book.properties.title = _cell(f"{digest.title} {digest.week}")
        book.properties.created = book.properties.modified = digest.generated.replace(tzinfo=None)
        sheet = book.active
        sheet.title = "Entries"
        names = rows.columns(digest)
        sheet.append(names)
        link_col = names.index("url") + 1
        # Row numbers are counted here: openpyxl's max_row scans every cell, so asking it per row is quadratic.
        for row, values in enumerate(rows.rows(digest), 2):
            # Neutralised strings stay strings: openpyxl would store "=..." as a formula.
            sheet.append([_date(values[n]) if n in rows.DATES else _cell(values[n]) for n in names])
            if url := values["url"]:  # safe_url made it http(s): a real hyperlink, not text
                cell = sheet.cell(row=row, column=link_col)
                cell.hyperlink, cell.style = url, "Hyperlink"
        for index, name in enumerate(names, 1):
            if name in rows.DATES:
                for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                    cell.number_format = "yyyy-mm-dd"
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for index, name in enumerate(names, 1):
            sheet.column_dimensions[get_column_letter(index)].width = WIDTHS.get(name, 14)
        sheet.freeze_panes = "A2"
        sheet.auto_filter.ref = sheet.dimensions
        self._summary(book.create_sheet("Run summary"), digest)
        buffer = io.BytesIO()
        try:
            book.save(buffer)
        except Exception as err:  # noqa: BLE001 - openpyxl spools each sheet to a temporary file: a full disk fails here
            reason = f"{type(err).__name__}: {err}"
            _release_quietly(err)
        else:
            return buffer.getvalue()
        raise OutputError(f"xlsx writer: cannot build the workbook ({reason}); free some disk space "
                          "in the temporary directory or leave xlsx out")

    @staticmethod
    def _summary(sheet, digest: Digest) -> None:
        sheet.append(["source", "ok", "fetched", "error"])
        for s in digest.summary.sources:
            sheet.append([_cell(s.name), s.ok, s.fetched, _cell(s.error or "")])
        sheet.append([])
        sheet.append(["count", "value"])
        for name, value in sorted(digest.summary.counts.items()):
            sheet.append([_cell(name), value])
        for note in digest.summary.notes:
            sheet.append([_cell(note)])
        sheet.column_dimensions["A"].width = 28
        sheet.column_dimensions["D"].width = 60


def _release_quietly(err: BaseException) -> None:
    """Free openpyxl's half-written sheet streams now, without the second traceback their cleanup prints."""
    hook, sys.unraisablehook = sys.unraisablehook, lambda _unraisable: None
    try:
        traceback.clear_frames(err.__traceback__)
        gc.collect()
    finally:
        sys.unraisablehook = hook
