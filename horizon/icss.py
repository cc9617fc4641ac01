"""Several ICSs on one fetch: ``icss.yaml`` names each ICS's own priorities, title, delivery and output.

A Health Innovation Network serves several ICSs, each with its own priority areas and
weights; a national service scans for all 42. The sources and the item store are
shared (every source is fetched once per run); each ICS gets its own digest series
(its own key, so its own "new since last week"), classifier and folder::

    # icss.yaml, beside sources.yaml
    icss:
      cambs:                          # the ICS id: lowercase letters, digits, dashes
        dir: cambs                    # holds its priorities.yaml (and delivery.yaml, if any)
        title: "Horizon scan: Cambridgeshire and Peterborough"
        output_dir: digests/cambs     # default <output_dir>/<id>
      norfolk:
        dir: norfolk

Without ``icss.yaml`` the configuration is one ICS, exactly as before.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from pydantic import Field, ValidationError

from horizon.config import AREA_ID, Config, Priorities, Strict, _parse, _read_yaml, describe
from horizon.errors import ConfigError

FILE = "icss.yaml"


class IcsEntry(Strict):
    dir: Annotated[str, Field(min_length=1)]
    title: str | None = None
    output_dir: str | None = None
    top_n: Annotated[int, Field(ge=1, le=200)] | None = None


@dataclass(frozen=True)
class Ics:
    """One ICS of a run: its id, its configuration (own priorities and settings), where it delivers."""

    id: str
    config: Config
    title: str | None
    directory: Path  # its priorities.yaml and delivery.yaml
    single: bool  # the whole configuration is this one ICS (no icss.yaml)
    first: bool = True  # owns reviewer labels that name no ICS (see horizon/store_icss.py)

    def output_root(self, sample: bool = False) -> Path:
        """Where this ICS's week folders and feed.atom go; a sample run's go to the sample's own folder."""
        root = self.config.settings.output_root(sample)
        return root if self.single or not sample else root / self.id

    @property
    def key(self) -> str:
        """Its digest series: the priorities' name for a lone ICS (as before), ``ics-<id>`` otherwise."""
        from horizon.config import digest_key

        return digest_key(self.config) if self.single else f"ics-{self.id}"


def load_icss(config: Config) -> list[Ics]:
    """The ICSs of a configuration: those in ``icss.yaml``, or the configuration itself."""
    path = config.directory / FILE
    if not path.exists():
        return [Ics(id="default", config=config, title=None, directory=config.directory, single=True)]
    found: list[Ics] = []
    for ics_id, entry in _entries(_read_yaml(path)).items():
        directory = (config.directory / entry.dir).resolve()
        if not (directory / "priorities.yaml").is_file():
            raise ConfigError(f"{FILE}: icss.{ics_id}.dir: no priorities.yaml in {directory}; "
                              "each ICS needs its own priorities.yaml")
        priorities = _parse(directory / "priorities.yaml", Priorities)
        output = entry.output_dir or str(Path(config.settings.output_dir) / ics_id)
        settings = config.settings.model_copy(update={
            "output_dir": output, **({"top_n": entry.top_n} if entry.top_n else {})})
        own = config.model_copy(update={"priorities": priorities, "settings": settings})
        found.append(Ics(id=ics_id, config=own, title=entry.title, directory=directory, single=False,
                         first=not found))
    return found


def _entries(doc: dict) -> dict[str, IcsEntry]:
    if set(doc) - {"icss"}:
        raise ConfigError(f"{FILE}: unknown key '{sorted(set(doc) - {'icss'})[0]}'; valid keys: icss")
    body = doc.get("icss")
    if not isinstance(body, dict) or not body:
        raise ConfigError(f"{FILE}: 'icss' must map ICS ids to their settings (dir, title, output_dir, top_n), "
                          "got nothing")
    entries = {}
    for ics_id, raw in body.items():
        if not isinstance(ics_id, str) or not re.fullmatch(AREA_ID, ics_id) or len(ics_id) > 60:
            raise ConfigError(f"{FILE}: icss.{ics_id}: an ICS id is lowercase letters, digits and dashes, "
                              f"got {ics_id!r}")
        try:
            entries[ics_id] = IcsEntry.model_validate(raw)
        except ValidationError as err:
            raise ConfigError(describe(FILE, err, raw, IcsEntry, prefix=f"icss.{ics_id}.")) from err
    return entries


def find(config: Config, ics_id: str) -> Ics:
    """One ICS by id; an unknown id names the configured ones."""
    icss = load_icss(config)
    for ics in icss:
        if ics.id == ics_id:
            return ics
    raise ConfigError(f"{FILE}: unknown ICS '{ics_id}'; configured: {', '.join(i.id for i in icss)}")
