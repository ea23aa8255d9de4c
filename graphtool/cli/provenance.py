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


def print_copy_run(summary: dict, pairs: list, top: int, echo=typer.echo) -> None:
    echo(f"articles: {summary['articles']:,} ({summary['sketched']:,} sketched now, {summary['reused']:,} "
         f"sketched before)")
    if summary["no_text"]:
        echo(f"  {summary['no_text']:,} without text or title: not compared")
    if summary["too_short"]:
        echo(f"  {summary['too_short']:,} too short to compare")
    echo(f"candidate pairs: {summary['candidates']:,}")
    echo(f"copies written: {summary['copies']:,} ({summary['unattributed']:,} without attribution, "
         f"{summary['attributed']:,} attributed)")
    if summary["ties"]:
        echo(f"  {summary['ties']:,} with identical timestamps: the original is the one credited, else the "
             f"smaller id")
    if summary["undated_copies"]:
        echo(f"  {summary['undated_copies']:,} copies have no timestamp: never origins, lag unknown")
    if summary["undirected"]:
        echo(f"  {summary['undirected']:,} overlapping pairs where neither article has a timestamp: "
             f"no direction, not written")
    if pairs and top:
        echo(f"unattributed copies (top {min(top, len(pairs))} by containment):")
        for p in sorted(pairs, key=lambda p: (-p.containment, -p.similarity, p.copy))[:top]:
            lag = f"{p.lag_s / 3600:.1f} h" if p.lag_s is not None else "?"
            echo(f"  {p.copy} <- {p.original}  containment {p.containment:.2f}  similarity {p.similarity:.2f}  "
                 f"lag {lag}")


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

        run = detect_copies(state.store_with_data(), CopyParams(min_containment=min_containment), full=full, write=write,
                            progress=(lambda line: typer.echo(line, err=True)) if state.verbose else None)
        if as_json:
            echo_json({**run.as_dict(), "pairs": [{"copy": p.copy, "original": p.original, **p.props(),
                                                    "credit": p.credit} for p in run.pairs]})
            return
        print_copy_run(run.as_dict(), [p for p in run.pairs if not p.attributed], top)

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
        from ..render.text import format_lag, render_tree

        if (article is None) == (narrative is None):
            raise ConfigError("give either an ARTICLE_ID or --narrative ID")
        result = trace_narrative(state.store(), narrative) if narrative else trace_article(state.store(), article)
        if as_json or out is not None:
            echo_json(result.as_dict(), out)
        if as_json:
            return
        if narrative:
            f = result.first
            typer.echo(f"narrative {narrative}: {result.narrative_name or ''}  (* carries it)")
            if f:
                typer.echo(f"first appearance: {f.published_at}  {f.platform}  {f.publisher or '?'}  {f.id}")
        if article:
            typer.echo(f"article {article} (*)")
        cascades = [t for t in result.trees if t.hops]
        alone = [t for t in result.trees if not t.hops]
        for tree in cascades[:limit]:
            stripped = sum(h.attribution_stripped for h in tree.hops)
            platforms = sorted({h.article.platform or "?" for h in tree.hops} | {tree.origin.platform or "?"})
            typer.echo(f"\ncascade of {len(tree.hops) + 1} articles on {', '.join(platforms)}; "
                       f"attribution stripped at {stripped} hop{'s' if stripped != 1 else ''}; "
                       f"last hop {format_lag(max((h.lag_from_origin_s or 0) for h in tree.hops))} after the origin")
            for line in render_tree(tree):
                typer.echo(f"  {line}")
        if len(cascades) > limit:
            typer.echo(f"\n… {len(cascades) - limit} more cascades (see --json)")
        if alone:
            typer.echo(f"\n{len(alone)} article{'s' if len(alone) != 1 else ''} with no copy or citation link"
                       f"{' (independent posts)' if narrative else ''}")
        if not cascades and article:
            typer.echo("no copies or citations link this article to others")

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
        from ..render.tables import terminal_text as plain
        from ..render.timeline import counted, write_timeline

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
        typer.echo(f"narrative {plain(narrative)}: {plain(tl.name)}")
        typer.echo(f"{tl.posts:,} posts, {tl.shares:,} shares" +
                   (f"; {tl.undated_posts:,} undated posts left out" if tl.undated_posts else ""))
        typer.echo(f"first appearance per platform: counting {counted(tl)} (the narrative-first-appearance query "
                   f"counts posts only)")
        for f in tl.first:
            typer.echo(f"  {f['at']}  {plain(f['platform']):<10} {f['kind']:<5} {plain(f['article'])}  "
                       f"{plain(f['account'] or '')}")
        if tl.alignment:
            typer.echo(f"events (activity {window} before -> after):")
            for e in tl.alignment:
                typer.echo(f"  {e['at']}  {plain(e['kind'] or 'event')}: {plain(e['name'])}  "
                           f"{e['before']} -> {e['after']}")
                for b in e["bursts"]:
                    who = ", ".join(f"{plain(a['account'])} ({a['count']})" for a in b["accounts"])
                    typer.echo(f"    burst {b['start']} .. {b['end']}: {b['count']} (baseline {b['baseline']}/bin) "
                               f"driven by {who}")
        typer.echo(f"bursts: {len(tl.bursts)}")
        for p in written:
            typer.echo(f"wrote {p}")
