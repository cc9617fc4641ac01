"""A raw response saved with what came with it: request URL, status, headers and time.

``horizon fetch SOURCE --save DIR`` writes one pair of files per response: the body exactly as
received (``0001-nice.body``) and beside it ``0001-nice.response.json``, which names the body.
``horizon parse SOURCE FILE.response.json`` reads the pair back, so a charset that only the
HTTP header gave is honoured, and a capture becomes a fixture or a bug report in one step.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from horizon.errors import InputError

SUFFIX = ".response.json"


@dataclass(frozen=True)
class SavedResponse:
    """One response as ``horizon fetch`` saved it."""

    url: str
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    fetched_at: str = ""
    source: str = ""


def is_saved(path: Path) -> bool:
    return path.name.endswith(SUFFIX)


def save(directory: Path, number: int, source: str, url: str, status: int, headers: dict[str, str],
         body: bytes, fetched_at: datetime) -> Path:
    """Write the body and its ``.response.json``; returns the latter."""
    directory.mkdir(parents=True, exist_ok=True)
    stem = f"{number:04d}-{source}"
    (directory / f"{stem}.body").write_bytes(body)
    meta = {"source": source, "url": url, "status": status, "fetched_at": fetched_at.isoformat(),
            "headers": dict(headers), "body": f"{stem}.body", "bytes": len(body)}
    path = directory / f"{stem}{SUFFIX}"
    path.write_text(json.dumps(meta, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return path


def load(path: Path) -> SavedResponse:
    """A saved response from its ``.response.json``; anything wrong is one line naming the file and field."""
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise InputError(f"{path}: cannot read: {err.strerror or err}") from err
    except ValueError as err:
        raise InputError(f"{path}: not a saved response (not JSON: {err})") from err
    if not isinstance(meta, dict) or not isinstance(meta.get("body"), str):
        raise InputError(f"{path}: not a saved response: no 'body' naming the body file")
    headers = meta.get("headers") or {}
    if not isinstance(headers, dict) or not all(isinstance(v, str) for v in headers.values()):
        raise InputError(f"{path}: 'headers' must map header names to strings")
    body_path = path.parent / Path(meta["body"]).name  # never outside the capture's folder
    try:
        body = body_path.read_bytes()
    except OSError as err:
        raise InputError(f"{path}: body file {body_path.name}: cannot read: {err.strerror or err}") from err
    return SavedResponse(url=str(meta.get("url", "")), status=int(meta.get("status") or 200), body=body,
                         headers={str(k): v for k, v in headers.items()}, fetched_at=str(meta.get("fetched_at", "")),
                         source=str(meta.get("source", "")))
