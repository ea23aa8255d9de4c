"""What the account, outlet, article and narrative pages show beyond :func:`.data.entity`: read from the store.

- an actor's activity over time (articles published and shares per UTC day, counted in the store)
  and the chart's geometry (drawn by the template as SVG, as text and numbers only);
- the records a reason names, so the page can link each to its page (evidence to Source records);
- its coordination community (``graphtool coordination``);
- an article's page: publishers, narratives, copies in and out, its cascade tree
  (:mod:`graphtool.analyze.cascades_store`);
- a copy beside its original, shared passages marked by the copy detector's shingles
  (:mod:`graphtool.analyze.copies.passages`);
- a narrative's cascade trees and its network in time, for the page's timeline and network view.

Every function takes the store and returns plain data; the analyses wrote their results before.
"""
from __future__ import annotations

import math
import re

from .. import internal_queries as Q
from .. import model
from ..errors import NotFoundError
from . import data

ARTICLE, NARRATIVE = model.L.Article, model.L.Narrative
DAY = 86400
CHART_W, CHART_H, CHART_BARS = 640, 120, 200  # pixels; at most this many bars (days grouped beyond)
GROUP_CAP = 50          # accounts of a coordination community listed
TEXT_CAP = 100_000      # characters of each text shown side by side
TREE_CAP = 500          # hops of cascade trees shown
NETWORK_CAP = 5000      # posts and shares in a narrative's network view (the earliest)
# a word of a reason that may be a record's id: "kind:rest", without the punctuation around it
_ID_LIKE = re.compile(r"[^\s,;()\[\]]+:[^\s,;()\[\]]*[^\s,;()\[\].:]")


def href(label: str, node_id: str) -> str:
    """The page of a record."""
    from urllib.parse import quote

    page = {ARTICLE: "/article", NARRATIVE: "/narrative"}.get(label, "/entity")
    return f"{page}?id={quote(node_id, safe='')}"


# what a reason or a network may name (not an Identifier, an ImportRun, an Alert): one index seek each
NAMED = (*model.ACTORS, ARTICLE, model.L.Source, model.L.Organization, model.L.Person, NARRATIVE, model.L.Event)


def labels_of(store, ids: set[str]) -> dict[str, str]:
    """id -> label of the ids that name a record."""
    found: dict[str, str] = {}
    if ids:
        for label in NAMED:
            for row in Q.IDS_OF_LABEL.read(store, {"ids": sorted(ids)}, label=label):
                found.setdefault(row["id"], label)
    return found


def linked_reasons(store, reasons: list[str] | None) -> list[list[tuple[str, str | None]]]:
    """Each reason as parts ``(text, link or None)``: the ids it names that are records become links."""
    reasons = list(reasons or [])
    known = labels_of(store, {m.group(0) for r in reasons for m in _ID_LIKE.finditer(r)})
    out = []
    for reason in reasons:
        parts, at = [], 0
        for m in _ID_LIKE.finditer(reason):
            if m.group(0) in known:
                parts += [(reason[at:m.start()], None), (m.group(0), href(known[m.group(0)], m.group(0)))]
                at = m.end()
        parts.append((reason[at:], None))
        out.append([p for p in parts if p[0]])
    return out


