"""The full Prefect engine for the weekly composition: each step a task, retries, a task runner, artifacts.

``flows/weekly_digest.py`` (the ``weekly-digest`` flow and its deployments) runs
``flows.week.run_week`` with it. Sources are fetch tasks with whole-source retries
(``flows/tasks.py``), each ICS an ``ics-digest`` task submitted to the flow's task
runner (threads, or Dask: it takes a ``DigestRef`` and rebuilds this engine where it
runs), delivery a task per channel with the delivery's retries, and every digest leaves
its artifacts in the Prefect UI. Large arguments are passed ``quote``d, so Prefect never
walks every item.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any, TypeVar

from prefect import Task, task
from prefect.cache_policies import NO_CACHE
from prefect.utilities.annotations import quote

from flows import publish, tasks
from flows.deadline import RunDeadline
from flows.ics_digest import DigestRef, IcsDone, digest_for
from flows.throttle import PREFECT
from horizon.config import Config
from outputs.artifacts import Artifacts
from scanners import Scanner, ScanResult

F = TypeVar("F", bound=Callable[..., Any])
_STEPS: dict[tuple[str, Callable], Task] = {}


class PrefectEngine:
    throttle = PREFECT

    def fetch_all(self, config: Config, scanners: Sequence[Scanner], start_for: Callable[[Scanner], date],
                  deadline: RunDeadline | None = None) -> list[ScanResult]:
        return tasks.fetch_all(config, scanners, start_for, deadline)

    def step(self, name: str, fn: F) -> F:
        key = (name, fn)
        if key not in _STEPS:
            _STEPS[key] = task(fn, name=name, cache_policy=NO_CACHE)
        run = _STEPS[key]

        def call(*args: Any, **kwargs: Any) -> Any:
            return run(*(quote(a) for a in args), **{k: quote(v) for k, v in kwargs.items()})
        return call  # type: ignore[return-value]

    def attempt(self, name: str, fn: Callable[..., Any], retries: int, delay: float,
                *args: Any) -> tuple[bool, Any]:
        return publish.attempt(name, fn, retries, delay, *args)

    def each_ics(self, ref: DigestRef, ics_ids: Sequence[str]) -> list[IcsDone]:
        futures = [ics_digest.submit(ref, ics_id) for ics_id in ics_ids]
        return [IcsDone(f.result()) for f in futures]

    def leave(self, made: Artifacts) -> None:
        publish.leave_artifacts(made)


@task(name="ics-digest", cache_policy=NO_CACHE)
def ics_digest(ref: DigestRef, ics_id: str) -> dict:
    """One ICS's digest from the shared store; returns its summary (plain data, cheap to send back from Dask)."""
    return digest_for(ref, ics_id, PrefectEngine()).summary
