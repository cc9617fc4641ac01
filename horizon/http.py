"""The one HTTP client every scanner uses: polite, bounded and honest about failures.

Retries with backoff on 429/5xx (honouring Retry-After, capped) come from urllib3's
``Retry``; other 4xx fail at once. Every response is size-capped while it streams,
after decompression, so a gzip bomb cannot exhaust memory. Conditional requests
(ETag / Last-Modified) are opt-in per call through a ``Validators`` cache the caller
may persist between runs: a feed that has not changed then costs a 304 and no parsing.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from horizon.config import HttpSettings
from horizon.errors import ResponseTooLarge, SourceError

Throttle = Callable[[str], None]  # called with the host before every request
RETRY_STATUSES = (429, 500, 502, 503, 504)


class CappedRetry(Retry):
    """urllib3 Retry whose wait for Retry-After is capped, so a hostile server cannot park us."""

    max_retry_after: float = 120.0

    def get_retry_after(self, response):  # type: ignore[no-untyped-def]
        value = super().get_retry_after(response)
        return None if value is None else min(value, self.max_retry_after)

    def new(self, **kw):  # type: ignore[no-untyped-def]
        clone = super().new(**kw)
        clone.max_retry_after = self.max_retry_after
        return clone


@dataclass(frozen=True)
class Response:
    """A fetched body with the little metadata scanners and tests need."""

    url: str
    status: int
    body: bytes
    headers: Mapping[str, str]

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()


@dataclass
class Validators:
    """ETag / Last-Modified per request URL, so a repeat request can be conditional.

    Keyed by the URL with its sorted query: the same page asked for the same way.
    Requests use only the validators loaded at the start (``entries``); what this run
    learns goes to ``learned``. So a retry within a run never gets a 304 for a page
    whose items were not stored yet: the caller saves ``dumps()`` after storing them.
    """

    entries: dict[str, dict[str, str]] = field(default_factory=dict)
    learned: dict[str, dict[str, str]] = field(default_factory=dict)

    @staticmethod
    def key(url: str, params: Mapping[str, str] | None = None) -> str:
        return f"{url}?{urlencode(sorted(params.items()))}" if params else url

    def headers_for(self, key: str) -> dict[str, str]:
        saved = self.entries.get(key, {})
        out = {}
        if etag := saved.get("etag"):
            out["If-None-Match"] = etag
        if modified := saved.get("last-modified"):
            out["If-Modified-Since"] = modified
        return out

    def remember(self, key: str, headers: Mapping[str, str]) -> None:
        lower = {k.lower(): v for k, v in headers.items()}
        kept = {name: lower[name] for name in ("etag", "last-modified") if lower.get(name)}
        if kept:
            self.learned[key] = kept

    def dumps(self) -> str:
        """Everything known, for the next run: what was loaded, updated by what this run learned."""
        return json.dumps({**self.entries, **self.learned}, sort_keys=True)

    @classmethod
    def loads(cls, text: str) -> Validators:
        """Validators from ``dumps`` output; anything unreadable starts an empty cache."""
        try:
            doc = json.loads(text)
        except ValueError:
            return cls()
        if not isinstance(doc, dict):
            return cls()
        return cls({k: {n: str(v) for n, v in e.items() if isinstance(v, str)}
                    for k, e in doc.items() if isinstance(k, str) and isinstance(e, dict)})


class HttpClient:
    """GET with timeouts, retries, a size cap, a User-Agent and an optional per-host throttle."""

    def __init__(self, settings: HttpSettings | None = None, throttle: Throttle | None = None,
                 validators: Validators | None = None):
        self.settings = settings or HttpSettings()
        self.throttle = throttle
        self.validators = validators if validators is not None else Validators()
        self.requests_made = 0
        retry = CappedRetry(
            total=self.settings.retries,
            connect=self.settings.retries,
            read=self.settings.retries,
            status=self.settings.retries,
            backoff_factor=self.settings.backoff,
            status_forcelist=RETRY_STATUSES,
            allowed_methods=frozenset({"GET"}),
            respect_retry_after_header=True,
            raise_on_status=False,
            redirect=5,
        )
        retry.max_retry_after = self.settings.max_retry_after
        self.session = requests.Session()
        self.session.max_redirects = 5
        self.session.headers["User-Agent"] = self.settings.user_agent
        adapter = HTTPAdapter(max_retries=retry)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)

    def get(self, source: str, url: str, params: Mapping[str, str] | None = None,
            headers: Mapping[str, str] | None = None, conditional: bool = False) -> Response:
        """Fetch one URL; any failure becomes a ``SourceError`` naming the source.

        With ``conditional`` the request carries the validators saved for this URL, and
        an unchanged resource comes back as status 304 with an empty body.
        """
        if urlsplit(url).scheme not in ("http", "https"):
            raise SourceError(source, f"refusing non-http(s) URL {url!r}")
        key = Validators.key(url, params)
        if conditional:
            headers = {**self.validators.headers_for(key), **(headers or {})}
        if self.throttle:
            self.throttle(urlsplit(url).netloc)
        self.requests_made += 1
        timeout = (self.settings.connect_timeout, self.settings.read_timeout)
        try:
            with self.session.get(url, params=params, headers=headers, timeout=timeout, stream=True) as resp:
                if resp.status_code >= 400:
                    transient = resp.status_code in RETRY_STATUSES
                    raise SourceError(source, f"HTTP {resp.status_code} from {_where(resp.url)}", transient)
                if resp.status_code == 304:
                    return Response(url=resp.url, status=304, body=b"", headers=dict(resp.headers))
                body = self._read_capped(source, resp)
                if conditional:
                    self.validators.remember(key, resp.headers)
                return Response(url=resp.url, status=resp.status_code, body=body, headers=dict(resp.headers))
        except requests.exceptions.RetryError as err:
            raise SourceError(source, f"gave up after {self.settings.retries} retries: {_reason(err)}", True) from err
        except requests.exceptions.Timeout as err:
            raise SourceError(source, f"timed out fetching {_where(url)}", True) from err
        except requests.exceptions.TooManyRedirects as err:
            raise SourceError(source, f"too many redirects from {_where(url)}") from err
        except requests.exceptions.InvalidSchema as err:
            raise SourceError(source, f"redirected to a non-http(s) URL from {_where(url)}") from err
        except requests.exceptions.ConnectionError as err:
            if _reason(err) in ("ReadTimeoutError", "TimeoutError"):  # a read timeout that used up the retries
                raise SourceError(source, f"timed out fetching {_where(url)}", True) from err
            raise SourceError(source, f"cannot connect to {_where(url)}: {_reason(err)}", True) from err
        except requests.exceptions.RequestException as err:
            raise SourceError(source, f"request to {_where(url)} failed: {_reason(err)}") from err

    def _read_capped(self, source: str, resp: requests.Response) -> bytes:
        cap = self.settings.max_bytes
        declared = resp.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > cap and "content-encoding" not in resp.headers:
            raise ResponseTooLarge(source, f"response of {int(declared):,} bytes exceeds the {cap:,}-byte cap")
        chunks: list[bytes] = []
        size = 0
        for chunk in resp.iter_content(chunk_size=65536):
            size += len(chunk)
            if size > cap:
                raise ResponseTooLarge(source, f"response exceeds the {cap:,}-byte cap")
            chunks.append(chunk)
        return b"".join(chunks)

    def close(self) -> None:
        self.session.close()


def _where(url: str) -> str:
    """Scheme, host and path only: query strings may carry API keys."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def _reason(err: Exception) -> str:
    """The innermost cause, without URLs that could carry secrets in their query."""
    inner = err
    while inner.__context__ is not None and inner.__context__ is not inner:
        inner = inner.__context__
    text = type(inner).__name__
    reason = getattr(inner, "reason", None)
    if reason is not None:
        text = f"{type(reason).__name__}" if not isinstance(reason, str) else reason
    return text
