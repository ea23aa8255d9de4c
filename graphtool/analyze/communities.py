"""Communities on the amplification graph: python-louvain as the reference, Leiden for size.

``communities(G, seed=..., resolution=...)`` picks the engine by size: python-louvain's
``best_partition`` up to :data:`LOUVAIN_MAX_EDGES` undirected edges, igraph's
Leiden algorithm (modularity objective, the same resolution)
beyond, where python-louvain takes minutes (``bench/analyze.py`` measures both side by side
and checks that Leiden's modularity is within 1% of python-louvain's or better).  Leiden is
igraph's own implementation (``Graph.community_leiden``, modularity objective), seeded.

Community detection runs on the undirected view of the graph: the weight between two nodes
is the sum of the weights of the edges between them in both directions.
"""
from __future__ import annotations

import random
from contextlib import contextmanager
from dataclasses import dataclass

import networkx as nx
import numpy as np

ENGINES = ("auto", "louvain", "leiden")
# Above this many undirected edges ``engine="auto"`` uses Leiden: python-louvain needs ~2 s
# at 5*10^4 edges and ~20 s at 10^5 on this machine, Leiden under a second.
LOUVAIN_MAX_EDGES = 50_000
RESOLUTION = 1.0
# Leiden passes: igraph's default.  bench/analyze.py checks that the modularity is still
# within 1% of python-louvain's (or above it) on scale-free and planted-partition graphs.
LEIDEN_ITERATIONS = 2


@dataclass
class CommunityResult:
    """A partition with its quality and how it was found."""

    partition: dict  # node -> community id (0 is the largest community)
    sizes: dict  # community id -> number of nodes
    modularity: float | None  # None where undefined (a graph without edges)
    engine: str
    resolution: float
    seed: int

    @property
    def community_size(self) -> dict:
        """node -> size of its community."""
        return {v: self.sizes[c] for v, c in self.partition.items()}


def undirected(G: nx.Graph, weight: str = "weight") -> nx.Graph:
    """The undirected view used for communities: weights of both directions summed.

    Node order is kept, so results stay deterministic.  A missing weight counts 1.
    """
    if not G.is_directed() and not G.is_multigraph():
        return G
    H = nx.Graph()
    H.add_nodes_from(G)
    for u, v, w in G.edges(data=weight, default=1.0):
        if H.has_edge(u, v):
            H[u][v][weight] += float(w)
        else:
            H.add_edge(u, v, **{weight: float(w)})
    return H


def _to_igraph(G: nx.Graph, weight: str):
    """``(g, weights, nodes)``: the undirected view of ``G`` as an igraph Graph, in C.

    Equal to ``undirected(G)`` (weights of parallel and opposite edges summed by igraph's
    ``simplify``, self-loops kept), without building that networkx graph: at 10^6 edges this
    is seconds instead of a minute.  Vertex ``i`` is ``nodes[i]``, in ``G``'s node order.
    """
    nodes = list(G)
    index = {v: i for i, v in enumerate(nodes)}
    edges, weights = [], []
    for u, v, w in G.edges(data=weight, default=1.0):
        edges.append((index[u], index[v]))
        weights.append(float(w))
    return _igraph_of(nodes, edges, weights, G.is_directed() or G.is_multigraph())


def _igraph_of(nodes: list, edges, weights: list, combine: bool):
    """``edges``: a list of pairs, or a ``(src, dst)`` pair of numpy arrays (built in C)."""
    from .igraph_lazy import graph, igraph

    g = graph(len(nodes), *edges, directed=False) if isinstance(edges, tuple) else \
        igraph().Graph(n=len(nodes), edges=edges, directed=False)
    if combine:
        g.es["w"] = weights
        g.simplify(multiple=True, loops=False, combine_edges={"w": "sum"})
        weights = list(g.es["w"]) if g.ecount() else []
    return g, weights, nodes


