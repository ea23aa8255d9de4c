"""Plain-text views for the terminal: the analysis summary, cascade trees, lags.

Analyses return data; these turn it into the lines ``graphtool`` and ``graphtool demo`` print.
"""
from __future__ import annotations

from ..analyze.cascades import Article, Hop, Tree
from .tables import terminal_text


def _fmt(v) -> str:
    return f"{v:.4g}" if isinstance(v, float) else str(v)


def summary_lines(summary: dict, top: int = 10) -> list[str]:
    """The human-readable form of a :func:`graphtool.analyze.scores_store.run_analyses` summary (warnings not included)."""
    lines = [f"{name} graph: {g['nodes']:,} nodes, {g['edges']:,} edges" for name, g in summary["graphs"].items()]
    cen = summary.get("centrality")
    if cen:
        for score, title in (("pagerank", "PageRank"), ("strength_in", "amplification received"),
                             ("betweenness", "betweenness")):
            extra = f" ({cen[score]['method']})" if "method" in cen[score] else ""
            lines.append(f"top by {title}{extra}:")
            lines += [f"  {_fmt(e['value']):>10}  {e['label']:<7} {e['id']}" + (f"  ({e['name']})" if e["name"] else "")
                      for e in cen[score]["top"][:top]]
    com = summary.get("communities")
    if com:
        q = "undefined" if com["modularity"] is None else f"{com['modularity']:.4f}"
        lines.append(f"communities ({com['engine']}, resolution {com['resolution']:g}, seed {com['seed']}): "
                     f"{com['count']:,}, modularity {q}, {com['singletons']:,} singletons")
        lines += [f"  #{c['community']:<4} {c['size']:>6,} members, e.g. {', '.join(c['members'])}"
                  for c in com["largest"][:top]]
    af = summary.get("affiliation")
    if af:
        lines.append("ownership clarity: " + ", ".join(f"{n:,} {c}" for c, n in af["clarity"].items()))
        lines.append("top by affiliation score:")
        lines += [f"  {e['value']:.3f}  {e['clarity']:<8} {e['label']:<7} {e['id']}"
                  + (f"  ({e['name']})" if e["name"] else "") for e in af["top"][:top]]
        if af["unclear"]:
            lines.append("unclear ownership, strong behaviour (look at these next; `graphtool explain ID`):")
            lines += [f"  {e['value']:.3f}  {e['id']}" for e in af["unclear"][:top]]
    lines.append(f"run {summary['run']}: scores written to {summary['written']:,} nodes")
    return [terminal_text(line) for line in lines]  # names from imported files: no terminal escapes


def follow_lines(summary: dict, top: int = 10) -> list[str]:
    """The human-readable form of a :func:`graphtool.analyze.follows_store.follow_communities` summary."""
    g = summary["graph"]
    lines = [f"follow graph: {g['nodes']:,} accounts, {g['edges']:,} follows"]
    if summary["count"]:
        q = "undefined" if summary["modularity"] is None else f"{summary['modularity']:.4f}"
        lines.append(f"follow communities ({summary['engine']}, resolution {summary['resolution']:g}, seed "
                     f"{summary['seed']}): {summary['count']:,}, modularity {q}, {summary['singletons']:,} singletons")
        lines += [f"  #{c['community']:<4} {c['size']:>6,} accounts, most followed: {', '.join(c['members'])}"
                  for c in summary["largest"][:top]]
        lines.append(f"run {summary['run']}: follow_community written to {summary['written']:,} accounts")
    return [terminal_text(line) for line in lines]


def format_lag(seconds: int | None) -> str:
    """``+1d02h``, ``+3h12m``, ``+45m``, ``+30s``; ``?`` when unknown.

    Examples
    --------
    >>> format_lag(93784), format_lag(11520), format_lag(45)
    ('+1d02h', '+3h12m', '+45s')
    """
    if seconds is None:
        return "?"
    sign = "+" if seconds >= 0 else "-"
    s = abs(int(seconds))
    if s >= 86400:
        return f"{sign}{s // 86400}d{(s % 86400) // 3600:02d}h"
    if s >= 3600:
        return f"{sign}{s // 3600}h{(s % 3600) // 60:02d}m"
    if s >= 60:
        return f"{sign}{s // 60}m"
    return f"{sign}{s}s"


