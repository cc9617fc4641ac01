"""Local runs on Prefect's embedded (ephemeral) server that start reliably on a busy machine.

Without ``PREFECT_API_URL`` every run starts its own temporary Prefect server over the
SQLite database in ``PREFECT_HOME``. Measured failures: several first runs on one new
home migrated it at once (a 200-line traceback); on a loaded machine the server missed
its start-up timeout. So: the home is migrated once, under a file lock, and servers then
start without migrating; the start-up timeout is generous; a timeout is one clear line
and one retry; and an error Prefect raises after the digest was published is a note,
not a failure (the digest is whole: files written, store recorded).
"""

from __future__ import annotations

import fcntl
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from horizon.errors import HorizonError, PrefectStartError

_migrated: list[Path] = []  # homes prepare() migrated or found migrated, in this process
STARTUP_TIMEOUT = 180  # seconds; Prefect's default of 20 is missed on a loaded 2-core machine
TIMED_OUT = "Timed out while attempting to connect to ephemeral Prefect API server"


def local() -> bool:
    """Whether this run uses the embedded server (no ``PREFECT_API_URL``) on Prefect's own SQLite file."""
    return not os.environ.get("PREFECT_API_URL") and not (
        os.environ.get("PREFECT_SERVER_DATABASE_CONNECTION_URL")
        or os.environ.get("PREFECT_API_DATABASE_CONNECTION_URL"))


def home() -> Path:
    return Path(os.environ.get("PREFECT_HOME") or Path.home() / ".prefect").expanduser()


def api_configured() -> bool:
    """Whether a Prefect API is configured: ``PREFECT_API_URL`` in the environment or the active profile.

    Read without importing Prefect (a second and a half of start-up), from the same
    profiles file Prefect reads (``PREFECT_PROFILES_PATH``, else ``<PREFECT_HOME>/profiles.toml``).
    """
    if os.environ.get("PREFECT_API_URL"):
        return True
    import tomllib

    path = Path(os.environ.get("PREFECT_PROFILES_PATH") or home() / "profiles.toml").expanduser()
    try:
        profiles = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False  # no profiles file (or one Prefect would refuse too): no API configured
    active = os.environ.get("PREFECT_PROFILE") or profiles.get("active") or "ephemeral"
    settings = profiles.get("profiles", {}).get(active, {})
    return isinstance(settings, dict) and bool(settings.get("PREFECT_API_URL"))


def prepare() -> None:
    """A generous start-up timeout, set before Prefect is imported (it reads settings once)."""
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", str(STARTUP_TIMEOUT))


def ensure_migrated() -> None:
    """Migrate this user's Prefect home once (under a file lock), so no server start migrates it.

    Called just before a flow, after the config checks: a typo never waits for Prefect.
    """
    if not local() or os.environ.get("PREFECT_SERVER_DATABASE_MIGRATE_ON_START"):
        return
    from importlib.metadata import version

    where = home()
    where.mkdir(parents=True, exist_ok=True)
    marker = where / f".horizon-migrated-{version('prefect')}"
    database = where / "prefect.db"
    if not (marker.exists() and database.exists()):
        with open(where / ".horizon-migrate.lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # the others wait here, then find the marker
            try:
                if not (marker.exists() and database.exists()):
                    _migrate()
                    marker.write_text("migrated by horizon before starting Prefect's local server\n")
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)
    _migrated.append(where)


def _migrate() -> None:
    import asyncio

    from prefect.server.database import provide_database_interface

    asyncio.run(provide_database_interface().create_db())


def run(call: Callable[[], Any], say: Callable[[str], None], published: Callable[[], Any]) -> Any:
    """``call()`` (a flow), retried once if the local server timed out; after a publish, errors are a note."""
    ensure_migrated()
    for attempt in (1, 2):
        try:
            with _no_migration_on_start():
                return call()
        except HorizonError:
            raise  # the project's own verdict (every source failed, a bad config): it stands
        except Exception as err:
            done = published()
            if done is not None:  # the digest is written and recorded: do not fail the run for Prefect
                say(f"note: Prefect reported a problem after the digest was published "
                    f"({_one_line(err)}); the digest is complete")
                return done
            if TIMED_OUT not in str(err) or not local():
                raise
            seconds = os.environ.get("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "?")
            if attempt == 2:
                raise PrefectStartError(
                    f"Prefect's local server did not start within {seconds} s, twice (the machine is busy); "
                    "try again later, raise PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS, or run "
                    "`prefect server start` and set PREFECT_API_URL") from None
            say(f"Prefect's local server did not start within {seconds} s (the machine is busy); trying once more")
            _stop_server()
    raise AssertionError("unreachable")


@contextmanager
def _no_migration_on_start() -> Iterator[None]:
    """While the flow starts its server: skip migrating a home migrated already (only then)."""
    name = "PREFECT_SERVER_DATABASE_MIGRATE_ON_START"
    if not (_migrated and _migrated[-1] == home() and local()) or name in os.environ:
        yield
        return
    os.environ[name] = "false"  # the server subprocess inherits it; nothing else in this process keeps it
    try:
        yield
    finally:
        os.environ.pop(name, None)


def _stop_server() -> None:
    """End the server process that missed its start, so the retry starts a fresh one."""
    from prefect.server.api.server import SubprocessASGIServer

    for server in list(SubprocessASGIServer._instances.values()):
        if not server.running and server.server_process is not None:  # never one that did start
            server.stop()


def _one_line(err: BaseException) -> str:
    text = re.sub(r"\s+", " ", f"{type(err).__name__}: {err}").strip()
    return text[:160]
