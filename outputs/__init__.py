"""Digest writers: a registry keyed by format, and ``write`` to render several at once.

Adding a format means adding one module with a ``Writer`` subclass and one line
in ``_MODULES``. Every writer renders the same ``horizon.digest.Digest``.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from horizon.digest import Digest
from horizon.errors import OutputError, UnknownName
from horizon.registry import collect
from outputs import rows
from outputs.base import Writer, write_all

_MODULES = ("html", "markdown", "text", "csv", "xlsx", "json", "atom")


REGISTRY: dict[str, type[Writer]] = collect("outputs", _MODULES, Writer, "format")
FORMATS: tuple[str, ...] = tuple(REGISTRY)


def get(fmt: str) -> type[Writer]:
    """The writer class for format ``fmt``."""
    try:
        return REGISTRY[fmt]
    except KeyError:
        raise UnknownName(f"unknown output format '{fmt}'; available: {', '.join(FORMATS)}") from None


def write(digest: Digest, directory: str | Path, formats: Iterable[str] = FORMATS, **options: Any) -> list[Path]:
    """Write ``digest`` in each format into ``directory``; returns the files written.

    Each option goes to the writers that accept it (``top_n`` to html, markdown,
    text); an option that no requested writer accepts is an error, never ignored.
    Every writer is built (and so every option checked) before any file is written, and
    no file is replaced unless every format was written.
    """
    if isinstance(formats, str):  # "html,md" from a command line or a setting
        formats = [f.strip() for f in formats.split(",") if f.strip()]
    classes = [get(f) for f in dict.fromkeys(formats)]
    accepted = {name for cls in classes for name in cls.Options.model_fields}
    unknown = sorted(set(options) - accepted)
    if unknown:
        names = ", ".join(cls.format for cls in classes)
        raise OutputError(
            f"unknown option '{unknown[0]}' for formats {names}; valid options: {', '.join(sorted(accepted)) or 'none'}"
        )
    writers = [cls(**{k: v for k, v in options.items() if k in cls.Options.model_fields}) for cls in classes]
    # One file's content at a time, streamed to its temporary file; all moved into place at the end.
    files = [(Path(directory) / w.filename, w.content(digest)) for w in writers]
    if sum(w.uses_rows for w in writers) < 2:
        return write_all(files)
    with rows.shared(digest):  # CSV and XLSX: each entry's row made once
        return write_all(files)


__all__ = ["FORMATS", "REGISTRY", "Writer", "get", "write"]
