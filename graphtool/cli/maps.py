"""graphtool map"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Optional

import typer

from .common import echo_json, state, time_window


def _narrative_view(store, view: str) -> str:
    """``--view`` as given, or ``narrative:ID`` when it is a narrative's id as ``--list-narratives`` prints it.

    So ``--view narrative:x`` draws the narrative whose id is ``narrative:x`` when there is one.
    """
    from ..render.views import narratives

    return f"narrative:{view}" if view in {n["id"] for n in narratives(store)} else view


def register(app: typer.Typer) -> None:
    @app.command("map")
    def map_(
        view: str = typer.Option("amplification", "--view",
                                 help="amplification, ownership, coordination, follows or narrative:ID."),
        color: Optional[str] = typer.Option(None, "--color",
                                            help="community, affiliation, platform or type (default: by view)."),
        size: Optional[str] = typer.Option(None, "--size", help="pagerank, followers or degree (default: by view)."),
        since: Optional[str] = typer.Option(None, "--since", help="Only activity from this time (ISO-8601 or epoch)."),
        until: Optional[str] = typer.Option(None, "--until", help="Only activity up to this time (ISO-8601 or epoch; "
                                                                   "a date alone includes that day)."),
        out: Optional[Path] = typer.Option(None, "--out", help="HTML file to write (default: <view>.html)."),
        budget: int = typer.Option(1500, "--budget", min=10,
                                   help="Most nodes on one page; larger graphs become a community overview "
                                        "with drill-down pages, or the top nodes and their neighbours."),
        seed: int = typer.Option(42, "--seed", help="Seed of community detection and layout."),
        list_narratives: bool = typer.Option(False, "--list-narratives", help="List narrative ids and stop."),
        as_json: bool = typer.Option(False, "--json", help="Print what was written (or the narratives) as JSON."),
    ):
        """Write an interactive map: one self-contained HTML file that works offline."""
        from ..render import views

        store = state.store_with_data()
        if list_narratives:
            if as_json:
                echo_json([{"id": n["id"], "name": n.get("name")} for n in views.narratives(store)])
                return
            for n in views.narratives(store):
                typer.echo(f"{n['id']}\t{n.get('name') or ''}")
            return
        start, end = time_window(since, until)
        target = out or Path(re.sub(r"[^A-Za-z0-9_.-]", "-", view) + ".html")
        view = _narrative_view(store, view)
        views.parse_view(view)
        result = views.write_view_map(store, view, target, color=color, size=size, since=start, until=end,
                                      budget=budget, seed=seed)
        if as_json:
            echo_json({"path": result.path, "pages": result.pages, "view": view, "kind": result.kind,
                       "total_nodes": result.total_nodes, "total_edges": result.total_edges,
                       "shown_nodes": result.shown_nodes, "notes": result.notes})
            return
        typer.echo(f"{result.path}: {result.shown_nodes:,} of {result.total_nodes:,} nodes"
                   + (f" ({result.kind})" if result.kind != "full" else ""))
        for extra in result.pages[1:]:
            typer.echo(f"  drill-down: {extra}")
        for note in result.notes:
            typer.echo(f"  {note}")
