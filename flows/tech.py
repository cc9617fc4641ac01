"""The weekly flow's technology step: one task that links the week's batch to tracked technologies."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from prefect import task
from prefect.cache_policies import NO_CACHE

from horizon.config import Config
from horizon.errors import HorizonError
from horizon.items import Item
from horizon.progress import report
from horizon.store import Store
from horizon.store_tech import Technologies
from horizon.tech import seed
from horizon.tech.link import link_batch, link_store
from scanners.replay import SAMPLE_DIR


def seed_files(config: Config, sample: bool) -> list[Path]:
    """Where tracked technologies are declared: the config's technologies.yaml, and the sample's."""
    found = [SAMPLE_DIR / seed.FILENAME] if sample else []
    directory = getattr(config, "directory", None)
    if directory and (Path(directory) / seed.FILENAME).exists():
        found.append(Path(directory) / seed.FILENAME)
    return found


@task(name="link-technologies", cache_policy=NO_CACHE)
def link_technologies(config: Config, store: Store, batch: Sequence[Item], now: datetime,
                      seeds: Sequence[Path] = ()) -> Counter[str]:
    """Add declared technologies, then link this week's items to every technology (aliases, suggestions, names).

    A technology added now is also linked to every item stored before it, so its evidence is complete.
    """
    techs = Technologies(store)
    counts: Counter[str] = Counter()
    added: list[str] = []
    for path in seeds:
        try:
            added += seed.apply(techs, seed.read(path, config.priorities.ids))
        except HorizonError as err:  # a broken technologies.yaml never stops the digest
            counts["tech/seed-failed"] += 1
            report(f"technologies not seeded: {err}")
    if added:
        counts["tech/alias-links-past"] = link_store(techs, now=now, only=added)
    counts.update(link_batch(techs, batch, now=now))
    report(f"linked items to {len(techs.all())} technologies")
    return counts
