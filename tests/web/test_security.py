"""Access control, CSRF, escaping of hostile text, and password handling, over the real app."""

from __future__ import annotations

import base64
import datetime as dt
import json
import logging
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from itsdangerous import TimestampSigner
from starlette.routing import Mount, Route
from starlette.testclient import TestClient
from typer.testing import CliRunner

from apps.cli import app as cli
from apps.workspace import create_app
from apps.workspace.app import PUBLIC_PATHS
from tests.web.conftest import csrf_of
from tests.web.seed import HOSTILE, ITEMS

PARAMS = {"digest_id": None, "item_id": ITEMS[1].id, "name": "rob"}


def endpoints(app, store):
    """Every (method, path, route) the app serves, with path parameters filled in."""
    for route in app.routes:
        if isinstance(route, Mount):
            continue
        assert isinstance(route, Route), route
        values = {**PARAMS, "digest_id": store.digest_id}
        path = route.path.replace("{digest_id:int}", str(values["digest_id"])).replace(
            "{item_id:path}", values["item_id"]).replace("{name}", values["name"])
        for method in sorted(route.methods - {"HEAD"}):
            yield method, path, route


def test_every_route_refuses_without_a_session(app, store, anonymous):
    public = set()
    for method, path, route in endpoints(app, store):
        if route.path in PUBLIC_PATHS:
            public.add(route.path)
            continue
        response = anonymous.request(method, path, data={"csrf": "x"} if method == "POST" else None)
        if method == "GET":
            assert response.status_code == 303 and response.headers["location"].startswith("/login"), path
        else:
            assert response.status_code == 401, (method, path)
        assert ITEMS[1].title not in response.text
    assert public == {"/login"}
    assert [r.path for r in app.routes if isinstance(r, Mount)] == ["/static"]
    assert anonymous.get("/static/app.css").status_code == 200  # the login page's style sheet


def test_every_protected_route_declares_its_role(app):
    for route in app.routes:
        if isinstance(route, Route) and route.path not in PUBLIC_PATHS:
            assert getattr(route.endpoint, "required_role", None) in ("viewer", "reviewer", "admin"), route.path


@pytest.mark.parametrize("name, allowed", [("vic", {"viewer"}), ("rob", {"viewer", "reviewer"})])
def test_a_role_reaches_nothing_above_it(app, store, client_for, name, allowed):
    client = client_for(name)
    token = csrf_of(client.get("/").text)
    labels_before, users_before = len(store.labels()), store.users()
    for method, path, route in endpoints(app, store):
        role = getattr(route.endpoint, "required_role", None)
        if role is None or role in allowed:
            continue
        data = {"csrf": token, "item_id": ITEMS[1].id, "state": "relevant", "stage": "signal", "owner": "x",
                "action": "delete", "name": "eve", "role": "admin", "password": "long-enough-password"}
        response = client.request(method, path, data=data if method == "POST" else None)
        assert response.status_code == 403, (name, method, path)
    assert len(store.labels()) == labels_before and store.users() == users_before
    assert store.training_runs() == []


def test_a_reviewer_cannot_retrain_or_manage_users(client_for, store):
    client = client_for("rob")
    token = csrf_of(client.get("/learning").text)
    assert "Retrain now" not in client.get("/learning").text
    assert client.post("/learning/retrain", data={"csrf": token}).status_code == 403
    assert client.get("/users").status_code == 403
    assert client.post("/users", data={"csrf": token, "name": "eve", "role": "admin",
                                       "password": "long-enough-password"}).status_code == 403
    assert client.post("/users/rob", data={"csrf": token, "action": "role", "role": "admin"}).status_code == 403
    assert store.user("rob").role == "reviewer" and store.user("eve") is None


def test_a_post_without_a_valid_csrf_token_is_refused(app, store, client_for):
    admin, other = client_for("ada"), client_for("rob")
    foreign = csrf_of(other.get("/").text)  # valid, but for another session
    form = {"item_id": ITEMS[1].id, "state": "relevant", "areas": "dermatology", "stage": "signal", "owner": "ada",
            "action": "role", "role": "viewer", "name": "eve", "password": "long-enough-password"}
    for method, path, _route in endpoints(app, store):
        if method != "POST" or path == "/login":
            continue
        for token in (None, "", "forged", foreign):
            data = form if token is None else {**form, "csrf": token}
            response = admin.post(path, data=data)
            assert response.status_code == 403, (path, token)
    assert store.judgements() == [] and store.register_entries() == [] and store.training_runs() == []
    assert store.user("rob").role == "reviewer" and store.user("eve") is None
    # Signing in needs the login form's token too (no login CSRF).
    fresh = TestClient(app, follow_redirects=False)
    response = fresh.post("/login", data={"name": "ada", "password": "ada-admin-password", "next": "/"})
    assert response.status_code == 403 and fresh.get("/").status_code == 303


