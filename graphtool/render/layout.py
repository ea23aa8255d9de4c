"""A map's layout, computed when the page is written, so that the browser only polishes it.

vis-network's Barnes-Hut solver costs about 25 ms per iteration at 1,500 nodes in headless
Chromium on this machine; from random positions it needs ~1,000 iterations (25 s).  igraph's
Fruchterman-Reingold in C lays out the same graph in ~0.1 s of CPU, so the page is written with
positions and the browser runs a short stabilisation (overlaps, a final settle) and stops.

The force layout starts from community discs: communities placed by a small spring layout of
the quotient graph, members on a sunflower spiral inside their community's disc, best-scoring
members at the centre.  Both steps are seeded, so the same graph gives the same positions.
"""
from __future__ import annotations

import math
import random

import networkx as nx

GOLDEN_ANGLE = math.pi * (3.0 - math.sqrt(5.0))
SPACING = 28.0  # distance between neighbouring members of a disc, in vis-network units
QUOTIENT_SPRING_MAX = 400  # communities laid out by spring layout up to this many, else on a spiral
FR_ITERATIONS = 500
# Past FR_FULL_NODES the iterations shrink to FR_NODE_ITERATIONS / nodes (at least FR_MIN_ITERATIONS):
# the community-disc start is already close, the browser polishes the rest, and a 10^5-account map
# lays out 50 pages of ~1,500 nodes (200 iterations there: 0.2 s a page instead of 0.5).
FR_FULL_NODES = 500
FR_NODE_ITERATIONS = 250_000
FR_MIN_ITERATIONS = 150


