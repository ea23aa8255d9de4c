"""Graph files for Gephi and friends: GEXF and GraphML exports of the analysis projections."""
from __future__ import annotations

from pathlib import Path
from typing import Callable

import networkx as nx

from ..errors import InputError

# The projection -> the file it is exported to (``graphtool analyze --export DIR``).
PROJECTION_FILES = {"amplification": "amplification.gexf", "ownership": "ownership.graphml",
                    "coordination": "coordination.graphml"}


def save_graph(G: nx.Graph, path: str | Path) -> Path:
    """Write a projection as GEXF (``.gexf``) or GraphML (``.graphml``) for Gephi and friends.

    List attributes (``sources``) are joined with ``|``; ``None`` values are left out, because
    neither format has a null.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".gexf", ".graphml"):
        raise InputError(f"{path}: graph files must end in .gexf or .graphml")

    def plain(attrs: dict) -> dict:
        out = {}
        for k, v in attrs.items():
            if v is None:
                continue
            out[k] = "|".join(map(str, v)) if isinstance(v, (list, tuple)) else v
        return out

    H = G.__class__()
    H.graph.update({k: v for k, v in G.graph.items() if isinstance(v, (str, int, float))})
    for n, d in G.nodes(data=True):
        H.add_node(str(n), **plain(d))
    if G.is_multigraph():
        for u, v, k, d in G.edges(keys=True, data=True):
            H.add_edge(str(u), str(v), key=k, **plain(d))
    else:
        for u, v, d in G.edges(data=True):
            H.add_edge(str(u), str(v), **plain(d))
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".gexf":
        nx.write_gexf(H, path)
    else:
        nx.write_graphml(H, path)
    return path


def projection_writer(out_dir: str | Path) -> Callable[[str, nx.Graph], Path]:
    """``export(name, G)`` for :func:`graphtool.analyze.scores_store.run_analyses`: write to ``out_dir``."""
    out = Path(out_dir)
    return lambda name, G: save_graph(G, out / PROJECTION_FILES[name])
