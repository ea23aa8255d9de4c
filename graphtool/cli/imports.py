"""graphtool import PATH..."""
from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

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
        bulk: Optional[bool] = typer.Option(
            None, "--bulk/--no-bulk", help="Load an empty store with the engine's bulk insert (FalkorDB's GRAPH.BULK); "
            "default: when the input is 4 MiB or more. --no-bulk always MERGEs."),
        neo4j_home: Optional[Path] = typer.Option(
            None, "--neo4j-home", help="Instead of a store: create a database of the stopped Neo4j installed in this "
            "folder with neo4j-admin database import full (graphtool --database names it; default neo4j). "
            "Start Neo4j afterwards.", file_okay=False),
        overwrite: bool = typer.Option(False, "--overwrite", help="With --neo4j-home: replace that database if it "
                                       "exists (its data is lost)."),
    ):
        """Import files or folders (canonical CSV/JSON Lines or a known export format) into the store."""
        show = RejectPrinter()
        options = dict(fmt=fmt, rejects_path=rejects, max_rejects=max_rejects, on_reject=show, batch_size=batch_size)
        if neo4j_home is not None:
            from ..load.bulk_neo4j import import_neo4j_home

            result, empty = import_neo4j_home(paths, neo4j_home, database=state.database or "neo4j",
                                              overwrite=overwrite, **options)
            if empty and not as_json:
                typer.echo(f"note: {empty:,} nodes hold an empty list (a file's Source cites no source), which "
                           "neo4j-admin leaves absent", err=True)
        else:
            from ..load import import_paths  # here: the loader's imports are no other command's start-up

            result = import_paths(state.store(), paths, bulk=bulk, **options)
        show.close()
        for note in result.notes:
            typer.echo(f"note: {note}", err=True)
        if as_json:
            echo_json(result.as_dict())
        else:
            nodes = sum(result.nodes.values())
            rels = sum(result.relationships.values())
            typer.echo(f"imported {len(result.files)} files: {nodes:,} node rows, {rels:,} relationship rows, "
                       f"{result.rejected:,} rejected" + (f" (see {rejects})" if rejects and result.rejected else ""))
        if result.rejected:
            raise typer.Exit(1)
