"""The weekly digest flow: the weekly composition (``flows/week.py``) on Prefect's engine.

Deployments (prefect.yaml) and any run with a Prefect API run this; the local
``horizon digest`` without one runs the same composition on the plain engine.
"""

from __future__ import annotations

from datetime import date

from prefect import flow

from flows.prefect_engine import PrefectEngine
from flows.runners import task_runner
from flows.week import WeekRequest, run_week


@flow(name="weekly-digest", task_runner=task_runner(), log_prints=True)
def weekly_digest(
    config_dir: str | None = None,
    out: str | None = None,
    since: date | None = None,
    sample: bool = False,
    resend: bool = False,
) -> dict:
    """Pull what is new or changed from every source, classify and rank it, and publish the digest.

    Args:
        config_dir: Folder with priorities.yaml, sources.yaml, settings.yaml (icss.yaml: many ICSs); defaults if empty.
        out: Directory for the digest files; `<output_dir>/<ISO week>/` from settings.yaml if empty.
        since: Fetch and show everything updated since this date instead of what is new since the last digest.
        sample: Run offline against the recorded responses bundled with the package.
        resend: Send the digest again on every channel, even where it was delivered already.
    """
    request = WeekRequest(config_dir=config_dir, out=out, since=since, sample=sample, resend=resend)
    return run_week(request, PrefectEngine()).summary