def test_the_keyboard_scripts_header_token_is_accepted(client_for, store):
    client = client_for("rob")
    token = csrf_of(client.get("/").text)
    response = client.post("/judge", data={"item_id": ITEMS[1].id, "state": "uncertain"},
                           headers={"X-CSRF-Token": token, "X-Requested-With": "fetch"})
    assert response.status_code == 200 and response.json()["state"] == "uncertain"


def test_hostile_item_text_is_inert_on_every_page(app, store, client_for):
    reviewer = client_for("rob")
    token = csrf_of(reviewer.get("/").text)
    reviewer.post("/judge", data={"csrf": token, "item_id": HOSTILE.id, "state": "relevant",
                                  "areas": "cardiovascular", "note": "<script>alert(2)</script>"})
    reviewer.post("/register", data={"csrf": token, "item_id": HOSTILE.id, "stage": "signal",
                                     "owner": "<b onmouseover=alert(3)>x</b>", "notes": "<script>alert(4)</script>"})
    admin = client_for("ada")
    pages = ["/", f"/digests/{store.digest_id}", "/digests", f"/items/{HOSTILE.id}", "/search?q=script",
             "/search?q=%3Cscript%3Ealert(1)%3C/script%3E", "/register", "/learning", "/users",
             "/?source=rss", "/?area=cardiovascular&state=relevant"]
    for page in pages:
        response = admin.get(page)
        assert response.status_code == 200, page
        assert_inert(response.text, page)
        assert "content-security-policy" in response.headers
        assert "script-src 'self'" in response.headers["content-security-policy"]
    item_page = admin.get(f"/items/{HOSTILE.id}").text
    shown = " ".join(BeautifulSoup(item_page, "html.parser").get_text().split())
    assert HOSTILE.title in shown  # shown as text, not dropped
    assert "<mark>" in item_page


def assert_inert(html: str, page: str) -> None:
    """Parsed as a browser would: no script but ours, no event handler, no javascript: link, no injected tag."""
    soup = BeautifulSoup(html, "html.parser")
    assert [s.get("src") for s in soup.find_all("script")] == ["/static/workspace.js"], page
    assert not soup.find_all(["img", "svg", "iframe", "object", "embed"]), page
    for tag in soup.find_all(True):
        for attr, value in tag.attrs.items():
            assert not attr.lower().startswith("on"), (page, tag.name, attr)
            if attr in ("href", "src", "action", "formaction"):
                assert not str(value).strip().lower().startswith(("javascript:", "data:", "vbscript:")), (page, value)


def test_register_csv_neutralises_formulas(client_for, store):
    reviewer = client_for("rob")
    token = csrf_of(reviewer.get("/").text)
    reviewer.post("/judge", data={"csrf": token, "item_id": ITEMS[0].id, "state": "relevant", "areas": "cardiovascular"})
    response = reviewer.post("/register", data={"csrf": token, "item_id": ITEMS[0].id, "stage": "signal",
                                                "owner": "@SUM(A1)", "notes": '=HYPERLINK("http://evil","x")'})
    assert response.status_code == 303
    csv_text = reviewer.get("/register.csv").text
    assert "'@SUM(A1)" in csv_text and '"\'=HYPERLINK(""http://evil"",""x"")"' in csv_text
    for line in csv_text.splitlines()[1:]:
        assert not any(cell.startswith(("=", "+", "-", "@")) for cell in line.split(","))


def test_session_cookie_is_httponly_samesite_and_secure_when_asked(config, store):
    for https_only in (False, True):
        app = create_app(config, store=store, https_only=https_only)
        with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
            cookie = client.get("/login").headers["set-cookie"].lower()
            assert "httponly" in cookie and "samesite=lax" in cookie
            assert ("secure" in cookie) is https_only


def test_sign_in_goes_only_to_local_pages(anonymous):
    token = csrf_of(anonymous.get("/login").text)
    for target, expected in (("//evil.example/x", "/"), ("https://evil.example/", "/"), ("/register", "/register")):
        response = anonymous.post("/login", data={"csrf": token, "name": "vic", "password": "vic-viewer-password",
                                                  "next": target})
        assert response.headers["location"] == expected
        token = csrf_of(anonymous.get("/login").text)


