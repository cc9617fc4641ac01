"""The scanner registry: the one place a source is registered.

Adding a source means adding one module with a ``Scanner`` subclass and one
line in ``_MODULES``. A duplicate name fails at import; an unknown name raises
an error listing the available ones.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from horizon.config import Config, describe
from horizon.errors import ConfigError, UnknownName
from horizon.registry import collect
from scanners.base import Parsed, Scanner, ScanResult, SourceSettings
from scanners.http import HttpClient

_MODULES = ("ctgov", "isrctn", "nice", "govuk", "pubmed", "medrxiv", "rss")


REGISTRY: dict[str, type[Scanner]] = collect("scanners", _MODULES, Scanner, "name")


def get(name: str) -> type[Scanner]:
    """The scanner class called ``name``."""
    try:
        return REGISTRY[name]
    except KeyError:
        raise UnknownName(f"unknown source '{name}'; available: {', '.join(sorted(REGISTRY))}") from None


def settings_for(source: str, raw: dict[str, Any]) -> tuple[type[Scanner], SourceSettings]:
    """Validate one sources.yaml entry against its scanner's own settings model."""
    scanner_name = raw.get("scanner") or source
    if scanner_name not in REGISTRY:
        raise ConfigError(
            f"sources.yaml: sources.{source}: unknown scanner '{scanner_name}'; available: "
            f"{', '.join(sorted(REGISTRY))}"
        )
    cls = REGISTRY[scanner_name]
    try:
        return cls, cls.Settings.model_validate(raw)
    except ValidationError as err:
        raise ConfigError(describe("sources.yaml", err, raw, cls.Settings, prefix=f"sources.{source}.")) from None


def build(config: Config, http: HttpClient, only: list[str] | None = None) -> list[Scanner]:
    """Validate every configured source and return the enabled scanners (or just ``only``)."""
    scanners = []
    for source, raw in config.sources.items():
        cls, settings = settings_for(source, raw)
        if only is not None:
            if source in only:
                scanners.append(cls(settings, http, source=source))
        elif settings.enabled:
            scanners.append(cls(settings, http, source=source))
    if only:
        missing = sorted(set(only) - {s.source for s in scanners})
        if missing:
            raise UnknownName(f"unknown source '{missing[0]}'; configured: {', '.join(config.sources)}")
    return scanners


__all__ = ["REGISTRY", "Parsed", "ScanResult", "Scanner", "SourceSettings", "build", "get", "settings_for"]
