"""What the pages show, read from the store: retrieval only (the analyses wrote their results there).

Canned queries are used where one answers the question (search, ownership-chain,
coordinated-pairs, narrative-first-appearance); the rest is a few plain reads with labels
from :mod:`graphtool.model`.  Every function takes the store and returns plain data.
"""
from __future__ import annotations

import tempfile
import threading
import time
from functools import lru_cache
from pathlib import Path

from .. import internal_queries as Q
from .. import model
from ..analyze.scores_store import explain
from ..errors import NotFoundError
from ..queries import get_query, run_query

ACCOUNT, OUTLET, NARRATIVE = model.L.Account, model.L.Outlet, model.L.Narrative
KINDS = ("Account", "Outlet", "Organization", "Person", "Narrative", "Event", "Article")  # result groups, in order
SEARCH_LIMIT = 50
EXPAND_CAP = 500  # most nodes one expansion returns
PARTNERS_SHOWN = 100  # most coordination partners an account page lists (as the coordinated-pairs query)


@lru_cache(maxsize=None)
def _query(name: str):
    """A canned query, parsed and checked once per process (get_query reads every file each time)."""
    return get_query(name)


def _canned(store, name: str, **params) -> list[dict]:
    return run_query(store, _query(name), params, from_text=False).rows


def _rank(needle: str, row: dict) -> tuple:
    """Exact id/name/handle first, then names that start with the text, then names that hold it whole,
    then the rest; by the full-text score, then by name within."""
    names = [str(row.get(k) or "").lower() for k in ("id", "name", "handle")]
    return (0 if needle in names else 1 if any(n.startswith(needle) for n in names) else
            2 if any(needle in n for n in names) else 3, -row.get("score", 0.0), str(row.get("name") or row.get("id")))


def _indexed_search(store, text: str, limit: int) -> list[dict] | None:
    """Rows found through each kind's full-text index (names, handles, ids, URLs, titles, article text;
    identifiers lead to their accounts), each with its score; None where the store has no such index."""
    rows = [dict(r, score=1e9) for r in Q.SEARCH_EXACT.read(store, {"id": text})]
    for label in (*Q.SEARCHED, model.L.Identifier):
        hits = store.fulltext(label, text, limit)
        if hits is None:
            return None
        if not hits:
            continue
        score = {h["id"]: h["score"] for h in hits}
        ids = list(score)
        if label == model.L.Identifier:
            found = Q.SEARCH_IDENTIFIED.read(store, {"ids": ids})
            best = max(score.values())
            rows += [dict(r, score=best) for r in found]
        else:
            rows += [dict(r, score=score[r["id"]]) for r in Q.SEARCH_HITS.read(store, {"ids": ids}, label=label)]
    return rows


def search(store, text: str, limit: int = SEARCH_LIMIT) -> dict[str, list[dict]]:
    """Everything the text names, grouped by kind (in :data:`KINDS` order) and ranked.

    Through the store's full-text indexes (Store.fulltext: words and word prefixes, Chinese and
    English) where it has them; else the canned ``search`` query (names, handles, ids), identifiers
    a source used (a numeric id, an old handle) and articles by title, text or URL, by substring.
    Case-insensitive; Chinese as written.
    """
    text = text.strip()
    if not text:
        return {}
    needle = text.lower()
    rows = _indexed_search(store, text, limit)
    if rows is None:  # a store made before the full-text indexes (opened read-only): substrings, scanning
        rows = _canned(store, "search", text=text, limit=limit)
        rows += Q.SEARCH_IDENTIFIERS.read(store, {"needle": needle, "limit": limit})
        rows += Q.SEARCH_ACCOUNT_URLS.read(store, {"needle": needle, "limit": limit})
        rows += Q.SEARCH_ARTICLES.read(store, {"needle": needle, "limit": limit})
    groups: dict[str, dict[str, dict]] = {}
    for row in rows:
        groups.setdefault(row["label"], {}).setdefault(row["id"], row)
    order = {k: i for i, k in enumerate(KINDS)}
    return {label: sorted(found.values(), key=lambda r: _rank(needle, r))[:limit]
            for label, found in sorted(groups.items(), key=lambda kv: order.get(kv[0], len(KINDS)))}


def node_label(store, node_id: str) -> str:
    rows = Q.LABEL_OF.read(store, {"id": node_id})
    if not rows:
        raise NotFoundError(f"nothing with id {node_id!r} in the store")
    return rows[0]["label"]