def fr_iterations(n_nodes: int) -> int:
    """Fruchterman-Reingold iterations for a page of ``n_nodes`` nodes.

    >>> fr_iterations(300), fr_iterations(1000), fr_iterations(1500), fr_iterations(5000)
    (500, 250, 166, 150)
    """
    if n_nodes <= FR_FULL_NODES:
        return FR_ITERATIONS
    return max(FR_MIN_ITERATIONS, min(FR_ITERATIONS, FR_NODE_ITERATIONS // n_nodes))
GRID_FROM = 500  # nodes from which Fruchterman-Reingold uses its grid
NODE_SPACING = 45.0  # median distance to the nearest other node after scaling, in vis-network units


def positions(G: nx.Graph, partition: dict, score: dict, seed: int = 0) -> dict:
    """A force-directed layout started from community discs (see the module docstring).

    Parameters
    ----------
    G : networkx graph
    partition : dict
        node -> community id (every node of ``G``).
    score : dict
        node -> number; higher scores start nearer their disc's centre.
    seed : int
        Seed of both steps.

    Returns
    -------
    dict
        node -> ``(x, y)`` rounded to 0.1, the same for the same input.
    """
    start = initial_positions(G, partition, score, seed)
    return force_layout(G, start, seed) if G.number_of_edges() else start


def force_layout(G: nx.Graph, start: dict, seed: int = 0, iterations: int | None = None) -> dict:
    """igraph's Fruchterman-Reingold from ``start``, scaled so that nodes stand :data:`NODE_SPACING` apart.

    Parameters
    ----------
    G : networkx graph
        Directions, parallel edges and self-loops are ignored.
    start : dict
        node -> ``(x, y)`` for every node; also fixes the node order.
    seed : int
        igraph's random generator is seeded with it for the call (and restored after).
    iterations : int, optional
        Default: :func:`fr_iterations` of the node count.

    Returns
    -------
    dict
        node -> ``(x, y)`` rounded to 0.1.
    """
    from ..analyze.igraph_lazy import igraph

    ig = igraph()
    nodes = list(start)
    index = {v: i for i, v in enumerate(nodes)}
    pairs = sorted({(min(index[u], index[v]), max(index[u], index[v])) for u, v in G.edges() if u != v})
    g = ig.Graph(n=len(nodes), edges=pairs)
    # FR works at a scale of about sqrt(n) units: bring the start there, keep its shape.
    spread = math.sqrt(sum(x * x + y * y for x, y in start.values()) / max(1, len(nodes))) or 1.0
    factor = 0.5 * math.sqrt(len(nodes)) / spread
    seed_layout = [[start[v][0] * factor, start[v][1] * factor] for v in nodes]
    ig.set_random_number_generator(random.Random(seed))
    try:
        # The grid variant (repulsion from nearby cells only) is ~6x cheaper at 1,000 nodes and
        # looks the same once the browser has polished it.
        layout = g.layout_fruchterman_reingold(seed=seed_layout, niter=iterations or fr_iterations(len(nodes)),
                                               grid=len(nodes) > GRID_FROM)
    finally:
        ig.set_random_number_generator(random)
    import numpy as np
    from scipy.spatial import cKDTree

    xy = np.asarray(layout.coords, dtype=float)
    xy -= xy.mean(axis=0)
    # Dense graphs pull FR tight: scale by how close nodes sit, not by edge length, so labels breathe.
    nearest = cKDTree(xy).query(xy, k=2)[0][:, 1] if len(nodes) > 1 else np.array([1.0])
    spacing = float(np.median(nearest)) or 1.0
    xy *= NODE_SPACING / spacing
    return {v: (round(float(xy[i, 0]), 1), round(float(xy[i, 1]), 1)) for i, v in enumerate(nodes)}


def median_edge_length(G: nx.Graph, pos: dict) -> float | None:
    """The median length of the edges of ``G`` in the layout ``pos`` (None without edges)."""
    lengths = sorted(math.dist(pos[u], pos[v]) for u, v in G.edges() if u != v)
    return lengths[len(lengths) // 2] if lengths else None


def initial_positions(G: nx.Graph, partition: dict, score: dict, seed: int = 0) -> dict:
    """Deterministic starting positions: communities as discs, members on a sunflower spiral.

    Parameters
    ----------
    G : networkx graph
    partition : dict
        node -> community id (every node of ``G``).
    score : dict
        node -> number; higher scores sit nearer their disc's centre.
    seed : int
        Seed of the quotient graph's spring layout.

    Returns
    -------
    dict
        node -> ``(x, y)`` rounded to 0.1, the same for the same input.

    Examples
    --------
    >>> G = nx.path_graph(4)
    >>> pos = initial_positions(G, {0: 0, 1: 0, 2: 1, 3: 1}, {})
    >>> sorted(pos) == [0, 1, 2, 3]
    True
    """
    members: dict = {}
    for v in sorted(G, key=lambda v: (-float(score.get(v, 0.0) or 0.0), str(v))):
        members.setdefault(partition.get(v), []).append(v)
    if not members:
        return {}
    order = sorted(members, key=lambda c: (-len(members[c]), str(c)))
    radius = {c: SPACING * math.sqrt(len(members[c])) for c in order}
    centres = _centres(G, partition, order, radius, seed)
    pos = {}
    for c in order:
        cx, cy = centres[c]
        for i, v in enumerate(members[c]):
            r = SPACING * math.sqrt(i)
            a = i * GOLDEN_ANGLE
            pos[v] = (round(cx + r * math.cos(a), 1), round(cy + r * math.sin(a), 1))
    return pos


def _centres(G, partition, order, radius, seed):
    if len(order) == 1:
        return {order[0]: (0.0, 0.0)}
    # Spread proportional to the total disc area keeps discs from piling onto each other.
    extent = 1.5 * math.sqrt(sum(r * r for r in radius.values()))
    if len(order) <= QUOTIENT_SPRING_MAX:
        Q = nx.Graph()
        Q.add_nodes_from(order)
        # Which communities are linked, in the order first met (the spring layout ignores weights).
        Q.add_edges_from(dict.fromkeys((a, b) for a, b in ((partition.get(u), partition.get(v)) for u, v in G.edges())
                                       if a != b))
        raw = nx.spring_layout(Q, seed=seed, weight=None, iterations=60)
        return {c: (float(raw[c][0]) * extent, float(raw[c][1]) * extent) for c in order}
    # Many communities: largest at the centre, the rest on a sunflower spiral around it.
    step = extent / math.sqrt(len(order))
    return {c: (step * math.sqrt(i) * math.cos(i * GOLDEN_ANGLE), step * math.sqrt(i) * math.sin(i * GOLDEN_ANGLE))
            for i, c in enumerate(order)}
