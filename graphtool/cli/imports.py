"""graphtool import PATH..."""
from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from ..load import import_paths
from .common import RejectPrinter, echo_json, state


def register(app: typer.Typer) -> None:
    @app.command("import")
    def import_(
        paths: List[Path] = typer.Argument(..., help="Files or folders to import."),
        fmt: Optional[str] = typer.Option(None, "--format", "-f",
                                          help="Input format (default: recognised from file names and headers)."),
        rejects: Optional[Path] = typer.Option(None, "--rejects", help="Write rejected rows with reasons to this CSV."),
        max_rejects: Optional[int] = typer.Option(None, "--max-rejects", help="Stop after more than N rejected rows."),
        as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
        batch_size: int = typer.Option(5000, "--batch-size", min=1, help="Rows per write transaction."),
    ):
        """Import files or folders (canonical CSV/JSON Lines or a known export format) into the store."""
        show = RejectPrinter()
        result = import_paths(state.store(), paths, fmt=fmt, rejects_path=rejects, max_rejects=max_rejects,
                              on_reject=show, batch_size=batch_size)
        show.close()
        if as_json:
            echo_json(result.as_dict())
        else:
            nodes = sum(result.nodes.values())
            rels = sum(result.relationships.values())
            typer.echo(f"imported {len(result.files)} files: {nodes:,} node rows, {rels:,} relationship rows, "
                       f"{result.rejected:,} rejected" + (f" (see {rejects})" if rejects and result.rejected else ""))
        if result.rejected:
            raise typer.Exit(1)
