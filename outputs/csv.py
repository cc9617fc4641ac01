"""The CSV digest for analysts: every field, one row per entry, formula-injection safe."""

from __future__ import annotations

import csv
import io

from horizon.digest import Digest
from outputs import rows
from outputs.base import Writer, WriterOptions


class CsvOptions(WriterOptions):
    bom: bool = True  # a UTF-8 byte-order mark, so Excel reads accents and symbols right


class CsvWriter(Writer):
    """RFC 4180 CSV, UTF-8, one header row."""

    format = "csv"
    filename = "digest.csv"
    media_type = "text/csv; charset=utf-8"
    Options = CsvOptions
    options: CsvOptions

    def render(self, digest: Digest) -> bytes:
        buffer = io.StringIO(newline="")
        writer = csv.DictWriter(buffer, fieldnames=rows.columns(digest), lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(rows.rows(digest))
        return buffer.getvalue().encode("utf-8-sig" if self.options.bom else "utf-8")