def test_wrong_password_and_unknown_user_are_refused_alike(anonymous):
    token = csrf_of(anonymous.get("/login").text)
    for name, password in (("ada", "not-the-password"), ("nobody", "ada-admin-password")):
        response = anonymous.post("/login", data={"csrf": token, "name": name, "password": password})
        assert response.status_code == 401 and "Wrong name or password." in response.text
    assert anonymous.get("/").status_code == 303


def test_a_demoted_or_removed_user_loses_access_at_once(client_for, store):
    client = client_for("rob")
    token = csrf_of(client.get("/").text)
    store.update_user("rob", role="viewer")
    assert client.post("/judge", data={"csrf": token, "item_id": ITEMS[1].id, "state": "relevant"}).status_code == 403
    store.delete_user("rob")
    assert client.get("/").status_code == 303


def test_sign_out_ends_the_session(client_for):
    client = client_for("vic")
    token = csrf_of(client.get("/").text)
    assert client.post("/logout", data={"csrf": token}).status_code == 303
    assert client.get("/").status_code == 303


def test_passwords_are_never_stored_or_logged_in_clear(config, config_dir, store, client_for, caplog):
    caplog.set_level(logging.DEBUG)
    web_password, cli_password, wrong = "Web-Added-Password-913", "Cli-Added-Password-271", "Wrong-Guess-Password-55"
    admin = client_for("ada")
    token = csrf_of(admin.get("/users").text)
    assert admin.post("/users", data={"csrf": token, "name": "wes", "role": "viewer",
                                      "password": web_password}).status_code == 303
    result = CliRunner().invoke(cli, ["user", "add", "cal", "--role", "reviewer", "--password-stdin",
                                      "--config", str(config_dir)], input=cli_password + "\n")
    assert result.exit_code == 0, result.output
    assert cli_password not in result.output
    anonymous = admin.__class__(admin.app, follow_redirects=False)
    token = csrf_of(anonymous.get("/login").text)
    assert anonymous.post("/login", data={"csrf": token, "name": "wes", "password": wrong}).status_code == 401
    assert anonymous.post("/login", data={"csrf": token, "name": "wes", "password": web_password}).status_code == 303
    assert store.user("wes").password_hash.startswith("$argon2id$")
    assert store.user("cal").password_hash.startswith("$argon2id$")
    db = Path(config.settings.store_url.removeprefix("sqlite:///"))
    stored = b"".join(p.read_bytes() for p in db.parent.glob(db.name + "*"))
    logged = caplog.text
    for password in (web_password, cli_password, wrong, "ada-admin-password"):
        assert password.encode() not in stored
        assert password not in logged
    assert "failed sign-in for user 'wes'" in logged  # the log does record who, not how


def test_cli_user_add_rejects_bad_input_in_one_line(config_dir, store):
    runner = CliRunner()
    bad_role = runner.invoke(cli, ["user", "add", "x", "--role", "owner", "--password-stdin",
                                   "--config", str(config_dir)], input="long-enough-password\n")
    # CliRunner calls the typer app, not ``main``, so the project error arrives as the exception.
    assert bad_role.exit_code == 1 and "unknown role 'owner'; valid roles" in str(bad_role.exception)
    short = runner.invoke(cli, ["user", "add", "x", "--role", "viewer", "--password-stdin",
                                "--config", str(config_dir)], input="short\n")
    assert short.exit_code == 1 and "at least 10 characters" in str(short.exception)
    taken = runner.invoke(cli, ["user", "add", "ada", "--role", "viewer", "--password-stdin",
                                "--config", str(config_dir)], input="long-enough-password\n")
    assert taken.exit_code == 1 and "user 'ada' already exists" in str(taken.exception)


