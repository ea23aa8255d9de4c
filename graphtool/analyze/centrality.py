"""Centrality on the amplification graph: weighted PageRank, in/out strength, betweenness.

Every function is pure: ``f(G, ...) -> {node: value}`` on a NetworkX graph, deterministic for
a given graph (node order included) and seed.  The ``*_arrays`` twins take the same graph as
edge arrays (node ``i``, edges ``src[e] -> dst[e]`` in ``G.edges()`` order) and give the same
numbers without building a NetworkX graph: that is what ``graphtool analyze`` runs at 10^6 edges.  Edges of the amplification graph point from
the amplifier to the amplified (``A -> B``: A shared or copied B's content), so PageRank and
in-strength rise with how much an actor is amplified, out-strength with how much it amplifies.
"""
from __future__ import annotations

import random

import networkx as nx
import numpy as np

from ..runtime import available_cpus, fork_is_safe

# PageRank parameters: networkx's own defaults, written out so the stored numbers can be
# reproduced with ``networkx.pagerank(G, alpha=ALPHA, weight="weight", tol=TOL, max_iter=MAX_ITER)``.
ALPHA = 0.85
TOL = 1.0e-6
MAX_ITER = 100

# Betweenness is exact up to this many nodes and estimated from sampled source nodes (pivots)
# beyond it (Brandes & Pich 2007).  On a 2-core machine the exact all-pairs computation on
# 5,000 nodes takes about a second.  Each pivot is one breadth-first search over every edge
# (~55 ns per edge in igraph here), so the pivots are BETWEENNESS_PIVOTS while that stays within
# BETWEENNESS_EDGE_VISITS edge visits (graphs up to 500,000 edges), fewer beyond, never fewer than
# MIN_BETWEENNESS_PIVOTS: 128 at 10^6 edges, 7 s instead of 15 here, for a relative error of the
# estimate about 1.4x as large (sqrt 2; measured in docs/scores.md).
EXACT_BETWEENNESS_MAX_NODES = 5000
BETWEENNESS_PIVOTS = 256
MIN_BETWEENNESS_PIVOTS = 128
BETWEENNESS_EDGE_VISITS = 128_000_000


