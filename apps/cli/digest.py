"""``horizon digest``: run the weekly digest from the terminal.

The run is the weekly composition (``flows/week.py``), on the engine ``apps/cli/engines.py``
chooses: the plain one without a Prefect API configured, else the ``weekly-digest`` flow.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from apps.cli import app
from apps.cli.engines import (
    EngineChoice,
    engine_option,
    on_prefect,
    prepare_prefect,
    progress_bar,
    run_plain,
    run_with_progress,
)
from apps.cli.terminal import err, escape, say, warn
from horizon.errors import AllSourcesFailed, HorizonError

if TYPE_CHECKING:
    from flows.engine import Engine


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
    engine: EngineChoice = engine_option("weekly-digest"),
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
            result = run_plain(weekly, **params)
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
        raise HorizonError(failed.headline) from None  # the reasons are said above, once


def weekly(engine: Engine, **params) -> dict:
    """The weekly composition on ``engine``: the run's summary."""
    from flows.week import WeekRequest, run_week

    return run_week(WeekRequest(**params), engine).summary


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


__all__ = ["EngineChoice", "digest", "on_prefect", "prepare_prefect", "progress_bar", "run_with_progress"]
