"""Interactive maps: self-contained HTML pages that make no request and run no imported text.

:func:`write_map` takes a NetworkX graph and writes one HTML file (plus drill-down files when the
graph exceeds the node budget, see :mod:`graphtool.render.reduce`).  It is pure: no store, no
network, the same input gives byte-identical files.  Pages are planned in this process; a large map's
pages are then drawn (layout, facts, HTML) by worker processes forked from it (:func:`page_workers`),
and a page's bytes do not depend on which process drew it.

The graph's contract
    node attributes: ``label`` (a graph-model label: its colour and shape come from
    :mod:`graphtool.model`), any properties the model declares for it, scores (``pagerank``,
    ``community``, ``affiliation_score``, ``ownership_clarity``, ``affiliation_reasons``, ...),
    ``first_ts`` / ``last_ts`` (epoch seconds of first and last activity, for the date filter).
    Edge attributes: ``type`` (a model relationship type: colour and dashes from the model),
    ``weight``, ``first_ts`` / ``last_ts`` and any others, shown in the edge's tooltip.
    ``COPIES`` edges with ``attributed`` false (or an ``unattributed`` count > 0) are drawn thick
    and bold: they are what an analyst looks for first.

The page
    vis-network (the build pyvis ships, inlined) draws the graph; pyvis supplies its physics
    options.  pyvis's own page template is not used: it loads Bootstrap from a CDN, and its
    ``add_edge`` scans every edge per call.  Positions are computed here
    (:mod:`graphtool.render.layout`), so the browser runs a short stabilisation, then stops
    the physics.  A strict Content-Security-Policy allows exactly the
    page's own scripts and stylesheet by SHA-256 hash and nothing else (``default-src 'none'``):
    no fetch, no image; the only font is the page's own subset of Noto Sans CJK for the CJK
    characters it shows, a ``data:`` URL (:mod:`graphtool.render.style`).  The data travels as a JSON block (``<``, ``>``, ``&``,
    U+2028/U+2029 escaped) that the script parses; labels go to the canvas and every other string
    through ``textContent``, so ``<img src=x onerror=...>`` shows as those characters.
"""
from __future__ import annotations

import base64
import gc
import hashlib
import json
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from importlib import resources
from pathlib import Path

import networkx as nx

from .. import __version__, model
from ..runtime import available_cpus, fork_is_safe
from ..analyze.state_media import stored_state
from . import reduce as reducer
from . import style
from .layout import median_edge_length, positions

COLOR_MODES = ("community", "affiliation", "platform", "type")
SIZE_MODES = ("pagerank", "followers", "degree")
DEFAULT_BUDGET = 1500
STATIC = resources.files(__package__) / "static"  # package data: read the same from a wheel or a checkout

# Tableau 20: distinguishable, colour-blind-aware; communities beyond it are grey.  Platforms have
# their own fixed colours (style.platform_color), the same in every map and timeline.
PALETTE = style.PALETTE
OTHER_COLOR = "#c7c7c7"
UNKNOWN_COLOR = "#bdbdbd"
AFFILIATION_LOW, AFFILIATION_HIGH = (78, 121, 167), (214, 39, 40)  # blue (0) to red (1)
COPIES = model.rel("COPIES").type
UNCLEAR = "unclear"  # the ownership clarity that gets a dashed border
assert UNCLEAR in model.OWNERSHIP_CLARITY
UNATTRIBUTED_COLOR = model.rel(COPIES).color  # bold and thick; attributed copies are drawn pale
SUPER_COLOR = "#8c8c8c"
# How a vis-network shape is drawn in the legend.
GLYPHS = {"dot": "●", "box": "■", "square": "■", "diamond": "◆", "triangle": "▲", "triangleDown": "▼",
          "star": "★", "hexagon": "⬢", "ellipse": "⬬", "text": "T"}
