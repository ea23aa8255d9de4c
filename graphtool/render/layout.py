"""Starting positions for a map's physics, so that the browser needs few iterations.

vis-network's Barnes-Hut solver costs about 25 ms per iteration at 1,500 nodes in headless
Chromium on this machine; from random positions it needs ~1,000 iterations (25 s).  Starting
from community discs it settles in ~150.  A full force layout in Python would cost as much as
the browser's (networkx's ``spring_layout`` takes 6 s at 1,500 nodes), so this only places
communities with a small spring layout of the quotient graph and members on a sunflower
spiral inside their community's disc, best-scoring members at the centre: O(n) beyond the
quotient graph.
"""
from __future__ import annotations

import math

import networkx as nx

GOLDEN_ANGLE = math.pi * (3.0 - math.sqrt(5.0))
SPACING = 28.0  # distance between neighbouring members of a disc, in vis-network units
QUOTIENT_SPRING_MAX = 400  # communities laid out by spring layout up to this many, else on a spiral


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
        for u, v, w in G.edges(data="weight", default=1.0):
            a, b = partition.get(u), partition.get(v)
            if a != b:
                Q.add_edge(a, b, weight=Q.get_edge_data(a, b, {"weight": 0.0})["weight"] + float(w or 1.0))
        raw = nx.spring_layout(Q, seed=seed, weight=None, iterations=60)
        return {c: (float(raw[c][0]) * extent, float(raw[c][1]) * extent) for c in order}
    # Many communities: largest at the centre, the rest on a sunflower spiral around it.
    step = extent / math.sqrt(len(order))
    return {c: (step * math.sqrt(i) * math.cos(i * GOLDEN_ANGLE), step * math.sqrt(i) * math.sin(i * GOLDEN_ANGLE))
            for i, c in enumerate(order)}
