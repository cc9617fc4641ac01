"""The ad-hoc scan flow: the scan's composition (``flows/scan.py``) on Prefect's engine.

Analysts run it from the Prefect UI (the ``adhoc-scan`` deployment, prefect.yaml), which
checks the parameters against these type hints; ``horizon scan`` without a Prefect API
runs the same composition on the plain engine.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from prefect import flow
from prefect.task_runners import ThreadPoolTaskRunner
from pydantic import Field

from flows.prefect_engine import PrefectEngine
from flows.scan import LIMIT_MAX, QUERY_MAX, ScanRequest, run_scan

Query = Annotated[str, Field(min_length=1, max_length=QUERY_MAX, pattern=r"\S")]
Limit = Annotated[int, Field(ge=1, le=LIMIT_MAX)]


@flow(name="adhoc-scan", task_runner=ThreadPoolTaskRunner(max_workers=4), log_prints=True)
def adhoc_scan(
    query: Query,
    sources: list[str] | None = None,
    since: date | None = None,
    until: date | None = None,
    areas: list[str] | None = None,
    limit: Limit = 50,
    config_dir: str | None = None,
    out: str | None = None,
    sample: bool = False,
) -> dict:
    """Search the chosen sources for a query, classify and rank what they return, and publish it.

    Args:
        query: What to look for, in plain words (e.g. "atrial fibrillation screening"); each source gets it
            in its own query syntax.
        sources: Source names from sources.yaml to search; every enabled source if empty.
        since: Only items updated on or after this date; a year before today if empty.
        until: Only items updated on or before this date; no upper bound if empty.
        areas: Priority area ids to keep (e.g. ["cardiovascular"]); every area if empty.
        limit: At most this many ranked entries in the result (1 to 1000).
        config_dir: Directory with priorities.yaml, sources.yaml and settings.yaml; the bundled defaults if empty.
        out: Directory for the result files; `<output_dir>/scans/<time>-<query>/` from settings.yaml if empty.
        sample: Run offline against the recorded responses bundled with the package.
    """
    request = ScanRequest(query=query, sources=sources, since=since, until=until, areas=areas, limit=limit,
                          config_dir=config_dir, out=out, sample=sample)
    return run_scan(request, PrefectEngine())
