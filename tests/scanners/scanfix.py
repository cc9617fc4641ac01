"""Helpers for the scanner tests: saved responses, a fast polite client, scanners at a local server."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest

from horizon.config import HttpSettings
from scanners.base import Scanner
from scanners.http import HttpClient

FIXTURES = Path(__file__).parent / "fixtures"


def saved(source: str, name: str) -> bytes:
    """A saved response body from fixtures/<source>/."""
    return (FIXTURES / source / name).read_bytes()


def fast_client(**overrides: object) -> HttpClient:
    """A client with retries but no real waiting: tests stay fast and still exercise retry paths."""
    settings = {"retries": 2, "backoff": 0, "max_retry_after": 2, "connect_timeout": 2, "read_timeout": 3}
    settings.update(overrides)
    return HttpClient(HttpSettings(**settings))


def make(cls: type[Scanner], base_url: str, client: HttpClient | None = None, source: str | None = None,
         **settings: object) -> Scanner:
    """A scanner of ``cls`` whose base_url is the local test server."""
    return cls(cls.Settings.model_validate({"base_url": base_url.rstrip("/"), **settings}),
               client or fast_client(), source=source)


def sent(httpserver, path: str | None = None) -> list[dict[str, str]]:
    """The query parameters of every request the server received (optionally for one path)."""
    return [dict(req.args) for req, _ in httpserver.log if path is None or urlsplit(req.url).path == path]


@pytest.fixture
def client() -> HttpClient:
    return fast_client()
