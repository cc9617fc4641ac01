"""The one HTTP client every scanner uses: polite, bounded and honest about failures.

Retries with backoff on 429/5xx (honouring Retry-After, capped) come from urllib3's
``Retry``; other 4xx fail at once. Every response is size-capped while it streams,
after decompression, so a gzip bomb cannot exhaust memory. A total deadline per
call (retries, redirects and a body trickled a byte at a time included) is enforced
by a timer that shuts the call's sockets down, so no server can hold a run forever.
Conditional requests (ETag / Last-Modified) are opt-in per call through a ``Validators``
cache the caller may persist between runs: a feed that has not changed then costs a
304 and no parsing.
"""

from __future__ import annotations

import json
import logging
import re
import socket
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import MaxRetryError, ReadTimeoutError
from urllib3.util.retry import Retry

from scanners import http_failures
from horizon.config import HttpSettings
from horizon.errors import ResponseTooLarge, SourceError

_QUERY = re.compile(r"\?[^\s'\")]*")


class _HideQueries(logging.Filter):
    """urllib3 logs each retry with the request's query string, which may carry an API key."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = _QUERY.sub("?<query hidden>", record.getMessage())
        record.args = ()
        return True


logging.getLogger("urllib3.connectionpool").addFilter(_HideQueries())
_log = logging.getLogger("scanners.http")

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

    def increment(self, method=None, url=None, response=None, error=None, _pool=None, _stacktrace=None):  # type: ignore[no-untyped-def]
        # A name that does not resolve, a refused connection, a TLS failure: no retry mends them.
        if error is not None and http_failures.permanent(error):
            raise MaxRetryError(_pool, url, error) from error
        return super().increment(method, url, response, error, _pool, _stacktrace)


class DeadlineExceeded(Exception):
    """Raised inside the transport when a call has run past ``total_timeout``."""


class _Deadline:
    """The connections one ``get`` uses; at the deadline their sockets are shut down.

    Shutting a socket wakes a ``recv`` blocked in another thread, which then fails or
    ends the body early; every later attempt (a retry) is refused at once.
    """

    def __init__(self, seconds: float):
        self.expired = False
        self.connects = 0  # connection attempts, retries included: what an offline run is measured by
        self._conns: list[HTTPConnection] = []
        self._socks: list[socket.socket] = []  # a response that closes its connection keeps only the socket
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def watch(self, conn: HTTPConnection) -> None:
        with self._lock:
            if self.expired:
                raise DeadlineExceeded
            self._conns.append(conn)
            if getattr(conn, "sock", None) is not None:
                self._socks.append(conn.sock)

    def watch_socket(self, sock: socket.socket) -> None:
        with self._lock:
            self._socks.append(sock)
            if self.expired:
                raise DeadlineExceeded

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            socks = self._socks + [c.sock for c in self._conns if getattr(c, "sock", None) is not None]
            for sock in socks:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


_current = threading.local()  # the deadline of the call running on this thread


@contextmanager
def _deadline(seconds: float) -> Iterator[_Deadline]:
    deadline = _Deadline(seconds)
    _current.deadline = deadline
    deadline._timer.start()
    try:
        yield deadline
    finally:
        deadline._timer.cancel()
        _current.deadline = None


class _Watched:
    """Mixin for urllib3 connections: each request and new socket joins the current call's deadline."""

    def connect(self) -> None:
        deadline = getattr(_current, "deadline", None)
        if deadline is not None:
            deadline.connects += 1
        _log.debug("connecting to %s:%s", self.host, self.port)  # type: ignore[attr-defined]
        super().connect()  # type: ignore[misc]
        if deadline is not None:
            deadline.watch_socket(self.sock)  # type: ignore[attr-defined]

    def request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        deadline = getattr(_current, "deadline", None)
        if deadline is not None:
            deadline.watch(self)  # type: ignore[arg-type]
        return super().request(*args, **kwargs)  # type: ignore[misc]


class _WatchedHTTPConnection(_Watched, HTTPConnection):
    pass


class _WatchedHTTPSConnection(_Watched, HTTPSConnection):
    pass


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


class _Adapter(HTTPAdapter):
    """requests' adapter with connections that honour the per-call deadline."""

    def init_poolmanager(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}


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


