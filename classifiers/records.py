"""Read items (and their area labels) from JSON lines or CSV files, failing on the first bad line.

Everything is read and checked before anything is written, so a bad line N
never leaves half an output behind.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

from horizon.caps import MAX_FILE_BYTES, MAX_LINE_BYTES
from horizon.errors import InputError

REQUIRED = ("id", "title", "summary")


@dataclass(frozen=True)
class Record:
    """One input row: what the classifier reads, plus its labels when the file has them."""

    id: str
    title: str
    summary: str
    areas: tuple[str, ...] | None = None  # None: the file says nothing about areas

    @property
    def text(self) -> str:
        return f"{self.title}\n{self.summary}" if self.summary else self.title


def read_records(path: str | Path, valid_areas: tuple[str, ...] | None = None, need_areas: bool = False,
                 max_bytes: int = MAX_FILE_BYTES, max_line_bytes: int = MAX_LINE_BYTES) -> list[Record]:
    """All rows of a .jsonl/.json or .csv file; ``InputError`` naming the line on the first bad one."""
    path = Path(path)
    raw = read_capped(path, max_bytes, max_line_bytes)
    rows = _csv_rows(path, raw) if path.suffix.lower() == ".csv" else _json_rows(path, raw)
    records = [_record(path, line, row, valid_areas, need_areas) for line, row in rows]
    if not records:
        raise InputError(f"{path}: no items in the file; expected one item per line with {', '.join(REQUIRED)}")
    return records


def read_capped(path: Path, max_bytes: int, max_line_bytes: int) -> str:
    """The file's text, refusing a file over ``max_bytes`` or a line over ``max_line_bytes`` early."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise InputError(f"{path}: file of {size:,} bytes exceeds the {max_bytes:,}-byte input cap")
        lines: list = []
        read = 0  # counted as read too: a pipe or /dev/stdin has no size beforehand
        with path.open("rb") as handle:
            while line := handle.readline(max_line_bytes + 2):
                if len(line.rstrip(b"\r\n")) > max_line_bytes:
                    raise InputError(f"{path} line {len(lines) + 1}: longer than the {max_line_bytes:,}-byte "
                                     "line cap")
                read += len(line)
                if read > max_bytes:
                    raise InputError(f"{path}: what was read exceeds the {max_bytes:,}-byte input cap")
                lines.append(line)
        return b"".join(lines).decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as err:
        raise InputError(f"{path}: cannot read: {err}") from err


def _json_rows(path: Path, raw: str):
    for n, text in enumerate(raw.splitlines(), start=1):
        if not text.strip():
            continue
        try:
            row = json.loads(text)
        except json.JSONDecodeError as err:
            raise InputError(f"{path} line {n}: not valid JSON ({err.msg}); expected one JSON object per line") from err
        if not isinstance(row, dict):
            raise InputError(f"{path} line {n}: expected a JSON object, got {type(row).__name__}")
        yield n, row


def _csv_rows(path: Path, raw: str):
    reader = csv.DictReader(raw.splitlines())
    missing = [f for f in REQUIRED if f not in (reader.fieldnames or [])]
    if missing:
        raise InputError(f"{path} line 1: CSV header lacks {', '.join(missing)}; needs at least {', '.join(REQUIRED)}")
    for row in reader:
        if None in row:
            raise InputError(f"{path} line {reader.line_num}: more values than header columns")
        yield reader.line_num, row


def _record(path: Path, line: int, row: dict, valid: tuple[str, ...] | None, need_areas: bool) -> Record:
    for field in REQUIRED:
        value = row.get(field)
        if value is None or (field != "summary" and not str(value).strip()):
            raise InputError(f"{path} line {line}: missing field '{field}'; each item needs {', '.join(REQUIRED)}")
        if not isinstance(value, (str, int)):
            raise InputError(f"{path} line {line}: field '{field}' must be text, got {type(value).__name__}")
    areas = _areas(path, line, row.get("areas"), valid)
    if need_areas and areas is None:
        raise InputError(f"{path} line {line}: missing field 'areas' (a list of area ids, empty for none)")
    return Record(str(row["id"]), str(row["title"]), str(row["summary"]), areas)


def _areas(path: Path, line: int, value, valid: tuple[str, ...] | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    if isinstance(value, str):  # CSV: "cardiovascular;diabetes"
        value = [a.strip() for a in value.replace(",", ";").split(";") if a.strip()]
    if not isinstance(value, list) or not all(isinstance(a, str) for a in value):
        raise InputError(f"{path} line {line}: 'areas' must be a list of area ids, got {value!r}")
    for area in value:
        if valid is not None and area not in valid:
            raise InputError(f"{path} line {line}: unknown area '{area}'; valid areas: {', '.join(valid)}")
    return tuple(value)
