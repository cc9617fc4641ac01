"""Configuration: a directory of YAML files loaded into pydantic models at the boundary.

``priorities.yaml`` (the ICS priority areas), ``sources.yaml`` (what to pull) and
``settings.yaml`` (store, HTTP politeness, ranking). Anything wrong is one
``ConfigError`` line naming the file, the field, what is allowed and what was given,
raised before any work starts.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from horizon.errors import ConfigError

AREA_ID = r"^[a-z][a-z0-9-]*$"
DEFAULT_DIR = Path(str(resources.files("horizon") / "defaults"))


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Area(Strict):
    """One ICS priority area; its id is a contract (see priority-areas.md)."""

    id: Annotated[str, Field(pattern=AREA_ID)]
    name: Annotated[str, Field(min_length=1)]
    description: Annotated[str, Field(min_length=1)]
    keywords: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()  # seed texts that belong here
    negatives: tuple[str, ...] = ()  # phrases that cancel a keyword's sense here ("ocular hypertension")
    weight: Annotated[float, Field(ge=0, le=10)] = 1.0


class Priorities(Strict):
    name: str = "ICS priorities"
    areas: Annotated[tuple[Area, ...], Field(min_length=1)]

    @field_validator("areas")
    @classmethod
    def _unique_ids(cls, areas: tuple[Area, ...]) -> tuple[Area, ...]:
        ids = [a.id for a in areas]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"area ids must be unique, got {', '.join(dupes)} more than once")
        return areas

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(a.id for a in self.areas)

    def area(self, area_id: str) -> Area:
        for a in self.areas:
            if a.id == area_id:
                return a
        raise ConfigError(f"unknown area '{area_id}'; valid areas: {', '.join(self.ids)}")


class HttpSettings(Strict):
    """Politeness and safety limits shared by every scanner."""

    user_agent: str = "horizon-scanning/0.1 (+https://github.com/nhs-ics/horizon-scanning)"
    connect_timeout: Annotated[float, Field(gt=0, le=120)] = 10
    read_timeout: Annotated[float, Field(gt=0, le=600)] = 30
    # A whole request, retries and redirects included: a server trickling a byte a second
    # never trips read_timeout, so only a total deadline stops it.
    total_timeout: Annotated[float, Field(gt=0, le=3600)] = 300
    max_bytes: Annotated[int, Field(gt=0)] = 20_000_000
    retries: Annotated[int, Field(ge=0, le=10)] = 3
    backoff: Annotated[float, Field(ge=0, le=60)] = 1.0
    max_retry_after: Annotated[float, Field(ge=0, le=3600)] = 120
    requests_per_second: Annotated[float, Field(gt=0, le=100)] = 1.0
    source_retries: Annotated[int, Field(ge=0, le=10)] = 2  # whole-source retries by Prefect, after the above
    source_retry_delay: Annotated[float, Field(ge=0, le=3600)] = 30


IMPACT_KINDS = ("safety", "guidance", "programme", "trial-results", "trial-late-phase", "trial",
                "innovation", "literature", "news")


class RankingSettings(Strict):
    """The ranking's factors (docs/ranking.md says what each one does and why)."""

    half_life_days: Annotated[float, Field(gt=0)] = 90
    uk_boost: Annotated[float, Field(ge=1, le=3)] = 1.2
    # First seen now but published (registered) longer ago than this: "backfill", not "new".
    new_within_days: Annotated[int, Field(ge=1, le=3650)] = 365
    novelty: dict[str, Annotated[float, Field(ge=0, le=1)]] = {"new": 1.0, "changed": 0.9, "backfill": 0.4, "seen": 0.3}
    # What each kind of item means for local services, 0 to 1.
    impact: dict[str, Annotated[float, Field(ge=0, le=1)]] = {
        "safety": 1.0, "guidance": 1.0, "programme": 0.8, "trial-results": 0.7, "trial-late-phase": 0.55,
        "trial": 0.4, "innovation": 0.5, "literature": 0.45, "news": 0.35,
    }
    # Sources whose news is a national programme (NHS England, NIHR, Health Innovation Networks).
    programme_sources: tuple[str, ...] = ("nhse-news", "nihr-news", "hin-news")

    @field_validator("novelty")
    @classmethod
    def _novelty_keys(cls, value: dict[str, float]) -> dict[str, float]:
        allowed = {"new", "changed", "backfill", "seen"}
        if set(value) != allowed:
            raise ValueError(f"needs exactly the keys new, changed, backfill, seen, got {', '.join(sorted(value))}")
        return value

    @field_validator("impact")
    @classmethod
    def _impact_keys(cls, value: dict[str, float]) -> dict[str, float]:
        if set(value) != set(IMPACT_KINDS):
            raise ValueError(f"needs exactly the keys {', '.join(IMPACT_KINDS)}, got {', '.join(sorted(value))}")
        return value


class WorkspaceSettings(Strict):
    """The review workspace: when judgements start a background retrain, and how it is checked."""

    retrain_every: Annotated[int, Field(ge=1, le=1000)] = 10  # judgements between automatic retrains
    cv_folds: Annotated[int, Field(ge=2, le=10)] = 5  # cross-validation folds for the F1 a retrain reports


