"""The Typer CLI: parse, call one library function, print.  Errors become one line + exit code.

One module per command group; each defines ``register(app)``.  Add a group by listing its
module in ``GROUPS``.
"""
from __future__ import annotations

import errno
import importlib
import sys

import typer

from .. import __version__
from ..errors import GraphtoolError
from ..store.base import redact
from .common import state

GROUPS = ("imports", "stats", "db", "demo", "query", "coordination", "analyze", "maps", "schedule", "provenance",
          "report", "serve", "users", "audit")

app = typer.Typer(
    name="graphtool",
    help="Influence-network analysis on a graph store, with evidence for every finding.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,  # locals may hold the Neo4j password
    add_completion=False,
    rich_markup_mode=None,
)


def _version(value: bool):
    if value:
        typer.echo(f"graphtool {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    store: str = typer.Option(None, "--store", envvar="GRAPHTOOL_STORE",
                              help="Store URL: embedded:PATH (default embedded:.graphtool), bolt://..., neo4j://..., "
                                   "neo4j+s://..., falkordb://host:port."),
    database: str = typer.Option(None, "--database", envvar="GRAPHTOOL_DATABASE",
                                 help="Neo4j database name (default: the server's default)."),
    verbose: int = typer.Option(0, "--verbose", "-v", count=True, help="More detail; repeat for even more."),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version."),
):
    state.close()  # a store left open by an earlier in-process invocation (CliRunner, a library user) is not this one
    state.store_url = store
    state.database = database
    state.verbose = verbose


for _name in GROUPS:
    importlib.import_module(f"{__name__}.{_name}").register(app)


def main() -> None:
    try:
        app()  # click handles usage errors (exit 2) and --help itself
    except GraphtoolError as exc:
        typer.echo(f"error: {redact(str(exc))}", err=True)  # a URL in a message never shows its password
        sys.exit(exc.exit_code)
    except OSError as exc:
        if exc.errno != errno.ENOSPC:
            raise
        typer.echo(f"error: the disk is full{f' writing {exc.filename}' if exc.filename else ''}; "
                   "free some space and retry", err=True)
        sys.exit(2)
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        sys.exit(130)
    finally:
        state.close()
