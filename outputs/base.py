"""The shape every writer shares: a format name, a file name, options and ``render``.

Like Scrapy's feed exporters: each writer renders the same ``Digest`` and nothing
else, and rejects options it does not know instead of silently ignoring them.
"""

from __future__ import annotations

import errno
import io
import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO, Annotated, Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from horizon.config import describe
from horizon.digest import Digest
from horizon.errors import OutputError


class WriterOptions(BaseModel):
    """Options a writer accepts; subclasses add their own fields."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class LayoutOptions(WriterOptions):
    """How much a reading format shows: the HTML, Markdown and text digests share these."""

    top_n: Annotated[int, Field(ge=1, le=200)] = 10  # entries per area shown in full
    top: Annotated[int, Field(ge=0, le=50)] = 5  # most important items across areas, at the top
    also_max: Annotated[int, Field(ge=0, le=10_000)] = 25  # rows per area in "also new"; keeps e-mail small


class SummaryLayoutOptions(LayoutOptions):
    summary_chars: Annotated[int, Field(ge=0, le=5000)] = 300  # 0 leaves summaries out


# A file's content: its bytes, or a function that writes them to an open binary file (a writer's stream).
Content = bytes | Callable[[IO[bytes]], object]


class Writer:
    """Renders a digest into one format.

    A writer defines ``render`` (the bytes at once) or, for formats that grow with the
    number of entries, ``stream`` (written to an open file entry by entry, so a
    100,000-entry digest never exists twice in memory); each has the other for free.
    """

    format: ClassVar[str]
    filename: ClassVar[str]  # e.g. "digest.html"; the directory names the week
    media_type: ClassVar[str]
    Options: ClassVar[type[WriterOptions]] = WriterOptions
    uses_rows: ClassVar[bool] = False  # reads ``rows.table``: several such writers share the rows

    def __init__(self, **options: Any):
        unknown = sorted(set(options) - set(self.Options.model_fields))
        if unknown:
            valid = ", ".join(self.Options.model_fields) or "none"
            raise OutputError(f"{self.format} writer: unknown option '{unknown[0]}'; valid options: {valid}")
        try:
            self.options = self.Options.model_validate(options)
        except ValidationError as err:
            raise OutputError(describe(f"{self.format} writer", err, options, self.Options)) from None

    def render(self, digest: Digest) -> bytes:
        """The file's bytes."""
        buffer = io.BytesIO()
        self.stream(digest, buffer)
        return buffer.getvalue()

    def stream(self, digest: Digest, out: IO[bytes]) -> None:
        """Write the file's bytes to ``out``."""
        if type(self).render is Writer.render:
            raise NotImplementedError(f"{type(self).__name__} defines neither render nor stream")
        out.write(self.render(digest))

    def content(self, digest: Digest) -> Content:
        """What ``write_atomic`` writes: the stream, run when the file is written."""
        return lambda out: self.stream(digest, out)

    def write(self, digest: Digest, directory: str | Path) -> Path:
        """Render and write atomically into ``directory``; returns the file's path."""
        return write_atomic(Path(directory) / self.filename, self.content(digest))


def write_atomic(path: Path, data: Content) -> Path:
    """Write via a temporary file in the same directory and ``os.replace``.

    A reader (a web server, a mail job) never sees half a digest, and a crash
    leaves the previous file in place. An exception removes the temporary file; a
    process killed outright (SIGKILL, power loss) cannot, so the next successful
    write of the same file sweeps such leftovers away.
    """
    return write_all([(path, data)])[0]


def write_all(files: Iterable[tuple[Path, Content]]) -> list[Path]:
    """Write every file to its temporary file first, then move them all into place.

    A writer that fails (a full disk, a bad value) leaves every previous file as it
    was, as if all the files had been rendered before any was written, while only
    one file's content is ever being produced at a time.
    """
    staged: list[tuple[Path, str]] = []
    try:
        for path, data in files:
            staged.append((path, _stage(path, data)))
        for path, tmp in staged:
            try:
                os.replace(tmp, path)
            except OSError as err:
                raise _cannot_write(path, err) from err
    finally:
        for _, tmp in staged:
            Path(tmp).unlink(missing_ok=True)
    for path, _ in staged:
        for stale in path.parent.glob(f".{path.name}.*.tmp"):
            stale.unlink(missing_ok=True)
    return [path for path, _ in staged]


def _stage(path: Path, data: Content) -> str:
    """``data`` written and synced to a new temporary file beside ``path``; returns its name."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as err:
        raise OutputError(f"{path.parent}: cannot write digest files: {err.strerror or err}") from err
    try:
        with os.fdopen(fd, "wb") as handle:
            if isinstance(data, bytes):
                handle.write(data)
            else:
                data(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
    except BaseException as err:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(err, OSError):
            raise _cannot_write(path, err) from err
        raise
    return tmp


def _cannot_write(path: Path, err: OSError) -> OutputError:
    full = err.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT)
    hint = "; free some disk space or write the digest elsewhere (--out)" if full else ""
    return OutputError(f"{path}: cannot write: {err.strerror or err}{hint}")