def _copies(store, label: str, node_id: str, outgoing: bool) -> list[dict]:
    """Copies of this actor's articles by others (``outgoing`` False), or its copies of others' articles."""
    copies = Q.MY_COPIES if outgoing else Q.COPIES_OF_MINE
    return copies.read(store, {"id": node_id}, actor=label)


def entity(store, node_id: str) -> dict:
    """An Account's or Outlet's page: properties, scores and reasons (explain), identifiers,
    ownership chain, copies in and out, coordination partners."""
    label = node_label(store, node_id)
    props = Q.PROPERTIES_OF.read(store, {"id": node_id})[0]["p"]
    page = {"label": label, "id": node_id, "props": dict(sorted(props.items())), "scores": None,
            "ownership": [], "copies_of_mine": [], "my_copies": [], "partners": []}
    if label in (ACCOUNT, OUTLET):
        page["scores"] = explain(store, node_id)[0]
        page["ownership"] = _canned(store, "ownership-chain", id=node_id)
        page["copies_of_mine"] = _copies(store, label, node_id, outgoing=False)
        page["my_copies"] = _copies(store, label, node_id, outgoing=True)
    if label == ACCOUNT:
        rows = Q.PARTNERS.read(store, {"id": node_id})  # in the canned query's order, strongest first
        page["partners"] = sorted(rows, key=lambda r: (-(r["weight"] or 0.0), r["account_1"], r["account_2"],
                                                       r["kind"] or ""))[:PARTNERS_SHOWN]
    return page


def narrative(store, narrative_id: str) -> dict:
    if node_label(store, narrative_id) != NARRATIVE:
        raise NotFoundError(f"{narrative_id!r} is not a Narrative")
    name = Q.NARRATIVE_NAME.read(store, {"id": narrative_id})[0]["name"]
    return {"id": narrative_id, "name": name or narrative_id,
            "first": _canned(store, "narrative-first-appearance", narrative=narrative_id)}


def timeline_svg(store, narrative_id: str) -> bytes:
    """The narrative's timeline figure (graphtool.render.timeline) as SVG."""
    from ..analyze.timeline_store import build_timeline
    from ..render.timeline import write_figure

    tl = build_timeline(store, narrative_id)
    with tempfile.TemporaryDirectory() as tmp:
        return write_figure(tl, Path(tmp) / "timeline.svg").read_bytes()


_SHOWN = ("platform", "ts", "score", "class", "state_media", "community")  # what the explorer filters by


def _shown(label: str, node_id: str, props: dict) -> dict:
    """A node as the explorer shows it: its name and what it is filtered by (the same keys as Q._SHOWN)."""
    name = next((props[k] for k in ("name", "display_name", "title", "handle") if props.get(k)), node_id)
    ts = next((props[k] for k in ("published_ts", "created_ts", "at_ts") if props.get(k) is not None), None)
    return {"id": node_id, "label": label, "name": name, "platform": props.get("platform"), "ts": ts,
            "score": props.get("affiliation_score"), "class": props.get("ownership_clarity"),
            "state_media": props.get("state_media"), "community": props.get("community")}


def neighbour_counts(store, node_id: str) -> dict:
    """How many neighbours an expansion would bring, by relationship type, direction and label (counted in
    the store), so the explorer shows them before expanding."""
    label = node_label(store, node_id)
    rows = sorted(Q.NEIGHBOUR_COUNTS.read(store, {"id": node_id}, label=label) if label in Q.RELATED else [],
                  key=lambda r: (r["type"], not r["out"], r["label"] or ""))
    return {"id": node_id, "label": label, "counts": rows, "total": sum(r["n"] for r in rows)}


