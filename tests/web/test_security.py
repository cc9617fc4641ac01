"""Access control, CSRF, escaping of hostile text, and password handling, over the real app."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from starlette.routing import Mount, Route
from starlette.testclient import TestClient
from typer.testing import CliRunner

from horizon.cli import app as cli
from horizon.web import create_app
from horizon.web.app import PUBLIC_PATHS
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
    assert store.user("rob")["role"] == "reviewer" and store.user("eve") is None


def test_a_post_without_a_valid_csrf_token_is_refused(app, store, client_for):
    admin, other = client_for("ada"), client_for("rob")
    foreign = csrf_of(other.get("/").text)  # valid, but for another session
    form = {"item_id": ITEMS[1].id, "state": "relevant", "areas": "dermatology", "stage": "signal", "owner": "ada",
            "action": "role", "role": "viewer", "name": "eve", "password": "long-enough-password"}
    for method, path, route in endpoints(app, store):
        if method != "POST" or path == "/login":
            continue
        for token in (None, "", "forged", foreign):
            data = form if token is None else {**form, "csrf": token}
            response = admin.post(path, data=data)
            assert response.status_code == 403, (path, token)
    assert store.judgements() == [] and store.register_entries() == [] and store.training_runs() == []
    assert store.user("rob")["role"] == "reviewer" and store.user("eve") is None
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
    assert store.user("wes")["password_hash"].startswith("$argon2id$")
    assert store.user("cal")["password_hash"].startswith("$argon2id$")
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


def test_repeated_failed_sign_ins_are_throttled(anonymous):
    token = csrf_of(anonymous.get("/login").text)
    for _ in range(5):
        response = anonymous.post("/login", data={"csrf": token, "name": "ada", "password": "guess-guess-guess"})
        assert response.status_code == 401
    response = anonymous.post("/login", data={"csrf": token, "name": "ada", "password": "ada-admin-password"})
    assert response.status_code == 429 and "Too many failed sign-ins" in response.text
    assert anonymous.get("/").status_code == 303
