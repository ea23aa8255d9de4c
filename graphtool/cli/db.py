"""graphtool db status|start|stop|wipe"""
from __future__ import annotations

import typer

from ..errors import ConfigError
from ..store import embedded_dir, redact, store_url
from ..store.embedded import EmbeddedServer
from .common import echo_json, state

db_app = typer.Typer(help="Manage the store: status, start and stop the embedded server, wipe the graph.",
                     no_args_is_help=True)


def _embedded() -> EmbeddedServer:
    url = store_url(state.store_url)
    if not url.startswith("embedded:"):
        raise ConfigError(f"{redact(url)} is not an embedded store; graphtool starts and stops only its own")
    return EmbeddedServer(embedded_dir(url))


@db_app.command()
def status(as_json: bool = typer.Option(False, "--json", help="Print {store, kind, running, pid, data_dir} as JSON.")):
    """Say which store is in use and whether it answers."""
    url = store_url(state.store_url)
    if as_json:
        server = _embedded() if url.startswith("embedded:") else None
        running = server.running() if server else bool(state.store().describe())  # a server store answers or errs
        echo_json({"store": redact(url), "kind": "embedded" if server else url.split(":", 1)[0].lower(),
                   "running": running, "pid": server.pid() if server and running else None,
                   "data_dir": str(server.data_dir) if server else None})
        if not running:
            raise typer.Exit(1)
        return
    if url.startswith("embedded:"):
        server = _embedded()
        if server.running():
            typer.echo(f"embedded FalkorDB running (pid {server.pid()}) at {server.data_dir}")
        else:
            typer.echo(f"embedded FalkorDB not running (data directory {server.data_dir})")
            raise typer.Exit(1)
    else:
        typer.echo(f"{state.store().describe()}: reachable")


@db_app.command()
def start():
    """Start the embedded FalkorDB server (commands also start it on demand)."""
    server = _embedded()
    started = server.start()
    typer.echo(f"embedded FalkorDB {'started' if started else 'already running'} (pid {server.pid()}) at {server.data_dir}")


@db_app.command()
def stop():
    """Stop the embedded FalkorDB server; its data stays on disk."""
    server = _embedded()
    typer.echo("stopped" if server.stop() else "not running")


@db_app.command()
def wipe(yes: bool = typer.Option(False, "--yes", help="Really delete everything in the graph.")):
    """Delete every node and relationship in the store."""
    if not yes:
        typer.echo("refusing to wipe without --yes", err=True)
        raise typer.Exit(2)
    store = state.store()
    store.wipe()
    store.ensure_schema()
    typer.echo(f"wiped {store.describe()}")


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")
