"""Technology records from a YAML file (``technologies.yaml`` in a config directory, or the sample's).

Records that already exist (by name) are left as the team has changed them: a seed
only adds what is missing, so re-running a digest never resets a stage.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from horizon.config import describe
from horizon.errors import ConfigError
from horizon.store import STAGES
from horizon.store_tech import KINDS, Technologies

FILENAME = "technologies.yaml"


class SeedTechnology(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    aliases: list[str] = []
    kind: str = "other"
    developer: str = ""
    areas: list[str] = []
    description: str = ""
    stage: str = "signal"
    owner: str = ""
    next_review: date | None = None


def read(path: Path, area_ids: tuple[str, ...] | list[str] = ()) -> list[SeedTechnology]:
    """Validated records from ``path``; one line naming the file and field for anything wrong."""
    try:
        body = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as err:
        raise ConfigError(f"{path}: cannot read technologies: {err}") from err
    raw = body.get("technologies") if isinstance(body, dict) else None
    if not isinstance(raw, list):
        raise ConfigError(f"{path}: expected a 'technologies:' list")
    out = []
    for n, entry in enumerate(raw, 1):
        try:
            record = SeedTechnology.model_validate(entry)
        except ValidationError as err:
            raise ConfigError(describe(f"{path}: technology {n}", err, entry, SeedTechnology)) from None
        for field, value, allowed in (("kind", record.kind, KINDS), ("stage", record.stage, STAGES)):
            if value not in allowed:
                raise ConfigError(f"{path}: technology '{record.name}': {field} must be one of "
                                  f"{', '.join(allowed)}, got '{value}'")
        unknown = [a for a in record.areas if area_ids and a not in area_ids]
        if unknown:
            raise ConfigError(f"{path}: technology '{record.name}': unknown area '{unknown[0]}'; "
                              f"valid: {', '.join(area_ids)}")
        out.append(record)
    return out


def apply(techs: Technologies, records: list[SeedTechnology], by: str = "seed") -> list[str]:
    """Add the records not yet in the store; returns the ids added."""
    added = []
    for r in records:
        if techs.by_name(r.name):
            continue
        tech_id = techs.add(r.name, r.aliases, r.kind, r.developer, r.areas, r.description, r.stage, r.owner,
                            by=by, why="seeded from technologies.yaml")
        if r.next_review:
            techs.update(tech_id, next_review=r.next_review)
        added.append(tech_id)
    return added