def _membership(partition: dict, nodes: list) -> list[int]:
    ids = {c: i for i, c in enumerate(sorted(set(partition.values()), key=str))}
    return [ids[partition[v]] for v in nodes]


def modularity(G: nx.Graph, partition: dict, weight: str = "weight", resolution: float = RESOLUTION) -> float | None:
    """Newman's (weighted, resolution-scaled) modularity of a partition of ``undirected(G)``.

    Parameters
    ----------
    G : networkx graph
    partition : dict
        node -> community id; every node of ``G`` must be in it.
    weight : str
    resolution : float

    Returns
    -------
    float or None
        The modularity, equal to ``networkx.community.modularity`` on the same partition
        (computed in igraph for speed); ``None`` when the graph has no edge weight, where
        modularity is undefined.
    """
    g, weights, nodes = _to_igraph(G, weight)
    return _modularity(g, weights, _membership(partition, nodes), resolution)


def _modularity(g, weights: list, membership: list, resolution: float) -> float | None:
    if sum(weights) <= 0:
        return None
    return float(g.modularity(membership, weights=weights, resolution=resolution, directed=False))


def _canonical(groups: list[list]) -> dict:
    """Number communities 0.. by size (largest first), ties by their smallest member."""
    groups = [sorted(g, key=str) for g in groups if g]
    groups.sort(key=lambda g: (-len(g), str(g[0])))
    return {v: c for c, g in enumerate(groups) for v in g}


def louvain(G: nx.Graph, seed: int = 0, resolution: float = RESOLUTION, weight: str = "weight") -> dict:
    """python-louvain's ``best_partition`` (the reference engine).

    Parameters
    ----------
    G : networkx graph
        Directed graphs are made undirected by :func:`undirected`.
    seed : int
        ``random_state`` of the node visiting order.
    resolution : float
        Larger values give more, smaller communities.
    weight : str

    Returns
    -------
    dict
        node -> community id, numbered canonically (0 = largest).  Isolated nodes are
        communities of their own.
    """
    import community as community_louvain  # python-louvain

    H = undirected(G, weight)
    if H.number_of_nodes() == 0:
        return {}
    if H.number_of_edges() == 0:
        return _canonical([[v] for v in H])
    raw = community_louvain.best_partition(H, weight=weight, resolution=resolution, random_state=seed)
    groups: dict = {}
    for v in H:
        groups.setdefault(raw[v], []).append(v)
    return _canonical(list(groups.values()))


@contextmanager
def _igraph_seed(seed: int):
    """igraph draws from a Python RNG it is given; give it a seeded one, then the default back."""
    from .igraph_lazy import igraph

    ig = igraph()

    ig.set_random_number_generator(random.Random(seed))
    try:
        yield
    finally:
        ig.set_random_number_generator(random)


def leiden(G: nx.Graph, seed: int = 0, resolution: float = RESOLUTION, weight: str = "weight",
           iterations: int = LEIDEN_ITERATIONS) -> dict:
    """The Leiden algorithm (igraph's C implementation) maximising modularity at ``resolution``.

    Parameters and return value as :func:`louvain`, plus ``iterations``: passes of the
    algorithm (each can only improve the partition; negative: until a pass brings nothing).

    Notes
    -----
    ``Graph.community_leiden(objective_function="modularity")`` with the edge weights; its
    quality function at resolution 1 is Newman's modularity.  Traag, Waltman & van Eck (2019)
    guarantee connected communities, which Louvain does not.
    """
    return _leiden(*_to_igraph(G, weight), seed=seed, resolution=resolution, iterations=iterations)


def _leiden(g, weights: list, nodes: list, seed: int, resolution: float, iterations: int = LEIDEN_ITERATIONS) -> dict:
    if not nodes:
        return {}
    if not weights:
        return _canonical([[v] for v in nodes])
    with _igraph_seed(seed):
        clusters = g.community_leiden(objective_function="modularity", weights=weights, resolution=resolution,
                                      n_iterations=iterations)
    return _canonical([[nodes[i] for i in members] for members in clusters])


