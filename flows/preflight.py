"""Checks a command runs before Prefect starts: the config, every source's settings, the output
folders, the store.

Imports nothing heavy (no Prefect, no classifier), so a typo in a config file is
one line within a second or two, with nothing begun.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import scanners
from horizon.config import Config, load_config
from horizon.errors import OutputError
from horizon.icss import load_icss
from horizon.store import Store
from outputs.delivery import load_delivery
from scanners.http import HttpClient


def check(config_dir: str | None, sample: bool = False, out: str | None = None) -> None:
    """Validate the configuration, the output folders and the store without fetching anything."""
    config = load_config(config_dir)
    icss = load_icss(config)  # a mistake in icss.yaml or an ICS's priorities is one line too
    if not sample:
        for ics in icss:
            load_delivery(ics.directory)
        scanners.build(config, HttpClient(config.settings.http))
    check_outputs(config, out, sample)
    Store(config.store_for(sample)).close()


def check_outputs(config: Config, out: str | None = None, sample: bool = False) -> None:
    """Every folder this run writes in (``--out``, or each ICS's ``output_dir``; the sample's own) takes a file."""
    folders = [Path(out)] if out else [ics.output_root(sample) for ics in load_icss(config)]
    for folder in dict.fromkeys(folders):
        check_writable(folder)


def check_writable(directory: Path) -> None:
    """Make sure files can be written in ``directory`` before any fetching starts.

    Folders made for the check are removed again: a run that stops early leaves nothing behind.
    """
    made = next((p for p in [directory.absolute(), *directory.absolute().parents] if p.parent.exists()), None)
    made = made if made is not None and not made.exists() else None
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=directory, prefix=".horizon-write-check-"):
            pass
        if made is not None:
            shutil.rmtree(made, ignore_errors=True)
    except OSError as err:
        raise OutputError(f"{directory}: cannot write in the output directory ({err.strerror or type(err).__name__}); "
                          "fix its permissions, or set output_dir in settings.yaml or --out") from err
