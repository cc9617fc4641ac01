"""The shape every writer shares: a format name, a file name, options and ``render``.

Like Scrapy's feed exporters: each writer renders the same ``Digest`` and nothing
else, and rejects options it does not know instead of silently ignoring them.
"""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path
from typing import Annotated, Any, ClassVar

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


class Writer:
    """Renders a digest into one format."""

    format: ClassVar[str]
    filename: ClassVar[str]  # e.g. "digest.html"; the directory names the week
    media_type: ClassVar[str]
    Options: ClassVar[type[WriterOptions]] = WriterOptions

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
        raise NotImplementedError

    def write(self, digest: Digest, directory: str | Path) -> Path:
        """Render and write atomically into ``directory``; returns the file's path."""
        return write_atomic(Path(directory) / self.filename, self.render(digest))


def write_atomic(path: Path, data: bytes) -> Path:
    """Write via a temporary file in the same directory and ``os.replace``.

    A reader (a web server, a mail job) never sees half a digest, and a crash
    leaves the previous file in place. An exception removes the temporary file; a
    process killed outright (SIGKILL, power loss) cannot, so the next successful
    write of the same file sweeps such leftovers away.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as err:
        raise OutputError(f"{path.parent}: cannot write digest files: {err.strerror or err}") from err
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException as err:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(err, OSError):
            full = err.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT)
            hint = "; free some disk space or write the digest elsewhere (--out)" if full else ""
            raise OutputError(f"{path}: cannot write: {err.strerror or err}{hint}") from err
        raise
    for stale in path.parent.glob(f".{path.name}.*.tmp"):
        stale.unlink(missing_ok=True)
    return path
