"""The ``horizon`` command line. Each command group lives in its own module here.

Project errors print as one line (no traceback unless ``--debug``) and exit 1.
"""

from __future__ import annotations

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


def debugging() -> bool:
    """Whether ``--debug`` was given: commands then show tracebacks and library logs."""
    return _debug


# Command modules register themselves on ``app`` when imported.
from horizon.cli import classify, digest, parse, serve, users  # noqa: E402,F401


def main() -> None:
    try:
        app()
    except HorizonError as err:
        if _debug:
            raise
        typer.secho(f"error: {err}", err=True, fg=typer.colors.RED)
        sys.exit(1)
from horizon.cli import limits, scan  # noqa: E402,F401
