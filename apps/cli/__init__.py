"""The ``horizon`` command line. Each command group lives in its own module here.

Project errors print as one line (no traceback unless ``--debug``) and exit 1.
So do unforeseen ones (a full disk, a library error): one line that says what to
do, the traceback one flag away.
"""

from __future__ import annotations

import errno
import logging
import os
import re
import sys

import typer

from horizon.errors import HorizonError

app = typer.Typer(
    name="horizon",
    help="Horizon scanning for NHS Integrated Care Systems.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
_debug = False


@app.callback()
def _root(debug: bool = typer.Option(False, "--debug", help="Show full tracebacks on errors.")) -> None:
    global _debug
    _debug = debug
    if not debug:
        # Prefect logs a failed run's traceback itself; the one line main() prints says it all.
        os.environ.setdefault("PREFECT_LOGGING_LEVEL", "CRITICAL")
        # urllib3 warns on every retry; the source's one-line failure says what matters.
        logging.getLogger("urllib3").setLevel(logging.ERROR)
        from apps.cli.quiet import quiet

        quiet()  # and BeautifulSoup's XML-as-HTML warning


def debugging() -> bool:
    """Whether ``--debug`` was given: commands then show tracebacks and library logs."""
    return _debug


def main() -> None:
    try:
        app()
    except HorizonError as err:
        if _debug:
            raise
        typer.secho(f"error: {err}", err=True, fg=typer.colors.RED)
        sys.exit(1)
    except Exception as err:
        if _debug:
            raise
        typer.secho(f"error: {unexpected(err)}", err=True, fg=typer.colors.RED)
        sys.exit(1)


_NO_SPACE = {errno.ENOSPC, errno.EFBIG, errno.EDQUOT}
_NOT_WRITABLE = {errno.EACCES, errno.EPERM, errno.EROFS}


def unexpected(err: BaseException) -> str:
    """One line for an error no part of the program translated: what happened and what to do."""
    found: BaseException | None = err
    while found is not None and not isinstance(found, OSError):
        found = found.__cause__ or found.__context__
    if isinstance(found, OSError) and found.errno in _NO_SPACE:
        where = f"{found.filename}: " if found.filename else ""
        return f"{where}no space left ({found.strerror}); free some disk space or point output_dir/store_url elsewhere"
    if isinstance(found, OSError) and found.errno in _NOT_WRITABLE:
        where = f"{found.filename}: " if found.filename else ""
        return f"{where}not writable ({found.strerror}); fix its permissions or choose another directory"
    text = re.sub(r"\s+", " ", f"{type(err).__name__}: {err}").strip()[:300]
    return f"{text} (unexpected; re-run with --debug for the traceback and report it)"


# Command modules register themselves on ``app`` when imported.
from apps.cli import classify, digest, fetch, init, limits, parse, scan, serve, tech, users  # noqa: E402,F401
