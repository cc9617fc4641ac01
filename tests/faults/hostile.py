"""A hostile HTTP server on 127.0.0.1 that misbehaves at the socket level.

pytest-httpserver speaks correct HTTP; this one is written on raw sockets so it can
stall, trickle bytes forever, lie about Content-Length, close mid-body, or send
compression bombs. Each path prefix gets a ``Behaviour``: a function that receives
the parsed request and the socket and does whatever it likes with it.
"""

from __future__ import annotations

import socket
import socketserver
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from urllib.parse import parse_qs, urlsplit


@dataclass
class Request:
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]


Behaviour = Callable[[Request, socket.socket, threading.Event], None]


@dataclass
class HostileServer:
    routes: dict[str, Behaviour] = field(default_factory=dict)
    log: list[Request] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def start(self) -> HostileServer:
        server = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                server._handle(self.request)

        self._tcp = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler, bind_and_activate=False)
        self._tcp.daemon_threads = True
        self._tcp.allow_reuse_address = True
        self._tcp.server_bind()
        self._tcp.server_activate()
        self._thread = threading.Thread(target=self._tcp.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        self.stop.set()
        self._tcp.shutdown()
        self._tcp.server_close()

    def url(self, prefix: str) -> str:
        return f"http://127.0.0.1:{self._tcp.server_address[1]}{prefix}"

    def requests_to(self, prefix: str) -> list[Request]:
        return [r for r in self.log if r.path.startswith(prefix)]

    def _handle(self, sock: socket.socket) -> None:
        sock.settimeout(10)
        try:
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = sock.recv(4096)
                if not chunk:
                    return
                data += chunk
            head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
            target = head[0].split(" ")[1]
            parts = urlsplit(target)
            headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in head[1:])}
            request = Request(parts.path, parse_qs(parts.query, keep_blank_values=True), headers)
            self.log.append(request)
            prefix = max((p for p in self.routes if parts.path.startswith(p)), key=len, default=None)
            if prefix is None:
                respond(404, b"no route")(request, sock, self.stop)
            else:
                self.routes[prefix](request, sock, self.stop)
        except OSError:
            pass  # the client gave up or the deadline shut the socket: that is the point
        finally:
            try:
                sock.close()
            except OSError:
                pass


# -- behaviours -----------------------------------------------------------------------

def _head(status: int, headers: dict[str, str]) -> bytes:
    lines = [f"HTTP/1.1 {status} X"] + [f"{k}: {v}" for k, v in headers.items()] + ["Connection: close", "", ""]
    return "\r\n".join(lines).encode("latin-1")


def respond(status: int, body: bytes = b"", headers: dict[str, str] | None = None,
            content_length: int | None = None) -> Behaviour:
    """A plain response; ``content_length`` may lie about the body."""
    def go(_req: Request, sock: socket.socket, _stop: threading.Event) -> None:
        hdrs = {"Content-Type": "application/octet-stream", **(headers or {})}
        hdrs["Content-Length"] = str(len(body) if content_length is None else content_length)
        sock.sendall(_head(status, hdrs) + body)
    return go


def dynamic(render: Callable[[Request], tuple[int, dict[str, str], bytes]]) -> Behaviour:
    """A response computed from the request (a scanner's valid page for this path)."""
    def go(req: Request, sock: socket.socket, stop: threading.Event) -> None:
        status, headers, body = render(req)
        respond(status, body, headers)(req, sock, stop)
    return go


def sequence(*steps: Behaviour) -> Behaviour:
    """The n-th request gets the n-th behaviour; the last one repeats."""
    count = [0]
    lock = threading.Lock()

    def go(req: Request, sock: socket.socket, stop: threading.Event) -> None:
        with lock:
            step = steps[min(count[0], len(steps) - 1)]
            count[0] += 1
        step(req, sock, stop)
    return go


def stall(after_headers: bool = False) -> Behaviour:
    """Say nothing (or only the headers) until the test ends."""
    def go(_req: Request, sock: socket.socket, stop: threading.Event) -> None:
        if after_headers:
            sock.sendall(_head(200, {"Content-Type": "application/json", "Content-Length": "100000"}))
        stop.wait(60)
    return go


def trickle(interval: float = 0.05, in_headers: bool = False) -> Behaviour:
    """One byte at a time, forever: each read succeeds, so only a total deadline ends it."""
    def go(_req: Request, sock: socket.socket, stop: threading.Event) -> None:
        if in_headers:
            sock.sendall(b"HTTP/1.1 200 OK\r\nX-Slow: ")
        else:
            sock.sendall(_head(200, {"Content-Type": "application/json"}) + b'{"studies": [')
        deadline = time.monotonic() + 120
        while not stop.is_set() and time.monotonic() < deadline:
            sock.sendall(b"a" if in_headers else b" ")
            stop.wait(interval)
    return go


def truncate(body: bytes, keep: float = 0.5) -> Behaviour:
    """Promise the whole body, send part of it, hang up."""
    def go(_req: Request, sock: socket.socket, _stop: threading.Event) -> None:
        sock.sendall(_head(200, {"Content-Type": "application/octet-stream", "Content-Length": str(len(body))})
                     + body[: int(len(body) * keep)])
    return go


def endless(chunk: bytes = b" " * 65536, total: int = 64_000_000) -> Behaviour:
    """A body with no Content-Length that is larger than any cap."""
    def go(_req: Request, sock: socket.socket, stop: threading.Event) -> None:
        sock.sendall(_head(200, {"Content-Type": "application/json"}))
        sent = 0
        while sent < total and not stop.is_set():
            sock.sendall(chunk)
            sent += len(chunk)
    return go


@cache
def bomb(encoding: str, size: int = 100_000_000) -> bytes:
    """``size`` bytes of zeros, compressed to a few hundred kilobytes."""
    raw = zlib.compressobj(9, zlib.DEFLATED, 31 if encoding == "gzip" else 15)
    block = b"\0" * 1_000_000
    out = [raw.compress(block) for _ in range(size // len(block))]
    out.append(raw.flush())
    return b"".join(out)


def compressed(encoding: str) -> Behaviour:
    """A compression bomb: a small body that inflates to hundreds of megabytes."""
    return respond(200, bomb(encoding), {"Content-Type": "application/json", "Content-Encoding": encoding})


def redirect(location: str) -> Behaviour:
    def go(req: Request, sock: socket.socket, stop: threading.Event) -> None:
        respond(302, b"", {"Location": location})(req, sock, stop)
    return go


def redirect_loop() -> Behaviour:
    """Redirect every request to itself with a counter, for ever."""
    count = [0]

    def go(req: Request, sock: socket.socket, stop: threading.Event) -> None:
        count[0] += 1
        respond(302, b"", {"Location": f"{req.path}?loop={count[0]}"})(req, sock, stop)
    return go
