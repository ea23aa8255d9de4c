"""Scores for every Account and Outlet: centrality, communities, state affiliation.

The pure algorithms (``f(G, ...) -> {node: value}``) are in :mod:`.centrality`,
:mod:`.communities` and :mod:`.affiliation`; :mod:`.project` builds their input graphs from
the store and writes the results back.  :func:`run_analyses` runs them all on a store and
returns a summary; ``graphtool analyze`` and ``graphtool demo`` call it, ``graphtool explain``
calls :func:`explain`.
"""
from __future__ import annotations

import sys
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from .. import model
from ..errors import AnalysisError, NotFoundError
from ..store import Store
from . import affiliation
from . import affiliation as aff
from . import centrality, communities, project

PARTS = ("centrality", "communities", "affiliation")
SCORES = ("pagerank", "strength_in", "betweenness", "affiliation_score")  # ranked in the summary


def parse_only(only) -> tuple[str, ...]:
    """``"centrality,communities"`` (or a list) -> the parts, in canonical order; None -> all."""
    if only is None or only == "" or only == []:
        return PARTS
    names = [p.strip() for p in (only.split(",") if isinstance(only, str) else only) if p.strip()]
    unknown = [p for p in names if p not in PARTS]
    if unknown:
        raise AnalysisError(f"unknown analysis {', '.join(unknown)}: choose from {', '.join(PARTS)}")
    return tuple(p for p in PARTS if p in names)


def _entry(node: dict, value) -> dict:
    return {"id": node["id"], "label": node["label"], "name": node.get("name") or "", "value": value}


def _top(values: dict, nodes: dict, n: int) -> list[dict]:
    """The ``n`` highest non-zero values, ties by key."""
    ranked = sorted(((k, v) for k, v in values.items() if v > 0), key=lambda kv: (-kv[1], str(kv[0])))[:n]
    return [_entry(nodes[k], v) for k, v in ranked]


@contextmanager
def _progress(show: bool | None):
    """A spinner on a terminal (stderr), nothing when piped; yields ``step(description)``."""
    show = sys.stderr.isatty() if show is None else show
    if not show:
        yield lambda text: None
        return
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn

    with Progress(SpinnerColumn(), TextColumn("{task.description}"), console=Console(stderr=True),
                  transient=True) as bar:
        task = bar.add_task("analyse")
        yield lambda text: bar.update(task, description=text)