# Properties that name a node, in order of preference (each declared by some model label).
NAME_PROPS = ("display_name", "name", "title", "handle")
# Node attributes that drive the drawing rather than being facts about the node.
INTERNAL = {"label", "first_ts", "last_ts", "affiliation_reasons", "href", "top", "x", "y"}
MAX_TEXT = 300
MAX_LABEL = 40
# The browser only polishes the layout written into the page (graphtool.render.layout): one
# Barnes-Hut iteration costs about ITERATION_MS[0] + ITERATION_MS[1] * nodes + ITERATION_MS[2] * edges
# milliseconds in headless Chromium on the benchmark machine (bench/maps.py); the iteration count is
# what fits in STABILIZATION_MS, within [10, 300].  Creating the network costs more than this polish
# (about a second at 1,500 nodes), so a longer one would buy little: the written layout is already
# a force layout.
STABILIZATION_MS = 400
ITERATION_MS = (5.0, 0.015, 0.002)

_declared = {p.name for spec in model.NODES for p in spec.props}
assert set(NAME_PROPS) <= _declared, "NAME_PROPS must be declared by the graph model"


@dataclass
class MapOptions:
    """How to draw a map."""

    title: str = "graphtool map"
    color: str = "type"  # one of COLOR_MODES
    size: str = "pagerank"  # one of SIZE_MODES
    budget: int = DEFAULT_BUDGET  # most nodes on one page; larger graphs are reduced
    reduce: str = "auto"  # one of reduce.STRATEGIES
    max_drilldowns: int = 50
    seed: int = 42
    workers: int | None = None  # processes drawing the pages; None: by size and CPUs (page_workers)
    notes: tuple[str, ...] = ()  # extra lines shown at the top of every page (filters applied, ...)

    def check(self) -> None:
        if self.color not in COLOR_MODES:
            raise ValueError(f"color must be one of {', '.join(COLOR_MODES)}")
        if self.size not in SIZE_MODES:
            raise ValueError(f"size must be one of {', '.join(SIZE_MODES)}")
        if self.reduce not in reducer.STRATEGIES:
            raise ValueError(f"reduce must be one of {', '.join(reducer.STRATEGIES)}")
        if self.budget < 10:
            raise ValueError("the node budget must be at least 10")
        if self.workers is not None and self.workers < 1:
            raise ValueError("workers must be at least 1")


@dataclass
class MapResult:
    """What :func:`write_map` wrote."""

    path: Path  # the main page
    pages: list[Path] = field(default_factory=list)  # every page written, the main one first
    total_nodes: int = 0
    total_edges: int = 0
    shown_nodes: int = 0  # on the main page
    kind: str = "full"  # "full", "overview" or "top"
    notes: list[str] = field(default_factory=list)
    workers: int = 1  # processes that drew the pages


# ---- names, scores, colours ------------------------------------------------------------------

def display_name(G: nx.Graph, v) -> str:
    """The best human name of node ``v``: display name, name, title, handle, else its key."""
    return _name(G.nodes[v], v)


def _name(attrs: dict, v) -> str:
    for key in NAME_PROPS:
        value = attrs.get(key)
        if value not in (None, ""):
            return _text(value)
    return _text(attrs.get("id", v))


def node_scores(G: nx.Graph, size: str) -> dict:
    """node -> the raw value of the size measure, computed on the whole graph.

    ``pagerank`` and ``followers`` use the node attribute where every node has one; PageRank is
    computed (weighted, :func:`graphtool.analyze.centrality.pagerank`) otherwise.  ``degree``
    counts relationships.
    """
    if size == "degree":
        return {v: float(d) for v, d in G.degree()}
    if size == "followers":
        return {v: float(x or 0) for v, x in G.nodes(data="followers")}
    stored = dict(G.nodes(data="pagerank"))  # one pass over the nodes (a NodeView lookup each costs more)
    if stored and all(isinstance(x, (int, float)) for x in stored.values()):
        return {v: float(x) for v, x in stored.items()}
    from ..analyze.centrality import pagerank

    return pagerank(G)


def node_communities(G: nx.Graph, seed: int) -> dict:
    """node -> community: the ``community`` attribute where every node has one, else detected."""
    stored = dict(G.nodes(data="community"))
    if stored and all(c is not None for c in stored.values()):
        return stored
    from ..analyze.communities import communities

    return communities(G, seed=seed).partition


def _size_value(size: str, raw: float) -> float:
    # Followers span orders of magnitude: size by their logarithm.
    return round(math.log10(1.0 + raw), 4) if size == "followers" else float(f"{raw:.6g}")


