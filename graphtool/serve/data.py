"""What the pages show, read from the store: retrieval only (the analyses wrote their results there).

Canned queries are used where one answers the question (search, ownership-chain,
coordinated-pairs, narrative-first-appearance); the rest is a few plain reads with labels
from :mod:`graphtool.model`.  Every function takes the store and returns plain data.
"""
from __future__ import annotations

import tempfile
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


@lru_cache(maxsize=None)
def _query(name: str):
    """A canned query, parsed and checked once per process (get_query reads every file each time)."""
    return get_query(name)


def _canned(store, name: str, **params) -> list[dict]:
    return run_query(store, _query(name), params, from_text=False).rows


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
        page["partners"] = _canned(store, "coordinated-pairs", account=node_id)
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


def neighbours(store, node_id: str, limit: int = EXPAND_CAP) -> dict:
    """The node, its neighbours (either direction; at most ``limit``) and how many by relationship type
    (counted on what came back: ``truncated`` says there are more), for the explorer."""
    label = node_label(store, node_id)
    props = Q.PROPERTIES_OF.read(store, {"id": node_id})[0]["p"]
    rows = Q.NEIGHBOURS.read(store, {"id": node_id, "limit": limit + 1})
    truncated, rows = len(rows) > limit, rows[:limit]
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["type"]] = counts.get(row["type"], 0) + 1
    name = next((props[k] for k in ("name", "display_name", "title", "handle") if props.get(k)), node_id)
    return {"id": node_id, "label": label, "name": name, "counts": dict(sorted(counts.items())),
            "truncated": truncated, "edges": rows}
