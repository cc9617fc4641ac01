"""``horizon fetch SOURCE --save DIR``: capture what a live source sends, to replay or report.

Each response is saved as received, with its request URL, status, headers and time (see
``scanners.saved``), before any parsing: a page that breaks the parser is exactly the one
worth keeping. ``horizon parse SOURCE DIR/0001-SOURCE.response.json`` reads one back.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import typer

from apps.cli import app
from apps.cli.digest import parse_day
from apps.cli.terminal import escape, say, warn
from horizon.config import load_config
from horizon.errors import HorizonError, UnknownName
from scanners import saved
from scanners.http import HttpClient, Response


@app.command()
def fetch(
    source: str = typer.Argument(..., help="A source in sources.yaml."),
    save: Path = typer.Option(..., "--save", help="Directory for the raw responses (created if missing)."),
    since: str | None = typer.Option(None, "--since", help="Fetch what changed since DATE (YYYY-MM-DD) \\[default: "
                                                           "the source's lookback_days]."),
    config: Path | None = typer.Option(None, "--config", help="Config directory (default: bundled)."),
) -> None:
    """Fetch one source as a run would and save every raw response it sends."""
    import scanners  # the CLI wires stages; core modules never import scanners

    cfg = load_config(config)
    if source not in cfg.sources:
        raise UnknownName(f"unknown source '{source}'; configured: {', '.join(cfg.sources)}")
    cls, settings = scanners.settings_for(source, cfg.sources[source])
    start = parse_day(since, "--since") or date.today() - timedelta(days=settings.lookback_days)
    http = HttpClient(cfg.settings.http)
    written: list[Path] = []

    def keep(name: str, response: Response) -> None:
        path = saved.save(save, len(written) + 1, name, response.url, response.status, dict(response.headers),
                          response.body, datetime.now(UTC))
        written.append(path)
        say(escape(str(path)))

    http.recorder = keep
    scanner = cls(settings, http, source=source)
    try:
        result = scanner.scan(start)
    finally:
        http.close()
    warn(f"{escape(source)}: saved {len(written)} responses to {escape(str(save))}; {len(result.items)} items parsed")
    if result.error:
        raise HorizonError(f"{source}: {result.error}")