def run_analyses(store: Store, only=None, seed: int = 0, resolution: float = communities.RESOLUTION,
                 engine: str = "auto", weights: aff.Weights = aff.WEIGHTS, top: int = 10,
                 export_dir: str | Path | None = None, amplified: bool = False, progress: bool | None = None,
                 now: datetime | None = None) -> dict:
    """Run the analyses on a store, write the scores onto Accounts and Outlets, return a summary.

    Parameters
    ----------
    store : Store
    only : str or list of str, optional
        Any of ``centrality``, ``communities``, ``affiliation`` (default: all).
    seed : int
        Seeds the community detection and the betweenness pivots.
    resolution : float
        Community resolution.
    engine : {"auto", "louvain", "leiden"}
        Community engine (see :func:`.communities.communities`).
    weights : affiliation.Weights
    top : int
        Length of the ranked lists in the summary.
    export_dir : path, optional
        Also write the projections there (amplification.gexf, ownership.graphml,
        coordination.graphml, when computed).
    amplified : bool
        Also store the amplification graph as AMPLIFIED relationships (replacing earlier
        ones).  Off by default: nothing in graphtool reads them back, and at 10^6 edges writing
        them costs as much as the rest of the run; they are for browsing in Neo4j tools.
    progress : bool, optional
        Show a spinner; default: when stderr is a terminal.
    now : datetime, optional
        The run's time (default: now); the run id derives from it.

    Returns
    -------
    dict
        ``run``, ``at``, ``seed``, ``parts``, ``graphs`` (node and edge counts), ``centrality``,
        ``communities``, ``affiliation`` (each present when run), ``warnings`` and
        ``timings`` (seconds per step).  Everything but ``run``, ``at`` and ``timings`` is the
        same for the same store content and seed.
    """
    parts = parse_only(only)
    now = now or datetime.now(timezone.utc)
    at = now.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    run_id = f"analyze-{now.astimezone(timezone.utc).strftime('%Y%m%dT%H%M%S.%fZ')}-seed{seed}"
    summary: dict = {"run": run_id, "at": at, "seed": seed, "parts": list(parts), "graphs": {},
                     "warnings": [], "timings": {}}
    warnings, timings = summary["warnings"], summary["timings"]
    props: dict = {}  # actor key -> {property: value}
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        t = time.perf_counter()
        timings[name] = round(t - clock, 3)
        clock = t

    with _progress(progress) as step:
        step("reading accounts and outlets")
        census = project.census(store)
        lap("census")
        nodes = {k: {"id": a.id, "label": a.label, "name": a.name} for k, a in census.actors.items()}
        for k in census.actors:
            props[k] = {}
        if not census.actors:
            warnings.append("the store has no Account or Outlet: nothing to analyse")

        amp = None
        if "centrality" in parts or "communities" in parts:
            step("projecting the amplification graph")
            amp = project.amplification_graph(store, census)
            summary["graphs"]["amplification"] = {"nodes": amp.number_of_nodes(), "edges": amp.number_of_edges()}
            lap("amplification graph")
            if census.actors and amp.number_of_edges() == 0:
                warnings.append("no amplification in the store (no share or copy of another actor's article): "
                                "centrality is uniform and every actor is a community of its own")

        if "centrality" in parts:
            step("PageRank, strength, betweenness")
            pr = centrality.pagerank(amp)
            s_in, s_out = centrality.strength(amp)
            sampled = amp.number_of_nodes() > centrality.EXACT_BETWEENNESS_MAX_NODES
            bc = centrality.betweenness(amp, seed=seed)
            for k in census.actors:
                props[k].update(pagerank=pr.get(k, 0.0), strength_in=s_in.get(k, 0.0),
                                strength_out=s_out.get(k, 0.0), betweenness=bc.get(k, 0.0))
            summary["centrality"] = {
                "pagerank": {"alpha": centrality.ALPHA, "top": _top(pr, nodes, top)},
                "strength_in": {"top": _top(s_in, nodes, top)},
                "betweenness": {"method": f"sampled, {centrality.BETWEENNESS_PIVOTS} pivots, seed {seed}"
                                if sampled else "exact", "top": _top(bc, nodes, top)},
            }
            lap("centrality")
        if amplified and amp is not None:
            step("writing AMPLIFIED relationships")
            summary["amplified_written"] = project.write_amplified(store, amp, run_id)
            lap("write AMPLIFIED")

        if "communities" in parts:
            step("communities")
            res = communities.communities(amp, seed=seed, resolution=resolution, engine=engine)
            sizes = res.community_size
            for k in census.actors:
                props[k].update(community=int(res.partition[k]), community_size=int(sizes[k]))
            pr_rank = {k: p.get("pagerank", 0.0) for k, p in props.items()}
            members: dict = {}
            for k, c in res.partition.items():
                members.setdefault(c, []).append(k)
            largest = []
            for c, size in sorted(res.sizes.items(), key=lambda cs: (-cs[1], cs[0]))[:top]:
                lead = sorted(members[c], key=lambda k: (-pr_rank.get(k, 0.0), str(k)))[:5]
                largest.append({"community": c, "size": size, "members": [nodes[k]["id"] for k in lead]})
            summary["communities"] = {"engine": res.engine, "resolution": resolution, "seed": seed,
                                      "modularity": res.modularity, "count": len(res.sizes),
                                      "singletons": sum(1 for s in res.sizes.values() if s == 1),
                                      "largest": largest}
            lap("communities")

        own = coord = None
        if "affiliation" in parts:
            step("ownership paths")
            own = project.ownership_graph(store, census)
            summary["graphs"]["ownership"] = {"nodes": own.number_of_nodes(), "edges": own.number_of_edges()}
            invalid = [(u, v, d) for u, v, d in own.edges(data=True)
                       if not aff.clean_confidence(d.get("confidence"), weights.missing_confidence)[1]]
            if own.number_of_edges() == 0 and census.actors:
                warnings.append("no ownership data (OPERATED_BY / OWNED_BY / REGISTERED_TO): clarity can only be "
                                "unclear or none, except for outlets marked state-affiliated")
            if invalid:
                u, v, d = invalid[0]
                warnings.append(f"{len(invalid)} ownership links have a confidence missing or outside [0, 1] "
                                f"(e.g. {u} -{d['type']}-> {v}: {d.get('confidence')!r}); clipped to [0, 1], "
                                f"missing counted as {weights.missing_confidence:g}")
            paths = aff.ownership_paths(own, weights)
            state = {k for k in census.actors
                     if paths.get(k, (None, None))[0] and paths[k][0].strength >= weights.state_source_min}
            lap("ownership")
            step("state-media content taken up")
            items, info = project.state_items(store, census, state)
            published, shared = project.content_counts(store, census)
            for k, a in census.actors.items():
                a.published, a.shared = published.get(k, 0), shared.get(k, 0)
            if census.actors and not state:
                warnings.append("no actor is state-affiliated (no Outlet or Organization with state_affiliated = "
                                "true on an ownership path): scores rest on countries and ownership only")
            if state and info["copies"] == 0:
                warnings.append("no COPIES of state-media articles in the store: copying is judged from CITES, "
                                "identical text and shares only (run `graphtool copies` first)")
            lap("state items")
            step("coordination")
            coord = project.coordination_graph(store, census)
            summary["graphs"]["coordination"] = {"nodes": coord.number_of_nodes(), "edges": coord.number_of_edges()}
            lap("coordination graph")
            step("affiliation scores")
            result = aff.affiliation(census.actors, own, items, coord, weights, paths=paths)
            for k, r in result.items():
                props[k].update(affiliation_score=r.score, ownership_clarity=r.clarity,
                                affiliation_reasons=list(r.reasons),
                                **{f"affiliation_{name}": v for name, v in r.signals.items()})
            clarity = {c: 0 for c in aff.CLARITY}
            for r in result.values():
                clarity[r.clarity] += 1

            def listed(keys):
                return [{**_entry(nodes[k], result[k].score), "clarity": result[k].clarity,
                         "reasons": result[k].reasons} for k in keys]

            ranked = sorted(result, key=lambda k: (-result[k].score, str(k)))
            summary["affiliation"] = {
                "clarity": clarity, "state_actors": len(state), "items": len(items),
                "top": listed(ranked[:top]),
                "unclear": listed([k for k in ranked if result[k].clarity == "unclear"][:top]),
            }
            lap("affiliation")

        if export_dir is not None:
            step("exporting graphs")
            out = Path(export_dir)
            files = []
            for name, G, suffix in (("amplification", amp, ".gexf"), ("ownership", own, ".graphml"),
                                    ("coordination", coord, ".graphml")):
                if G is not None:
                    files.append(str(project.save_graph(G, out / f"{name}{suffix}")))
            summary["exported"] = files
            lap("export")

        step("writing scores")
        ts = int(now.timestamp())
        rows = [{"label": census.actors[k].label, "id": census.actors[k].id, "props": p}
                for k, p in sorted(props.items())]
        summary["written"] = project.write_node_scores(
            store, rows, common={"analysis_run": run_id, "analysis_at": at, "analysis_ts": ts})
        lap("write scores")
    return summary


