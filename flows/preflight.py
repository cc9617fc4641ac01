"""Checks a command runs before Prefect starts: the config, every source's settings, the store.

Imports nothing heavy (no Prefect, no classifier), so a typo in a config file is
one line within a second or two, with nothing begun.
"""

from __future__ import annotations

import scanners
from horizon.config import load_config
from horizon.icss import load_icss
from horizon.store import Store
from outputs.delivery import load_delivery
from scanners.http import HttpClient


def check(config_dir: str | None, sample: bool = False) -> None:
    """Validate the configuration and open the store without fetching anything."""
    config = load_config(config_dir)
    icss = load_icss(config)  # a mistake in icss.yaml or an ICS's priorities is one line too
    if not sample:
        for ics in icss:
            load_delivery(ics.directory)
        scanners.build(config, HttpClient(config.settings.http))
    Store(config.store_for(sample)).close()
