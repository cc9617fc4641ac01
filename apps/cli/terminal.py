"""Where the CLI writes: results to stdout, progress and diagnostics to stderr.

So ``horizon digest --sample > summary.txt`` keeps the summary, and a cron job's
mail shows only what went wrong. Text from sources is escaped before it meets
rich markup: a title containing ``[/]`` is printed, not parsed.
"""

from __future__ import annotations

import typer
from rich.console import Console
from rich.markup import escape

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False)

SAMPLE = typer.Option(False, "--sample", help="Use the bundled sample's own store (the one `horizon digest --sample` "
                      "fills), never the configured one.")


def say(markup: str) -> None:
    """A result line (stdout). Interpolate untrusted text through ``escape``."""
    out.print(markup)


def warn(markup: str) -> None:
    """A diagnostic line (stderr)."""
    err.print(markup)


__all__ = ["SAMPLE", "err", "escape", "out", "say", "warn"]