def activity(store, label: str, node_id: str) -> dict:
    """Articles published and shares per UTC day, and the bars of a small stacked chart of them."""
    published = {int(r["day"]): int(r["n"]) for r in Q.PUBLISHED_PER_DAY.read(store, {"id": node_id}, actor=label)}
    shared = ({int(r["day"]): int(r["n"]) for r in Q.SHARED_PER_DAY.read(store, {"id": node_id})}
              if label == model.L.Account else {})
    days = sorted(set(published) | set(shared))
    if not days:
        return {"published": 0, "shared": 0, "bars": [], "first": None, "last": None}
    from ..values import iso

    first, last = days[0], days[-1]
    group = max(1, math.ceil(((last - first) // DAY + 1) / CHART_BARS))  # days per bar
    n_bars = (last - first) // (DAY * group) + 1
    per_bar = [[0, 0] for _ in range(n_bars)]
    for series, counts in enumerate((published, shared)):
        for day, n in counts.items():
            per_bar[(day - first) // (DAY * group)][series] += n
    top = max(p + s for p, s in per_bar)
    width = CHART_W / n_bars
    bars = []
    for i, (p, s) in enumerate(per_bar):
        if not p + s:
            continue
        start = first + i * group * DAY
        when = iso(start)[:10] + (f" to {iso(start + (group - 1) * DAY)[:10]}" if group > 1 else "")
        x, base = round(i * width, 2), CHART_H
        for n, kind in ((s, "shared"), (p, "published")):  # shares at the bottom, articles on top
            if n:
                h = round(CHART_H * n / top, 2)
                base -= h
                bars.append({"x": x, "y": round(base, 2), "w": round(max(width - 1, 1), 2), "h": h, "kind": kind,
                             "title": f"{when}: {n} {'articles published' if kind == 'published' else 'shares'}"})
    return {"published": sum(published.values()), "shared": sum(shared.values()), "bars": bars, "top": top,
            "first": iso(first)[:10], "last": iso(last)[:10], "days_per_bar": group, "width": CHART_W,
            "height": CHART_H}


def entity_page(store, node_id: str) -> dict:
    """:func:`.data.entity` with the reasons' links, the activity over time and the coordination community."""
    page = data.entity(store, node_id)
    scores = page.get("scores")
    page["reasons"] = linked_reasons(store, scores.get("affiliation_reasons") if scores else None)
    page["activity"] = activity(store, page["label"], node_id) if scores else None
    page["group"] = (Q.COORDINATED_GROUP.read(store, {"id": node_id, "limit": GROUP_CAP + 1})
                     if page["label"] == model.L.Account else [])
    return page


def _tree(tree, cap: int) -> dict:
    """A cascade tree as nested nodes ``{article, hop, children}`` (the first ``cap`` hops)."""
    root = {"article": tree.origin, "hop": None, "children": []}
    by_id = {tree.origin.id: root}
    for hop in tree.hops[:cap]:
        node = {"article": hop.article, "hop": hop, "children": []}
        parent = by_id.get(hop.parent)
        if parent is not None:
            parent["children"].append(node)
            by_id[hop.article.id] = node
    return root


def cascade_trees(trace, cap: int = TREE_CAP) -> dict:
    """The trees of a :class:`~graphtool.analyze.cascades_store.Trace` that have hops, for the page."""
    trees, left = [], cap
    for tree in trace.trees:
        if not tree.hops or left <= 0:
            continue
        trees.append(_tree(tree, left))
        left -= len(tree.hops)
    hops = sum(len(t.hops) for t in trace.trees)
    return {"trees": trees, "hops": hops, "shown": min(hops, cap)}


def _articles(store, ids: list[str]) -> dict[str, dict]:
    return {r["id"]: r for r in Q.ARTICLES.read(store, {"ids": ids})} if ids else {}


def _publishers(store, ids: list[str]) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    for label in model.rel("PUBLISHED").sources:
        for r in Q.PUBLISHERS_OF.read(store, {"ids": ids}, publisher=label):
            found.setdefault(r["id"], []).append({"id": r["pid"], "name": r["name"], "label": label})
    return found


def article_page(store, article_id: str) -> dict:
    """An article: its properties, publishers, narratives, copies of it and its copies, its cascade tree."""
    from ..analyze.cascades_store import trace_article

    if data.node_label(store, article_id) != ARTICLE:
        raise NotFoundError(f"{article_id!r} is not an Article")
    props = Q.PROPERTIES_OF.read(store, {"id": article_id})[0]["p"]
    copies_of_it = Q.COPIES_TO.read(store, {"ids": [article_id]})
    its_originals = Q.COPIES_FROM.read(store, {"ids": [article_id]})
    others = sorted({r["src"] for r in copies_of_it} | {r["dst"] for r in its_originals})
    articles, publishers = _articles(store, others), _publishers(store, [article_id, *others])

    def rows(links, other_end):
        return [{**r, "other": r[other_end], "title": (articles.get(r[other_end]) or {}).get("title"),
                 "publishers": publishers.get(r[other_end], [])} for r in links]

    return {"id": article_id, "props": {k: v for k, v in sorted(props.items()) if k != "copy_sketch"},
            "publishers": publishers.get(article_id, []),
            "narratives": Q.ARTICLE_NARRATIVES.read(store, {"id": article_id}),
            "copies_of_it": rows(copies_of_it, "src"), "its_originals": rows(its_originals, "dst"),
            "cascade": cascade_trees(trace_article(store, article_id))}


def compare(store, copy_id: str, original_id: str) -> dict:
    """A copy and its original side by side: both texts (markup stripped, as compared), shared passages
    marked, and the stored COPIES between them (if any)."""
    from ..analyze.copies.passages import shared_passages

    docs = {r["id"]: r for r in Q.ARTICLE_DOCS.read(store, {"ids": [copy_id, original_id]})}
    for needed in (copy_id, original_id):
        if needed not in docs:
            raise NotFoundError(f"no Article with id {needed!r}")
    copy, original = docs[copy_id], docs[original_id]
    cut = {i: len(d["text"] or "") > TEXT_CAP for i, d in docs.items()}
    a, b, share = shared_passages((copy["text"] or "")[:TEXT_CAP], (original["text"] or "")[:TEXT_CAP],
                                  copy["lang"], original["lang"])
    link = Q.COPY_LINKS.read(store, {"id": copy_id, "ids": [original_id]})
    meta, publishers = _articles(store, [copy_id, original_id]), _publishers(store, [copy_id, original_id])

    def side(i, segments):
        return {"id": i, "title": docs[i]["title"], "at": meta.get(i, {}).get("at"),
                "platform": meta.get(i, {}).get("platform"), "publishers": publishers.get(i, []),
                "segments": segments, "cut": cut[i], "chars": sum(len(t) for t, _ in segments),
                "shared_chars": sum(len(t) for t, shared in segments if shared)}

    return {"copy": side(copy_id, a), "original": side(original_id, b), "share": share,
            "link": link[0] if link else None, "cap": TEXT_CAP}


def narrative_page(store, narrative_id: str) -> dict:
    """:func:`.data.narrative` with its cascade trees."""
    from ..analyze.cascades_store import trace_narrative

    page = data.narrative(store, narrative_id)
    page["cascade"] = cascade_trees(trace_narrative(store, narrative_id))
    return page


def narrative_network(store, narrative_id: str, cap: int = NETWORK_CAP) -> dict:
    """The narrative's spread as a network in time, for the page's timeline and network view.

    Nodes are the articles carrying it and the accounts and outlets that published or shared them
    (each with the time it first appears, laid out by :func:`graphtool.render.layout.force_layout`,
    seeded); edges are posts, shares (the earliest ``cap`` of them) and COPIES among the articles,
    each with its time.  Events are the store's Events.
    """
    import networkx as nx

    from ..analyze.timeline_store import narrative_activity, read_events
    from ..render.layout import GOLDEN_ANGLE, force_layout
    from ..render.style import platform_color
    from ..values import iso

    if data.node_label(store, narrative_id) != NARRATIVE:
        raise NotFoundError(f"{narrative_id!r} is not a Narrative")
    name, activity_rows = narrative_activity(store, narrative_id)
    truncated = len(activity_rows) > cap
    activity_rows = activity_rows[:cap]
    nodes: dict[str, dict] = {}
    edges: dict[tuple, dict] = {}

    def node(node_id, label, platform, ts):
        n = nodes.setdefault(node_id, {"id": node_id, "label": label, "platform": platform, "ts": ts})
        n["ts"] = min(n["ts"], ts)

    for a in activity_rows:
        node(a.article, ARTICLE, a.platform, a.ts)
        if a.account:
            node(a.account, model.L.Account, a.platform, a.ts)
            edge = edges.setdefault((a.account, a.article, a.kind), {"source": a.account, "target": a.article,
                                                                     "kind": a.kind, "platform": a.platform,
                                                                     "times": []})
            edge["times"].append(a.ts)
    firsts: set[str] = set()
    for a in activity_rows:  # its first post on each platform (time order): drawn larger, labelled
        if a.kind == "post" and a.platform not in firsts:
            firsts.add(a.platform)
            nodes[a.article].setdefault("first", a.platform)
    article_ids = sorted(n for n, v in nodes.items() if v["label"] == ARTICLE)
    for r in (Q.COPIES_AMONG.read(store, {"ids": article_ids, "all": article_ids}) if article_ids else []):
        if r["t0"] is not None:
            edges.setdefault((r["src"], r["dst"], "copies"), {"source": r["src"], "target": r["dst"], "kind": "copies",
                                                              "platform": nodes[r["src"]]["platform"],
                                                              "times": [int(r["t0"])]})
    actors = {n for n, v in nodes.items() if v["label"] != ARTICLE}
    for found, label in labels_of(store, actors).items():
        nodes[found]["label"] = label
    names = {r["id"]: r["p"].get("name") or r["p"].get("display_name") or r["p"].get("handle")
             for label in model.ACTORS for r in Q.NODE_PROPERTIES.read(store, {"ids": sorted(actors)}, label=label)}
    titles = _articles(store, article_ids)
    order = sorted(nodes, key=lambda n: (nodes[n]["ts"], n))
    start = {n: (math.sqrt(i + 1) * math.cos(i * GOLDEN_ANGLE), math.sqrt(i + 1) * math.sin(i * GOLDEN_ANGLE))
             for i, n in enumerate(order)}
    graph = nx.Graph()
    graph.add_nodes_from(order)
    graph.add_edges_from((e["source"], e["target"]) for e in edges.values())
    pos = force_layout(graph, start, seed=0, iterations=200) if graph.number_of_edges() else start
    for n in order:
        v = nodes[n]
        v["name"] = names.get(n) or (titles.get(n) or {}).get("title") or n
        v["x"], v["y"] = pos[n]
        v["color"] = platform_color(v["platform"])
        v["at"] = iso(v["ts"])
    events = [{"id": e.id, "name": e.name, "kind": e.kind, "ts": e.ts, "at": e.at} for e in read_events(store)]
    times = [t for e in edges.values() for t in e["times"]]
    return {"id": narrative_id, "name": name or narrative_id, "truncated": truncated, "cap": cap,
            "start": min(times, default=None), "end": max(times, default=None),
            "platforms": {p: platform_color(p) for p in sorted({v["platform"] for v in nodes.values()})},
            "nodes": [nodes[n] for n in order],
            "edges": [{**e, "times": sorted(e["times"])} for _, e in sorted(edges.items())], "events": events}
