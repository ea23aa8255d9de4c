"""graphtool copies | trace | timeline: who copied whom, cascades, and the cross-platform timeline."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ..errors import ConfigError
from .common import echo_json, state

BINS = {"hour": 3600, "day": 86400}


def _duration(text: str) -> int:
    """``90``, ``90s``, ``30m``, ``6h``, ``2d`` -> seconds."""
    text = text.strip().lower()
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    try:
        if text and text[-1] in units:
            return int(float(text[:-1]) * units[text[-1]])
        return int(float(text))
    except ValueError:
        raise ConfigError(f"{text!r} is not a duration (e.g. 90s, 30m, 6h, 2d)") from None


def _echo(lines: list[str]) -> None:
    for line in lines:
        typer.echo(line)


def register(app: typer.Typer) -> None:
    @app.command("copies")
    def copies(
        full: bool = typer.Option(False, "--full", help="Forget stored sketches and COPIES; compare everything again."),
        min_containment: float = typer.Option(0.5, "--min-containment", min=0.05, max=1.0,
                                              help="Share of the smaller text that must be shared."),
        write: bool = typer.Option(True, "--write/--no-write", help="Store COPIES and sketches (default) or only report."),
        top: int = typer.Option(10, "--top", min=0, help="Unattributed copies to list."),
        as_json: bool = typer.Option(False, "--json", help="Print the run summary and pairs as JSON."),
    ):
        """Detect copied text across all articles (incremental) and store COPIES with attribution."""
        from ..analyze.copies import CopyParams
        from ..analyze.copies_store import detect_copies
        from ..render.text import copy_run_lines

        run = detect_copies(state.store_with_data(), CopyParams(min_containment=min_containment), full=full, write=write,
                            progress=(lambda line: typer.echo(line, err=True)) if state.verbose else None)
        if as_json:
            echo_json({**run.as_dict(), "pairs": [{"copy": p.copy, "original": p.original, **p.props(),
                                                    "credit": p.credit} for p in run.pairs]})
            return
        _echo(copy_run_lines(run.as_dict(), [p for p in run.pairs if not p.attributed], top))

    @app.command("trace")
    def trace(
        article: Optional[str] = typer.Argument(None, metavar="[ARTICLE_ID]", help="An article id."),
        narrative: Optional[str] = typer.Option(None, "--narrative", "-n", help="Trace every article carrying it."),
        as_json: bool = typer.Option(False, "--json", help="Print the cascade trees as JSON (to --out if given)."),
        out: Optional[Path] = typer.Option(None, "--out", "-o",
                                           help="Write the cascade trees as JSON to this file (the text still "
                                                "prints unless --json)."),
        limit: int = typer.Option(20, "--limit", min=1, help="Trees to print (largest first)."),
    ):
        """Print the cascade tree: origin, then each hop (platform, account, lag, attribution stripped)."""
        from ..analyze.cascades_store import trace_article, trace_narrative
        from ..render.text import trace_lines

        if (article is None) == (narrative is None):
            raise ConfigError("give either an ARTICLE_ID or --narrative ID")
        result = trace_narrative(state.store(), narrative) if narrative else trace_article(state.store(), article)
        if as_json or out is not None:
            echo_json(result.as_dict(), out)
        if as_json:
            return
        _echo(trace_lines(result, article, narrative, limit))

    @app.command("timeline")
    def timeline(
        narrative: str = typer.Option(..., "--narrative", "-n", help="Narrative id."),
        out: Path = typer.Option(..., "--out", "-o",
                                 help="x.png or x.svg (the figure, plus x.html beside it) or x.html (the page only)."),
        bin_: str = typer.Option("hour", "--bin", help="hour or day."),
        window: str = typer.Option("24h", "--window", help="Event alignment window before and after (e.g. 6h, 2d)."),
        shares: bool = typer.Option(True, "--shares/--no-shares", help="Count shares of the narrative's articles."),
        z: float = typer.Option(3.0, "--z", min=0.5, help="Burst threshold: z-score above the rolling baseline."),
        min_count: int = typer.Option(3, "--min-count", min=1, help="A burst bin needs at least this much activity."),
        as_json: bool = typer.Option(False, "--json", help="Print the timeline data as JSON."),
    ):
        """Cross-platform timeline of a narrative: volume, first appearances, events, bursts."""
        from ..analyze.timeline_store import build_timeline
        from ..render.text import timeline_lines
        from ..render.timeline import write_timeline

        if bin_ not in BINS:
            raise ConfigError(f"--bin must be one of {', '.join(BINS)}")
        window_s = _duration(window)
        bin_s = BINS[bin_]
        tl = build_timeline(state.store(), narrative, bin_s=bin_s, window_s=window_s, shares=shares, z=z,
                            min_count=min_count, baseline_bins=max(3, 86400 // bin_s) if bin_s < 86400 else 7)
        written = write_timeline(tl, out)
        if as_json:
            echo_json({**tl.as_dict(), "written": [str(p) for p in written]})
            return
        _echo(timeline_lines(tl, narrative, window, written))
