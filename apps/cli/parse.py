"""``horizon parse SOURCE FILE``: what one saved response of a source yields, as JSON lines.

For debugging a source: the same ``parse`` the scan uses, with no network. SOURCE is a
key of sources.yaml (``mhra-safety``) or a scanner name (``isrctn``). FILE is a response
body, or the ``.response.json`` that ``horizon fetch --save`` wrote beside one: then the
saved headers go with the body, so a charset only the HTTP header named is honoured. A
response whose rows or records were (mostly) not understood exits 1, as the run fails it.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import typer

from apps.cli import app
from horizon.config import load_config
from horizon.errors import InputError, MalformedResponse, UnknownName
from scanners import saved
from scanners.http import HttpClient


@app.command()
def parse(
    source: str = typer.Argument(..., help="A source in sources.yaml, or a scanner name."),
    file: Path = typer.Argument(..., help="A saved response body, or a .response.json from 'horizon fetch --save'."),
    config: Path | None = typer.Option(None, "--config", help="Config directory (default: bundled)."),
) -> None:
    """Parse one saved response of SOURCE and print the items it yields as JSON lines."""
    import scanners  # the CLI wires stages; core modules never import scanners

    cfg = load_config(config)
    if source in cfg.sources:
        cls, settings = scanners.settings_for(source, cfg.sources[source])
    elif source in scanners.REGISTRY:
        cls = scanners.REGISTRY[source]
        settings = cls.Settings.model_validate({"base_url": "http://localhost"})
    else:
        known = sorted(set(cfg.sources) | set(scanners.REGISTRY))
        raise UnknownName(f"unknown source '{source}'; available: {', '.join(known)}")
    scanner = cls(settings, HttpClient(cfg.settings.http), source=source)
    if saved.is_saved(file):
        response = saved.load(file)
        parsed = scanner.parse_response(response.body, response.headers)
    else:
        try:
            raw = file.read_bytes()
        except OSError as err:
            raise InputError(f"{file}: cannot read: {err.strerror or err}") from err
        parsed = scanner.parse(raw)
    for item in parsed.items:
        typer.echo(item.model_dump_json())
    skipped = ", ".join(f"{reason} {n}" for reason, n in sorted(parsed.skipped.items()) if n)
    typer.echo(f"{source}: {len(parsed.items)} items" + (f"; skipped {skipped}" if skipped else ""), err=True)
    # The run's rule, here too: rows present but (mostly) not understood is a failure, not "0 items".
    if failure := scanner.silent_zero(Counter(parsed.skipped, fetched=len(parsed.items))):
        raise MalformedResponse(source, failure)