def _who(a: Article) -> str:
    name = f" ({a.publisher_name})" if a.publisher_name and a.publisher_name != a.publisher else ""
    return f"{a.publisher or '?'}{name}"


def _clip(text: str | None, n: int = 40) -> str:
    if not text:
        return ""
    text = " ".join(text.split())
    return f'  "{text[:n]}{"…" if len(text) > n else ""}"'


def _credit_word(h: Hop) -> str:
    if h.kind == "cites":
        return "cites it"
    if h.credited:
        return "credited"
    if h.attribution_stripped:
        return "ATTRIBUTION STRIPPED"
    return "no credit (already missing upstream)"


def render_tree(tree: Tree) -> list[str]:
    """Text lines: the origin, then one line per hop under its parent; ``*`` marks marked articles.

    Examples
    --------
    >>> from graphtool.analyze.cascades import Article, Link, build_cascades
    >>> arts = {i: Article(i, platform="web", published_ts=t) for i, t in (("gt", 0), ("wx", 60), ("dy", 120))}
    >>> links = [Link("wx", "gt", "copies", 1.0, 1.0, 60, False), Link("dy", "gt", "cites")]
    >>> for line in render_tree(build_cascades(arts, links)[0]):
    ...     print(line)
    origin  undated  web  ?  gt
    ├─ +1m  web  ?  wx  copies  sim 1.00 cont 1.00  ATTRIBUTION STRIPPED
    └─ +2m  web  ?  dy  cites  cites it
    """
    o = tree.origin
    star = lambda a: " *" if a.marked else ""  # noqa: E731 - the traced article, or one carrying the narrative
    lines = [f"origin  {o.published_at or 'undated'}  {o.platform or '?'}  {_who(o)}  {o.id}{star(o)}{_clip(o.title)}"]
    children: dict[str, list[Hop]] = {}
    for h in tree.hops:
        children.setdefault(h.parent, []).append(h)

    def walk(node: str, prefix: str) -> None:
        kids = children.get(node, [])
        for i, h in enumerate(kids):
            last = i == len(kids) - 1
            sim = f"  sim {h.similarity:.2f} cont {h.containment:.2f}" if h.similarity is not None else ""
            lines.append(f"{prefix}{'└─ ' if last else '├─ '}{format_lag(h.lag_s)}  {h.article.platform or '?'}  "
                         f"{_who(h.article)}  {h.article.id}{star(h.article)}  {h.kind}{sim}  {_credit_word(h)}")
            walk(h.article.id, prefix + ("   " if last else "│  "))

    walk(o.id, "")
    return [terminal_text(line) for line in lines]  # names and titles from imported files: no terminal escapes


# --- the CLI's printers: each returns the lines a command prints ------------------------------------

EXPLAIN_SCORES = ("affiliation_score", "ownership_clarity", "pagerank", "strength_in", "strength_out",
                  "betweenness", "community", "community_size")


def explain_lines(found: list[dict]) -> list[str]:
    """``graphtool explain``: each node's identifiers, scores, signals and the reasons behind its score."""
    from ..load.identity import identifier_line

    lines = []
    for node in found:
        lines.append(f"{node['label']} {node['id']}" + (f" ({node['name']})" if node.get("name") else ""))
        lines += [f"  identifier {identifier_line(item)}" for item in node.get("identifiers") or []]
        if node.get("analysis_run") is None:
            lines.append("  not analysed yet: run `graphtool analyze`")
            continue
        lines.append(f"  analysed by {node['analysis_run']} at {node['analysis_at']}")
        lines += [f"  {name:<19} {_fmt(node[name])}" for name in EXPLAIN_SCORES if node.get(name) is not None]
        signals = [(k.removeprefix("affiliation_"), node[k]) for k in node
                   if k.startswith("affiliation_") and k not in ("affiliation_score", "affiliation_reasons")
                   and node[k] is not None]
        if signals:
            lines.append("  signals: " + ", ".join(f"{k} {v:.3f}" for k, v in signals))
        reasons = node.get("affiliation_reasons") or []
        if reasons:
            lines += ["  reasons:", *(f"  - {reason}" for reason in reasons)]
    return lines