class Settings(Strict):
    # The one place the default stores are decided. HORIZON_STORE_URL fills in a missing store_url;
    # nothing overrides the sample's store, so a --sample run never touches a real one.
    store_url: Annotated[str, Field(min_length=1)] = "sqlite:///horizon.db"
    sample_store_url: Annotated[str, Field(min_length=1)] = "sqlite:///horizon-sample.db"
    output_dir: str = "digests"
    # A sample run's files and feed.atom: never output_dir's real weeks and the feed readers subscribe to.
    sample_output_dir: str = "digests"
    top_n: Annotated[int, Field(ge=1, le=200)] = 10
    http: HttpSettings = HttpSettings()
    ranking: RankingSettings = RankingSettings()
    workspace: WorkspaceSettings = WorkspaceSettings()
    # After this many seconds no source starts another request; the digest is published
    # with the sources still running reported as timed out. None: no deadline.
    run_deadline: Annotated[float, Field(gt=0, le=86400)] | None = 900
    # Where the digest folders are published for readers (https://intranet.example/digests/);
    # artifacts link there instead of to file:// paths on the worker.
    public_base_url: Annotated[str, Field(pattern=r"^https?://\S+$")] | None = None

    def output_root(self, sample: bool = False) -> Path:
        """Where a run's files go: ``output_dir``, or ``sample_output_dir`` for a sample run."""
        return Path(self.sample_output_dir if sample else self.output_dir)


class Config(BaseModel):
    """A loaded configuration directory. ``sources`` stays raw until the scanner
    registry validates each entry against its scanner's own settings model."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    directory: Path
    priorities: Priorities
    sources: dict[str, dict[str, Any]]
    settings: Settings

    def store_for(self, sample: bool = False) -> str:
        """The store a run uses: the sample's own for ``--sample``, else the configured one."""
        return self.settings.sample_store_url if sample else self.settings.store_url


def digest_key(config: Config) -> str:
    """Digests of the same configuration share a key; 'new' is relative to the last one."""
    from horizon.text import slug

    return slug(config.priorities.name, length=100, fallback="digest")


def load_config(directory: str | Path | None = None) -> Config:
    """Load and validate a config directory (the bundled defaults when None)."""
    base = Path(directory) if directory else DEFAULT_DIR
    if not base.is_dir():
        raise ConfigError(f"{base}: config directory not found; pass --config DIR with priorities.yaml and "
                          "sources.yaml")
    priorities = _parse(base / "priorities.yaml", Priorities)
    settings = _parse(base / "settings.yaml", Settings, optional=True)
    # The environment names the store of configurations that name none; one that does keeps
    # its own, so separate ICS stores never mix because a worker has an old variable set.
    if (url := os.environ.get("HORIZON_STORE_URL")) and "store_url" not in settings.model_fields_set:
        settings = settings.model_copy(update={"store_url": url})
    sources_doc = _read_yaml(base / "sources.yaml")
    sources = _sources_section(sources_doc)
    return Config(directory=base, priorities=priorities, sources=sources, settings=settings)


def _sources_section(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    unknown = set(doc) - {"sources"}
    if unknown:
        raise ConfigError(f"sources.yaml: unknown key '{sorted(unknown)[0]}'; valid keys: sources")
    sources = doc.get("sources")
    if not isinstance(sources, dict) or not sources:
        raise ConfigError("sources.yaml: 'sources' must map source names to their settings, got nothing")
    for name, body in sources.items():
        if not isinstance(body, dict):
            raise ConfigError(f"sources.yaml: sources.{name}: must be a mapping of settings, got {body!r}")
    return {str(k): dict(v) for k, v in sources.items()}


def _read_yaml(path: Path, optional: bool = False) -> dict[str, Any]:
    if not path.exists():
        if optional:
            return {}
        raise ConfigError(f"{path}: file not found; copy it from the bundled defaults (horizon/defaults/{path.name})")
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(f"{path}: cannot read: {err}") from err
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        raise ConfigError(f"{path.name}{where}: not valid YAML: {getattr(err, 'problem', err)}") from err
    if doc is None:
        return {}
    if not isinstance(doc, dict):
        raise ConfigError(f"{path.name}: must be a mapping at the top level, got {type(doc).__name__}")
    return doc


def _parse(path: Path, model: type[BaseModel], optional: bool = False) -> Any:
    doc = _read_yaml(path, optional)
    try:
        return model.model_validate(doc)
    except ValidationError as err:
        raise ConfigError(describe(path.name, err, doc, model)) from err


def describe(filename: str, err: ValidationError, doc: Any, model: type[BaseModel], prefix: str = "") -> str:
    """One line for the first validation error: file, field, what is allowed, what was given."""
    first = err.errors()[0]
    where = prefix + _location(first["loc"], doc)
    if first["type"] == "extra_forbidden":
        valid = ", ".join(_fields_at(model, first["loc"][:-1])) or "see the bundled defaults"
        return f"{filename}: {where}: unknown key; valid keys: {valid}"
    given = first.get("input")
    message = first["msg"].removeprefix("Value error, ")
    message = message[0].lower() + message[1:] if message else message
    shown = "" if isinstance(given, (dict, list)) or first["type"] == "missing" else f", got {given!r}"
    return f"{filename}: {where}: {message}{shown}"


def _location(loc: tuple[Any, ...], doc: Any) -> str:
    """Render a pydantic location, naming list entries by their id where they have one."""
    parts: list[str] = []
    node = doc
    for key in loc:
        if isinstance(key, int) and isinstance(node, list) and key < len(node):
            entry = node[key]
            label = entry.get("id") if isinstance(entry, dict) else None
            parts.append(f"'{label}'" if label else f"[{key}]")
            node = entry
        else:
            parts.append(str(key))
            node = node.get(key) if isinstance(node, dict) else None
    return ".".join(parts).replace(".'", " '").replace("areas '", "area '")


def _fields_at(model: Any, loc: tuple[Any, ...]) -> list[str]:
    """The valid keys of the (nested) model that a location points into."""
    for key in loc:
        if isinstance(key, int):
            continue
        field = model.model_fields.get(key) if model is not None else None
        model = _inner_model(field.annotation) if field is not None else None
    return list(model.model_fields) if model is not None else []


def _inner_model(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _inner_model(arg)
        if found is not None:
            return found
    return None