def sampled_pivots(edges: int, most: int = BETWEENNESS_PIVOTS) -> int:
    """How many pivots the sampled betweenness of a graph with ``edges`` edges draws (see above).

    >>> sampled_pivots(100_000), sampled_pivots(500_000), sampled_pivots(1_000_000), sampled_pivots(10**7)
    (256, 256, 128, 128)
    """
    return max(min(MIN_BETWEENNESS_PIVOTS, most), min(most, BETWEENNESS_EDGE_VISITS // max(edges, 1)))


def pagerank(G: nx.Graph, alpha: float = ALPHA, weight: str | None = "weight", tol: float = TOL,
             max_iter: int = MAX_ITER) -> dict:
    """Weighted PageRank.

    Parameters
    ----------
    G : networkx.Graph or networkx.DiGraph
        Edge attribute ``weight`` is the amplification weight (shares + copies).
    alpha : float
        Damping factor.
    weight : str or None
        Edge attribute holding the weight; ``None`` treats every edge as 1.
    tol, max_iter : float, int
        Convergence tolerance (on the L1 change, times the number of nodes) and iteration cap.

    Returns
    -------
    dict
        node -> PageRank; values sum to 1; ``{}`` for an empty graph.  Dangling nodes
        (actors nobody's content flows out of) spread their rank uniformly, as in networkx.

    Notes
    -----
    This is :func:`networkx.pagerank` itself (its power iteration on a SciPy sparse matrix),
    so the values equal networkx's to machine precision; the function exists to fix and
    document the parameters graphtool stores.

    Examples
    --------
    >>> G = nx.DiGraph([("a", "b"), ("c", "b")])
    >>> pr = pagerank(G)
    >>> max(pr, key=pr.get)
    'b'
    """
    if G.number_of_nodes() == 0:
        return {}
    return nx.pagerank(G, alpha=alpha, weight=weight, tol=tol, max_iter=max_iter)


def pagerank_arrays(n: int, src: np.ndarray, dst: np.ndarray, weight: np.ndarray, alpha: float = ALPHA,
                    tol: float = TOL, max_iter: int = MAX_ITER) -> np.ndarray:
    """:func:`pagerank` of a DiGraph given as edge arrays: PageRank of node ``i`` at ``[i]``.

    The same steps as networkx's SciPy power iteration on the same CSR matrix, so for edges in
    the DiGraph's order the values are equal to :func:`pagerank`'s (tested bit for bit).

    Examples
    --------
    >>> pr = pagerank_arrays(3, np.array([0, 2]), np.array([1, 1]), np.array([1.0, 1.0]))
    >>> int(pr.argmax())
    1
    """
    import scipy.sparse as sparse

    if n == 0:
        return np.zeros(0)
    A = sparse.coo_array((np.asarray(weight, dtype=float), (src, dst)), shape=(n, n)).asformat("csr")
    S = A.sum(axis=1)
    S[S != 0] = 1.0 / S[S != 0]
    A = sparse.dia_array((S.T, 0), shape=A.shape).tocsr() @ A
    x = p = np.repeat(1.0 / n, n)
    is_dangling = np.where(S == 0)[0]
    for _ in range(max_iter):
        xlast = x
        x = alpha * (x @ A + sum(x[is_dangling]) * p) + (1 - alpha) * p
        if np.absolute(x - xlast).sum() < n * tol:
            return x
    raise nx.PowerIterationFailedConvergence(max_iter)


def strength_arrays(n: int, src: np.ndarray, dst: np.ndarray, weight: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`strength` of a DiGraph given as edge arrays: ``(strength_in, strength_out)`` per node."""
    return (np.bincount(dst, weights=weight, minlength=n).astype(float),
            np.bincount(src, weights=weight, minlength=n).astype(float))


def strength(G: nx.Graph, weight: str = "weight") -> tuple[dict, dict]:
    """Weighted in- and out-degree.

    Parameters
    ----------
    G : networkx.Graph or networkx.DiGraph
    weight : str
        Edge attribute summed; a missing attribute counts 1.

    Returns
    -------
    (dict, dict)
        ``(strength_in, strength_out)``: node -> float.  On an undirected graph both are the
        weighted degree.  A self-loop counts once in each direction.

    Examples
    --------
    >>> G = nx.DiGraph()
    >>> G.add_edge("a", "b", weight=3); G.add_edge("c", "b", weight=2)
    >>> strength(G)[0]["b"]
    5.0
    """
    if G.is_directed():
        inn = {n: float(d) for n, d in G.in_degree(weight=weight)}
        out = {n: float(d) for n, d in G.out_degree(weight=weight)}
        return inn, out
    deg = {n: float(d) for n, d in G.degree(weight=weight)}
    return deg, dict(deg)


def betweenness(G: nx.Graph, k: int | None = None, seed: int = 0,
                exact_max_nodes: int = EXACT_BETWEENNESS_MAX_NODES,
                pivots: int = BETWEENNESS_PIVOTS) -> dict:
    """Normalised shortest-path betweenness (hop counts, endpoints excluded).

    Parameters
    ----------
    G : networkx.Graph or networkx.DiGraph
        Edge weights are ignored: an amplification weight is a strength, not a distance.
    k : int, optional
        Number of pivot (source) nodes to sample.  ``None`` means exact when the graph has at
        most ``exact_max_nodes`` nodes and :func:`sampled_pivots` of its edge count (at most
        ``pivots``) sampled sources beyond that.
    seed : int
        Seed of the pivot sample.  The pivots are ``random.Random(seed).sample(list(G), k)``,
        exactly the ones ``networkx.betweenness_centrality(G, k=k, seed=seed)`` draws, so the
        estimate equals networkx's for the same arguments.
    exact_max_nodes, pivots : int
        The size limit for the exact computation and the most pivots drawn by default.

    Returns
    -------
    dict
        node -> betweenness, normalised as networkx does (by the number of (s, t) pairs that
        could pass through the node; with sampling, scaled from the ``k`` sources).

    Notes
    -----
    The shortest-path counting runs in igraph (C): ``Graph.betweenness(sources=pivots)`` gives
    the raw sum of pair dependencies from the chosen sources, which is the quantity Brandes'
    algorithm accumulates in networkx; the rescaling below is networkx's.  An undirected graph
    is counted as a symmetric directed one, which is what networkx's ordered-pair sums are.
    With fewer than 3 nodes every value is 0.
    """
    nodes = list(G)
    index = {v: i for i, v in enumerate(nodes)}
    edges = [(index[u], index[v]) for u, v in G.edges() if u != v]
    if not G.is_directed():
        edges += [(b, a) for a, b in edges]
    edges = np.array(edges, dtype=np.int64).reshape(-1, 2)
    return betweenness_arrays(nodes, edges[:, 0], edges[:, 1], k, seed, exact_max_nodes, pivots)


def betweenness_arrays(nodes: list, src: np.ndarray, dst: np.ndarray, k: int | None = None, seed: int = 0,
                       exact_max_nodes: int = EXACT_BETWEENNESS_MAX_NODES, pivots: int = BETWEENNESS_PIVOTS) -> dict:
    """:func:`betweenness` of a directed graph on ``nodes`` with edges ``nodes[src[e]] -> nodes[dst[e]]``
    (self-loops are ignored); the pivots are drawn from ``nodes`` as :func:`betweenness` draws them."""
    n = len(nodes)
    if n == 0:
        return {}
    keep = src != dst
    if k is None and n > exact_max_nodes:
        k = sampled_pivots(int(keep.sum()), pivots)
    if k is not None and k >= n:
        k = None  # sampling every node is the exact computation
    if k is not None and k < 2:
        raise ValueError("betweenness needs at least 2 pivots")
    sources = None if k is None else random.Random(seed).sample(nodes, k)

    from .igraph_lazy import graph

    g = graph(n, src[keep], dst[keep], directed=True)
    index = {v: i for i, v in enumerate(nodes)} if sources is not None else {}
    raw = g.betweenness(directed=True) if sources is None else _pivot_betweenness(g, [index[s] for s in sources])

    big_n = n - 1  # (s, t) pairs through v exclude v as target
    if big_n < 2:
        return dict.fromkeys(nodes, 0.0)
    if sources is None:
        scale = 1.0 / (big_n * (big_n - 1))
        return {v: raw[i] * scale for i, v in enumerate(nodes)}
    # A sampled source never counts itself, so it is scaled by k - 1 sources (as networkx does).
    scale_source = 1.0 / ((k - 1) * (big_n - 1))
    scale_other = 1.0 / (k * (big_n - 1))
    sampled = set(sources)
    return {v: raw[i] * (scale_source if v in sampled else scale_other) for i, v in enumerate(nodes)}


def _pivot_betweenness(g, pivots: list[int]) -> list[float]:
    """igraph's raw betweenness from ``pivots``, as two halves summed: the second half in a forked
    process where there is a second core and forking is safe (:mod:`graphtool.runtime`), so the sampled betweenness (a third of ``analyze`` at 10^6
    edges) takes half the wall time.  Always the same two halves added the same way, so the numbers
    do not depend on the machine (they may differ from one call over every pivot in the last bit)."""
    half = len(pivots) // 2
    first, second = pivots[:half], pivots[half:]
    forked = available_cpus() > 1 and fork_is_safe()
    other = _fork(lambda: g.betweenness(directed=True, sources=second)) if forked else None
    mine = np.asarray(g.betweenness(directed=True, sources=first), dtype=np.float64)
    theirs = other() if other is not None else None
    if theirs is None:
        theirs = g.betweenness(directed=True, sources=second)
    return (mine + np.asarray(theirs, dtype=np.float64)).tolist()


def _fork(work):
    """Start ``work()`` in a forked child; returns a function that waits for its result (None when the
    child failed, or where processes cannot fork: the caller then does the work itself)."""
    import multiprocessing as mp

    try:
        ctx = mp.get_context("fork")
        receive, send = ctx.Pipe(duplex=False)
        child = ctx.Process(target=_send_result, args=(work, send), daemon=True)
        child.start()
    except (ValueError, OSError, AssertionError):  # no fork here, or a daemonic process (no children)
        return None
    send.close()

    def result():
        try:
            value = receive.recv()
        except EOFError:
            value = None
        child.join()
        return value

    return result


def _send_result(work, send) -> None:
    try:
        send.send(work())
    finally:
        send.close()

