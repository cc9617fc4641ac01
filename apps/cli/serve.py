"""``horizon serve``: the review workspace over the configured store."""

from __future__ import annotations

from pathlib import Path

import typer

from apps.cli import app
from apps.cli.terminal import SAMPLE, escape, say, warn
from horizon.config import load_config
from horizon.store import store_label


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Address to bind; keep 127.0.0.1 unless a reverse proxy needs more."),
    port: int = typer.Option(8000, min=1, max=65535, help="Port to listen on."),
    config: Path | None = typer.Option(None, "--config", help="Config directory (default: the bundled one)."),
    https_only: bool = typer.Option(False, "--https-only", help="Send the session cookie over HTTPS only "
                                    "(set this behind a TLS-terminating reverse proxy)."),
    forwarded_allow_ips: str = typer.Option("127.0.0.1", help="Proxies whose X-Forwarded-* headers are trusted."),
    sample: bool = SAMPLE,
) -> None:
    """Serve the review workspace: triage digests, teach the classifier, keep the register."""
    import uvicorn

    from apps.workspace import create_app

    cfg = load_config(config)
    application = create_app(cfg, https_only=https_only, sample=sample)
    if not application.state.store.users():
        flag = " --sample" if sample else ""
        warn(f"[yellow]No users yet:[/] add one with `horizon user add NAME --role admin{flag}`.")
    say(f"Serving the workspace on http://{host}:{port}/ (store {escape(store_label(cfg.store_for(sample)))})")
    uvicorn.run(application, host=host, port=port, proxy_headers=True, forwarded_allow_ips=forwarded_allow_ips,
                server_header=False)
