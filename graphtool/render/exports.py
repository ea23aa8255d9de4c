"""Graph files for Gephi and friends: GEXF and GraphML exports of the analysis projections.

Every exported node is labelled by its display name (Gephi shows a node's ``label``) and carries
what the store holds about it: its type (``Account``, ``Outlet``, ...), platform, and every score
an analysis stored on it (community, PageRank, betweenness, affiliation score and ownership
clarity, coordination groups, ...), so that Gephi can colour and size by them.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable

import networkx as nx

from .. import internal_queries as Q
from .. import model
from ..analyze.batching import batches
from ..analyze.state_media import NOT_ANALYSED, analysed
from ..analyze.state_media import STORED as STORED_STATE
from ..errors import InputError

# The projection -> the files it is exported to (``graphtool analyze --export DIR``).
PROJECTION_FILES = {"amplification": ("amplification.gexf", "amplification.graphml"),
                    "ownership": ("ownership.graphml",), "coordination": ("coordination.graphml",)}
# What the store says about a node, besides its scores (each read where the node's label declares it).
# ``state_media`` / ``state_entity`` are the one definition of state media (what ``graphtool analyze`` stored);
# ``state_affiliated`` is only the flag an import file set.
DESCRIPTIVE = ("platform", "handle", "display_name", "name", "followers", "country", *STORED_STATE, "state_affiliated")
NAME_PROPS = ("display_name", "name", "handle")  # the label Gephi shows: the first one set, else the id
READ_BATCH = 5000


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


def stored_props(label: str) -> tuple[str, ...]:
    """The properties of ``label`` an export carries: the descriptive ones and every derived score."""
    spec = model.node(label)
    return tuple(dict.fromkeys([p for p in DESCRIPTIVE if spec.prop(p)] + [p.name for p in spec.props if p.derived]))


def with_stored_scores(G: nx.Graph, store=None) -> nx.Graph:
    """A copy of projection ``G`` whose nodes carry what ``store`` holds about them (if given).

    Nodes are the projections' (attributes ``label`` = node label, ``id`` = store id); in the
    copy ``type`` is the node label, ``label`` the display name (else name, handle, id) and
    every property of :func:`stored_props` is an attribute where the store has a value.
    """
    H = G.copy()
    by_label: dict[str, dict[str, list]] = {}
    for n, d in H.nodes(data=True):
        label, node_id = d.get("label"), d.get("id")
        if label in model.NODE_BY_LABEL and isinstance(node_id, str):
            by_label.setdefault(label, {}).setdefault(node_id, []).append(n)
    for n, d in H.nodes(data=True):
        d["type"] = d.pop("label", None)
        d["label"] = d.get("name") or d.get("id") or str(n)
    for label, nodes in sorted(by_label.items() if store is not None else ()):
        props = stored_props(label)
        for ids in batches(sorted(nodes), READ_BATCH):
            for row in Q.NODE_PROPERTIES.read(store, {"ids": ids}, label=label):
                values = {p: row["p"][p] for p in props if row["p"].get(p) is not None}
                name = next((values[p] for p in NAME_PROPS if isinstance(values.get(p), str) and values[p].strip()),
                            None)
                for n in nodes[row["id"]]:
                    H.nodes[n].update(values)
                    if name:
                        H.nodes[n]["label"] = name
    if store is not None and not analysed(d for _, d in H.nodes(data=True)):
        H.graph["state_media"] = NOT_ANALYSED  # a graph attribute Gephi shows, not a silent absence
    return H


def projection_writer(out_dir: str | Path, store=None) -> Callable[[str, nx.Graph], list[Path]]:
    """``export(name, G)`` for :func:`graphtool.analyze.scores_store.run_analyses`: write to ``out_dir``.

    Nodes are labelled by display name; with ``store`` each carries what the store holds about it
    (:func:`with_stored_scores`): ``run_analyses`` exports after writing its scores, so they are
    this run's.
    """
    out = Path(out_dir)

    def export(name: str, G: nx.Graph) -> list[Path]:
        graph = with_stored_scores(G, store)
        return [save_graph(graph, out / file) for file in PROJECTION_FILES[name]]

    return export