# Headers and query parameters that carry a credential: never sent on to another host.
_CREDENTIAL_NAME = re.compile(r"(key|token|secret|auth|passw|session|cookie|signature|^sig$)", re.I)


class CredentialSafeSession(requests.Session):
    """requests strips only ``Authorization`` on a redirect to another host; this strips every
    credential header (NICE's ``API-Key``, cookies, tokens) and query keys (``api_key``) too."""

    def rebuild_auth(self, prepared_request, response):  # type: ignore[no-untyped-def] - requests' hook
        super().rebuild_auth(prepared_request, response)
        if not self.should_strip_auth(response.request.url, prepared_request.url):
            return
        for name in [n for n in prepared_request.headers if _CREDENTIAL_NAME.search(n) and n.lower() != "user-agent"]:
            del prepared_request.headers[name]
        parts = urlsplit(prepared_request.url)
        kept = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _CREDENTIAL_NAME.search(k)]
        prepared_request.prepare_url(parts._replace(query=urlencode(kept)).geturl(), None)


class HttpClient:
    """GET with timeouts, retries, a size cap, a User-Agent and an optional per-host throttle."""

    def __init__(self, settings: HttpSettings | None = None, throttle: Throttle | None = None,
                 validators: Validators | None = None):
        self.settings = settings or HttpSettings()
        self.throttle = throttle
        self.validators = validators if validators is not None else Validators()
        self.requests_made = 0
        # Called with (source, response) for every response received: ``horizon fetch --save`` keeps them.
        self.recorder: Callable[[str, Response], None] | None = None
        self.connect_attempts = 0  # every connection tried, retries included (new connections only)
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
        self.session = CredentialSafeSession()
        self.session.max_redirects = 5
        self.session.headers["User-Agent"] = self.settings.user_agent
        adapter = _Adapter(max_retries=retry)
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
        with _deadline(self.settings.total_timeout) as deadline:
            try:
                response = self._get(source, url, params, headers, key if conditional else None)
            except (SourceError, DeadlineExceeded) as err:
                if deadline.expired:
                    raise self._too_slow(source, url) from err
                raise
            finally:
                self.connect_attempts += deadline.connects
            if deadline.expired:  # the body ended because the deadline shut the socket
                raise self._too_slow(source, url)
            if self.recorder is not None:
                self.recorder(source, response)
            return response

    def _too_slow(self, source: str, url: str) -> SourceError:
        return SourceError(source, f"gave up after {self.settings.total_timeout:g} s (total_timeout) "
                                   f"fetching {_where(url)}", True)

    def _get(self, source: str, url: str, params: Mapping[str, str] | None,
             headers: Mapping[str, str] | None, validator_key: str | None) -> Response:
        timeout = (self.settings.connect_timeout, self.settings.read_timeout)
        try:
            with self.session.get(url, params=params, headers=headers, timeout=timeout, stream=True) as resp:
                if resp.status_code >= 400:
                    transient = resp.status_code in RETRY_STATUSES
                    raise SourceError(source, f"HTTP {resp.status_code} from {_where(resp.url)}", transient)
                if resp.status_code == 304:
                    return Response(url=resp.url, status=304, body=b"", headers=dict(resp.headers))
                body = self._read_capped(source, resp)
                if validator_key is not None:
                    self.validators.remember(validator_key, resp.headers)
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
            if words := http_failures.in_words(err, url):  # not transient: retrying will not help
                raise SourceError(source, words) from err
            raise self._connection_failed(source, url, err) from err
        except requests.exceptions.RequestException as err:
            raise SourceError(source, f"request to {_where(url)} failed: {_reason(err)}") from err

    def _connection_failed(self, source: str, url: str, err: requests.exceptions.ConnectionError) -> SourceError:
        cause = err.args[0] if err.args else None
        cause = cause.reason if isinstance(cause, MaxRetryError) else cause
        if isinstance(cause, ReadTimeoutError):  # a read timeout after the retries, or mid-body
            return SourceError(source, f"timed out fetching {_where(url)} "
                                       f"(no data for {self.settings.read_timeout:g} s, {self.settings.retries} retries)",
                               True)
        return SourceError(source, f"cannot connect to {_where(url)}: {_reason(err)}", True)

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