def communities(G: nx.Graph, seed: int = 0, resolution: float = RESOLUTION, engine: str = "auto",
                weight: str = "weight", louvain_max_edges: int = LOUVAIN_MAX_EDGES) -> CommunityResult:
    """Communities of ``G`` with their sizes and modularity.

    Parameters
    ----------
    G : networkx graph
    seed : int
    resolution : float
    engine : {"auto", "louvain", "leiden"}
        ``auto``: python-louvain up to ``louvain_max_edges`` undirected edges, Leiden beyond.
    weight : str
    louvain_max_edges : int

    Returns
    -------
    CommunityResult
    """
    return _communities(_to_igraph(G, weight), lambda: G, seed, resolution, engine, weight, louvain_max_edges)


def communities_arrays(nodes: list, src, dst, weight, graph, seed: int = 0, resolution: float = RESOLUTION,
                       engine: str = "auto", louvain_max_edges: int = LOUVAIN_MAX_EDGES) -> CommunityResult:
    """:func:`communities` of a DiGraph given as edge arrays (``nodes[src[e]] -> nodes[dst[e]]`` with
    ``weight[e]``, in the DiGraph's edge order): the same result without building it, unless the
    python-louvain engine needs it (small graphs), which ``graph()`` returns."""
    return _communities(_undirected_of(nodes, src, dst, weight), graph, seed, resolution, engine, "weight",
                        louvain_max_edges)


def _undirected_of(nodes: list, src, dst, weight):
    """:func:`_igraph_of` of directed edge arrays, the parallel and opposite edges summed in numpy: the
    edges and weights igraph's ``simplify`` gives (pairs in ``(low, high)`` order), at half its cost."""
    from .igraph_lazy import graph

    n = max(len(nodes), 1)
    src, dst = np.asarray(src, dtype=np.int64), np.asarray(dst, dtype=np.int64)
    code = np.minimum(src, dst) * n + np.maximum(src, dst)
    order = np.argsort(code, kind="stable")
    code = code[order]
    first = np.flatnonzero(np.diff(code, prepend=-1)) if code.size else np.zeros(0, dtype=np.int64)
    weights = np.add.reduceat(np.asarray(weight, dtype=np.float64)[order], first) if code.size else np.zeros(0)
    pairs = code[first]
    return graph(len(nodes), pairs // n, pairs % n, directed=False), weights.tolist(), nodes


def _communities(igraph_view, graph, seed, resolution, engine, weight, louvain_max_edges) -> CommunityResult:
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {', '.join(ENGINES)}")
    g, weights, nodes = igraph_view
    if engine == "auto":
        engine = "louvain" if g.ecount() <= louvain_max_edges else "leiden"
    if engine == "louvain":
        partition = louvain(graph(), seed=seed, resolution=resolution, weight=weight)
    else:
        partition = _leiden(g, weights, nodes, seed=seed, resolution=resolution)
    sizes: dict = {}
    for c in partition.values():
        sizes[c] = sizes.get(c, 0) + 1
    q = _modularity(g, weights, _membership(partition, nodes), resolution) if nodes else None
    return CommunityResult(partition, dict(sorted(sizes.items())), q, engine, resolution, seed)


def nmi(partition: dict, labels: dict) -> float:
    """Normalised mutual information between two labelings of the same nodes.

    Arithmetic-mean normalisation (Danon et al. 2005), as igraph's ``compare_communities``
    (method ``"nmi"``) and scikit-learn's default compute it.
    """
    from .igraph_lazy import igraph

    ig = igraph()

    nodes = sorted(partition, key=str)
    a = {c: i for i, c in enumerate(sorted({partition[v] for v in nodes}, key=str))}
    b = {c: i for i, c in enumerate(sorted({labels[v] for v in nodes}, key=str))}
    return float(ig.compare_communities([a[partition[v]] for v in nodes], [b[labels[v]] for v in nodes],
                                        method="nmi"))
