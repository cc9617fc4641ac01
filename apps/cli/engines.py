"""Which engine a command's run goes on, and running it there with the progress spinner.

``horizon digest`` and ``horizon scan`` each run one composition (``flows/week.py``,
``flows/scan.py``). Without a Prefect API configured it runs on the plain engine, in this
process (no Prefect import, no temporary API server: docs/performance.md has the
measurements); with one, or ``--engine prefect``, it runs as the command's Prefect flow on
Prefect's engine, as deployments do.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from apps.cli import local_prefect
from apps.cli.terminal import err, escape, warn
from horizon.progress import set_reporter

if TYPE_CHECKING:
    from flows.engine import Engine


class EngineChoice(StrEnum):
    auto = "auto"
    plain = "plain"
    prefect = "prefect"


def engine_option(flow: str) -> Any:
    """The ``--engine`` option of a command whose Prefect flow is ``flow``."""
    return typer.Option(
        EngineChoice.auto, "--engine", envvar="HORIZON_ENGINE",
        help=f"plain: in this process, no Prefect; prefect: as the {flow} flow (a temporary local Prefect API if "
             "PREFECT_API_URL is unset); auto: prefect when a Prefect API is configured, else plain.")


def on_prefect(choice: EngineChoice) -> bool:
    """Whether this run goes through Prefect's engine: asked for, or a Prefect API is configured."""
    if choice is EngineChoice.auto:
        return local_prefect.api_configured()
    return choice is EngineChoice.prefect


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


def run_plain(compose: Callable[..., dict], **params) -> dict:
    """``compose(engine, **params)`` on the plain engine, in this process, with the progress spinner."""
    with progress_bar("starting"):
        from flows.engine import Plain

        engine: Engine = Plain()
        return compose(engine, **params)
