"""graphtool demo"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer


def register(app: typer.Typer) -> None:
    @app.command()
    def demo(out: Optional[Path] = typer.Option(None, "--out", help="Working directory (default: a new ./graphtool-demo-N)."),
             keep_running: bool = typer.Option(False, "--keep-running", help="Leave the embedded server running.")):
        """Import the Canada 2021 case into a fresh embedded store, analyse it and print what it shows."""
        from ..demo import run_demo

        run_demo(out, echo=typer.echo, keep_running=keep_running)
