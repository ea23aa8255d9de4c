"""igraph without its drawing back end.

``import igraph`` imports ``matplotlib.pyplot`` (through ``igraph.drawing``) to offer plotting,
which graphtool never asks of it: about a second of every ``graphtool analyze`` and map.  While
igraph is first imported, matplotlib is made unimportable, so igraph falls back to its own
placeholder for plotting; matplotlib itself stays importable for everything else afterwards.
"""
from __future__ import annotations

import sys


def igraph():
    """The ``igraph`` module, imported without matplotlib when matplotlib is not loaded yet."""
    module = sys.modules.get("igraph")
    if module is not None:
        return module
    block = "matplotlib" not in sys.modules
    if block:
        sys.modules["matplotlib"] = None  # makes ``import matplotlib`` raise ImportError
    try:
        import igraph as module
    finally:
        if block and sys.modules.get("matplotlib", 0) is None:
            del sys.modules["matplotlib"]
    return module


def graph(n: int, src, dst, directed: bool):
    """An igraph Graph on ``n`` vertices with edges ``src[e] -> dst[e]`` in that order, built from
    numpy arrays (``add_edges`` of an ``(m, 2)`` array is ~7x faster than a list of pairs)."""
    import numpy as np

    g = igraph().Graph(n=n, directed=directed)
    edges = np.column_stack([np.asarray(src, dtype=np.int64), np.asarray(dst, dtype=np.int64)])
    if edges.size:
        g.add_edges(edges)
    return g
