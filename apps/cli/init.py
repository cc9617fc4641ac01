"""``horizon init DIR``: a configuration directory to edit, copied from the bundled defaults."""

from __future__ import annotations

import shutil
from pathlib import Path

import typer

from apps.cli import app
from apps.cli.terminal import escape, say
from horizon.config import DEFAULT_DIR, load_config
from horizon.errors import InputError


@app.command()
def init(directory: Path = typer.Argument(..., help="New config directory, e.g. my-ics.")) -> None:
    """Copy the bundled priorities, sources and settings into DIR, ready to edit and pass as --config DIR."""
    if directory.exists():
        raise InputError(f"{directory}: already exists; choose a new directory (nothing was changed)")
    shutil.copytree(DEFAULT_DIR, directory, ignore=shutil.ignore_patterns("__pycache__"))
    load_config(directory)  # what was copied is a valid configuration
    say(f"Created {escape(str(directory))}/ with priorities.yaml, sources.yaml and settings.yaml; "
        f"edit them, then run `horizon digest --config {escape(str(directory))}`.")
