"""Cascades on a store: read COPIES and CITES around articles, return cascade trees.

:func:`trace_article` and :func:`trace_narrative` read the links (written by
:mod:`graphtool.analyze.copies_store` and the loaders) around articles and build the trees
with the pure :mod:`graphtool.analyze.cascades`.  Reads are batched (``UNWIND $ids``), in
portable Cypher.
"""
from __future__ import annotations

from dataclasses import dataclass

from .. import internal_queries as Q
from .. import model
from ..errors import NotFoundError
from ..store import Store
from .batching import batches
from .cascades import Article, Link, Tree, build_cascades

PUBLISHERS = model.rel("PUBLISHED").sources  # Account, Outlet

BATCH = 1000     # ids per UNWIND read



def read_articles(store: Store, ids: list[str]) -> dict[str, Article]:
    """Articles with their publisher (Account or Outlet) for display."""
    out: dict[str, Article] = {}
    for batch in batches(ids, BATCH):
        for r in Q.ARTICLES.read(store, {"ids": batch}):
            out[r["id"]] = Article(r["id"], r["platform"], r["at"], int(r["ts"]) if r["ts"] is not None else None,
                                   r["title"], r["url"])
        for label in PUBLISHERS:
            for r in Q.PUBLISHERS_OF.read(store, {"ids": batch}, publisher=label):
                a = out.get(r["id"])
                if a is not None and a.publisher is None:
                    a.publisher, a.publisher_label, a.publisher_name = r["pid"], label, r["name"]
    return out


def read_links(store: Store, seeds: list[str], limit: int = 20000) -> tuple[set, list[Link]]:
    """Articles connected to ``seeds`` by COPIES or CITES (either direction), and the links."""
    seen, frontier = set(seeds), list(seeds)
    links: dict[tuple, Link] = {}
    while frontier and len(seen) < limit:
        found = set()
        for batch in batches(sorted(frontier), BATCH):
            for kind, directions in (("copies", (Q.COPIES_FROM, Q.COPIES_TO)), ("cites", (Q.CITES_FROM, Q.CITES_TO))):
                for links_of in directions:
                    for r in links_of.read(store, {"ids": batch}):
                        key = (r["src"], r["dst"], kind)
                        if key not in links:
                            links[key] = Link(r["src"], r["dst"], kind, r["similarity"], r["containment"],
                                              r["lag_s"], r["attributed"], r["method"])
                        found.update((r["src"], r["dst"]))
        frontier = sorted(found - seen)
        seen |= found
    return seen, [links[k] for k in sorted(links)]


@dataclass
class Trace:
    """Cascade trees around an article or a narrative."""

    trees: list[Tree]
    article: str | None = None
    narrative: str | None = None
    narrative_name: str | None = None
    first: Article | None = None  # the earliest article carrying the narrative

    def as_dict(self) -> dict:
        from dataclasses import asdict

        return {"article": self.article, "narrative": self.narrative, "narrative_name": self.narrative_name,
                "first": asdict(self.first) if self.first else None,
                "trees": [t.as_dict() for t in self.trees]}


def trace_article(store: Store, article_id: str) -> Trace:
    """The cascade tree an article belongs to, from its origin down."""
    if not Q.ARTICLE_EXISTS.read(store, {"id": article_id}):
        raise NotFoundError(f"no Article with id {article_id!r}")
    ids, links = read_links(store, [article_id])
    articles = read_articles(store, sorted(ids))
    articles[article_id].marked = True
    trees = [t for t in build_cascades(articles, links)
             if t.origin.id == article_id or any(h.article.id == article_id for h in t.hops)]
    return Trace(trees, article=article_id)


def narrative_articles(store: Store, narrative_id: str) -> tuple[str | None, list[str]]:
    rows = Q.NARRATIVE_NAME.read(store, {"id": narrative_id})
    if not rows:
        raise NotFoundError(f"no Narrative with id {narrative_id!r}")
    carried = Q.NARRATIVE_ARTICLES.read(store, {"id": narrative_id})
    return rows[0]["name"], [r["id"] for r in carried]


def trace_narrative(store: Store, narrative_id: str) -> Trace:
    """Cascade trees of every article carrying a narrative (and the originals they copy)."""
    name, carried = narrative_articles(store, narrative_id)
    ids, links = read_links(store, carried) if carried else (set(), [])
    articles = read_articles(store, sorted(ids | set(carried)))
    for a in carried:
        if a in articles:
            articles[a].marked = True
    trees = build_cascades(articles, links)
    marked = [articles[a] for a in carried if a in articles]
    first = min(marked, key=lambda a: (a.published_ts is None, a.published_ts or 0, a.id)) if marked else None
    return Trace(trees, narrative=narrative_id, narrative_name=name, first=first)


__all__ = ["trace_article", "trace_narrative", "Trace", "read_links", "read_articles", "narrative_articles"]