def copy_run_lines(summary: dict, pairs: list, top: int) -> list[str]:
    """``graphtool copies``: what the run compared and wrote, then the top unattributed copies."""
    lines = [f"articles: {summary['articles']:,} ({summary['sketched']:,} sketched now, {summary['reused']:,} "
             f"sketched before)"]
    if summary["no_text"]:
        lines.append(f"  {summary['no_text']:,} without text or title: not compared")
    if summary["too_short"]:
        lines.append(f"  {summary['too_short']:,} too short to compare")
    lines.append(f"candidate pairs: {summary['candidates']:,}")
    lines.append(f"copies written: {summary['copies']:,} ({summary['unattributed']:,} without attribution, "
                 f"{summary['attributed']:,} attributed)")
    if summary["ties"]:
        lines.append(f"  {summary['ties']:,} with identical timestamps: the original is the one credited, else the "
                     f"smaller id")
    if summary["undated_copies"]:
        lines.append(f"  {summary['undated_copies']:,} copies have no timestamp: never origins, lag unknown")
    if summary["undirected"]:
        lines.append(f"  {summary['undirected']:,} overlapping pairs where neither article has a timestamp: "
                     f"no direction, not written")
    if pairs and top:
        lines.append(f"unattributed copies (top {min(top, len(pairs))} by containment):")
        for p in sorted(pairs, key=lambda p: (-p.containment, -p.similarity, p.copy))[:top]:
            lag = f"{p.lag_s / 3600:.1f} h" if p.lag_s is not None else "?"
            lines.append(f"  {p.copy} <- {p.original}  containment {p.containment:.2f}  "
                         f"similarity {p.similarity:.2f}  lag {lag}")
    return lines


def trace_lines(result, article: str | None, narrative: str | None, limit: int) -> list[str]:
    """``graphtool trace``: the cascade trees of a :class:`~graphtool.analyze.cascades_store.Trace`, largest first."""
    lines = []
    if narrative:
        f = result.first
        lines.append(f"narrative {narrative}: {result.narrative_name or ''}  (* carries it)")
        if f:
            lines.append(f"first appearance: {f.published_at}  {f.platform}  {f.publisher or '?'}  {f.id}")
    if article:
        lines.append(f"article {article} (*)")
    cascades = [t for t in result.trees if t.hops]
    alone = [t for t in result.trees if not t.hops]
    for tree in cascades[:limit]:
        stripped = sum(h.attribution_stripped for h in tree.hops)
        platforms = sorted({h.article.platform or "?" for h in tree.hops} | {tree.origin.platform or "?"})
        lines.append(f"\ncascade of {len(tree.hops) + 1} articles on {', '.join(platforms)}; "
                     f"attribution stripped at {stripped} hop{'s' if stripped != 1 else ''}; "
                     f"last hop {format_lag(max((h.lag_from_origin_s or 0) for h in tree.hops))} after the origin")
        lines += [f"  {line}" for line in render_tree(tree)]
    if len(cascades) > limit:
        lines.append(f"\n… {len(cascades) - limit} more cascades (see --json)")
    if alone:
        lines.append(f"\n{len(alone)} article{'s' if len(alone) != 1 else ''} with no copy or citation link"
                     f"{' (independent posts)' if narrative else ''}")
    if not cascades and article:
        lines.append("no copies or citations link this article to others")
    return lines