class Clock:
    """A clock the test moves by hand, so lock-outs are checked without sleeping."""

    def __init__(self):
        self.now = dt.datetime(2026, 11, 30, 9, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


def _client(app, address: str) -> TestClient:
    return TestClient(app, follow_redirects=False, client=(address, 50000))


def _try(client: TestClient, name: str, password: str) -> int:
    token = csrf_of(client.get("/login").text)
    return client.post("/login", data={"csrf": token, "name": name, "password": password}).status_code


def test_failed_sign_ins_lock_one_name_from_one_address_for_longer_each_time(app, store, caplog):
    from apps.workspace.auth import Throttle

    caplog.set_level(logging.INFO, logger="apps.workspace")
    clock = Clock()
    app.state.throttle = Throttle(store, clock=clock)
    with _client(app, "203.0.113.9") as attacker, _client(app, "198.51.100.7") as colleague:
        assert [_try(attacker, "ada", "guess-guess-guess") for _ in range(3)] == [401, 401, 401]
        assert _try(attacker, "ada", "ada-admin-password") == 429  # locked: not even the right password, from here
        assert "locked for 15 s after 3 failures" in caplog.text and "203.0.113.9" in caplog.text
        assert _try(colleague, "ada", "ada-admin-password") == 303  # the admin is not locked out elsewhere
        assert _try(attacker, "rob", "rob-reviewer-password") == 303  # nor is everyone behind that address
        clock.advance(16)
        assert _try(attacker, "ada", "guess-guess-guess") == 401
        assert "locked for 30 s after 4 failures" in caplog.text  # each failure doubles the wait
        clock.advance(16)
        assert _try(attacker, "ada", "ada-admin-password") == 429
        clock.advance(15)
        assert _try(attacker, "ada", "ada-admin-password") == 303  # waited it out: the count starts again
        assert _try(attacker, "ada", "guess-guess-guess") == 401 and _try(attacker, "ada", "x-guess-guess") == 401


def test_a_copied_cookie_is_worthless_after_sign_out(app, client_for):
    client = client_for("vic")
    copy = TestClient(app, follow_redirects=False, cookies=dict(client.cookies))
    assert copy.get("/").status_code == 200  # the copy works while the session lives
    token = csrf_of(client.get("/").text)
    assert client.post("/logout", data={"csrf": token}).status_code == 303
    assert copy.get("/").status_code == 303 and client.get("/").status_code == 303


@pytest.mark.parametrize("action, fields", [("password", {"password": "A-Brand-New-Passphrase-88"}),
                                            ("role", {"role": "viewer"})])
def test_an_admins_password_reset_or_role_change_ends_the_users_sessions(client_for, store, action, fields):
    from horizon import store_accounts

    rob, admin = client_for("rob"), client_for("ada")
    assert rob.get("/").status_code == 200 and store_accounts.sessions_of(store, "rob") == 1
    token = csrf_of(admin.get("/users").text)
    assert admin.post("/users/rob", data={"csrf": token, "action": action, **fields}).status_code == 303
    assert rob.get("/").status_code == 303 and store_accounts.sessions_of(store, "rob") == 0
    assert admin.get("/").status_code == 200  # only rob's sessions ended


@pytest.mark.parametrize("via", ["web", "store"])
def test_a_deleted_users_cookie_stays_dead_when_the_name_is_created_again(app, client_for, store, via):
    from tests.web.seed import password_hash

    rob, admin = client_for("rob"), client_for("ada")
    stolen = dict(rob.cookies)
    if via == "web":
        token = csrf_of(admin.get("/users").text)
        assert admin.post("/users/rob", data={"csrf": token, "action": "delete"}).status_code == 303
    else:  # straight in the store, as a script would: the account id still differs
        store.delete_user("rob")
    store.add_user("rob", password_hash("ada"), "admin")
    with TestClient(app, follow_redirects=False, cookies=stolen) as replay:
        assert replay.get("/users").status_code == 303  # not the new admin "rob"


def test_the_store_keeps_no_usable_session_token(client_for, store, config):
    client = client_for("vic")
    cookie = client.cookies["horizon_session"]  # Starlette's signed cookie: base64 JSON, then a signature
    payload = json.loads(base64.b64decode(TimestampSigner(store.secret("web_session_key")).unsign(cookie)))
    db = Path(config.settings.store_url.removeprefix("sqlite:///"))
    stored = b"".join(p.read_bytes() for p in db.parent.glob(db.name + "*"))
    assert payload["sid"] and payload["sid"].encode() not in stored


@pytest.mark.parametrize("password", ["aaaaaaaaaa", "password1234", "qwertyuiop12", "abcabcabcabc"])
def test_weak_passwords_are_refused_on_the_web_and_in_the_cli(client_for, config_dir, store, password):
    admin = client_for("ada")
    token = csrf_of(admin.get("/users").text)
    page = admin.post("/users", data={"csrf": token, "name": "weak", "role": "viewer", "password": password})
    assert page.status_code == 400 and "too easy to guess" in page.text and store.user("weak") is None
    result = CliRunner().invoke(cli, ["user", "add", "weak", "--role", "viewer", "--password-stdin",
                                      "--config", str(config_dir)], input=password + "\n")
    assert result.exit_code == 1 and "too easy to guess" in str(result.exception)


@pytest.mark.parametrize("name", ["", "   "])
def test_the_cli_refuses_an_empty_user_name(config_dir, store, name):
    result = CliRunner().invoke(cli, ["user", "add", name, "--role", "viewer", "--password-stdin",
                                      "--config", str(config_dir)], input="long-enough-password\n")
    assert result.exit_code == 1 and "user name: needs 1 to 100 characters" in str(result.exception)
    assert [u.name for u in store.users() if not u.name.strip()] == []
