"""``horizon setup-limits``: create the per-host rate limits on the Prefect server, explicitly.

Prefect may create a limit implicitly in an inactive state (not enforced), so
every host the configured sources use gets an active limit with slot decay here.
"""

from __future__ import annotations

import os
from pathlib import Path

import typer

from apps.cli import app
from apps.cli.engines import prepare_prefect
from apps.cli.terminal import say, warn
from horizon.config import load_config


@app.command("setup-limits")
def setup_limits(
    config: Path | None = typer.Option(None, "--config", help="Config directory whose sources and settings.yaml to "
                                                              "use."),
) -> None:
    """Create or update an active rate limit per source host on the Prefect server (PREFECT_API_URL)."""
    loaded = load_config(config)
    prepare_prefect()
    from prefect.settings import PREFECT_API_URL

    from flows.limits import configured_limits, ensure_limits, slots_for

    limits = configured_limits(loaded)
    server = PREFECT_API_URL.value() or os.environ.get("PREFECT_API_URL")
    if not server:
        warn("[yellow]PREFECT_API_URL is not set:[/] limits go into the local Prefect database "
                      "(PREFECT_HOME), used by runs on this machine only.")
    for name, done in ensure_limits(limits):
        rate = limits[name]
        say(f"{done:>9} {name}: {rate:g} request(s)/s (burst {slots_for(rate)}, decay {rate:g}/s)")


__all__ = ["setup_limits"]
