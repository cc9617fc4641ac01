"""``horizon digest``: run the weekly digest from the terminal.

The run is the weekly composition (``flows/week.py``). Without a Prefect API configured
it runs on the plain engine, in this process (no Prefect import, no temporary API server:
docs/performance.md has the measurements); with one, or ``--engine prefect``, it runs as
the ``weekly-digest`` flow on Prefect's engine, as deployments do.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from enum import StrEnum
from pathlib import Path

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from apps.cli import app, local_prefect
from apps.cli.terminal import err, escape, say, warn
from horizon.errors import AllSourcesFailed
from horizon.progress import set_reporter


def prepare_prefect() -> None:
    """Quiet, patient defaults for a local run on the embedded Prefect server.

    Our own progress and summary speak to the user; Prefect's logs (and the
    tracebacks it logs for a failed run) appear only with ``--debug``.
    """
    import apps.cli

    level = "INFO" if apps.cli.debugging() else "CRITICAL"
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", level)
    # The temporary API server logs on its own (a race between runs registering block types
    # on one Prefect home is retried by Prefect, but its traceback would reach the terminal).
    os.environ.setdefault("PREFECT_SERVER_LOGGING_LEVEL", level)
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    local_prefect.prepare()  # a generous start-up timeout; this user's Prefect home migrated once


class EngineChoice(StrEnum):
    auto = "auto"
    plain = "plain"
    prefect = "prefect"


def on_prefect(choice: EngineChoice) -> bool:
    """Whether this run goes through Prefect's engine: asked for, or a Prefect API is configured."""
    if choice is EngineChoice.auto:
        return local_prefect.api_configured()
    return choice is EngineChoice.prefect


def parse_day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"expected a date like 2026-11-02, got {value!r}", param_hint=option) from None


@app.command()
def digest(
    sample: bool = typer.Option(False, "--sample", help="Run offline on the recorded responses bundled with the "
                                                        "package."),
    config: Path | None = typer.Option(None, "--config", help="Config directory (priorities.yaml, sources.yaml, "
                                                              "settings.yaml)."),
    since: str | None = typer.Option(None, "--since", help="Show everything updated since DATE (YYYY-MM-DD)."),
    out: Path | None = typer.Option(None, "--out", help="Directory for the digest files \\[default: digests/<ISO "
                                                        "week>/]."),
    resend: bool = typer.Option(False, "--resend", help="E-mail and post the digest again, even if it went out "
                                                        "already."),
    engine: EngineChoice = typer.Option(
        EngineChoice.auto, "--engine", envvar="HORIZON_ENGINE",
        help="plain: in this process, no Prefect; prefect: as the weekly-digest flow (a temporary local Prefect "
             "API if PREFECT_API_URL is unset); auto: prefect when a Prefect API is configured, else plain."),
) -> None:
    """Run the weekly digest: fetch, classify, rank and publish."""
    since_day = parse_day(since, "--since")
    prefect = on_prefect(engine)
    if prefect:
        prepare_prefect()  # before anything imports Prefect, which reads its settings once
    from flows.preflight import check

    # A config mistake is one line before anything starts.
    check(str(config) if config else None, sample, str(out) if out else None)
    stop_if_offline(config, sample)
    params = dict(config_dir=str(config) if config else None, out=str(out) if out else None, since=since_day,
                  sample=sample, resend=resend)
    with said_if_every_source_failed():
        if prefect:
            from flows.weekly_digest import weekly_digest

            result = run_with_progress(weekly_digest, **params)
        else:
            result = run_plain(**params)
    print_summary(result)


def stop_if_offline(config: Path | None, sample: bool, only: list[str] | None = None) -> None:
    """When no source's host name resolves, say so in a second instead of after a Prefect start."""
    if sample:
        return
    import scanners
    from horizon.config import load_config
    from scanners.http import HttpClient
    from scanners.http_failures import unresolvable

    loaded = load_config(config)
    urls = {s.source: s.settings.base_url for s in scanners.build(loaded, HttpClient(loaded.settings.http), only)}
    failed = unresolvable(urls)
    if urls and len(failed) == len(urls):
        with said_if_every_source_failed():
            raise AllSourcesFailed(failed)


@contextmanager
def said_if_every_source_failed() -> Iterator[None]:
    """One line per failed source before the run's own one-line error (and exit status 1)."""
    try:
        yield
    except AllSourcesFailed as failed:
        for name, reason in failed.failures.items():
            err.print(f"[red]source failed[/] {escape(name)}: {escape(reason)}", soft_wrap=True)  # one line each
        raise


@contextmanager
def progress_bar(first: str) -> Iterator[None]:
    """A spinner that shows each step the stages report, gone when the run ends."""
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                  console=err, transient=True) as progress:
        bar = progress.add_task(first, total=None)
        set_reporter(lambda step: progress.update(bar, description=step))
        try:
            yield
        finally:
            set_reporter(None)


def run_with_progress(flow_fn, **params):
    """Call a flow in this process (on Prefect's engine) with the progress spinner."""
    with progress_bar("starting Prefect"):
        from flows.publishing import published_since

        before = published_since()
        return local_prefect.run(lambda: flow_fn(**params), lambda line: warn(escape(line)),
                                 lambda: published_since(before))


def run_plain(**params) -> dict:
    """The weekly composition on the plain engine, in this process, with the progress spinner."""
    with progress_bar("starting"):
        from flows.engine import Plain
        from flows.week import WeekRequest, run_week

        return run_week(WeekRequest(**params), Plain()).summary


def print_summary(result: dict) -> None:
    """The short summary a person reads after a run: what was done and what failed."""
    counts = result["counts"]
    say(
        f"[bold]Digest {escape(result['week'])}[/]: {result['entries']} entries "
        f"({counts.get('digest/new', 0)} new, {counts.get('digest/changed', 0)} changed"
        + (f", {counts['digest/backfill']} backfill" if counts.get("digest/backfill") else "") + "), "
        f"{counts.get('dropped/no-area', 0)} items matched no priority area."
    )
    for name, error in result["failed_sources"].items():
        warn(f"[red]source failed[/] {escape(name)}: {escape(str(error))}")
    if result.get("delivered"):
        say(f"delivered by {escape(', '.join(result['delivered']))}")
    if result.get("delivery_error"):
        warn(f"[red]delivery failed[/] {escape(result['delivery_error'])}")
    for path in result["files"]:
        say(f"  wrote {escape(path)}")
    if result.get("store"):
        say(f"  store {escape(result['store'])}")


__all__ = ["digest"]