def _fmt(v) -> str:
    return f"{v:.4g}" if isinstance(v, float) else str(v)


def summary_lines(summary: dict, top: int = 10) -> list[str]:
    """The human-readable form of a :func:`run_analyses` summary (warnings not included)."""
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
    return lines


def demo_step(ctx) -> list[str]:
    """``graphtool demo``: score the case, show the summary and the reasons for the first unclear account."""
    summary = run_analyses(ctx.store, seed=ctx.seed, progress=False, top=5, export_dir=ctx.out / "graphs")
    ctx.results["analyze"] = summary
    lines = summary_lines(summary, top=5) + [f"warning: {w}" for w in summary["warnings"]]
    lines.append(f"projections for Gephi: {', '.join(summary.get('exported', []))}")
    unclear = summary.get("affiliation", {}).get("unclear") or []
    if unclear:
        first = unclear[0]
        lines.append(f"graphtool explain {first['id']}:")
        lines += [f"  - {reason}" for reason in first["reasons"]]
    return lines


EXPLAIN_PROPS = tuple(p.name for p in model.ANALYSIS_PROPS)


def explain(store: Store, node_id: str) -> list[dict]:
    """The stored scores and reasons of the Account(s) / Outlet(s) with this id.

    Returns one dict per matching node: ``label``, ``id``, ``name`` and every derived property
    (``None`` where not computed yet).  Raises :class:`NotFoundError` for an unknown id.
    """
    found = []
    for label in project.ACTORS:
        spec = model.node(label)
        name = "name" if spec.prop("name") else "display_name"
        columns = ", ".join(f"n.{p} AS {p}" for p in EXPLAIN_PROPS)
        for row in store.read(f"MATCH (n:{spec.label} {{id: $id}}) RETURN n.{name} AS name, {columns}",
                              {"id": node_id}):
            found.append({"label": label, "id": node_id, **row})
    if not found:
        raise NotFoundError(f"no Account or Outlet with id {node_id!r}")
    return found


__all__ = ["run_analyses", "summary_lines", "explain", "demo_step", "parse_only", "PARTS",
           "affiliation", "centrality", "communities", "project"]
