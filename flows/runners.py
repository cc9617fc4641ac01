"""Which task runner the flows on Prefect's engine use: threads by default, a Dask cluster when one is configured.

``HORIZON_DASK_ADDRESS`` (e.g. ``tcp://scheduler:8786``) sends the fetch and per-ICS
tasks to an existing ``distributed`` cluster through prefect-dask; ``local`` starts a
``LocalCluster`` of processes for the run. Tasks take plain data (see
``flows/fetching.SourceRef`` and ``flows/ics_digest.DigestRef``), so they can travel.
See docs/performance.md for when each pays.
"""

from __future__ import annotations

import os

THREADS = 4  # sources fetch concurrently (on either engine); more threads only queue on the per-host limits


def task_runner():
    address = os.environ.get("HORIZON_DASK_ADDRESS", "").strip()
    if not address:
        from prefect.task_runners import ThreadPoolTaskRunner

        return ThreadPoolTaskRunner(max_workers=THREADS)
    from prefect_dask import DaskTaskRunner

    if address == "local":
        return DaskTaskRunner(cluster_kwargs={"n_workers": 2, "threads_per_worker": 2, "processes": True})
    return DaskTaskRunner(address=address)
