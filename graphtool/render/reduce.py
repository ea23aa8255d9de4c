"""Fitting a graph into a map's node budget: community overview with drill-downs, or top-N.

A browser lays out about 1,500 nodes in a few seconds; beyond that a map is slow and
unreadable.  :func:`plan_pages` turns a graph of any size into pages that each fit the budget:

``communities``
    one overview page whose nodes are communities ("super-nodes", size = members, edges =
    aggregated weight between them), plus drill-down pages linked from each community: a large
    community has its own (reduced by top-N when it alone exceeds the budget), small ones share
    one up to the budget;
``top``
    the ``budget // 5`` nodes with the highest score and, filling the rest of the budget,
    their highest-scoring neighbours.

Every reduced page carries a note that says what was left out.
"""
from __future__ import annotations

import heapq
import math
from collections import Counter
from typing import Callable

import networkx as nx

STRATEGIES = ("auto", "communities", "top")
SUPER = "Community"  # the pseudo-label of a super-node; not a graph-model label
# An overview is read, not searched: past this many super-nodes the smallest are merged.
OVERVIEW_MAX_COMMUNITIES = 300
TOP_CORE_SHARE = 5  # top-N keeps budget // TOP_CORE_SHARE nodes by score, then neighbours
OVERVIEW_EDGES_PER_NODE = 8  # an overview keeps each community's strongest links (a complete graph is noise)


class Page:
    """One map to draw: a graph within the budget and how it relates to the input.

    A community page can be planned from its nodes alone (``source`` and ``nodes``): its graph, the
    subgraph of ``source`` on them, is then built when ``graph`` is first read, in the process that
    draws the page (:func:`graphtool.render.maps.write_map` draws pages in worker processes).
    """

    def __init__(self, graph: nx.Graph | None, kind: str, notes: list[str] | None = None, slug: str = "",
                 title: str = "", links: list[tuple[str, str]] | None = None, *,
                 source: nx.Graph | None = None, nodes: list | None = None):
        self._graph, self._source, self._nodes = graph, source, nodes
        self.kind = kind  # "full", "overview", "community" or "top"
        self.notes = notes if notes is not None else []
        self.slug = slug  # "" for the main page, else the suffix of its file name
        self.title = title  # "" for the main page
        self.links = links if links is not None else []  # (slug, text); slug "" = main page
        self.size = graph.number_of_nodes() if graph is not None else len(nodes)  # nodes on the page

    @property
    def graph(self) -> nx.Graph:
        if self._graph is None:
            self._graph = induced(self._source, self._nodes)
        return self._graph

    def release(self) -> None:
        """Forget a graph built from ``nodes`` (once drawn): it is built again if read."""
        if self._nodes is not None:
            self._graph = None


def platform_of(attrs: dict) -> str | None:
    """A node's platform as a string (data may hold anything there), or None."""
    value = attrs.get("platform")
    if value is None or value == "":
        return None
    if isinstance(value, (list, tuple)):
        return "; ".join(str(x) for x in value)
    return str(value)


def _edge_count(G: nx.Graph) -> int:
    return G.number_of_edges()


