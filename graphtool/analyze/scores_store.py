"""Scores for every Account and Outlet on a store: centrality, communities, state affiliation.

The pure algorithms (``f(G, ...) -> {node: value}``) are in :mod:`.centrality`,
:mod:`.communities` and :mod:`.affiliation`; :mod:`.projection_store` builds their input graphs
from the store and writes the results back.  :func:`run_analyses` runs them all on a store and
returns a summary (printed by :func:`graphtool.render.text.summary_lines`); ``graphtool analyze``
and ``graphtool demo`` call it, ``graphtool explain`` calls :func:`explain`.
"""
from __future__ import annotations

import heapq
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import networkx as nx

from .. import internal_queries as Q
from .. import model
from ..errors import AnalysisError, NotFoundError
from ..progress import steps
from ..store import Store
from . import affiliation as aff
from . import centrality, communities
from . import projection_store as project

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


class _Entries(dict):
    """key -> ``{"id", "label", "name"}`` of an actor, each made when first asked for (the ranked lists
    ask for a few dozen of 10^5)."""

    def __init__(self, actors: dict):
        super().__init__()
        self.actors = actors

    def __missing__(self, key: str) -> dict:
        a = self.actors[key]
        self[key] = entry = {"id": a.id, "label": a.label, "name": a.name}
        return entry


def _top(values: dict, nodes: dict, n: int) -> list[dict]:
    """The ``n`` highest non-zero values, ties by key."""
    floor = heapq.nlargest(n, values.values())[-1:] if n > 0 else []  # the n-th value: only ties of it or above
    candidates = [(k, v) for k, v in values.items() if v > 0 and v >= floor[0]] if floor else []
    ranked = sorted(candidates, key=lambda kv: (-kv[1], str(kv[0])))[:n]
    return [_entry(nodes[k], v) for k, v in ranked]


