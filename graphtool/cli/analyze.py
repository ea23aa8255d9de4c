"""graphtool analyze / graphtool explain"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from .common import echo_json, state


def _show(summary: dict, lines: list[str], as_json: bool) -> None:
    """A run's summary as JSON, or as its lines with the warnings on stderr."""
    if as_json:
        echo_json(summary)
        return
    for line in lines:
        typer.echo(line)
    for warning in summary["warnings"]:
        typer.echo(f"warning: {warning}", err=True)


def register(app: typer.Typer) -> None:
    @app.command()
    def analyze(
        only: Optional[str] = typer.Option(None, "--only",
                                           help="Comma-separated subset of centrality,communities,affiliation."),
        seed: int = typer.Option(0, "--seed", help="Seed of community detection and betweenness sampling."),
        resolution: float = typer.Option(1.0, "--resolution", min=0.0, help="Community resolution (larger: smaller communities)."),
        engine: str = typer.Option("auto", "--engine",
                                   help="Community engine: auto (python-louvain on small graphs, Leiden on large), "
                                        "louvain or leiden."),
        top: int = typer.Option(10, "--top", min=1, help="Length of the ranked lists."),
        export: Optional[Path] = typer.Option(None, "--export",
                                              help="Also write the projections to this folder (GEXF, GraphML)."),
        amplified: bool = typer.Option(False, "--amplified",
                                       help="Also store who-amplifies-whom as AMPLIFIED relationships (for Neo4j tools)."),
        state_file: Optional[Path] = typer.Option(None, "--state", metavar="FILE",
                                                  help="What counts as the state: a TOML file with the keys of "
                                                       "graphtool/analyze/state.toml (the default; docs/scores.md)."),
        graph: str = typer.Option("amplification", "--graph",
                                  help="amplification: every score (default); follows: communities on the follow "
                                       "graph only (FOLLOWS, never read as shares), stored as follow_community."),
        as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
    ):
        """Score every account and outlet (centrality, communities, state affiliation) and store the scores."""
        from ..analyze.scores_store import run_analyses
        from ..render.exports import projection_writer
        from ..render.text import summary_lines
        from ..analyze.communities import ENGINES
        from ..errors import ConfigError

        from ..analyze.affiliation import load_state_definition

        if engine not in ENGINES:
            raise ConfigError(f"--engine must be one of {', '.join(ENGINES)}")
        if graph not in ("amplification", "follows"):
            raise ConfigError(f"--graph must be amplification or follows, not {graph!r}")
        if graph == "follows" and (only or export or amplified or state_file):
            raise ConfigError("--graph follows detects communities on the follow graph only: --only, --export, "
                              "--amplified and --state do not apply to it")
        if graph == "follows":
            from ..analyze.follows_store import follow_communities
            from ..render.text import follow_lines

            found = follow_communities(state.store_with_data(), seed=seed, resolution=resolution, engine=engine,
                                       top=top)
            _show(found, follow_lines(found, top), as_json)
            return
        definition = load_state_definition(state_file) if state_file else None
        store = state.store_with_data()
        summary = run_analyses(store, only=only, seed=seed, resolution=resolution, engine=engine, top=top,
                               export=projection_writer(export, store) if export else None, amplified=amplified,
                               state_definition=definition)
        _show(summary, summary_lines(summary, top), as_json)

    @app.command()
    def explain(node_id: str = typer.Argument(..., metavar="ID", help="Account or Outlet id, e.g. wechat:handle."),
                as_json: bool = typer.Option(False, "--json", help="Print the stored scores as JSON.")):
        """Show one account's or outlet's scores and every reason behind its affiliation score."""
        from ..analyze.scores_store import explain as explain_node
        from ..render.text import explain_lines

        found = explain_node(state.store(), node_id)
        if as_json:
            echo_json(found)
            return
        for line in explain_lines(found):
            typer.echo(line)
