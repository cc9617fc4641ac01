"""``horizon user add`` and ``horizon user password``: workspace accounts (passwords are stored only as argon2
hashes), their ICSs, and an operator's password reset that ends the user's sessions."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from apps.cli import app
from apps.cli.terminal import SAMPLE, escape, say
from horizon import store_accounts
from horizon.config import load_config
from horizon.errors import InputError
from horizon.icss import load_icss
from horizon.store import ROLES, Store
from horizon.store_scopes import set_user_icss

user_app = typer.Typer(help="Manage workspace users.", no_args_is_help=True)
app.add_typer(user_app, name="user")


@user_app.command("add")
def add(
    name: str = typer.Argument(..., help="The user's sign-in name."),
    role: str = typer.Option(..., "--role", help=f"One of: {', '.join(ROLES)}."),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the password from standard input."),
    ics: list[str] = typer.Option([], "--ics", help="An ICS of icss.yaml the user works in; repeat for several "
                                  "(default: the first)."),
    config: Path | None = typer.Option(None, "--config", help="Config directory (default: the bundled one)."),
    sample: bool = SAMPLE,
) -> None:
    """Add a workspace user with a role; the password is prompted for (or read from stdin)."""
    name = _checked_name(name)
    if role not in ROLES:
        raise InputError(f"--role: unknown role '{role}'; valid roles: {', '.join(ROLES)}")
    cfg = load_config(config)
    known = [i.id for i in load_icss(cfg)]
    if unknown := [i for i in ics if i not in known]:
        raise InputError(f"--ics: unknown ICS '{unknown[0]}'; valid: {', '.join(known)} (from icss.yaml)"
                         if len(known) > 1 else f"--ics: unknown ICS '{unknown[0]}'; without icss.yaml there is "
                         "one ICS, 'default', and --ics is not needed")
    hashed = _new_password_hash(name, password_stdin)
    store = Store(cfg.store_for(sample))
    try:
        store.add_user(name, hashed, role)
        if len(known) > 1:
            set_user_icss(store, name, ics)
    finally:
        store.close()
    where = f" in {', '.join(ics)}" if ics and len(known) > 1 else ""
    say(f"Added user {escape(name)} ({role}){where}.")


@user_app.command("password")
def password(
    name: str = typer.Argument(..., help="The user's sign-in name."),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the password from standard input."),
    config: Path | None = typer.Option(None, "--config", help="Config directory (default: the bundled one)."),
    sample: bool = SAMPLE,
) -> None:
    """Set a user's new password (prompted for, or read from stdin) and end all their sessions."""
    name = _checked_name(name)
    store = Store(load_config(config).store_for(sample))
    try:
        if store.user(name) is None:  # before the prompt: no typing a password for a typo
            raise InputError(f"user '{name}': no such user{' in the sample store' if sample else ''}; "
                             "`horizon user add` adds one")
        ended = store_accounts.set_password(store, name, _new_password_hash(name, password_stdin))
    finally:
        store.close()
    say(f"Password changed for {escape(name)}; {ended} session{'' if ended == 1 else 's'} ended.")


def _checked_name(name: str) -> str:
    """The name without surrounding spaces; refused when empty or too long."""
    name = name.strip()
    if not name or len(name) > 100:
        raise InputError("user name: needs 1 to 100 characters other than spaces, got an empty name"
                         if not name else f"user name: needs 1 to 100 characters, got {len(name)}")
    return name


def _new_password_hash(name: str, from_stdin: bool) -> str:
    """Read a password (stdin's first line, or a prompt asked twice) and hash it if the policy accepts it."""
    from apps.workspace.auth import hash_password

    if from_stdin:
        secret = sys.stdin.readline().rstrip("\r\n")
    else:
        secret = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        return hash_password(secret, name)
    except ValueError as err:
        raise InputError(f"password: {err}") from err