def run_analyses(store: Store, only=None, seed: int = 0, resolution: float = communities.RESOLUTION,
                 engine: str = "auto", weights: aff.Weights = aff.WEIGHTS, top: int = 10,
                 export: Callable[[str, nx.Graph], Path] | None = None, amplified: bool = False, progress: bool | None = None,
                 now: datetime | None = None, state_definition: aff.StateDefinition | None = None) -> dict:
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
    export : callable, optional
        Called as ``export(name, G)`` with each projection computed (``amplification``,
        ``ownership``, ``coordination``) after the scores are written; returns the path (or
        paths) it wrote, listed in ``exported``.
        :func:`graphtool.render.exports.projection_writer` writes them as GEXF / GraphML.
    amplified : bool
        Also store the amplification graph as AMPLIFIED relationships (replacing earlier
        ones).  Off by default: nothing in graphtool reads them back, and at 10^6 edges writing
        them costs as much as the rest of the run; they are for browsing in Neo4j tools.
    progress : bool, optional
        Show the steps as they run (stderr); default: when stderr is a terminal.
    now : datetime, optional
        The run's time (default: now); the run id derives from it.
    state_definition : affiliation.StateDefinition, optional
        What counts as the state (default: the shipped ``state.toml``; see
        :func:`.affiliation.load_state_definition`).

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
    columns: dict = {}  # property -> its value for every actor, in key order (``keys``)
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        t = time.perf_counter()
        timings[name] = round(t - clock, 3)
        clock = t

    amp_parts = "centrality" in parts or "communities" in parts
    total = (2 + amp_parts + ("centrality" in parts) + (amplified and amp_parts) + ("communities" in parts)
             + 4 * ("affiliation" in parts) + (export is not None))
    with steps(progress, "analyse", total) as step:
        step("reading accounts and outlets")
        census = project.census(store)
        lap("census")
        nodes = _Entries(census.actors)
        keys = sorted(census.actors)
        if not census.actors:
            warnings.append("the store has no Account or Outlet: nothing to analyse")

        amp = None
        graphs: dict = {}

        def amp_graph() -> nx.DiGraph:  # the NetworkX graph, only where one is asked for (export, small graphs)
            if "amplification" not in graphs:
                graphs["amplification"] = amp.graph(census)
            return graphs["amplification"]

        if "centrality" in parts or "communities" in parts:
            step("projecting the amplification graph")
            amp = project.amplification_arrays(store, census)  # arrays: no NetworkX graph on this path
            summary["graphs"]["amplification"] = {"nodes": len(amp.keys), "edges": int(amp.src.size)}
            lap("amplification graph")
            if census.actors and amp.src.size == 0:
                warnings.append("no amplification in the store (no share or copy of another actor's article): "
                                "centrality is uniform and every actor is a community of its own")

        if "centrality" in parts:
            step("PageRank, strength, betweenness")
            n, weight = len(amp.keys), amp.weight
            pr = dict(zip(amp.keys, centrality.pagerank_arrays(n, amp.src, amp.dst, weight).tolist()))
            s_in, s_out = (dict(zip(amp.keys, s.tolist()))
                           for s in centrality.strength_arrays(n, amp.src, amp.dst, weight))
            sampled = n > centrality.EXACT_BETWEENNESS_MAX_NODES
            bc = centrality.betweenness_arrays(amp.keys, amp.src, amp.dst, seed=seed)
            for name, values in (("pagerank", pr), ("strength_in", s_in), ("strength_out", s_out),
                                 ("betweenness", bc)):  # each dict in key order already, but for an empty store
                columns[name] = list(values.values()) if list(values) == keys else [values.get(k, 0.0) for k in keys]
            summary["centrality"] = {
                "pagerank": {"alpha": centrality.ALPHA, "top": _top(pr, nodes, top)},
                "strength_in": {"top": _top(s_in, nodes, top)},
                "betweenness": {"method": f"sampled, {centrality.sampled_pivots(int((amp.src != amp.dst).sum()))} "
                                          f"pivots, seed {seed}"
                                if sampled else "exact", "top": _top(bc, nodes, top)},
            }
            lap("centrality")
        if amplified and amp is not None:
            step("writing AMPLIFIED relationships")
            summary["amplified_written"] = project.write_amplified(store, amp_graph(), run_id)
            lap("write AMPLIFIED")

        if "communities" in parts:
            step("communities")
            res = communities.communities_arrays(amp.keys, amp.src, amp.dst, amp.weight, amp_graph, seed=seed,
                                                 resolution=resolution, engine=engine)
            sizes = res.community_size
            columns["community"] = [int(res.partition[k]) for k in keys]
            columns["community_size"] = [int(sizes[k]) for k in keys]
            pr_rank = dict(zip(keys, columns.get("pagerank") or [0.0] * len(keys)))
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
            own_edges = own.number_of_edges()  # a count over every node of a multigraph: once
            summary["graphs"]["ownership"] = {"nodes": own.number_of_nodes(), "edges": own_edges}
            invalid = [(u, v, d) for u, v, d in own.edges(data=True)
                       if not aff.clean_confidence(d.get("confidence"), weights.missing_confidence)[1]]
            if own_edges == 0 and census.actors:
                warnings.append("no ownership data (OPERATED_BY / OWNED_BY / REGISTERED_TO): clarity can only be "
                                "unclear or none, except for outlets marked state-affiliated")
            if invalid:
                u, v, d = invalid[0]
                warnings.append(f"{len(invalid)} ownership links have a confidence missing or outside [0, 1] "
                                f"(e.g. {u} -{d['type']}-> {v}: {d.get('confidence')!r}); clipped to [0, 1], "
                                f"missing counted as {weights.missing_confidence:g}")
            definition = state_definition or aff.default_state()
            summary["state_definition"] = definition.source
            is_state = aff.state_nodes(own, definition)
            paths = aff.ownership_paths(own, weights, definition, states=is_state)
            state = {k for k in census.actors
                     if paths.get(k, (None, None))[0] and paths[k][0].strength >= weights.state_source_min}
            project.write_state_entities(store, own, is_state)
            lap("ownership")
            step("state-media content taken up")
            items, info = project.state_items(store, census, state)
            published, shared = (amp.content_counts() if amp is not None and amp.published is not None
                                 else project.content_counts(store, census))
            for k, a in census.actors.items():
                a.published, a.shared = published.get(k, 0), shared.get(k, 0)
            if census.actors and not state:
                warnings.append(f"no actor is state-affiliated (no Outlet, Organization or Person that the state "
                                f"definition ({definition.source}) counts as the state on an ownership path): "
                                f"scores rest on countries and ownership only")
            if state and info["copies"] == 0:
                warnings.append("no COPIES of state-media articles in the store: copying is judged from CITES, "
                                "identical text and shares only (run `graphtool copies` first)")
            lap("state items")
            step("coordination")
            coord = project.coordination_graph(store, census)
            summary["graphs"]["coordination"] = {"nodes": coord.number_of_nodes(), "edges": coord.number_of_edges()}
            lap("coordination graph")
            step("affiliation scores")
            result = aff.affiliation(census.actors, own, items, coord, weights, paths=paths, state=definition,
                                     states=is_state)
            scored = [result[k] for k in keys]

            def path(r):  # called only for a result with a path
                return [own.nodes[n]["id"] for n in ([r.path.links[0].src] + [l.dst for l in r.path.links])] \
                    if r.path.links else []

            columns.update(affiliation_score=[r.score for r in scored], ownership_clarity=[r.clarity for r in scored],
                           affiliation_reasons=[list(r.reasons) for r in scored],
                           state_media=[r.state_media for r in scored],
                           state_path=[path(r) if r.path else [] for r in scored])
            for name in (scored[0].signals if scored else ()):  # every result has the same signals, in order
                columns[f"affiliation_{name}"] = [r.signals[name] for r in scored]
            clarity = {c: 0 for c in aff.CLARITY}
            for r in result.values():
                clarity[r.clarity] += 1

            def listed(keys):
                return [{**_entry(nodes[k], result[k].score), "clarity": result[k].clarity,
                         "reasons": result[k].reasons} for k in keys]

            # Evidence class first: a declared state account never ranks below one with behaviour only.
            ranked = sorted(result, key=lambda k: (aff.CLARITY.index(result[k].clarity), -result[k].score, str(k)))
            summary["affiliation"] = {
                "clarity": clarity, "state_actors": len(state), "items": len(items), "quotes": info["quotes"],
                "top": listed(ranked[:top]),
                "unclear": listed([k for k in ranked if result[k].clarity == "unclear"][:top]),
            }
            lap("affiliation")

        step("writing scores")
        ts = int(now.timestamp())
        actors = [census.actors[k] for k in keys]
        summary["written"] = project.write_score_columns(
            store, [a.label for a in actors], [a.id for a in actors], columns,
            common={"analysis_run": run_id, "analysis_at": at, "analysis_ts": ts},
            nodes=amp.actor_nodes if amp is not None else None) if columns else 0
        lap("write scores")

        if export is not None:  # after the scores are written: an export may carry them from the store
            step("exporting graphs")
            files = []
            for name, G in (("amplification", amp_graph() if amp is not None else None), ("ownership", own),
                            ("coordination", coord)):
                if G is not None:
                    written = export(name, G)  # a path, or a list of paths (one projection, two formats)
                    files += [str(p) for p in (written if isinstance(written, (list, tuple)) else [written])]
            summary["exported"] = files
            lap("export")
    return summary


EXPLAIN_PROPS = tuple(p.name for p in model.ANALYSIS_PROPS)


def explain(store: Store, node_id: str) -> list[dict]:
    """The stored scores and reasons of the Account(s) / Outlet(s) with this id.

    Returns one dict per matching node: ``label``, ``id``, ``name`` and every derived property
    (``None`` where not computed yet).  Raises :class:`NotFoundError` for an unknown id.
    """
    found = []
    for label in project.ACTORS:
        for row in Q.EXPLAIN_SCORES.read(store, {"id": node_id}, actor=label):
            found.append({"label": label, "id": node_id, **row})
            if label == "Account":  # which identifiers were matched, from which source
                from ..load.identity import identifiers_of

                found[-1]["identifiers"] = identifiers_of(store, node_id)
    if not found:
        raise NotFoundError(f"no Account or Outlet with id {node_id!r}")
    return found


__all__ = ["run_analyses", "explain", "parse_only", "PARTS"]
