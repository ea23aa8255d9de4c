"""graphtool stats"""
from __future__ import annotations

import typer

from .common import echo_json, state


def register(app: typer.Typer) -> None:
    @app.command()
    def stats(as_json: bool = typer.Option(False, "--json", help="Print {nodes: {...}, relationships: {...}}.")):
        """Count nodes per label and relationships per type."""
        counts = state.store().counts()
        if as_json:
            echo_json(counts)
            return
        typer.echo(f"store: {state.store().describe()}")
        for section in ("nodes", "relationships"):
            typer.echo(f"{section}:")
            for name, count in counts[section].items():
                typer.echo(f"  {name:<18} {count:>10,}")
