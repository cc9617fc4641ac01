"""A total deadline per HTTP call: a timer that shuts the call's sockets down.

A server trickling a byte a second never trips ``read_timeout``; only a deadline over the
whole call (retries and redirects included) stops it. Connections join the deadline of the
call running on their thread; each connection attempt is counted, so a run can say how many
it made.
"""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

_log = logging.getLogger("scanners.http")  # one logger for the client: "connecting to host:port" per attempt


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

    def request(self, *args, **kwargs):
        deadline = getattr(_current, "deadline", None)
        if deadline is not None:
            deadline.watch(self)
        return super().request(*args, **kwargs)


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

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}