def neighbours(store, node_id: str, types: tuple[str, ...] = (), hops: int = 1, limit: int = EXPAND_CAP) -> dict:
    """The node and its neighbours (either direction; only relationships of ``types`` when given), out to
    ``hops`` (1 or 2) and at most ``limit`` nodes, for the explorer.  A hub's neighbours beyond ``limit``
    are not read: which ones come is the store's walking order (stable for a store, not sorted by
    importance).  ``counts`` are of what came back; ``truncated`` says the store holds more (ask
    :func:`neighbour_counts` for the whole counts)."""
    unknown = sorted(set(types) - set(model.R))
    if unknown:
        raise NotFoundError(f"no relationship type {unknown[0]!r}")
    label = node_label(store, node_id)
    node = _shown(label, node_id, Q.PROPERTIES_OF.read(store, {"id": node_id})[0]["p"])
    rows = (Q.NEIGHBOURS.read(store, {"id": node_id, "types": list(types), "limit": limit + 1}, label=label)
            if label in Q.RELATED else [])
    rows.sort(key=lambda r: (r["type"], not r["out"], r["id"]))  # the first the store walked, each way
    truncated, rows = len(rows) > limit, rows[:limit]
    edges = [dict(r, src=node_id) for r in rows]
    seen = {node_id} | {r["id"] for r in rows}
    if hops > 1:
        first: dict[str, list[str]] = {}
        for r in rows:
            first.setdefault(r["label"], []).append(r["id"])
        for hop_label, ids in sorted(first.items()):
            room = limit - (len(seen) - 1)
            if room <= 0:
                truncated = True
                break
            more = Q.NEXT_HOP.read(store, {"ids": sorted(set(ids)), "seen": sorted(seen), "limit": room + 1},
                                   label=hop_label)
            for r in more:
                if r["id"] not in seen:
                    if len(seen) - 1 >= limit:
                        truncated = True
                        break
                    seen.add(r["id"])
                edges.append(r)
    counts: dict[str, int] = {}
    for edge in edges:
        counts[edge["type"]] = counts.get(edge["type"], 0) + 1
    return {**node, "node": node, "counts": dict(sorted(counts.items())), "truncated": truncated, "edges": edges}


OVERVIEW_CAP = 300  # most communities the overview shows (the largest)
OVERVIEW_LINKS = 1000  # the strongest links between the communities shown (50 communities can have 5,000)
OVERVIEW_TTL_S = 300.0  # after this, a kept overview is refreshed in the background
_overviews: dict[str, tuple[tuple, float, dict]] = {}
_overview_lock = threading.Lock()


def overview(store, limit: int = OVERVIEW_CAP) -> dict:
    """The community overview: one node per stored ``community`` (sized by its actors, with their mean
    affiliation score, state-media count and most central name) and the links between communities, counted
    per pair and type (relationships between actors; SHARED: accounts sharing what the other community's
    actors published), all aggregated in the store, never the whole graph.

    It reads every share once (seconds at 10^6), so it is kept: recomputed at once when an import changed
    the number of nodes; else served as kept and refreshed in the
    background when older than :data:`OVERVIEW_TTL_S` (so a new analysis shows within that time)."""
    key = tuple(r["c"] for r in Q.TOTALS.read(store))
    cached = _overviews.get(store.url)
    if cached and cached[0] == key:
        if time.monotonic() - cached[1] > OVERVIEW_TTL_S and _overview_lock.acquire(blocking=False):
            threading.Thread(target=_refresh_overview, args=(store, key, limit), daemon=True).start()
        return cached[2]
    with _overview_lock:  # one computation at a time: twenty clients at start wait for the first
        cached = _overviews.get(store.url)
        if not (cached and cached[0] == key):
            _overviews[store.url] = (key, time.monotonic(), _overview(store, limit))
        return _overviews[store.url][2]


def _refresh_overview(store, key: tuple, limit: int) -> None:
    try:  # holds _overview_lock, taken by overview()
        _overviews[store.url] = (key, time.monotonic(), _overview(store, limit))
    except Exception:  # noqa: BLE001 -- the kept overview stays; the next request tries again
        pass
    finally:
        _overview_lock.release()


def _overview(store, limit: int) -> dict:
    found: dict[int, dict] = {}
    for actor in model.ACTORS:
        for r in Q.COMMUNITIES.read(store, actor=actor):
            c = found.setdefault(r["community"], {"community": r["community"], "size": 0, "score_sum": 0.0,
                                                  "scored": 0, "state_media": 0, "top": r["top"]})
            c["size"] += r["size"]
            c["state_media"] += int(r["state_media"] or 0)
            if r["score"] is not None:
                c["score_sum"] += r["score"] * r["size"]
                c["scored"] += r["size"]
    ranked = sorted(found.values(), key=lambda c: (-c["size"], c["community"]))
    shown = ranked[:limit]
    for c in shown:
        c["score"] = round(c.pop("score_sum") / c["scored"], 4) if c["scored"] else None
        del c["scored"]
    kept = {c["community"] for c in shown}
    links: dict[tuple, int] = {}
    counted = [(rel, Q.COMMUNITY_LINKS.read(store, actor=actor, type=rel)) for actor in model.ACTORS
               for rel in Q.LINKED]
    counted.append((model.R.SHARED, Q.COMMUNITY_SHARES.read(store)))
    for rel, rows in counted:
            for r in rows:
                if r["src"] in kept and r["dst"] in kept:
                    links[(r["src"], r["dst"], rel)] = links.get((r["src"], r["dst"], rel), 0) + r["n"]
    strongest = sorted(links.items(), key=lambda kv: (-kv[1], kv[0]))[:OVERVIEW_LINKS]
    return {"communities": shown, "total": len(found), "actors": sum(c["size"] for c in found.values()),
            "links": [{"src": s, "dst": d, "type": t, "n": n} for (s, d, t), n in sorted(strongest)],
            "links_total": len(links)}


