"""``horizon digest``: run the weekly digest flow from the terminal."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from horizon.cli import app
from horizon.progress import set_reporter

console = Console(stderr=True)


def prepare_prefect() -> None:
    """Quiet, patient defaults for a local run on the embedded Prefect server.

    Our own progress and summary speak to the user; Prefect's logs (and the
    tracebacks it logs for a failed run) appear only with ``--debug``.
    """
    import horizon.cli

    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "INFO" if horizon.cli.debugging() else "CRITICAL")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")


def parse_day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"expected a date like 2026-11-02, got {value!r}", param_hint=option) from None


@app.command()
def digest(
    sample: bool = typer.Option(False, "--sample", help="Run offline on the recorded responses bundled with the package."),
    config: Path | None = typer.Option(None, "--config", help="Config directory (priorities.yaml, sources.yaml, settings.yaml)."),
    since: str | None = typer.Option(None, "--since", help="Show everything updated since DATE (YYYY-MM-DD)."),
    out: Path | None = typer.Option(None, "--out", help="Directory for the digest files \\[default: digests/<ISO week>/]."),
) -> None:
    """Run the weekly digest: fetch, classify, rank and publish."""
    since_day = parse_day(since, "--since")
    prepare_prefect()  # before anything imports Prefect, which reads its settings once
    from flows.setup import check

    check(str(config) if config else None, sample)  # a config mistake is one line before Prefect starts
    from flows.weekly_digest import weekly_digest

    result = run_with_progress(weekly_digest, config_dir=str(config) if config else None,
                               out=str(out) if out else None, since=since_day, sample=sample)
    print_summary(result)


def run_with_progress(flow_fn, **params):  # noqa: ANN001, ANN201 - any flow
    """Call a flow in this process with a spinner that shows each step the stages report."""
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                  console=console, transient=True) as progress:
        bar = progress.add_task("starting Prefect", total=None)
        set_reporter(lambda step: progress.update(bar, description=step))
        try:
            return flow_fn(**params)
        finally:
            set_reporter(None)


def print_summary(result: dict) -> None:
    """The short summary a person reads after a run: what was done and what failed."""
    counts = result["counts"]
    console.print(
        f"[bold]Digest {result['week']}[/]: {result['entries']} entries "
        f"({counts.get('digest/new', 0)} new, {counts.get('digest/changed', 0)} changed"
        + (f", {counts['digest/backfill']} backfill" if counts.get("digest/backfill") else "") + "), "
        f"{counts.get('dropped/no-area', 0)} items matched no priority area."
    )
    for name, error in result["failed_sources"].items():
        console.print(f"[red]source failed[/] {escape(name)}: {escape(str(error))}", highlight=False)
    if result.get("delivered"):
        console.print(f"delivered by {', '.join(result['delivered'])}")
    if result.get("delivery_error"):
        console.print(f"[red]delivery failed[/] {escape(result['delivery_error'])}", highlight=False)
    for path in result["files"]:
        console.print(f"  wrote {escape(path)}", highlight=False)


__all__ = ["digest"]
