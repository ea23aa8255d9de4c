"""What the pages show, read from the store: retrieval only (the analyses wrote their results there).

Canned queries are used where one answers the question (search, ownership-chain,
coordinated-pairs, narrative-first-appearance); the rest is a few plain reads with labels
from :mod:`graphtool.model`.  Every function takes the store and returns plain data.
"""
from __future__ import annotations

import tempfile
from pathlib import Path

from .. import model
from ..analyze.scores_store import explain
from ..errors import NotFoundError
from ..queries import get_query, run_query

ACCOUNT, OUTLET, ARTICLE, NARRATIVE = (model.node(n).label for n in ("Account", "Outlet", "Article", "Narrative"))
IDENTIFIER = model.node("Identifier").label
PUBLISHED, COPIES, CARRIES = (model.rel(r).type for r in ("PUBLISHED", "COPIES", "CARRIES"))
IDENTIFIES = model.rel("IDENTIFIES").type
KINDS = ("Account", "Outlet", "Organization", "Person", "Narrative", "Event", "Article")  # result groups, in order
SEARCH_LIMIT = 50
EXPAND_CAP = 500  # most nodes one expansion returns


def _canned(store, name: str, **params) -> list[dict]:
    return run_query(store, get_query(name), params, from_text=False).rows


def _rank(needle: str, row: dict) -> tuple:
    """Exact id/name first, then names that start with the text, then the rest; by name within."""
    names = [str(row.get(k) or "").lower() for k in ("id", "name")]
    return (0 if needle in names else 1 if any(n.startswith(needle) for n in names) else 2,
            str(row.get("name") or row.get("id")))


def search(store, text: str, limit: int = SEARCH_LIMIT) -> dict[str, list[dict]]:
    """Everything the text names, grouped by kind (in :data:`KINDS` order) and ranked.

    Names, handles and ids via the canned ``search`` query; identifiers a source used (a numeric
    id, an old handle); articles by title, text or URL.  Case-insensitive; Chinese as written.
    """
    text = text.strip()
    if not text:
        return {}
    needle = text.lower()
    rows = _canned(store, "search", text=text, limit=limit)
    rows += store.read(
        f"MATCH (i:{IDENTIFIER})-[:{IDENTIFIES}]->(a:{ACCOUNT}) WHERE toLower(i.id) CONTAINS $needle "
        f"RETURN DISTINCT 'Account' AS label, a.id AS id, coalesce(a.display_name, a.handle) AS name, "
        f"a.platform AS platform LIMIT $limit", {"needle": needle, "limit": limit})
    rows += store.read(
        f"MATCH (a:{ACCOUNT}) WHERE toLower(coalesce(a.url, '')) CONTAINS $needle "
        f"RETURN 'Account' AS label, a.id AS id, coalesce(a.display_name, a.handle) AS name, "
        f"a.platform AS platform LIMIT $limit", {"needle": needle, "limit": limit})
    rows += store.read(
        f"MATCH (a:{ARTICLE}) WHERE toLower(coalesce(a.title, '')) CONTAINS $needle "
        f"OR toLower(coalesce(a.text, '')) CONTAINS $needle OR toLower(coalesce(a.url, '')) CONTAINS $needle "
        f"RETURN 'Article' AS label, a.id AS id, coalesce(a.title, a.url, a.id) AS name, a.platform AS platform "
        f"ORDER BY a.published_ts, a.id LIMIT $limit", {"needle": needle, "limit": limit})
    groups: dict[str, dict[str, dict]] = {}
    for row in rows:
        groups.setdefault(row["label"], {}).setdefault(row["id"], row)
    order = {k: i for i, k in enumerate(KINDS)}
    return {label: sorted(found.values(), key=lambda r: _rank(needle, r))[:limit]
            for label, found in sorted(groups.items(), key=lambda kv: order.get(kv[0], len(KINDS)))}


def node_label(store, node_id: str) -> str:
    rows = store.read("MATCH (n {id: $id}) RETURN labels(n)[0] AS label LIMIT 1", {"id": node_id})
    if not rows:
        raise NotFoundError(f"nothing with id {node_id!r} in the store")
    return rows[0]["label"]


def _copies(store, label: str, node_id: str, outgoing: bool) -> list[dict]:
    """Copies of this actor's articles by others (``outgoing`` False), or its copies of others' articles."""
    mine, theirs = ("copy", "original") if outgoing else ("original", "copy")
    return store.read(
        f"MATCH (me:{label} {{id: $id}})-[:{PUBLISHED}]->({mine}:{ARTICLE}) "
        f"MATCH (copy)-[c:{COPIES}]->(original) WHERE {theirs}:{ARTICLE} "
        f"OPTIONAL MATCH (who)-[:{PUBLISHED}]->({theirs}) "
        f"RETURN {mine}.id AS mine, {mine}.title AS mine_title, {theirs}.id AS other, {theirs}.title AS other_title, "
        f"collect(DISTINCT who.id) AS other_publishers, c.containment AS containment, c.lag_s AS lag_s, "
        f"c.attributed AS attributed ORDER BY mine, other LIMIT 200", {"id": node_id})


def entity(store, node_id: str) -> dict:
    """An Account's or Outlet's page: properties, scores and reasons (explain), identifiers,
    ownership chain, copies in and out, coordination partners."""
    label = node_label(store, node_id)
    props = store.read("MATCH (n {id: $id}) RETURN properties(n) AS p LIMIT 1", {"id": node_id})[0]["p"]
    page = {"label": label, "id": node_id, "props": dict(sorted(props.items())), "scores": None,
            "ownership": [], "copies_of_mine": [], "my_copies": [], "partners": []}
    if label in (ACCOUNT, OUTLET):
        page["scores"] = explain(store, node_id)[0]
        page["ownership"] = _canned(store, "ownership-chain", id=node_id)
        page["copies_of_mine"] = _copies(store, label, node_id, outgoing=False)
        page["my_copies"] = _copies(store, label, node_id, outgoing=True)
    if label == ACCOUNT:
        page["partners"] = _canned(store, "coordinated-pairs", account=node_id)
    return page


def narrative(store, narrative_id: str) -> dict:
    if node_label(store, narrative_id) != NARRATIVE:
        raise NotFoundError(f"{narrative_id!r} is not a Narrative")
    name = store.read(f"MATCH (n:{NARRATIVE} {{id: $id}}) RETURN n.name AS name", {"id": narrative_id})[0]["name"]
    return {"id": narrative_id, "name": name or narrative_id,
            "first": _canned(store, "narrative-first-appearance", narrative=narrative_id)}


def timeline_svg(store, narrative_id: str) -> bytes:
    """The narrative's timeline figure (graphtool.render.timeline) as SVG."""
    from ..analyze.timeline_store import build_timeline
    from ..render.timeline import write_figure

    tl = build_timeline(store, narrative_id)
    with tempfile.TemporaryDirectory() as tmp:
        return write_figure(tl, Path(tmp) / "timeline.svg").read_bytes()


def neighbours(store, node_id: str, limit: int = EXPAND_CAP) -> dict:
    """The node and its neighbours (either direction), at most ``limit`` of them, for the explorer."""
    node_label(store, node_id)
    rows = store.read("MATCH (n {id: $id})-[r]-(m) RETURN type(r) AS type, startNode(r) = n AS out, m.id AS id, "
                      "labels(m)[0] AS label, coalesce(m.name, m.display_name, m.title, m.handle, m.id) AS name "
                      "ORDER BY id, type LIMIT $limit", {"id": node_id, "limit": limit + 1})
    return {"id": node_id, "truncated": len(rows) > limit, "edges": rows[:limit]}