def top_nodes(G: nx.Graph, score: dict, budget: int) -> tuple[list, int]:
    """The ``budget // 5`` best nodes by score plus their best neighbours, up to ``budget`` nodes.

    Parameters
    ----------
    G : networkx graph
    score : dict
        node -> number; higher is more important; missing counts 0.
    budget : int
        The most nodes to keep.

    Returns
    -------
    (list, int)
        The kept nodes (core first, by descending score; ties broken by ``str(node)`` so the
        choice is deterministic) and the size of the core.
    """
    def rank(v):
        return (-float(score.get(v, 0.0) or 0.0), str(v))

    ordered = sorted(G, key=rank)
    core = ordered[:max(1, budget // TOP_CORE_SHARE)]
    kept = dict.fromkeys(core)
    neighbours: set = set()
    for v in core:
        neighbours.update(nx.all_neighbors(G, v) if G.is_directed() else G.neighbors(v))
    for v in sorted(neighbours.difference(kept), key=rank):
        if len(kept) >= budget:
            break
        kept[v] = None
    # A core without enough neighbours leaves room: fill it with the next best nodes.
    for v in ordered[len(core):]:
        if len(kept) >= budget:
            break
        kept.setdefault(v, None)
    return list(kept), len(core)


def induced(G: nx.Graph, nodes) -> nx.Graph:
    """The subgraph of ``G`` on ``nodes`` as a graph of its own (attributes copied one level deep).

    A page is walked many times, and a networkx subgraph view filters the whole graph's adjacency on
    every walk; its ``copy()`` walks the view once more.  This reads the adjacency once, directly.
    """
    keep = set(nodes)
    H = G.__class__()
    H.graph.update(G.graph)
    H.add_nodes_from((v, dict(G.nodes[v])) for v in nodes)
    adj = G.adj
    if G.is_multigraph():
        H.add_edges_from((u, v, k, dict(d)) for u in nodes for v, keyed in adj[u].items() if v in keep
                         for k, d in keyed.items())
    else:
        H.add_edges_from((u, v, dict(d)) for u in nodes for v, d in adj[u].items() if v in keep)
    return H


def _top_page(G: nx.Graph, score: dict, budget: int, score_name: str) -> Page:
    kept, core = top_nodes(G, score, budget)
    H = induced(G, kept)
    left_nodes = G.number_of_nodes() - H.number_of_nodes()
    left_edges = _edge_count(G) - _edge_count(H)
    note = (f"Showing {H.number_of_nodes():,} of {G.number_of_nodes():,} nodes: the {core:,} with the highest "
            f"{score_name} and {H.number_of_nodes() - core:,} of their neighbours (highest {score_name} first). "
            f"Left out: {left_nodes:,} nodes and {left_edges:,} edges.")
    return Page(H, "top", [note])


def supernode_graph(G: nx.Graph, partition: dict, score: dict, name: Callable[[object], str],
                    max_communities: int = OVERVIEW_MAX_COMMUNITIES) -> tuple[nx.Graph, dict]:
    """The quotient graph of ``G`` by ``partition``: one node per community.

    Parameters
    ----------
    G : networkx graph
    partition : dict
        node -> community id.
    score : dict
        node -> number, used to name each community's top members.
    name : callable
        node -> display name.
    max_communities : int
        Communities beyond the largest ``max_communities - 1`` merge into one "other" node.

    Returns
    -------
    (networkx.Graph, dict)
        The undirected quotient graph and community id -> super-node id.  A super-node has
        ``label`` = :data:`SUPER`, ``members`` (count), ``top`` (names of up to five
        best-scoring members), ``platform`` (the most common), ``affiliation_score`` (mean of
        the members' known scores), ``community`` and ``merged`` (communities merged into it).
        An edge has ``weight`` (summed; a missing weight counts 1), ``edges`` (how many) and
        ``types`` (count per relationship type).
    """
    attrs = dict(G.nodes(data=True))  # node -> attributes, read directly (a NodeView lookup costs more)
    members: dict = {}
    for v in G:
        members.setdefault(partition[v], []).append(v)
    order = sorted(members, key=lambda c: (-len(members[c]), str(c)))
    keep = order if len(order) <= max_communities else order[:max_communities - 1]
    sid = {c: f"c{i}" for i, c in enumerate(keep)}
    rest = [c for c in order if c not in sid]
    for c in rest:
        sid[c] = "other"
    Q = nx.Graph()
    groups: dict = {}
    for c in order:
        groups.setdefault(sid[c], []).append(c)
    for s, cs in groups.items():
        vs = [v for c in cs for v in members[c]]
        best = heapq.nsmallest(5, vs, key=lambda v: (-float(score.get(v, 0.0) or 0.0), str(v)))
        platforms = Counter(p for p in (platform_of(attrs[v]) for v in vs) if p)
        affiliation = [float(a["affiliation_score"]) for a in (attrs[v] for v in vs)
                       if isinstance(a.get("affiliation_score"), (int, float))]
        Q.add_node(s, label=SUPER, members=len(vs), top=[name(v) for v in best],
                   platform=(min(platforms.items(), key=lambda kv: (-kv[1], kv[0]))[0] if platforms else None),
                   affiliation_score=(sum(affiliation) / len(affiliation) if affiliation else None),
                   community=(cs[0] if s != "other" else None), merged=len(cs),
                   first_ts=_extreme(attrs, vs, "first_ts", min), last_ts=_extreme(attrs, vs, "last_ts", max))
    node_sid = {v: sid[partition[v]] for v in G}
    between: dict = {}  # (a, b) in the order first met -> [weight, edges, types]
    for u, v, a in G.edges(data=True):
        s, t = node_sid[u], node_sid[v]
        if s == t:
            continue
        pair = (s, t) if s < t else (t, s)
        total = between.get(pair)
        if total is None:
            total = between[pair] = [0.0, 0, Counter()]
        total[0] += float(a.get("weight", 1.0) or 1.0)
        total[1] += 1
        total[2][a.get("type", "edge")] += 1
    Q.add_edges_from((s, t, {"weight": w, "edges": n, "types": types}) for (s, t), (w, n, types) in between.items())
    Q.graph["pruned"] = prune_weak_edges(Q, OVERVIEW_EDGES_PER_NODE)
    return Q, {c: sid[c] for c in order}


def prune_weak_edges(Q: nx.Graph, per_node: int) -> int:
    """Keep only edges among the ``per_node`` heaviest of at least one of their ends; return how many went.

    Examples
    --------
    >>> Q = nx.complete_graph(5)
    >>> nx.set_edge_attributes(Q, {(u, v): float(u + v) for u, v in Q.edges()}, "weight")
    >>> prune_weak_edges(Q, 1), sorted(Q.edges())
    (6, [(0, 4), (1, 4), (2, 4), (3, 4)])
    """
    keep = set()
    for v in Q:
        ranked = sorted(Q.edges(v, data="weight"), key=lambda e: (-e[2], str(e[1])))
        keep.update(frozenset((a, b)) for a, b, _ in ranked[:per_node])
    weak = [(a, b) for a, b in Q.edges() if frozenset((a, b)) not in keep]
    Q.remove_edges_from(weak)
    return len(weak)


def _extreme(attrs, vs, key, pick):
    values = [attrs[v][key] for v in vs if isinstance(attrs[v].get(key), (int, float))]
    return pick(values) if values else None


def plan_pages(G: nx.Graph, score: dict, partition: dict, budget: int, name: Callable[[object], str],
               strategy: str = "auto", max_drilldowns: int = 50, score_name: str = "score") -> list[Page]:
    """Split ``G`` into pages that each have at most ``budget`` nodes.

    Parameters
    ----------
    G : networkx graph
    score : dict
        node -> the score that ranks nodes (the map's size measure).
    partition : dict
        node -> community id, for the ``communities`` strategy.
    budget : int
        Most nodes on one page.
    name : callable
        node -> display name (to name communities by their top members).
    strategy : {"auto", "communities", "top"}
        ``auto`` uses top-N up to twice the budget (one page then shows at least half the graph),
        and communities beyond, when there are at least two and none holds 90% of the nodes.
    max_drilldowns : int
        At most this many drill-down pages; communities of 2+ members share them up to the
        budget (:func:`pack_communities`), largest first.
    score_name : str
        How the score is called on the page.

    Returns
    -------
    list of Page
        The main page first; for ``communities`` the drill-downs follow, each linked from it.
    """
    if strategy not in STRATEGIES:
        raise ValueError(f"strategy must be one of {', '.join(STRATEGIES)}")
    n = G.number_of_nodes()
    if n <= budget:
        return [Page(G, "full")]
    sizes = Counter(partition[v] for v in G)
    if strategy == "auto":
        strategy = "communities" if n > 2 * budget and len(sizes) >= 2 and max(sizes.values()) < 0.9 * n \
            else "top"
    if strategy == "top":
        return [_top_page(G, score, budget, score_name)]

    Q, sid = supernode_graph(G, partition, score, name, min(budget, OVERVIEW_MAX_COMMUNITIES))
    overview = Page(Q, "overview")
    pages = [overview]
    ordered = sorted(sizes, key=lambda c: (-sizes[c], str(c)))
    bins = pack_communities([c for c in ordered if sid[c] != "other" and sizes[c] >= 2], sizes, budget,
                            max_drilldowns)
    members: dict = {}
    for v in G:
        members.setdefault(partition[v], []).append(v)
    page_of = {c: i for i, cs in enumerate(bins) for c in cs}
    leaving: Counter = Counter()  # drill-down page -> edges to nodes not on it, in one pass
    for u, v in G.edges():
        a, b = page_of.get(partition[u]), page_of.get(partition[v])
        if a != b:
            for i in (a, b):
                if i is not None:
                    leaving[i] += 1
    for i, cs in enumerate(bins):
        slug = f"p{i + 1}"
        numbers = [sid[c][1:] for c in cs]
        count = sum(sizes[c] for c in cs)
        title = (f"Community {numbers[0]}" if len(cs) == 1 else
                 f"Communities {', '.join(numbers[:-1])} and {numbers[-1]}") + f" ({count:,} members)"
        nodes = [v for c in cs for v in members[c]]
        page = (_top_page(induced(G, nodes), score, budget, score_name) if count > budget
                else Page(None, "community", source=G, nodes=nodes))
        page.kind, page.slug, page.title = "community", slug, title
        page.notes.insert(0, f"{title} of the overview map. {leaving[i]:,} edges to other communities "
                             f"are not drawn.")
        page.links = [("", "Back to the overview of all communities")]
        for c in cs:
            Q.nodes[sid[c]]["href"] = slug
        top = [t for c in cs for t in Q.nodes[sid[c]]["top"][:3 if len(cs) == 1 else 1]]
        overview.links.append((slug, f"{title}: {', '.join(top[:5])}{'…' if len(top) > 5 else ''}"))
        pages.append(page)

    merged = [c for c in ordered if sid[c] == "other"]
    notes = [f"Too many nodes for one map ({n:,} nodes, {_edge_count(G):,} edges; the budget is {budget:,}): "
             f"each node here is a community, sized by its members; edges add up the weight between communities. "
             f"Double-click a community or use the links below to open its map."]
    if Q.graph.get("pruned"):
        notes.append(f"Each community shows its {OVERVIEW_EDGES_PER_NODE} strongest links; "
                     f"{Q.graph['pruned']:,} weaker links between communities are not drawn.")
    if merged:
        notes.append(f"The {len(merged):,} smallest communities ({sum(sizes[c] for c in merged):,} nodes) "
                     f"are merged into one node, 'other communities'.")
    undrilled = [c for c in ordered if sid[c] != "other" and c not in page_of]
    if undrilled:
        singles = sum(1 for c in undrilled if sizes[c] < 2)
        one = len(undrilled) == 1
        notes.append(f"{len(undrilled):,} communit{'y' if one else 'ies'} ({sum(sizes[c] for c in undrilled):,} "
                     f"nodes) {'has' if one else 'have'} no map: {singles:,} single nodes, "
                     f"{len(undrilled) - singles:,} beyond the {max_drilldowns:,} drill-down pages.")
    overview.notes = notes
    return pages


def pack_communities(communities: list, sizes: dict, budget: int, max_pages: int) -> list[list]:
    """Communities grouped into drill-down pages of at most ``budget`` nodes (first fit, largest first).

    A community of ``budget`` nodes or more gets a page of its own (drawn reduced).  Small
    communities share pages, so a graph of ``n`` nodes needs about ``n / budget`` pages rather
    than one per community.

    Examples
    --------
    >>> pack_communities(["a", "b", "c", "d"], {"a": 60, "b": 50, "c": 40, "d": 30}, 100, 10)
    [['a', 'c'], ['b', 'd']]
    """
    bins: list[list] = []
    room: list[int] = []
    for c in sorted(communities, key=lambda c: (-sizes[c], str(c))):
        size = sizes[c]
        fit = next((i for i, r in enumerate(room) if size <= r), None) if size < budget else None
        if fit is None:
            if len(bins) >= max_pages:
                continue
            bins.append([])
            room.append(max(0, budget - size))
            fit = len(bins) - 1
        else:
            room[fit] -= size
        bins[fit].append(c)
    return bins


def log_width(weight: float, base: float = 1.0, step: float = 1.0, cap: float = 8.0) -> float:
    """An edge width that grows by ``step`` for every doubling of its weight."""
    return round(min(cap, base + step * math.log2(max(1.0, float(weight)))), 2)