def community(store, community_id: int, limit: int = EXPAND_CAP) -> dict:
    """A community's most central actors (at most ``limit``), the relationships among them and which of them
    share what others of them published (SHARED, counted): the drill-down."""
    nodes = []
    for actor in model.ACTORS:
        nodes += Q.COMMUNITY_MEMBERS.read(store, {"community": community_id, "limit": limit}, actor=actor)
    if not nodes:
        raise NotFoundError(f"no community {community_id} in the store (run graphtool analyze)")
    nodes = nodes[:limit]
    ids = sorted({n["id"] for n in nodes})
    accounts = sorted({n["id"] for n in nodes if n["label"] == model.L.Account})
    shares = Q.SHARES_AMONG.read(store, {"ids": accounts, "all": ids}) if accounts else []
    return {"community": community_id, "nodes": nodes,
            "edges": view_edges(store, nodes) + [e for e in shares if e["src"] != e["dst"]]}


def view_edges(store, nodes: list[dict]) -> list[dict]:
    """The relationships among ``nodes`` (each with ``id`` and ``label``), read from the store."""
    ids = sorted({n["id"] for n in nodes})
    by_label: dict[str, list[str]] = {}
    for n in nodes:
        if n.get("label") in Q.RELATED:
            by_label.setdefault(n["label"], []).append(n["id"])
    edges = []
    for label, batch in sorted(by_label.items()):
        edges += Q.VIEW_EDGES.read(store, {"ids": sorted(set(batch)), "all": ids}, label=label)
    return edges


def view_graph(store, nodes: list[dict]):
    """The explorer's current view as a NetworkX graph, re-read from the store (what the page holds is not
    trusted): every declared property of each node, and the relationships among them, for GEXF and the map."""
    import networkx as nx

    from ..render.exports import stored_props

    G = nx.MultiDiGraph(name="explorer view")
    by_label: dict[str, list[str]] = {}
    for n in nodes:
        if n.get("label") in model.L:
            by_label.setdefault(n["label"], []).append(str(n["id"]))
    for label, ids in sorted(by_label.items()):
        keep = set(stored_props(label)) | {"name", "display_name", "title", "handle"}
        for row in Q.NODE_PROPERTIES.read(store, {"ids": sorted(set(ids))}, label=label):
            props = {k: v for k, v in row["p"].items() if k in keep and v is not None}
            G.add_node(row["id"], **props, label=label, id=row["id"])
    for e in view_edges(store, [{"id": v, "label": d["label"]} for v, d in G.nodes(data=True)]):
        G.add_edge(e["src"], e["dst"], key=e["type"], type=e["type"], weight=float(e["n"]))
    return G


def export_view(store, nodes: list[dict], fmt: str) -> tuple[bytes, str, str]:
    """The explorer's view as ``(bytes, media type, file name)``: GEXF (``gexf``) or the offline map (``map``,
    graphtool.render.maps: one self-contained HTML file)."""
    from ..render.exports import save_graph
    from ..render.maps import MapOptions, write_map

    G = view_graph(store, nodes)
    with tempfile.TemporaryDirectory() as tmp:
        if fmt == "gexf":
            return save_graph(G, Path(tmp) / "view.gexf").read_bytes(), "application/gexf+xml", "explorer-view.gexf"
        options = MapOptions(title="graphtool explorer view", budget=max(10, G.number_of_nodes() + 1))
        page = write_map(G, Path(tmp) / "view.html", options).path
        return page.read_bytes(), "text/html; charset=utf-8", "explorer-view.html"
