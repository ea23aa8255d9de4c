"""graphtool coordination: accounts that act on the same item within a time window."""
from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import List, Optional

import typer

from ..analyze.coordination import DEFAULT_SIMILARITY, DEFAULT_WINDOW_S, KINDS, Coordination, Pair
from ..errors import ConfigError
from ..render.tables import csv_writer
from .common import RejectPrinter, echo_json, state

Kind = Enum("Kind", {k.replace("-", "_"): k for k in KINDS}, type=str)
# --out formats: pairs (one row per pair, both weights), qut (one row per direction: user_1,user_2,weight,
# as the QUT toolkit writes its networks), gephi (Gephi's edge table: Source,Target,Type,Weight), graphml
OUT_FORMATS = ("pairs", "qut", "gephi", "graphml")


def direction_rows(result: Coordination, self_loops: bool = False, min_weight: int | None = None) -> list[list]:
    """QUT's network table: ``[user_1, user_2, weight]`` per direction, sorted."""
    return sorted([a, b, w] for (a, b), w in result.edges(self_loops, min_weight).items())


def write_network(result: Coordination, path: Path, out_format: str, *, self_loops: bool = False,
                  rows: list[list] | None = None) -> None:
    """Write a network to ``path``: ``rows`` are the pairs rows for ``pairs`` (see :func:`pair_rows`)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if out_format == "graphml":
        import networkx as nx

        from ..render.exports import save_graph

        graph = nx.DiGraph(kind=result.kind, window_s=float(result.window_s))
        for a, b, w in direction_rows(result, self_loops):
            graph.add_edge(a, b, weight=w)
        save_graph(graph, path)
        return
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv_writer(handle)  # ids from imported files: no spreadsheet formulas
        if out_format == "pairs":
            writer.writerow(["account_1", "account_2", "weight_12", "weight_21"])
            writer.writerows(rows if rows is not None else pair_rows(result.pairs(self_loops), {}, "store"))
        elif out_format == "qut":
            writer.writerow(["user_1", "user_2", "weight"])
            writer.writerows(direction_rows(result, self_loops))
        else:
            writer.writerow(["Source", "Target", "Type", "Weight"])
            writer.writerows([a, b, "Directed", w] for a, b, w in direction_rows(result, self_loops))


def out_format_for(path: Path, asked: Optional[str], default: str) -> str:
    if asked is not None:
        if asked not in OUT_FORMATS:
            raise ConfigError(f"--out-format must be one of {', '.join(OUT_FORMATS)}, not {asked!r}")
        return asked
    return "graphml" if path.suffix.lower() == ".graphml" else default


def pair_rows(pairs: list[Pair], accounts: dict[str, dict], ids: str = "imported") -> list[list]:
    """CSV rows ``account_1, account_2, weight_12, weight_21`` sorted by the written ids.

    ``ids="imported"`` writes each account as its id in the imported file (its ``handle``),
    unless two accounts in the output share a handle (then store ids for all rows);
    ``ids="store"`` writes the store's account ids (``platform:handle``).
    """
    names = {p: p for pair in pairs for p in (pair.account_1, pair.account_2)}
    if ids == "imported":
        handles = {a: (accounts.get(a) or {}).get("handle") or a for a in names}
        if len(set(handles.values())) == len(handles):
            names = handles
    rows = []
    for p in pairs:
        a, b, w12, w21 = names[p.account_1], names[p.account_2], p.weight_12, p.weight_21
        if b < a:
            a, b, w12, w21 = b, a, w21, w12
        rows.append([a, b, w12, w21])
    return sorted(rows)


def register(app: typer.Typer) -> None:
    @app.command("coordination")
    def coordination(
        files: Optional[List[Path]] = typer.Argument(
            None, help="QUT or CooRTweet CSV files: compute the network from them, without a store."),
        fmt: Optional[str] = typer.Option(None, "--format", "-f",
                                          help="Format of FILES: qut or coortweet (default: from each header)."),
        kind: Kind = typer.Option(Kind.co_share.value, "--kind", "-k", help="What counts as acting together."),
        window: float = typer.Option(DEFAULT_WINDOW_S, "--window", "-w", min=0,
                                     help="Seconds within which two actions on one item count as coordinated."),
        min_weight: int = typer.Option(1, "--min-weight", min=1,
                                       help="Keep a pair when one account's matched actions reach N (QUT's "
                                            "minimum edge weight)."),
        min_participation: int = typer.Option(1, "--min-participation", min=1,
                                              help="Leave out accounts with fewer than N actions of this kind "
                                                   "(CooRTweet's filter)."),
        similarity: float = typer.Option(DEFAULT_SIMILARITY, "--similarity", min=0.01, max=1.0,
                                         help="Jaccard threshold of co-similar-text."),
        permutations: int = typer.Option(0, "--permutations", min=0,
                                         help="Significance test: N runs with times shuffled within accounts; "
                                              "gives each pair a p-value."),
        seed: int = typer.Option(0, "--seed", help="Seed of the significance test and of Louvain."),
        out: Optional[Path] = typer.Option(None, "--out", "-o",
                                           help="Write the network: pairs CSV (account_1,account_2,weight_12,"
                                                "weight_21), or as --out-format says."),
        out_format: Optional[str] = typer.Option(
            None, "--out-format", help="pairs | qut (user_1,user_2,weight per direction) | gephi | graphml; default: "
                                       "graphml for .graphml, else qut with FILES and pairs from the store."),
        self_loops: bool = typer.Option(False, "--self-loops", help="Keep A->A in the output (QUT's tables do)."),
        rejects: Optional[Path] = typer.Option(None, "--rejects", help="With FILES: write rejected rows here."),
        ids: str = typer.Option("store", "--ids",
                                help="Account ids in --out: 'store' (platform-qualified, e.g. x:123; a bare handle "
                                     "is ambiguous across platforms) or 'imported' (as in the imported file)."),
        write: bool = typer.Option(True, "--write/--no-write",
                                   help="Store COORDINATED_WITH and the groups (default) or only report."),
        top: int = typer.Option(10, "--top", min=0, help="Groups to list."),
        as_json: bool = typer.Option(False, "--json", help="Print the run and its groups as JSON."),
    ):
        """Find accounts that act together: co-share, co-link, co-text, co-similar-text, co-reply (QUT semantics),
        co-media (the same sound, media id or file hash; from the store only)."""
        if ids not in ("imported", "store"):
            raise ConfigError(f"--ids must be 'imported' or 'store', not {ids!r}")
        if files:
            from_files(files, fmt, kind.value, window, min_weight, min_participation, similarity, permutations,
                       seed, out, out_format, self_loops, rejects, as_json)
            return
        from ..analyze.coordination_store import run_coordination

        run = run_coordination(state.store_with_data(), kind.value, window, min_weight=min_weight,
                               min_participation=min_participation, similarity=similarity,
                               permutations=permutations, seed=seed, write=write)
        if out is not None:
            write_network(run.result, out, out_format_for(out, out_format, "pairs"), self_loops=self_loops,
                          rows=pair_rows(run.result.pairs(self_loops) if self_loops else run.pairs, run.accounts, ids))
        for warning in run.warnings:
            typer.echo(f"warning: {warning}", err=True)
        if as_json:
            echo_json({**run.as_dict(), "out": str(out) if out else None})
            return
        from ..render.text import coordination_run_lines

        lines, notes = coordination_run_lines(run, window, min_weight, top, out=out, written=write)
        for line in notes:
            typer.echo(line, err=True)
        for line in lines:
            typer.echo(line)

def from_files(files, fmt, kind, window, min_weight, min_participation, similarity, permutations, seed, out,
               out_format, self_loops, rejects, as_json) -> None:
    """``graphtool coordination FILE...``: the network of QUT / CooRTweet files, no store involved."""
    from ..analyze.coordination import co_actions, significance
    from ..analyze.coordination_files import FORMATS, read_file_actions
    from ..load import RejectsFile

    if kind == "co-media":  # QUT and CooRTweet tables carry no media ids
        raise ConfigError("--kind co-media reads media ids from the store: import the captures, then run "
                          "`graphtool coordination --kind co-media` without FILES")
    if fmt is not None and fmt not in FORMATS:
        raise ConfigError(f"--format with FILES must be one of {', '.join(FORMATS)}, not {fmt!r}")
    read = read_file_actions(files, kind, fmt)
    RejectPrinter.show_all(read.rejects)
    if rejects is not None:
        sink = RejectsFile(rejects)
        for reject in read.rejects:
            sink.write(reject)
        sink.close()
    result = co_actions(read.columns, window, kind=kind, min_weight=min_weight,
                        min_participation=min_participation, similarity=similarity)
    if permutations:
        significance(result, read.columns, permutations=permutations, seed=seed, similarity=similarity,
                     min_participation=min_participation)
    if out is not None:
        write_network(result, out, out_format_for(out, out_format, "qut"), self_loops=self_loops)
    warning = result.resolution_warning()
    if warning:
        typer.echo(f"warning: {warning}", err=True)
    edges = result.edges(self_loops)
    summary = {"kind": kind, "window_s": window, "min_weight": min_weight, "rows": read.rows,
               "actions": result.actions, "rejected": len(read.rejects), "duplicate_message_ids": read.duplicates,
               "directed_edges": len(edges), "pairs": len(result.pairs(self_loops)),
               "time_resolution_s": result.resolution_s, "warnings": [warning] if warning else [],
               "out": str(out) if out else None}
    if as_json:
        echo_json(summary)
    else:
        typer.echo(f"{kind}, window {window:g} s, min weight {min_weight}: {read.rows:,} rows, "
                   f"{result.actions:,} actions, {len(edges):,} directed edges ({summary['pairs']:,} pairs)"
                   + (f", {len(read.rejects):,} rejected" if read.rejects else "")
                   + (f"; written to {out}" if out else ""))
        if not result.actions:
            typer.echo(f"no {kind} actions in {', '.join(map(str, files))}", err=True)
    if read.rejects:
        raise typer.Exit(1)