def affiliation_color(score) -> str:
    """Blue (0) to red (1); grey when unknown."""
    if not isinstance(score, (int, float)) or isinstance(score, bool) or math.isnan(score):
        return UNKNOWN_COLOR
    t = min(1.0, max(0.0, float(score)))
    rgb = (round(a + (b - a) * t) for a, b in zip(AFFILIATION_LOW, AFFILIATION_HIGH))
    return "#" + "".join(f"{c:02x}" for c in rgb)


def affiliation_value(attrs: dict):
    """The affiliation score, else 1 / 0 for a node that ``graphtool analyze`` stored as state media or
    the state, or not (``state_media`` / ``state_entity``: one definition), else None (not analysed)."""
    score = attrs.get("affiliation_score")
    if isinstance(score, (int, float)) and not isinstance(score, bool):
        return score
    state = stored_state(attrs)
    return None if state is None else float(state)


def _pale(color: str, amount: float = 0.55) -> str:
    """``color`` mixed with white."""
    rgb = [int(color[i:i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(c + (255 - c) * amount):02x}" for c in rgb)


def _ranked_colors(values: Counter) -> dict:
    """value -> palette colour, the most frequent values first; grey beyond the palette."""
    order = sorted(values, key=lambda k: (-values[k], str(k)))
    return {k: (PALETTE[i] if i < len(PALETTE) else OTHER_COLOR) for i, k in enumerate(order)}


# ---- text and JSON safety ------------------------------------------------------------------

_LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")


def _text(value, limit: int = MAX_TEXT) -> str:
    """A value as display text, shortened; never markup (the page sets it as text)."""
    kind = type(value)
    if kind is int:
        return str(value)
    if kind is str and len(value) <= limit and value.isascii():  # the common case, nothing to do
        return value
    if kind is float:
        return f"{value:.4g}"
    if isinstance(value, bool):
        s = "true" if value else "false"
    elif isinstance(value, float):
        s = f"{value:.4g}"
    elif isinstance(value, (list, tuple, set)):
        s = "; ".join(_text(x, limit) for x in value)
    else:
        s = str(value)
    if not s.isascii():
        s = _LONE_SURROGATE.sub("\ufffd", s)  # not encodable as UTF-8
    return s if len(s) <= limit else s[:limit - 1] + "…"


def embed_json(value) -> str:
    """JSON that is safe inside ``<script type="application/json">``.

    ``<``, ``>`` and ``&`` become ``\\u003c`` ... so that no ``</script>`` or ``<!--`` can end or
    alter the block, and U+2028 / U+2029 are escaped for older JavaScript parsers.  NaN and
    infinities are refused (they are not JSON).

    Examples
    --------
    >>> embed_json({"name": "</script><script>alert(1)</script>"})
    '{"name":"\\\\u003c/script\\\\u003e\\\\u003cscript\\\\u003ealert(1)\\\\u003c/script\\\\u003e"}'
    """
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True, allow_nan=False)
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


def content_security_policy(scripts: list[str], styles: list[str]) -> str:
    """A policy that allows these inline scripts and styles (by hash) and nothing else."""
    return ("default-src 'none'; "
            f"script-src {' '.join(_sha256(s) for s in scripts)}; "
            f"style-src {' '.join(_sha256(s) for s in styles)}; "
            "img-src data:; font-src data:; connect-src 'none'; media-src 'none'; object-src 'none'; "
            "frame-src 'none'; worker-src 'none'; manifest-src 'none'; base-uri 'none'; form-action 'none'")


@lru_cache(maxsize=1)
def _assets() -> dict:
    import pyvis

    vis = Path(pyvis.__file__).parent / "lib" / "vis-9.1.2" / "vis-network.min.js"
    return {"vis": vis.read_text(encoding="utf-8"),
            "app": (STATIC / "map.js").read_text(encoding="utf-8"),
            "css": (STATIC / "map.css").read_text(encoding="utf-8"),
            "html": (STATIC / "map.html").read_text(encoding="utf-8")}


def stabilization_iterations(n_nodes: int, n_edges: int = 0) -> int:
    """How many layout iterations fit the stabilisation time budget."""
    per_iteration = ITERATION_MS[0] + ITERATION_MS[1] * n_nodes + ITERATION_MS[2] * n_edges
    return int(min(300, max(10, STABILIZATION_MS // per_iteration)))


def physics_options(n_nodes: int, n_edges: int = 0, spring_length: float = 100.0) -> dict:
    """Barnes-Hut physics (pyvis's option model): springs as long as the written layout's edges, so
    that the polish keeps its shape, and a stabilisation budget that shrinks with size."""
    from pyvis.network import Network

    net = Network(directed=True)
    net.barnes_hut(gravity=-2500, central_gravity=0.05, spring_length=round(spring_length, 1),
                   spring_strength=0.02, damping=0.4, overlap=0.1)
    physics = json.loads(net.options.to_json())["physics"]
    physics.pop("forceAtlas2Based", None)
    physics["minVelocity"] = 1.0
    physics["stabilization"] = {"enabled": True, "fit": True, "updateInterval": 25,
                                "iterations": stabilization_iterations(n_nodes, n_edges)}
    return physics


# ---- one page --------------------------------------------------------------------------------

@lru_cache(maxsize=None)
def _declared(label: str | None) -> tuple[dict, frozenset]:
    """The label's declared properties to show (name -> model order) and every name the model owns."""
    spec = model.NODE_BY_LABEL.get(label)
    if spec is None:
        return {}, frozenset(INTERNAL)
    shown = {p.name: i for i, p in enumerate(spec.props) if p.name not in INTERNAL}
    return shown, frozenset(INTERNAL.union(n for p in spec.props for n in model.stored_names(p)))


def _blank(value) -> bool:
    return value is None or value == "" or value == [] or (isinstance(value, dict) and not isinstance(value, Counter))


@lru_cache(maxsize=4096)
def _fact_order(label, names: tuple) -> tuple[tuple, tuple]:
    """(declared properties among ``names`` in model order, the others not owned by the model, by name).

    Nodes of one label carry the same attribute names, so this is worked out once per label and set.
    """
    shown, owned = _declared(label)
    declared = tuple(sorted((k for k in names if k in shown), key=shown.__getitem__))
    return declared, tuple(sorted(k for k in names if k not in shown and k not in owned))


def _facts(attrs: dict, label: str | None) -> list[list[str]]:
    """[name, text] pairs for a tooltip: declared properties in model order, then the rest by name."""
    declared, extra = _fact_order(label, tuple(attrs))
    facts = [["type", _text(label or "node")]]
    for key in declared:
        value = attrs[key]
        if not _blank(value):
            facts.append([key, _text(value)])
    for key in extra:
        value = attrs[key]
        if isinstance(value, Counter):
            value = [f"{k}: {n}" for k, n in sorted(value.items(), key=lambda kv: str(kv[0]))]
        if not _blank(value):
            facts.append([key, _text(value)])
    for key, word in (("first_ts", "first activity"), ("last_ts", "last activity")):
        if _num(attrs.get(key)) is not None:
            facts.append([word, _iso(attrs[key])])
    return facts


def _iso(ts: float) -> str:
    try:
        return datetime.fromtimestamp(float(ts), tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (OverflowError, ValueError, OSError):  # outside what a date can be: show the number
        return _text(ts)


def _num(value):
    """A finite number as float, else None (NaN and infinities are not JSON)."""
    if value is None:  # the common cases first: no value, or a plain float
        return None
    if type(value) is float:
        return value if math.isfinite(value) else None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return float(value)


def _ts(value):
    n = _num(value)
    return None if n is None else int(n)


def _unattributed(attrs: dict) -> bool:
    if attrs.get("type") != COPIES:
        return False
    return attrs.get("attributed") is False or (_num(attrs.get("unattributed")) or 0) > 0


def _edge_style(a: dict, opacity: float) -> tuple[tuple, dict]:
    """(legend entry, every field of the vis edge but its id and ends) of an edge with attributes ``a``."""
    rtype = a.get("type")
    spec = model.REL_BY_TYPE.get(rtype)
    unattributed = _unattributed(a)
    weight = _num(a.get("weight")) or 1.0
    color = (UNATTRIBUTED_COLOR if unattributed else _pale(spec.color) if rtype == COPIES
             else spec.color if spec else SUPER_COLOR)
    facts = [["relationship", _text(rtype or "between communities")],
             *(f for f in _facts(a, None)[1:] if f[0] != "type")]
    fields = {"color": {"color": color, "highlight": "#000000", "opacity": 1.0 if unattributed else opacity},
              "width": reducer.log_width(weight, base=3.0) if unattributed else reducer.log_width(weight, 0.5, 0.5),
              "dashes": bool(spec.dashes) if spec else False,
              "gt": {"head": ("Unattributed copy" if unattributed else _text(rtype or "aggregated edge")),
                     "t0": _ts(a.get("first_ts", a.get("at_ts"))), "t1": _ts(a.get("last_ts")), "facts": facts}}
    if rtype == COPIES:  # curved, so that copies stay visible next to shares between the same pair
        fields["smooth"] = {"enabled": True, "type": "curvedCW", "roundness": 0.2}
    return (rtype if spec else "aggregated", unattributed), fields


def page_data(G: nx.Graph, options: MapOptions, score: dict, partition: dict, *, kind: str = "full",
              links: list[dict] = (), hrefs: dict | None = None) -> dict:
    """Everything the page's script needs: vis nodes and edges, legend, filters, options."""
    hrefs = hrefs or {}
    ordered = sorted(G, key=str)
    vid = {v: i for i, v in enumerate(ordered)}
    pos = positions(G, partition, score, seed=options.seed)
    node_attrs = dict(G.nodes(data=True))  # read directly: a NodeView lookup costs more
    community_colors = _ranked_colors(Counter({v: a["members"] for v, a in node_attrs.items()}) if kind == "overview"
                                      else Counter(partition.get(v) for v in G))
    platform = {v: reducer.platform_of(a) for v, a in node_attrs.items()}
    by_use = Counter(p for p in platform.values() if p)  # legend order: most used first; colours fixed
    platform_colors = {p: style.platform_color(p) for p in sorted(by_use, key=lambda p: (-by_use[p], str(p)))}
    is_overview = kind == "overview"

    nodes, times = [], []
    for v in ordered:
        a = node_attrs[v]
        label = a.get("label")
        spec = model.NODE_BY_LABEL.get(label)
        shape = spec.shape if spec else "dot"
        if options.color == "community" or (is_overview and options.color == "type"):
            color = community_colors.get(partition.get(v), OTHER_COLOR) if v != "other" else OTHER_COLOR
        elif options.color == "affiliation":
            color = affiliation_color(affiliation_value(a))
        elif options.color == "platform":
            color = platform_colors.get(platform[v]) or (spec.color if spec else SUPER_COLOR)
        else:
            color = spec.color if spec else SUPER_COLOR
        name = _name(a, v) if not is_overview else (
            f"Community {str(v)[1:]}" if v != "other" else "other communities")
        raw = float(a["members"]) if is_overview else (_num(score.get(v)) or 0.0)
        t0, t1 = _ts(a.get("first_ts")), _ts(a.get("last_ts"))
        times += [t for t in (t0, t1) if t is not None]
        item = {"id": vid[v], "label": _text(name, MAX_LABEL), "shape": shape, "color": color,
                "value": raw if is_overview else _size_value(options.size, raw),
                "x": pos[v][0], "y": pos[v][1],
                "gt": {"head": name, "key": _text(a.get("id", v)),
                       "platform": _text(platform[v], MAX_LABEL) if platform[v] else None,
                       "t0": t0, "t1": t1, "score": float(f"{raw:.6g}"),
                       "facts": _facts(a, label if not is_overview else None),
                       "reasons": [_text(r, 1000) for r in (a.get("affiliation_reasons") or [])]}}
        if is_overview:
            item["gt"]["facts"] = [["members", f"{a['members']:,}"], ["top members", _text(a.get("top") or [])]] + \
                ([["communities merged", f"{a['merged']:,}"]] if a.get("merged", 1) > 1 else []) + \
                ([["main platform", _text(a["platform"])]] if a.get("platform") else []) + \
                ([["mean affiliation", _text(float(a["affiliation_score"]))]]
                 if isinstance(a.get("affiliation_score"), float) else [])
            item["gt"]["platform"] = None
        if v in hrefs:
            item["gt"]["href"] = hrefs[v]
        if a.get("ownership_clarity") == UNCLEAR:
            item["shapeProperties"] = {"borderDashes": [4, 3]}
            item["borderWidth"] = 3
            item["color"] = {"background": color, "border": "#000000"}
        nodes.append(item)

    edges, edge_types, styled = [], Counter(), {}
    opacity = 0.7 if G.number_of_edges() < 500 else 0.35  # many edges: let the nodes show through
    iterator = G.edges(keys=True, data=True) if G.is_multigraph() else ((u, v, None, d) for u, v, d in G.edges(data=True))
    rows = sorted(iterator, key=lambda e: (vid[e[0]], vid[e[1]], str(e[2])))
    for i, (u, v, _, a) in enumerate(rows):
        try:  # edges repeat their attributes (type, weight): each distinct set is styled once, shared
            key = tuple(a.items())
            drawn = styled.get(key)
        except TypeError:  # a list or other unhashable value
            key = drawn = None
        if drawn is None:
            drawn = _edge_style(a, opacity)
            times += [t for t in (drawn[1]["gt"]["t0"], drawn[1]["gt"]["t1"]) if t is not None]
            if key is not None:
                styled[key] = drawn
        edge_types[drawn[0]] += 1
        edges.append({"id": f"e{i}", "from": vid[u], "to": vid[v], **drawn[1]})

    options_js = {
        "autoResize": True,
        "layout": {"randomSeed": options.seed, "improvedLayout": False},
        "nodes": {"borderWidth": 1, "font": {"face": f"{style.WEB_FAMILY}, system-ui, sans-serif", "size": 12},
                  "scaling": {"min": 6, "max": 40,
                              "label": {"enabled": True, "min": 7, "max": 26, "drawThreshold": 9, "maxVisible": 28}}},
        "edges": {"smooth": False, "selectionWidth": 2,
                  "arrows": {"to": {"enabled": G.is_directed(), "scaleFactor": 0.5}}},
        "interaction": {"hover": True, "tooltipDelay": 100, "hideEdgesOnDrag": len(nodes) > 800,
                        "multiselect": False, "navigationButtons": False, "keyboard": False},
        "physics": physics_options(len(nodes), len(edges), min(400.0, max(60.0, median_edge_length(G, pos) or 100.0))),
    }
    platforms = sorted({n["gt"]["platform"] for n in nodes if n["gt"]["platform"]})
    return {
        "meta": {"kind": kind, "color": options.color, "size": options.size, "title": _text(options.title),
                 "score_name": "members" if is_overview else options.size,
                 "shown_nodes": len(nodes), "shown_edges": len(edges)},
        "nodes": nodes, "edges": edges, "options": options_js, "platforms": platforms,
        "timeRange": [min(times), max(times)] if times else None,
        "legend": _legend(G, options, kind, community_colors, platform_colors, edge_types),
        "links": list(links),
    }


def _legend(G, options, kind, community_colors, platform_colors, edge_types) -> list[dict]:
    items: list[dict] = []
    labels = Counter(G.nodes[v].get("label") for v in G)
    if kind == "overview":
        items.append({"heading": "Nodes"})
        items.append({"glyph": "●", "color": SUPER_COLOR, "text": "a community (size = members)"})
    else:
        items.append({"heading": "Node types (shape)"})
        for label in sorted(labels, key=str):
            spec = model.NODE_BY_LABEL.get(label)
            shape, color = (spec.shape, spec.color) if spec else ("dot", SUPER_COLOR)
            items.append({"glyph": GLYPHS.get(shape, "●"), "color": color if options.color == "type" else "#555555",
                          "text": f"{label or 'node'} ({labels[label]:,})"})
    if options.color == "community" or (kind == "overview" and options.color == "type"):
        items.append({"heading": "Colour: community (largest first)"})
        shown = [c for c in community_colors if community_colors[c] != OTHER_COLOR]
        items += [{"glyph": "●", "color": community_colors[c], "text": f"community {_text(c)}"} for c in shown[:10]]
        if len(community_colors) > 10:
            items.append({"glyph": "●", "color": OTHER_COLOR, "text": f"{len(community_colors) - 10:,} more"})
    elif options.color == "affiliation":
        items.append({"heading": "Colour: state-affiliation score (owners: 1 = the state, by graphtool analyze)"})
        items += [{"glyph": "●", "color": affiliation_color(t), "text": f"{t:.2f}"} for t in (0.0, 0.25, 0.5, 0.75, 1.0)]
        items.append({"glyph": "●", "color": UNKNOWN_COLOR, "text": "no score (not analysed)"})
    elif options.color == "platform":
        items.append({"heading": "Colour: platform"})
        items += [{"glyph": "●", "color": c, "text": _text(p)} for p, c in platform_colors.items()][:20]
    if any(G.nodes[v].get("ownership_clarity") == UNCLEAR for v in G):
        items.append({"glyph": "◌", "color": "#000000", "text": "dashed border: ownership unclear"})
    items.append({"heading": f"Size: {'members' if kind == 'overview' else options.size}"
                             f"{' (log scale)' if options.size == 'followers' and kind != 'overview' else ''}"})
    if edge_types:
        items.append({"heading": "Edges"})
        for (rtype, unattributed), n in sorted(edge_types.items(), key=lambda kv: (str(kv[0][0]), kv[0][1])):
            spec = model.REL_BY_TYPE.get(rtype)
            if unattributed:
                items.append({"glyph": "━━", "color": UNATTRIBUTED_COLOR, "bold": True,
                              "text": f"{COPIES} without attribution ({n:,})"})
            elif spec is None:
                items.append({"glyph": "──", "color": SUPER_COLOR,
                              "text": f"between communities, width = weight ({n:,})"})
            else:
                copies = rtype == COPIES
                items.append({"glyph": "╌╌" if spec.dashes else "──",
                              "color": _pale(spec.color) if copies else spec.color,
                              "text": f"{rtype}{' with attribution' if copies else ''} ({n:,})"})
    return items


def render_page(data: dict, title: str, notes: list[str]) -> str:
    """The HTML of one page: template, inlined assets, hashed CSP, escaped data."""
    import jinja2

    assets = _assets()
    title, notes = _text(title), [_text(n, 2000) for n in notes]
    data_json = embed_json(data)
    # The JSON holds every string of ``data`` with its CJK characters as they are (only ASCII is escaped).
    css = style.font_face_css([title, *notes, data_json]) + assets["css"]
    env = jinja2.Environment(autoescape=True, keep_trailing_newline=True)
    template = env.from_string(assets["html"])
    return template.render(
        csp=content_security_policy([assets["vis"], assets["app"]], [css]),
        title=title, notes=notes, version=__version__,
        css=css, vis_js=assets["vis"], app_js=assets["app"], data_json=data_json)


# ---- whole maps ------------------------------------------------------------------------------

def _slug_file(path: Path, slug: str) -> Path:
    stem = re.sub(r"[^A-Za-z0-9._-]", "_", path.stem) or "map"
    return path.with_name(f"{stem}-{slug}.html")


def write_map(G: nx.Graph, path: str | Path, options: MapOptions | None = None) -> MapResult:
    """Write the map of ``G`` to ``path`` (and its drill-down pages next to it).

    Parameters
    ----------
    G : networkx graph
        See the module docstring for the attributes it reads.  Directed graphs get arrows.
    path : str or Path
        The main page.  Drill-down pages are written beside it as ``<stem>-c<k>.html``.
    options : MapOptions

    Returns
    -------
    MapResult
        Paths written and what the main page shows.
    """
    options = options or MapOptions()
    options.check()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # The input graph, then the plan, are millions of objects that the map only reads: frozen, the
    # cyclic garbage collector stops walking them on every full collection (a third of the CPU time
    # at 10^5 nodes) and, in a forked worker, stops touching (copying) their memory.
    frozen = not gc.get_freeze_count()  # a caller that froze its own heap keeps it as it was
    if frozen:
        gc.freeze()
    try:
        score = node_scores(G, options.size)
        partition = node_communities(G, options.seed)
        pages = reducer.plan_pages(G, score, partition, options.budget, lambda v: display_name(G, v),
                                   strategy=options.reduce, max_drilldowns=options.max_drilldowns,
                                   score_name=options.size)
        files = {p.slug: (path if not p.slug else _slug_file(path, p.slug)) for p in pages}
        job = (pages, files, options, score, partition)
        if frozen:
            gc.freeze()  # the plan too
        workers = page_workers(options, pages)
        written = _write_pages_forked(job, workers) if workers > 1 else None
        if written is None:
            workers, written = 1, [_write_page(job, i) for i in range(len(pages))]
    finally:
        if frozen:
            gc.unfreeze()
    main = pages[0]
    return MapResult(path=path, pages=written, total_nodes=G.number_of_nodes(), total_edges=G.number_of_edges(),
                     shown_nodes=main.graph.number_of_nodes(), kind=main.kind, notes=[*options.notes, *main.notes],
                     workers=workers)


# ---- pages in worker processes -----------------------------------------------------------------
# Once planned, pages are independent: each one's layout, facts and HTML depend on its own graph and
# seed only, so a page is the same bytes whichever process draws it.  Workers are forked from this
# process: they inherit the planned pages (nothing is pickled but a page number and a path), and fork
# needs no main-module guard in a user's script or the CLI.

_JOB = None  # what forked workers draw: set just before they fork (from a process with one thread only)
PARALLEL_NODES = 5000  # below this many nodes on all pages together, forking costs more than it saves
MAX_WORKERS = 4


def page_workers(options: MapOptions, pages: list) -> int:
    """How many processes draw the pages: 1 unless there are several pages, CPUs to spare and fork is safe.

    ``options.workers`` None picks ``min(MAX_WORKERS, CPUs)`` for maps of at least :data:`PARALLEL_NODES`
    nodes on their pages; a number asks for that many whatever the size.  Workers are forked only where
    :func:`graphtool.runtime.fork_is_safe` (Linux, a single-threaded process: not from ``graphtool serve``).
    """
    if options.workers is None:
        total = sum(p.size for p in pages)
        wanted = min(MAX_WORKERS, available_cpus()) if total >= PARALLEL_NODES else 1
    else:
        wanted = options.workers
    if wanted < 2 or len(pages) < 2 or not fork_is_safe():
        return 1
    return min(wanted, len(pages))


def _write_pages_forked(job: tuple, workers: int) -> list[Path] | None:
    """The pages of ``job`` written by ``workers`` forked processes, in order; None where no pool can start.

    A process pool executor rather than ``multiprocessing.Pool``: a worker that dies (killed for
    memory) raises ``BrokenProcessPool`` here instead of leaving the map waiting for ever.
    """
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    _assets()  # read once here, inherited by every worker
    from ..analyze.igraph_lazy import igraph

    igraph()
    try:
        executor = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"))
    except (OSError, ValueError):  # no fork or no semaphores here (some sandboxes): draw them in this process
        return None
    global _JOB
    _JOB = job
    try:
        with executor:  # its exit waits for (reaps) the workers, so that their CPU time counts as this process's
            return list(executor.map(_write_forked_page, range(len(job[0]))))
    finally:
        _JOB = None


def _write_forked_page(i: int) -> Path:
    return _write_page(_JOB, i)


def _write_page(job: tuple, i: int) -> Path:
    pages, files, options, score, partition = job
    page = pages[i]
    H = page.graph
    if page.kind == "overview":
        sub_score = {v: float(H.nodes[v]["members"]) for v in H}
        sub_partition = {v: v for v in H}
    else:
        sub_score, sub_partition = score, partition
    hrefs = {v: files[H.nodes[v]["href"]].name for v in H if H.nodes[v].get("href") in files} \
        if page.kind == "overview" else {}
    links = [{"href": files[slug].name, "text": text} for slug, text in page.links if slug in files]
    title = options.title if not page.slug else f"{options.title}: {page.title}"
    data = page_data(H, options, sub_score, sub_partition, kind=page.kind, links=links, hrefs=hrefs)
    html = render_page(data, title, [*options.notes, *page.notes])
    target = files[page.slug]
    target.write_text(html, encoding="utf-8")
    page.release()
    return target
