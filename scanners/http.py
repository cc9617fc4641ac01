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

import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit

import requests
from urllib3.exceptions import MaxRetryError, ReadTimeoutError
from urllib3.util.retry import Retry

from horizon.config import HttpSettings
from horizon.errors import HttpStatusError, ResponseTooLarge, SourceError
from scanners import http_failures
from scanners.deadline import DeadlineExceeded, _Adapter, _deadline
from scanners.validators import Validators

_QUERY = re.compile(r"\?[^\s'\")]*")


class _HideQueries(logging.Filter):
    """urllib3 logs each retry with the request's query string, which may carry an API key."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = _QUERY.sub("?<query hidden>", record.getMessage())
        record.args = ()
        return True


logging.getLogger("urllib3.connectionpool").addFilter(_HideQueries())

Throttle = Callable[[str], None]  # called with the host before every request
RETRY_STATUSES = (429, 500, 502, 503, 504)


class CappedRetry(Retry):
    """urllib3 Retry whose wait for Retry-After is capped, so a hostile server cannot park us."""

    max_retry_after: float = 120.0

    def get_retry_after(self, response):
        value = super().get_retry_after(response)
        return None if value is None else min(value, self.max_retry_after)

    def new(self, **kw):
        clone = super().new(**kw)
        clone.max_retry_after = self.max_retry_after
        return clone

    def increment(self, method=None, url=None, response=None, error=None, _pool=None, _stacktrace=None):
        # A name that does not resolve, a refused connection, a TLS failure: no retry mends them.
        if error is not None and http_failures.permanent(error):
            raise MaxRetryError(_pool, url, error) from error
        return super().increment(method, url, response, error, _pool, _stacktrace)


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


# Headers and query parameters that carry a credential: never sent on to another host.
_CREDENTIAL_NAME = re.compile(r"(key|token|secret|auth|passw|session|cookie|signature|^sig$)", re.I)


class CredentialSafeSession(requests.Session):
    """requests strips only ``Authorization`` on a redirect to another host; this strips every
    credential header (NICE's ``API-Key``, cookies, tokens) and query keys (``api_key``) too."""

    def rebuild_auth(self, prepared_request, response):
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
        self.time_left: Callable[[], float | None] | None = None  # seconds the whole run has left, if bounded
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
        seconds = self.settings.total_timeout
        if self.time_left is not None and (left := self.time_left()) is not None:
            seconds = max(0.01, min(seconds, left))  # the run's own deadline cuts a call short too
        with _deadline(seconds) as deadline:
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
                    raise HttpStatusError(source, f"HTTP {resp.status_code} from {_where(resp.url)}", resp.status_code,
                                          transient)
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
                                       f"(no data for {self.settings.read_timeout:g} s, {self.settings.retries} "
                                       "retries)",
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
    inner: BaseException = err
    while inner.__context__ is not None and inner.__context__ is not inner:
        inner = inner.__context__
    text = type(inner).__name__
    reason = getattr(inner, "reason", None)
    if reason is not None:
        text = f"{type(reason).__name__}" if not isinstance(reason, str) else reason
    return text
