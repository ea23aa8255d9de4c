"""Cascade trees: from COPIES and CITES links to "who said it first, and who took it from whom".

Pure functions over plain records, so the store layer (:mod:`graphtool.analyze.cascades_store`)
and tests share them.  Each article gets at most one *parent*, the article it most likely
took the text from:

- among its ``COPIES`` originals, one it credits (an attributed COPIES: the copy says where it
  took the text from), else any; within those the most similar (Jaccard), then the highest
  containment, then the earliest (with identical text, the earliest is credited: text alone
  cannot tell it from the intermediaries);
- when it copies nothing, the earliest article it ``CITES`` (a hop that credits its source).

Text views of the trees are in :mod:`graphtool.render.text`.

Articles without a parent are *origins*; each origin roots one tree.  A hop's
``credited`` says whether the copy credits any article up its chain (an attributed COPIES or
a CITES to its parent, its parent's parent, ... the origin); ``attribution_stripped`` says
the credit was lost at this hop: the copy credits none of them, while its parent was the
origin or was itself credited.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass
class Article:
    id: str
    platform: str | None = None
    published_at: str | None = None
    published_ts: int | None = None
    title: str | None = None
    url: str | None = None
    publisher: str | None = None        # Account or Outlet id
    publisher_label: str | None = None
    publisher_name: str | None = None
    marked: bool = False                # e.g. carries the narrative being traced


@dataclass
class Link:
    """``src`` copies or cites ``dst`` (``kind`` is ``copies`` or ``cites``)."""

    src: str
    dst: str
    kind: str
    similarity: float | None = None
    containment: float | None = None
    lag_s: int | None = None
    attributed: bool | None = None
    method: str | None = None


@dataclass
class Hop:
    article: Article
    parent: str
    depth: int
    kind: str
    lag_s: int | None
    similarity: float | None
    containment: float | None
    attributed: bool
    credited: bool
    attribution_stripped: bool
    lag_from_origin_s: int | None = None


@dataclass
class Tree:
    origin: Article
    hops: list[Hop] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"origin": asdict(self.origin), "hops": [
            {**{k: v for k, v in asdict(h).items() if k != "article"}, "article": asdict(h.article)}
            for h in self.hops]}


def _order(a: Article) -> tuple:
    return (a.published_ts is None, a.published_ts if a.published_ts is not None else 0, a.id)


def choose_parents(articles: dict[str, Article], links: list[Link]) -> dict[str, Link]:
    """Each article's parent link (see the module docstring); never forms a cycle."""
    out: dict[str, list[Link]] = {}
    for link in links:
        if link.src in articles and link.dst in articles and link.src != link.dst:
            out.setdefault(link.src, []).append(link)

    def rank(link: Link) -> tuple:
        if link.kind == "copies":
            return (0 if link.attributed else 1, -(link.similarity or 0.0), -(link.containment or 0.0),
                    _order(articles[link.dst]))
        return (2, 0.0, 0.0, _order(articles[link.dst]))

    parents: dict[str, Link] = {}
    for node in sorted(out, key=lambda n: _order(articles[n])):
        for link in sorted(out[node], key=rank):
            up, seen = link.dst, {node}
            while up in parents and up not in seen:  # would the link close a loop?
                seen.add(up)
                up = parents[up].dst
            if up not in seen:
                parents[node] = link
                break
    return parents


def build_cascades(articles: dict[str, Article], links: list[Link]) -> list[Tree]:
    """The forest of cascade trees, largest first, then by origin time.

    Parameters
    ----------
    articles : dict
        id -> :class:`Article`, every article the links touch.
    links : list of Link

    Returns
    -------
    list of Tree
        Hops in depth-first order, children by publication time.

    Examples
    --------
    >>> arts = {i: Article(i, published_ts=t) for i, t in (("gt", 0), ("wx", 60), ("dy", 120))}
    >>> links = [Link("wx", "gt", "copies", 1.0, 1.0, 60, False), Link("dy", "wx", "copies", 0.9, 1.0, 60, False)]
    >>> [(h.article.id, h.parent, h.depth, h.attribution_stripped) for h in build_cascades(arts, links)[0].hops]
    [('wx', 'gt', 1, True), ('dy', 'wx', 2, False)]
    """
    parents = choose_parents(articles, links)
    children: dict[str, list[str]] = {}
    for child, link in parents.items():
        children.setdefault(link.dst, []).append(child)
    credits: dict[str, set] = {}
    for link in links:
        if link.kind == "cites" or link.attributed:
            credits.setdefault(link.src, set()).add(link.dst)

    trees = []
    for root in sorted((a for a in articles if a not in parents), key=lambda n: _order(articles[n])):
        tree = Tree(articles[root])
        credited_nodes = {root}

        def walk(node: str, depth: int, chain: set) -> None:
            for child in sorted(children.get(node, []), key=lambda n: _order(articles[n])):
                link = parents[child]
                a, p = articles[child], articles[node]
                credited = bool(credits.get(child, set()) & chain)
                if credited:
                    credited_nodes.add(child)
                lag = link.lag_s if link.lag_s is not None else (
                    a.published_ts - p.published_ts if a.published_ts is not None and p.published_ts is not None
                    else None)
                from_origin = (a.published_ts - tree.origin.published_ts
                               if a.published_ts is not None and tree.origin.published_ts is not None else None)
                tree.hops.append(Hop(a, node, depth, link.kind, lag, link.similarity, link.containment,
                                     bool(link.attributed) or link.kind == "cites", credited,
                                     not credited and node in credited_nodes, from_origin))
                walk(child, depth + 1, chain | {child})

        walk(root, 1, {root})
        trees.append(tree)
    trees.sort(key=lambda t: (-len(t.hops), _order(t.origin)))
    return trees
