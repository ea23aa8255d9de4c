"""``python -m graphtool.scale``: coordination and copy detection on Spark, from files (docs/scaling.md).

Thin: parse, call :mod:`graphtool.scale.spark`, write what ``graphtool coordination FILE`` writes.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import List, Optional

import typer

from ..analyze.coordination import KINDS
from ..errors import ConfigError, GraphtoolError, InputError

app = typer.Typer(help="Coordination and copy detection partitioned by time window on Apache Spark.",
                  pretty_exceptions_show_locals=False, add_completion=False, rich_markup_mode=None,
                  no_args_is_help=True)

FILE_KINDS = tuple(k for k in KINDS if k != "co-media")  # QUT and CooRTweet tables carry no media ids
MASTER = typer.Option("local[2]", "--master", help="Spark master: local[N], spark://host:7077, yarn, ...")
WINDOWS = typer.Option(None, "--windows", min=1, help="Cut the time span into this many windows (default: 4 per core).")
WIDTH = typer.Option(None, "--width", min=1.0, help="Or: time windows of this many seconds.")


@app.command("coordination")
def coordination(
    files: List[Path] = typer.Argument(..., help="QUT or CooRTweet CSV files, as for `graphtool coordination FILE`."),
    kind: str = typer.Option("co-share", "--kind", "-k", help="co-share | co-link | co-text | co-similar-text | co-reply"),
    window: float = typer.Option(60, "--window", "-w", min=0, help="Seconds within which two actions match."),
    min_weight: int = typer.Option(1, "--min-weight", min=1),
    min_participation: int = typer.Option(1, "--min-participation", min=1),
    similarity: Optional[float] = typer.Option(None, "--similarity", help="co-similar-text: Jaccard threshold."),
    fmt: Optional[str] = typer.Option(None, "--format", help="qut | coortweet (default: from each header)."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Write the network (.csv or .graphml)."),
    out_format: Optional[str] = typer.Option(None, "--out-format", help="pairs | qut | gephi | graphml (default: qut)."),
    self_loops: bool = typer.Option(False, "--self-loops"),
    master: str = MASTER, windows: Optional[int] = WINDOWS, width: Optional[float] = WIDTH,
):
    """The coordination network of QUT / CooRTweet files, one Spark task per time window."""
    from ..analyze.coordination_files import read_file_actions
    from ..cli.common import RejectPrinter
    from ..cli.coordination import out_format_for, write_network
    from .spark import co_actions_spark, session

    one_cut(windows, width)
    if kind not in FILE_KINDS:
        raise ConfigError(f"--kind must be one of {', '.join(FILE_KINDS)}, not {kind!r}")
    read = read_file_actions(files, kind, fmt)
    RejectPrinter.show_all(read.rejects)
    run = co_actions_spark(session(master), read.columns, window, kind=kind, min_weight=min_weight,
                           min_participation=min_participation, similarity=similarity, windows=windows, width_s=width)
    if out is not None:
        write_network(run.result, out, out_format_for(out, out_format, "qut"), self_loops=self_loops)
    warning = run.result.resolution_warning()
    if warning:
        typer.echo(f"warning: {warning}", err=True)
    edges = run.result.edges(self_loops)
    tasks = sum(run.rows_per_task.values())
    typer.echo(f"{kind}, window {window:g} s, min weight {min_weight}: {read.rows:,} rows, {run.result.actions:,} "
               f"actions in {len(run.rows_per_task)} time windows ({tasks:,} rows with the overlaps), "
               f"{len(edges):,} directed edges" + (f"; written to {out}" if out else ""))
    if read.rejects:
        raise typer.Exit(1)


def one_cut(windows: Optional[int], width: Optional[float]) -> None:
    if windows is not None and width is not None:
        raise ConfigError("give --windows or --width, not both")


def read_docs(path: Path):
    """Documents of a JSON-lines file (``id, text, published_ts`` and optionally ``lang, title, url``);
    a bad line is reported with its number and field and left out."""
    from ..analyze.copies import Doc

    docs, problems = [], []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from None
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(f"{path}: line {number}: not JSON ({exc.msg})")
            continue
        if not isinstance(row, dict) or not isinstance(row.get("id"), str) or not row["id"]:
            problems.append(f"{path}: line {number}: field id: a non-empty string is needed")
            continue
        ts = row.get("published_ts")
        if ts is not None and (isinstance(ts, bool) or not isinstance(ts, int)):
            problems.append(f"{path}: line {number}: field published_ts: epoch seconds (an integer) or null")
            continue
        docs.append(Doc(row["id"], row.get("text"), ts, row.get("lang"), row.get("title"), row.get("url")))
    return docs, problems


@app.command("copies")
def copies(
    docs_file: Path = typer.Argument(..., help="JSON lines, one document each: id, text, published_ts[, lang, title, url]."),
    max_lag: float = typer.Option(..., "--max-lag", min=0, help="Longest lag (s) between an original and its copy."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Write the pairs as CSV."),
    master: str = MASTER, windows: Optional[int] = WINDOWS, width: Optional[float] = WIDTH,
):
    """Copied text across documents, one Spark task per window of publication time."""
    from ..render.tables import csv_writer
    from .spark import find_copies_spark, session

    one_cut(windows, width)
    docs, problems = read_docs(docs_file)
    for line in problems:
        typer.echo(line, err=True)
    run = find_copies_spark(session(master), docs, max_lag, windows=windows, width_s=width)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        with out.open("w", newline="", encoding="utf-8") as handle:
            writer = csv_writer(handle)
            writer.writerow(["copy", "original", "similarity", "containment", "lag_s", "attributed", "method", "basis"])
            writer.writerows([p.copy, p.original, round(p.similarity, 6), round(p.containment, 6), p.lag_s,
                              p.attributed, p.method, p.basis] for p in run.pairs)
    typer.echo(f"{len(docs):,} documents, {run.compared:,} compared in "
               f"{run.windows.count if run.windows else 0} time windows: {len(run.pairs):,} copies within "
               f"{max_lag:g} s ({sum(not p.attributed for p in run.pairs):,} unattributed)"
               + (f", {len(run.undated):,} undated left out" if run.undated else "")
               + (f"; written to {out}" if out else ""))
    if problems:
        raise typer.Exit(1)


def main() -> None:
    try:
        app()
    except GraphtoolError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(exc.exit_code)


if __name__ == "__main__":
    main()
