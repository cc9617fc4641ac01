"""Publishing on Prefect: artifacts, and the delivery steps as tasks with per-channel retries.

The bodies are in ``flows/publishing.py`` (no Prefect), which the plain engine runs as they are.
"""

from __future__ import annotations

from prefect import task
from prefect.artifacts import create_link_artifact, create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.utilities.annotations import quote

from flows import publishing
from flows.publishing import published_since, shown_url, summary
from horizon.digest import Digest
from horizon.store import Store
from outputs.artifacts import Artifacts
from outputs.delivery import DeliveryConfig

__all__ = [
    "attempt",
    "leave_artifacts",
    "published_since",
    "send",
    "send_channel",
    "shown_url",
    "summary",
]


def leave_artifacts(made: Artifacts) -> None:
    """A digest's Markdown summary, tables and links, as artifacts of the current flow or task run."""
    for md in made.markdown:
        create_markdown_artifact(md.markdown, key=md.key, description=md.description)
    for table in made.tables:
        create_table_artifact(table.table, key=table.key, description=table.description)
    for link in made.links:
        create_link_artifact(link.link, link_text=link.link_text, key=link.key, description=link.description)


send_channel = task(publishing.send_channel, name="deliver", cache_policy=NO_CACHE)


def attempt(name: str, fn, retries: int, delay: float, *args) -> tuple[bool, object]:
    """``fn(*args)`` as a task run called ``name`` with Prefect's retries: (True, value) or (False, the error)."""
    run = task(fn, name=name, cache_policy=NO_CACHE, retries=retries, retry_delay_seconds=delay)
    state = run(*(quote(a) for a in args), return_state=True)
    if state.is_completed():
        return True, state.result()
    return False, state.result(raise_on_failure=False)


def send(store: Store, digest: Digest, delivery: DeliveryConfig, resend: bool = False) -> tuple[list[str], str | None]:
    """Every configured channel, each a task retried alone; returns the channels sent now and what failed."""
    return publishing.send(store, digest, delivery, resend, attempt)
