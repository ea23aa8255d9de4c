"""graphtool users add|remove|list|passwd|role|token|revoke"""
from __future__ import annotations

import getpass
import sys
from pathlib import Path
from typing import Optional

import typer

USERS_OPTION = typer.Option(None, "--users", help="Users file (default: serve/users.json in the embedded store's "
                                                 "folder, else ./graphtool-serve/users.json).")
AUDIT_OPTION = typer.Option(None, "--audit", help="Audit log (default: next to the users file).")


def _open(users: Optional[Path], audit: Optional[Path]):
    from ..serve.audit import AuditLog
    from ..serve.users import Users
    from .serve import paths

    users_path, audit_path = paths(users, audit)
    return Users(users_path), AuditLog(audit_path)


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    return typer.prompt("password", hide_input=True, confirmation_prompt=True)


def _who() -> str:
    return f"cli:{getpass.getuser()}"


def register(app: typer.Typer) -> None:
    users_app = typer.Typer(help="Accounts of graphtool serve: roles viewer, analyst, admin.", no_args_is_help=True)
    app.add_typer(users_app, name="users")

    @users_app.command("add")
    def add(name: str, role: str = typer.Option(..., "--role", help="viewer, analyst or admin."),
            password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the password from stdin."),
            users: Optional[Path] = USERS_OPTION, audit: Optional[Path] = AUDIT_OPTION):
        """Add an account (the password is asked for twice; at least 12 characters)."""
        accounts, log = _open(users, audit)
        from ..serve.users import check_name, check_role

        name, role = check_name(name), check_role(role)
        user = accounts.add(name, role, _password(password_stdin))
        log.record("user-change", _who(), "local", change="add", target=user.name, role=user.role)
        typer.echo(f"added {user.name} ({user.role}) to {accounts.path}")

    @users_app.command("remove")
    def remove(name: str, users: Optional[Path] = USERS_OPTION, audit: Optional[Path] = AUDIT_OPTION):
        """Remove an account and its API tokens (a running server refuses it from its next request)."""
        accounts, log = _open(users, audit)
        user = accounts.remove(name)
        log.record("user-change", _who(), "local", change="remove", target=user.name)
        typer.echo(f"removed {user.name}")

    @users_app.command("list")
    def list_(users: Optional[Path] = USERS_OPTION, audit: Optional[Path] = AUDIT_OPTION):
        """The accounts, their roles and how many API tokens each has."""
        accounts, _ = _open(users, audit)
        found = accounts.all()
        if not found:
            typer.echo(f"no accounts in {accounts.path}")
        for user in found:
            typer.echo(f"{user.name}\t{user.role}\t{len(user.tokens)} token(s)")

    @users_app.command("passwd")
    def passwd(name: str, password_stdin: bool = typer.Option(False, "--password-stdin",
                                                               help="Read the password from stdin."),
               users: Optional[Path] = USERS_OPTION, audit: Optional[Path] = AUDIT_OPTION):
        """Set a new password."""
        accounts, log = _open(users, audit)
        if accounts.get(name) is None:
            from ..errors import NotFoundError
            raise NotFoundError(f"no user {name} in {accounts.path}")
        user = accounts.passwd(name, _password(password_stdin))
        log.record("user-change", _who(), "local", change="passwd", target=user.name)
        typer.echo(f"new password set for {user.name}")

    @users_app.command("role")
    def role(name: str, new_role: str = typer.Argument(..., metavar="ROLE", help="viewer, analyst or admin."),
             users: Optional[Path] = USERS_OPTION, audit: Optional[Path] = AUDIT_OPTION):
        """Change an account's role."""
        accounts, log = _open(users, audit)
        user = accounts.set_role(name, new_role)
        log.record("user-change", _who(), "local", change="role", target=user.name, role=user.role)
        typer.echo(f"{user.name} is now {user.role}")

    @users_app.command("token")
    def token(name: str, label: str = typer.Option("", "--label", help="What the token is for."),
              users: Optional[Path] = USERS_OPTION, audit: Optional[Path] = AUDIT_OPTION):
        """A new API token for scripts (Authorization: Bearer TOKEN); shown once, stored hashed."""
        accounts, log = _open(users, audit)
        value = accounts.new_token(name, label)
        log.record("user-change", _who(), "local", change="token", target=name.lower(), label=label)
        typer.echo(value)

    @users_app.command("revoke")
    def revoke(name: str, users: Optional[Path] = USERS_OPTION, audit: Optional[Path] = AUDIT_OPTION):
        """Revoke every API token of an account."""
        accounts, log = _open(users, audit)
        n = accounts.revoke_tokens(name)
        log.record("user-change", _who(), "local", change="revoke", target=name.lower(), tokens=n)
        typer.echo(f"revoked {n} token(s) of {name}")