def timeline_lines(tl, narrative: str, window: str, written: list) -> list[str]:
    """``graphtool timeline``: counts, first appearances, events with their bursts, files written."""
    from .timeline import counted  # the figures' module: loaded only when a timeline is printed

    plain = terminal_text
    lines = [f"narrative {plain(narrative)}: {plain(tl.name)}",
             f"{tl.posts:,} posts, {tl.shares:,} shares"
             + (f"; {tl.undated_posts:,} undated posts left out" if tl.undated_posts else ""),
             f"first appearance per platform: counting {counted(tl)} (the narrative-first-appearance query "
             f"counts posts only)"]
    lines += [f"  {f['at']}  {plain(f['platform']):<10} {f['kind']:<5} {plain(f['article'])}  "
              f"{plain(f['account'] or '')}" for f in tl.first]
    if tl.alignment:
        lines.append(f"events (activity {window} before -> after):")
        for e in tl.alignment:
            lines.append(f"  {e['at']}  {plain(e['kind'] or 'event')}: {plain(e['name'])}  "
                         f"{e['before']} -> {e['after']}")
            for b in e["bursts"]:
                who = ", ".join(f"{plain(a['account'])} ({a['count']})" for a in b["accounts"])
                lines.append(f"    burst {b['start']} .. {b['end']}: {b['count']} (baseline {b['baseline']}/bin) "
                             f"driven by {who}")
    lines.append(f"bursts: {len(tl.bursts)}")
    lines += [f"wrote {p}" for p in written]
    return lines


def query_lines(q) -> list[str]:
    """``graphtool query show``: what a query answers, its parameters, columns, Browser lines and Cypher."""
    import json

    from ..queries import param_lines

    if q.adhoc:
        return [f"{q.path}: an ad-hoc query (no header)", f"parameters: {', '.join(p.name for p in q.params) or 'none'}",
                "", q.text.rstrip()]
    lines = [f"{q.name}: {q.description}", f"question: {q.question}", f"file: {q.path}", "",
             "parameters:" if q.params else "parameters: none"]
    for p in q.params:
        default = f"required, e.g. {p.example_text}" if p.required else f"default {json.dumps(p.default)}"
        lines.append(f"  {p.name} ({p.type}, {default}): {p.doc}")
    lines += ["columns:", *(f"  {c.name}: {c.doc}" for c in q.columns), "", "Neo4j Browser:",
              *(f"  {line}" for line in param_lines(q)), "", q.text.rstrip()]
    return lines


def coordination_run_lines(run, window: float, min_weight: int, top: int, out=None,
                           written: bool = True) -> tuple[list[str], list[str]]:
    """``graphtool coordination``: (lines for stdout, notes for stderr) of one stored run."""
    from ..values import iso

    lines = [f"{run.kind}, window {window:g} s, min weight {min_weight}: {run.actions:,} actions, "
             f"{len(run.pairs):,} coordinated pairs, {len(run.components):,} groups "
             f"({len(run.communities):,} Louvain communities)"]
    notes = []
    if run.skipped:
        notes.append(f"{run.skipped:,} actions without a time were left out")
    if run.actions == 0:
        notes.append(f"no {run.kind} actions in the store")
    if written:
        lines.append(f"wrote {run.written:,} COORDINATED_WITH (run {run.run_id})")
    if out is not None:
        lines.append(f"pairs written to {out}")
    if run.communities[:top] and run.state_media_note:
        lines.append(f"  ({run.state_media_note})")
    for g in run.communities[:top]:
        span = f", {iso(int(g.first_ts))} .. {iso(int(g.last_ts))}" if g.first_ts is not None else ""
        share = "" if g.state_media_share is None else f", {g.state_media_share:.0%} state media"
        plats = ", ".join(f"{k} {v}" for k, v in g.platforms.items())
        members = terminal_text(", ".join(g.members[:5])) + (" ..." if len(g.members) > 5 else "")
        lines.append(f"  community {g.id}: {len(g.members)} accounts, {g.edges} pairs, {len(g.items)} shared "
                     f"items{span} ({plats}){share}: {members}")
    return lines, notes
