"""The CSV digest for analysts: every field, one row per entry, formula-injection safe."""

from __future__ import annotations

import csv
import io
from typing import IO

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
    uses_rows = True

    def stream(self, digest: Digest, out: IO[bytes]) -> None:
        """Row by row into ``out``: no list of rows, no whole-file string."""
        text = io.TextIOWrapper(out, encoding="utf-8-sig" if self.options.bom else "utf-8", newline="")
        try:
            writer = csv.writer(text, lineterminator="\r\n")
            writer.writerow(rows.columns(digest))
            writer.writerows(rows.table(digest))
            text.flush()
        finally:
            text.detach()  # leave ``out`` open for whoever opened it
