"""A local HTTP server that replays recorded source responses.

``horizon digest --sample`` points every scanner's base URL at this server, so the
sample run goes through the same HTTP client and parsers as a live run, offline.
Each source folder under ``horizon/sample/`` has a ``routes.json``: a list of
``{"path", "params", "file", "content_type"}``; a param of ``null`` matches any
value (or none), a string must be equal; ``*`` in a path matches any text.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from fnmatch import fnmatchcase
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

SAMPLE_DIR = Path(str(resources.files("horizon") / "sample"))


@dataclass(frozen=True)
class Route:
    path: str
    params: dict[str, str | None]
    file: Path
    content_type: str
    status: int = 200  # 404 past a feed's last page, as WordPress answers

    def matches(self, path: str, query: dict[str, list[str]]) -> bool:
        # "*" stands for one path segment's worth of text: medRxiv puts dates in its paths.
        if path != self.path and not ("*" in self.path and fnmatchcase(path, self.path)):
            return False
        return all(want is None or query.get(name, [None])[0] == want for name, want in self.params.items())

    @property
    def specificity(self) -> int:
        return sum(v is not None for v in self.params.values())


def load_routes(sample_dir: Path = SAMPLE_DIR) -> list[Route]:
    """Every route of every source folder, most specific first."""
    routes: list[Route] = []
    for routes_file in sorted(sample_dir.glob("*/routes.json")):
        for entry in json.loads(routes_file.read_text(encoding="utf-8")):
            routes.append(Route(
                path=entry["path"], params=entry.get("params", {}), file=routes_file.parent / entry["file"],
                content_type=entry.get("content_type", "application/octet-stream"),
                status=int(entry.get("status", 200)),
            ))
    return sorted(routes, key=lambda r: -r.specificity)


def _handler(routes: list[Route]) -> type[BaseHTTPRequestHandler]:
    class Replay(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            url = urlsplit(self.path)
            query = parse_qs(url.query, keep_blank_values=True)
            route = next((r for r in routes if r.matches(url.path, query)), None)
            if route is None:
                self.send_error(404, "no recorded response for this request")
                return
            body = route.file.read_bytes()
            self.send_response(route.status)
            self.send_header("Content-Type", route.content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:  # keep the terminal for progress
            pass

    return Replay


@contextmanager
def replay_server(sample_dir: Path = SAMPLE_DIR) -> Iterator[str]:
    """Serve the recorded responses on 127.0.0.1 at a free port; yields the base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(load_routes(sample_dir)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def sample_manifest(sample_dir: Path = SAMPLE_DIR) -> dict:
    """The sample's own settings: its 'as of' date and the sources.yaml it was recorded for."""
    return json.loads((sample_dir / "manifest.json").read_text(encoding="utf-8"))
