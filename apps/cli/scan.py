"""``horizon scan``: run an ad-hoc scan from the terminal, with the same checks as the Prefect UI.

The run is the scan's composition (``flows/scan.py``), on the engine ``apps/cli/engines.py``
chooses, as for ``horizon digest``: the plain one without a Prefect API configured, else
the ``adhoc-scan`` flow.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer
import yaml

from apps.cli import app
from apps.cli.digest import parse_day, said_if_every_source_failed, stop_if_offline
from apps.cli.engines import EngineChoice, engine_option, on_prefect, prepare_prefect, run_plain, run_with_progress
from apps.cli.terminal import escape, say, warn
from horizon.config import load_config
from horizon.errors import UnknownName
from scanners.replay import SAMPLE_DIR
from steps.pipeline import check_scan

if TYPE_CHECKING:
    from flows.engine import Engine


def split(value: str | None) -> list[str] | None:
    """``a, b`` -> ``["a", "b"]``; nothing -> None (meaning all)."""
    names = [v.strip() for v in (value or "").split(",") if v.strip()]
    return names or None


@app.command()
def scan(
    query: str = typer.Argument(..., help="What to look for, in plain words, e.g. 'atrial fibrillation screening'."),
    sources: str | None = typer.Option(None, "--sources", help="Comma-separated sources to search \\[default: all "
                                                               "enabled]."),
    since: str | None = typer.Option(None, "--since", help="Items updated on or after DATE (YYYY-MM-DD) \\[default: a "
                                                           "year ago]."),
    until: str | None = typer.Option(None, "--until", help="Items updated on or before DATE (YYYY-MM-DD)."),
    areas: str | None = typer.Option(None, "--areas", help="Comma-separated priority area ids to keep \\[default: "
                                                           "all]."),
    limit: int = typer.Option(50, "--limit", min=1, max=1000, help="At most N ranked entries."),
    out: Path | None = typer.Option(None, "--out", help="Directory for the result \\[default: "
                                                        "digests/scans/<time>-<query>/]."),
    sample: bool = typer.Option(False, "--sample", help="Run offline on the recorded responses bundled with the "
                                                        "package."),
    config: Path | None = typer.Option(None, "--config", help="Config directory (priorities.yaml, sources.yaml, "
                                                              "settings.yaml)."),
    engine: EngineChoice = engine_option("adhoc-scan"),
) -> None:
    """Search sources for a query; classify, rank and publish what they return."""
    if not query.strip():
        raise typer.BadParameter("give some words to search for", param_hint="QUERY")
    prefect = on_prefect(engine)
    if prefect:
        prepare_prefect()  # before anything imports Prefect, which reads its settings once
    since_day, until_day = parse_day(since, "--since"), parse_day(until, "--until")
    chosen_sources, chosen_areas = split(sources), split(areas)
    loaded = load_config(config)  # every mistake is one line before any work (or Prefect) starts
    check_scan(loaded, chosen_areas, since_day, until_day)
    _check_sources(list(_sample_sources() if sample else loaded.sources), chosen_sources)
    from flows.preflight import check

    check(str(config) if config else None, sample, str(out) if out else None)  # one line before any work starts
    stop_if_offline(config, sample, chosen_sources)
    params = dict(query=query, sources=chosen_sources, since=since_day, until=until_day, areas=chosen_areas,
                  limit=limit, config_dir=str(config) if config else None, out=str(out) if out else None,
                  sample=sample)
    with said_if_every_source_failed():
        if prefect:
            from flows.adhoc_scan import adhoc_scan

            result = run_with_progress(adhoc_scan, **params)
        else:
            result = run_plain(adhoc, **params)
    print_scan(result)


def adhoc(engine: Engine, **params) -> dict:
    """The scan's composition on ``engine``: its summary, query and best entries."""
    from flows.scan import ScanRequest, run_scan

    return run_scan(ScanRequest(**params), engine)


def _sample_sources() -> dict:
    return yaml.safe_load((SAMPLE_DIR / "sources.yaml").read_text(encoding="utf-8"))["sources"]


def _check_sources(configured: list[str], chosen: list[str] | None) -> None:
    unknown = [s for s in chosen or () if s not in configured]
    if unknown:
        raise UnknownName(f"unknown source '{unknown[0]}'; configured: {', '.join(configured)}")


def print_scan(result: dict) -> None:
    """The ranked result in brief, then where the full digest is."""
    n = result["entries"]
    dates = f"items updated {result.get('since') or 'the start'} to {result.get('until') or 'now'}"
    say(f"[bold]Scan for “{escape(result['query'])}”[/], {escape(dates)}: {n} entr{'y' if n == 1 else 'ies'}"
        + (", best match first" if n else ""))
    for rank, entry in enumerate(result["top"], 1):
        where = " · ".join([entry.get("publisher") or entry["source"],
                            ", ".join(entry.get("area_names") or entry["areas"])])
        say(f"{rank:>3}. {escape(entry['title'])}  [dim]({escape(where)} · "
            f"query match {entry.get('match', 1.0):.2f} · score {entry['score']:.3f})[/]")
    for name, error in result["failed_sources"].items():
        warn(f"[red]source failed[/] {escape(name)}: {escape(str(error))}")
    for path in result["files"]:
        say(f"  wrote {escape(path)}")  # whole, for copying


__all__ = ["scan"]
