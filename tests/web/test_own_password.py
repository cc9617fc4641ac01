"""Changing your own password (``/account/password``) and an operator's ``horizon user password``.

Both end every session of the user, so a captured cookie stops working; the page keeps the
browser that changed the password signed in with a fresh session.
"""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from bs4 import BeautifulSoup
from starlette.testclient import TestClient
from typer.testing import CliRunner

from apps.cli import app as cli
from apps.workspace.auth import Throttle, authenticate
from horizon import store_accounts
from tests.web.conftest import csrf_of
from tests.web.seed import PASSWORDS

NEW = "Amber-Walrus-Quietly-Folds-42"


def _change(client: TestClient, current: str, new: str = NEW, confirm: str | None = None):
    token = csrf_of(client.get("/account/password").text)
    return client.post("/account/password", data={"csrf": token, "current": current, "new": new,
                                                  "confirm": new if confirm is None else confirm})


def _signs_in(app, name: str, password: str) -> bool:
    with TestClient(app, follow_redirects=False) as fresh:
        token = csrf_of(fresh.get("/login").text)
        return fresh.post("/login", data={"csrf": token, "name": name, "password": password}).status_code == 303


@pytest.mark.parametrize("name", ["vic", "rob", "ada"])
def test_every_role_reaches_the_page_from_the_header(client_for, name):
    client = client_for(name)
    header = BeautifulSoup(client.get("/").text, "html.parser").select_one("header.top")
    assert header.find("a", href="/account/password") is not None
    page = client.get("/account/password")
    assert page.status_code == 200
    form = BeautifulSoup(page.text, "html.parser").select_one('form[action="/account/password"]')
    assert {i.get("name") for i in form.find_all("input")} >= {"csrf", "current", "new", "confirm"}


def test_a_changed_password_ends_every_old_session_but_keeps_this_browser_signed_in(app, store, client_for, caplog):
    caplog.set_level(logging.DEBUG)
    rob, elsewhere = client_for("rob"), client_for("rob")
    captured = TestClient(app, follow_redirects=False, cookies=dict(rob.cookies))  # a copy of this very cookie
    assert captured.get("/").status_code == 200 and store_accounts.sessions_of(store, "rob") == 2
    response = _change(rob, PASSWORDS["rob"])
    assert response.status_code == 303 and response.headers["location"] == "/account/password?changed=1"
    assert captured.get("/").status_code == 303  # the captured cookie is dead
    assert elsewhere.get("/").status_code == 303  # so is rob's other browser
    done = rob.get(response.headers["location"])
    assert done.status_code == 200 and "Your password is changed" in done.text  # this browser: a fresh session
    assert store_accounts.sessions_of(store, "rob") == 1
    assert rob.cookies["horizon_session"] != captured.cookies["horizon_session"]
    assert not _signs_in(app, "rob", PASSWORDS["rob"]) and _signs_in(app, "rob", NEW)
    assert "user 'rob' changed their password" in caplog.text and "(2 sessions ended)" in caplog.text
    assert NEW not in caplog.text and PASSWORDS["rob"] not in caplog.text


def test_a_wrong_current_password_is_refused_and_counts_as_a_failed_sign_in(app, store, client_for, caplog):
    caplog.set_level(logging.INFO, logger="apps.workspace")
    app.state.throttle = Throttle(store, clock=lambda: dt.datetime(2026, 11, 30, 9, tzinfo=dt.UTC))
    vic = client_for("vic")
    before = store.user("vic").password_hash
    for _ in range(3):
        page = _change(vic, "not-my-password-at-all")
        assert page.status_code == 401 and "Your current password is wrong." in page.text
    assert "wrong current password" in caplog.text and "locked for 15 s after 3 failures" in caplog.text
    # Locked from this address: the right current password waits too, so a stolen cookie cannot guess faster.
    assert _change(vic, PASSWORDS["vic"]).status_code == 429
    assert _signs_in(app, "vic", PASSWORDS["vic"]) is False  # /login shares the count for (vic, this address)
    assert store.user("vic").password_hash == before and vic.get("/").status_code == 200


@pytest.mark.parametrize("new, confirm, message", [
    ("aaaaaaaaaaaa", None, "too easy to guess"),
    ("short", None, "at least 10 characters"),
    (NEW, NEW + "x", "The new password and its confirmation differ."),
    (PASSWORDS["ada"], None, "the same as the current one"),
])
def test_a_weak_or_mismatched_new_password_changes_nothing(store, client_for, new, confirm, message):
    ada = client_for("ada")
    before = store.user("ada").password_hash
    page = _change(ada, PASSWORDS["ada"], new, confirm)
    assert page.status_code == 400 and message in page.text
    assert store.user("ada").password_hash == before and ada.get("/").status_code == 200


def test_the_form_needs_its_csrf_token(store, client_for):
    rob = client_for("rob")
    before = store.user("rob").password_hash
    response = rob.post("/account/password", data={"current": PASSWORDS["rob"], "new": NEW, "confirm": NEW})
    assert response.status_code == 403 and store.user("rob").password_hash == before


def _cli(config_dir, *args: str, password: str = NEW):
    return CliRunner().invoke(cli, ["user", "password", *args, "--password-stdin", "--config", str(config_dir)],
                              input=password + "\n")


def test_cli_user_password_sets_it_and_ends_the_users_sessions(app, config_dir, store, client_for):
    rob, other, ada = client_for("rob"), client_for("rob"), client_for("ada")
    result = _cli(config_dir, "rob")
    assert result.exit_code == 0, result.output
    assert result.output == "Password changed for rob; 2 sessions ended.\n" and NEW not in result.output
    assert rob.get("/").status_code == 303 and other.get("/").status_code == 303
    assert ada.get("/").status_code == 200  # only rob's sessions
    assert authenticate(store, "rob", NEW) and not authenticate(store, "rob", PASSWORDS["rob"])
    assert _cli(config_dir, "rob", password="Another-Fresh-Passphrase-77").output.endswith("0 sessions ended.\n")


@pytest.mark.parametrize("password, message", [(NEW, "user 'nobody': no such user"),
                                               ("aaaaaaaaaaaa", "too easy to guess")])
def test_cli_user_password_refuses_an_unknown_user_or_a_weak_password_in_one_line(config_dir, store, password,
                                                                                 message):
    before = {u.name: u.password_hash for u in store.users()}
    result = _cli(config_dir, "nobody" if "nobody" in message else "vic", password=password)
    assert result.exit_code == 1 and message in str(result.exception) and "\n" not in str(result.exception)
    assert {u.name: u.password_hash for u in store.users()} == before
