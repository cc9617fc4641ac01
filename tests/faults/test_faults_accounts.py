"""Sessions that end and sign-ins that cannot lock others out, over the real workspace app.

Recorded for docs/reliability.md beside the fault cases; tests/web/test_security.py
holds the fuller set (role changes, deletion, the stored token).
"""

from __future__ import annotations

import datetime as dt
import re
import shutil

import pytest
from starlette.testclient import TestClient

from apps.workspace import create_app
from apps.workspace.auth import Throttle, hash_password
from horizon.config import DEFAULT_DIR, load_config
from horizon.store import Store

PASSWORDS = {"ada": "ada-admin-password", "rob": "rob-reviewer-password"}


@pytest.fixture
def app(tmp_path, monkeypatch):
    monkeypatch.delenv("HORIZON_STORE_URL", raising=False)
    directory = tmp_path / "config"
    directory.mkdir()
    for name in ("priorities.yaml", "sources.yaml"):
        shutil.copy(DEFAULT_DIR / name, directory / name)
    (directory / "settings.yaml").write_text(f"store_url: sqlite:///{tmp_path / 'ws.db'}\n")
    config = load_config(directory)
    store = Store(config.settings.store_url)
    store.add_user("ada", hash_password(PASSWORDS["ada"], "ada"), "admin")
    store.add_user("rob", hash_password(PASSWORDS["rob"], "rob"), "reviewer")
    yield create_app(config, store=store, run_jobs=False)
    store.close()


def _client(app, address: str, **kw) -> TestClient:
    return TestClient(app, follow_redirects=False, client=(address, 50000), **kw)


def _csrf(client: TestClient, path: str = "/login") -> str:
    return re.search(r'name="csrf" value="([^"]+)"', client.get(path).text).group(1)


def _sign_in(client: TestClient, name: str, password: str | None = None) -> int:
    token = _csrf(client)
    return client.post("/login", data={"csrf": token, "name": name,
                                       "password": PASSWORDS[name] if password is None else password}).status_code


def test_signing_out_or_a_password_reset_ends_every_copy_of_the_session(app, reliability):
    rob, admin = _client(app, "10.0.0.2"), _client(app, "10.0.0.3")
    assert _sign_in(rob, "rob") == 303 and _sign_in(admin, "ada") == 303
    stolen = _client(app, "203.0.113.5", cookies=dict(rob.cookies))
    assert stolen.get("/users").status_code == 403  # the copy works (as rob) while the session lives
    assert rob.post("/logout", data={"csrf": _csrf(rob, "/")}).status_code == 303
    after_sign_out = stolen.get("/").status_code
    assert _sign_in(rob, "rob") == 303
    again = _client(app, "203.0.113.5", cookies=dict(rob.cookies))
    token = _csrf(admin, "/users")
    assert admin.post("/users/rob", data={"csrf": token, "action": "password",
                                          "password": "An-Entirely-New-Passphrase-73"}).status_code == 303
    after_reset = (again.get("/").status_code, rob.get("/").status_code)
    assert after_sign_out == 303 and after_reset == (303, 303)
    reliability("accounts", "session cookie copied, then sign-out / admin password reset", "workspace sessions",
                f"copied cookie refused after sign-out ({after_sign_out} to /login) and after the reset "
                f"(both sessions {after_reset[0]}); was valid for 12 hours")


def test_failed_sign_ins_lock_only_that_name_from_that_address(app, caplog, reliability):
    now = [dt.datetime(2026, 11, 30, 9, tzinfo=dt.UTC)]
    app.state.throttle = Throttle(app.state.store, clock=lambda: now[0])
    attacker, colleague = _client(app, "203.0.113.9"), _client(app, "198.51.100.7")
    codes = [_sign_in(attacker, "ada", "guess-guess-guess") for _ in range(5)]
    assert codes == [401, 401, 401, 429, 429]  # locked after the third failure, for 15 s
    assert _sign_in(colleague, "ada") == 303  # the admin signs in from an address that has not failed
    assert _sign_in(attacker, "rob") == 303  # nor is everyone behind the attacker's address locked
    now[0] += dt.timedelta(seconds=16)
    assert _sign_in(attacker, "ada", "still-guessing-x") == 401
    waits = [int(w) for w in re.findall(r"locked for (\d+) s", caplog.text)]
    assert waits == [15, 30]
    reliability("accounts", "5 wrong passwords for the admin from one address", "sign-in throttle",
                "that name from that address locked 15 s, then 30 s (doubling, max 15 min), lock events logged; "
                "the admin from another address and other users from that address sign in")


def test_changing_your_own_password_or_the_cli_reset_ends_every_copy_of_the_session(app, tmp_path, reliability):
    from typer.testing import CliRunner

    from apps.cli import app as cli

    rob = _client(app, "10.0.0.2")
    assert _sign_in(rob, "rob") == 303
    stolen = _client(app, "203.0.113.5", cookies=dict(rob.cookies))
    new = "Copper-Heron-Sleeps-Late-19"
    changed = rob.post("/account/password", data={"csrf": _csrf(rob, "/account/password"),
                                                  "current": PASSWORDS["rob"], "new": new, "confirm": new})
    after_change = (stolen.get("/").status_code, rob.get("/").status_code)  # the copy dead; this browser kept
    again = _client(app, "203.0.113.5", cookies=dict(rob.cookies))
    result = CliRunner().invoke(cli, ["user", "password", "rob", "--password-stdin", "--config",
                                      str(tmp_path / "config")], input="Tawny-Lichen-Drifts-Over-64\n")
    after_cli = (again.get("/").status_code, rob.get("/").status_code)
    assert changed.status_code == 303 and after_change == (303, 200), after_change
    assert result.exit_code == 0 and after_cli == (303, 303), (result.output, after_cli)
    reliability("accounts", "session cookie copied, then the user changes their own password / "
                "`horizon user password`", "workspace sessions",
                f"copied cookie refused after the change ({after_change[0]}), the changing browser kept signed in "
                f"({after_change[1]}); after the CLI reset both refused ({after_cli[0]}); "
                f"CLI said: {result.output.strip()}")
