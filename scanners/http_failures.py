"""Which connection failures are worth retrying, and how to say each one in words.

A name that does not resolve, a refused connection and a failed TLS handshake do not pass in
the seconds a retry waits: retrying them (urllib3's retries times Prefect's) only made an
offline run take minutes to say "gaierror". They fail at once, as one line a person can act on.
Timeouts, resets and 5xx stay transient.
"""

from __future__ import annotations

import socket
import ssl
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import wait as wait_for
from urllib.parse import urlsplit

from urllib3.exceptions import NameResolutionError, NewConnectionError, SSLError


def _chain(err: BaseException | None) -> list[BaseException]:
    """The error and everything it wraps: urllib3's ``reason``, requests' first argument, causes."""
    seen: list[BaseException] = []
    while err is not None and all(err is not s for s in seen):
        seen.append(err)
        reason = getattr(err, "reason", None)
        first = err.args[0] if err.args and isinstance(err.args[0], BaseException) else None
        err = (reason if isinstance(reason, BaseException) else None) or first or err.__cause__ or err.__context__
    return seen


def kind(err: BaseException | None) -> str | None:
    """"dns", "refused" or "tls" for a failure no retry will mend; None for anything else."""
    for link in _chain(err):
        if isinstance(link, NameResolutionError):
            return "dns"
        if isinstance(link, (SSLError, ssl.SSLError)):
            return "tls"
        if isinstance(link, ConnectionRefusedError):
            return "refused"
        if isinstance(link, NewConnectionError) and "refused" in str(link).lower():
            return "refused"
    return None


def permanent(err: BaseException | None) -> bool:
    """Whether retrying this connection failure is pointless."""
    return kind(err) is not None


def in_words(err: BaseException, url: str) -> str | None:
    """"cannot resolve clinicaltrials.gov: no network?" and the like; None if the failure is another kind."""
    parts = urlsplit(url)
    host = parts.hostname or parts.netloc
    found = kind(err)
    if found == "dns":
        return f"cannot resolve {host}: no network, or a wrong base_url?"
    if found == "refused":
        port = parts.port or (443 if parts.scheme == "https" else 80)
        return f"connection to {host}:{port} refused: is the service down, or the base_url wrong?"
    if found == "tls":
        reason = next((str(getattr(e, "reason", "") or e) for e in _chain(err) if isinstance(e, ssl.SSLError)), "")
        return f"TLS failed with {host}: {reason[:160] or 'handshake refused'}"
    return None


def unresolvable(base_urls: dict[str, str], wait: float = 10.0) -> dict[str, str]:
    """Sources whose host name does not resolve, with the reason in words; looked up side by side.

    The CLI asks this before starting Prefect: when no source's host resolves, the machine is
    offline, and saying so takes a second instead of the minutes a Prefect start costs. A lookup
    still running after ``wait`` seconds counts as resolvable: the run then finds out itself.
    """
    hosts = {source: urlsplit(url).hostname or "" for source, url in base_urls.items()}

    def fails(host: str) -> bool:
        if not host:
            return False
        try:
            socket.getaddrinfo(host, None)
        except socket.gaierror:
            return True
        except OSError:
            return False
        return False

    pool = ThreadPoolExecutor(max_workers=8)
    futures = {host: pool.submit(fails, host) for host in set(hosts.values())}
    done, _ = wait_for(futures.values(), timeout=wait)
    pool.shutdown(wait=False, cancel_futures=True)
    failed = {host for host, future in futures.items() if future in done and future.result()}
    return {source: f"cannot resolve {host}: no network, or a wrong base_url?"
            for source, host in hosts.items() if host in failed}
