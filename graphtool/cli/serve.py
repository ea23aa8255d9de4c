"""graphtool serve"""
from __future__ import annotations

import secrets
from pathlib import Path
from typing import Optional

import typer

from .common import state

DEFAULT_PORT = 8765


def paths(users: Optional[Path], audit: Optional[Path]) -> tuple[Path, Path]:
    """The users file (given, else in the store's serve folder) and the audit log (given, else next to it)."""
    from ..serve import serve_dir

    users = users or serve_dir(state.store_url) / "users.json"
    return users, audit or users.parent / "audit.jsonl"


def latest_demo_store() -> Path:
    from ..errors import ConfigError

    found = sorted((p for p in Path(".").glob("graphtool-demo-*/store") if p.is_dir()),
                   key=lambda p: int(p.parent.name.rsplit("-", 1)[1]) if p.parent.name.rsplit("-", 1)[1].isdigit() else -1)
    if not found:
        raise ConfigError("no demo case here (./graphtool-demo-N/store): run `graphtool demo` first")
    return found[-1].resolve()


def register(app: typer.Typer) -> None:
    @app.command()
    def serve(store: Optional[str] = typer.Option(None, "--store", help="Store URL (as the global --store)."),
              host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (default: this machine only)."),
              port: int = typer.Option(DEFAULT_PORT, "--port", help="Port to listen on."),
              users: Optional[Path] = typer.Option(None, "--users", help="Users file (default: serve/users.json in "
                                                   "the embedded store's folder, else ./graphtool-serve/)."),
              audit: Optional[Path] = typer.Option(None, "--audit", help="Audit log (default: next to the users file)."),
              secure_cookies: Optional[bool] = typer.Option(None, "--secure-cookies/--no-secure-cookies",
                                                            help="Mark the session cookie Secure (default: when "
                                                                 "the request came over https)."),
              demo: bool = typer.Option(False, "--demo", help="With a one-time admin account, printed here and "
                                                             "removed on exit; without --store: the latest "
                                                             "./graphtool-demo-N case.")):
        """The browser workspace over the store: search, entity and narrative pages, canned queries, behind a login."""
        from ..serve import server
        from ..serve.audit import AuditLog
        from ..serve.users import Users
        from ..serve.web import build_app

        if store:
            state.store_url = store
        elif demo and not state.store_url:
            state.store_url = f"embedded:{latest_demo_store()}"
        users_path, audit_path = paths(users, audit)
        sock = server.bind(host, port)  # before opening the store: a port in use is said at once
        accounts, log = Users(users_path), AuditLog(audit_path)
        one_time = None
        if demo:
            one_time = f"demo-{secrets.token_hex(3)}"
            password = secrets.token_urlsafe(12)
            accounts.add(one_time, "admin", password)
            log.record("user-change", "graphtool serve --demo", "local", change="add", target=one_time, role="admin")
        elif not accounts.all():
            typer.echo(f"note: no accounts in {users_path} yet: add one with `graphtool users add NAME --role "
                       "admin`", err=True)
        app = build_app(state.store_with_data(), accounts, log, secure_cookies)
        shown = f"[{host}]" if ":" in host else host
        typer.echo(f"graphtool serve: {state.store().describe()} on http://{shown}:{port}/ (users {users_path}, "
                   f"audit {audit_path}); Ctrl-C stops it")
        if one_time:
            typer.echo(f"one-time account: name {one_time}  password {password}  (removed when the server stops)")
        try:
            server.run(app, sock)
        finally:
            if one_time:
                accounts.remove(one_time)
                log.record("user-change", "graphtool serve --demo", "local", change="remove", target=one_time)
