"""Provenance on a store: detect copies, write COPIES, trace cascades of articles and narratives.

- :func:`detect_copies` runs the copy engine (:mod:`graphtool.analyze.copies`) over every
  Article, incrementally: each article's sketch is stored on it (``copy_sketch``, tagged with
  the engine parameters and the text digest), so a later run sketches only new or changed
  articles and compares them against everything.  Found pairs become
  ``(copy)-[:COPIES {similarity, containment, lag_s, attributed, method, run_id}]->(original)``.
- :func:`trace_article` and :func:`trace_narrative` read COPIES and CITES around articles
  and return cascade trees (:mod:`graphtool.analyze.cascades`).

All reads and writes are batched (``UNWIND $ids`` / key-range pages), in portable Cypher.
"""
from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from typing import Callable

from .. import model
from ..errors import NotFoundError
from ..store import Store
from .cascades import Article, Link, Tree, build_cascades
from .copies import (AttributionContext, CopyIndex, CopyPair, CopyParams, Doc, decode_sketches, encode_sketch,
                     keep_best_originals, sketch, sketch_is_current, verify_candidates)

ARTICLE = model.node("Article").label
ACCOUNT = model.node("Account").label
OUTLET = model.node("Outlet").label
NARRATIVE = model.node("Narrative").label
COPIES = model.rel("COPIES").type
CITES = model.rel("CITES").type
PUBLISHED = model.rel("PUBLISHED").type
CARRIES = model.rel("CARRIES").type
OUTLET_LINKS = tuple(t for t in ("OPERATED_BY", "OWNED_BY") if OUTLET in model.rel(t).targets)
SKETCH = model.node("Article").prop("copy_sketch").name
PUBLISHERS = model.rel("PUBLISHED").sources  # Account, Outlet

PAGE = 5000      # articles per listing page
BATCH = 1000     # ids per UNWIND read
WRITE = 2000     # rows per UNWIND write
VERIFY = 20000   # candidate pairs verified per chunk


def _batches(items: list, size: int):
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _digest(row: dict) -> str | None:
    """The digest a sketch is tied to: content_sha256, else one of the title; None without either."""
    if row.get("sha"):
        return row["sha"]
    if row.get("title"):
        return "t" + hashlib.sha256(row["title"].encode("utf-8")).hexdigest()
    return None


def list_articles(store: Store) -> list[dict]:
    """Every Article's id, digest inputs, time and stored sketch, page by page (sorted by id)."""
    query = (f"MATCH (a:{ARTICLE}) WHERE a.id > $after RETURN a.id AS id, a.content_sha256 AS sha, "
             f"a.title AS title, a.published_ts AS ts, a.lang AS lang, a.{SKETCH} AS sketch "
             f"ORDER BY id LIMIT $limit")
    rows, after = [], ""
    while True:
        chunk = store.read(query, {"after": after, "limit": PAGE})
        rows.extend(chunk)
        if len(chunk) < PAGE:
            return rows
        after = chunk[-1]["id"]


def read_docs(store: Store, ids: list[str]) -> dict[str, Doc]:
    """Articles as :class:`~graphtool.analyze.copies.Doc` (text, time, language, urls)."""
    out = {}
    query = (f"UNWIND $ids AS id MATCH (a:{ARTICLE} {{id: id}}) RETURN a.id AS id, a.text AS text, "
             f"a.title AS title, a.published_ts AS ts, a.lang AS lang, a.url AS url, a.urls AS urls")
    for batch in _batches(ids, BATCH):
        for r in store.read(query, {"ids": batch}):
            out[r["id"]] = Doc(r["id"], r["text"] if isinstance(r["text"], str) else None,
                               int(r["ts"]) if r["ts"] is not None else None, r["lang"], r["title"], r["url"],
                               [u for u in r["urls"] or [] if isinstance(u, str)])
    return out


def _host(url: str | None) -> str | None:
    if not url:
        return None
    rest = url.split("://", 1)[-1]
    host = rest.split("/", 1)[0].lower().removeprefix("www.")
    return host or None


def attribution_context(store: Store, ids: list[str]) -> AttributionContext:
    """Citations from, and outlet names of, the given articles.

    An article's names are those of the Outlet that published it, or of the Account that did
    (its display name) and of any Outlet that operates or owns that account; an outlet's
    web host counts as a name too.
    """
    ctx = AttributionContext()
    names: dict[str, set] = {}

    def add(article_id, *values):
        names.setdefault(article_id, set()).update(v for v in values if isinstance(v, str) and v.strip())

    for batch in _batches(ids, BATCH):
        for r in store.read(f"UNWIND $ids AS id MATCH (a:{ARTICLE} {{id: id}})-[:{CITES}]->(b:{ARTICLE}) "
                            f"RETURN a.id AS src, b.id AS dst", {"ids": batch}):
            ctx.cites.add((r["src"], r["dst"]))
        for r in store.read(f"UNWIND $ids AS id MATCH (o:{OUTLET})-[:{PUBLISHED}]->(a:{ARTICLE} {{id: id}}) "
                            f"RETURN a.id AS id, o.name AS name, o.url AS url", {"ids": batch}):
            add(r["id"], r["name"], _host(r["url"]))
        for r in store.read(f"UNWIND $ids AS id MATCH (p:{ACCOUNT})-[:{PUBLISHED}]->(a:{ARTICLE} {{id: id}}) "
                            f"RETURN a.id AS id, p.display_name AS name", {"ids": batch}):
            add(r["id"], r["name"])
        for rel in OUTLET_LINKS:
            for r in store.read(f"UNWIND $ids AS id MATCH (p:{ACCOUNT})-[:{PUBLISHED}]->(a:{ARTICLE} {{id: id}}) "
                                f"MATCH (p)-[:{rel}]->(o:{OUTLET}) RETURN a.id AS id, o.name AS name, o.url AS url",
                                {"ids": batch}):
                add(r["id"], r["name"], _host(r["url"]))
    ctx.names = {k: sorted(v) for k, v in names.items()}
    return ctx


def write_copies(store: Store, pairs: list[CopyPair], run_id: str) -> int:
    """MERGE one COPIES per pair (copy -> original), properties replaced by this run's."""
    query = (f"UNWIND $rows AS row MATCH (a:{ARTICLE} {{id: row.copy}}) MATCH (b:{ARTICLE} {{id: row.original}}) "
             f"MERGE (a)-[r:{COPIES}]->(b) SET r.lag_s = null SET r += row.props")
    rows = [{"copy": p.copy, "original": p.original, "props": p.props(run_id)} for p in pairs]
    for chunk in _batches(rows, WRITE):
        store.run(query, {"rows": chunk})
    return len(rows)


def _write_sketches(store: Store, rows: list[dict]) -> None:
    query = f"UNWIND $rows AS row MATCH (a:{ARTICLE} {{id: row.id}}) SET a.{SKETCH} = row.sketch"
    for chunk in _batches(rows, WRITE):
        store.run(query, {"rows": chunk})


def _drop_copies(store: Store, ids: list[str]) -> None:
    for batch in _batches(ids, BATCH):
        store.run(f"UNWIND $ids AS id MATCH (a:{ARTICLE} {{id: id}})-[r:{COPIES}]-() DELETE r", {"ids": batch})


@dataclass
class CopyRun:
    """What one :func:`detect_copies` run did."""

    run_id: str
    articles: int = 0         # articles in the store
    sketched: int = 0         # sketched in this run (new or changed)
    reused: int = 0           # whose stored sketch was current
    no_text: list = field(default_factory=list)     # neither text nor title
    too_short: list = field(default_factory=list)   # fewer tokens than min_tokens: not compared
    candidates: int = 0
    pairs: list = field(default_factory=list)       # CopyPair written by this run
    ties: int = 0
    undirected: list = field(default_factory=list)  # (id, id, containment): overlapping, both undated
    undated_copies: int = 0   # copies without a timestamp (lag unknown; never origins)
    seconds: float = 0.0

    def as_dict(self) -> dict:
        return {"run_id": self.run_id, "articles": self.articles, "sketched": self.sketched, "reused": self.reused,
                "no_text": len(self.no_text), "too_short": len(self.too_short), "candidates": self.candidates,
                "copies": len(self.pairs), "attributed": sum(p.attributed for p in self.pairs),
                "unattributed": sum(not p.attributed for p in self.pairs), "ties": self.ties,
                "undated_copies": self.undated_copies, "undirected": len(self.undirected),
                "seconds": round(self.seconds, 3)}


def detect_copies(store: Store, params: CopyParams | None = None, *, full: bool = False, run_id: str | None = None,
                  write: bool = True, progress: Callable[[str], None] | None = None) -> CopyRun:
    """Find copies among the store's Articles and write them as COPIES.

    Parameters
    ----------
    store : Store
    params : CopyParams, optional
    full : bool
        Forget stored sketches and COPIES and compare everything again.
    run_id : str, optional
        Stamped on the COPIES written (default ``copies-<UTC time>``).
    write : bool
        Store sketches and COPIES (default) or only report.
    progress : callable, optional
        Called with a short line per stage.

    Returns
    -------
    CopyRun
        Only pairs involving an article sketched in this run are found and written; pairs
        among articles compared before are already in the store.
    """
    started = time.perf_counter()
    params = params or CopyParams()
    say = progress or (lambda line: None)
    run = CopyRun(run_id or f"copies-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}")
    rows = list_articles(store)
    run.articles = len(rows)
    old, new, stale = [], [], []
    for r in rows:
        digest = _digest(r)
        if digest is None:
            run.no_text.append(r["id"])
        elif not full and sketch_is_current(r["sketch"], params, digest):
            old.append(r)
        else:
            new.append((r, digest))
            if r["sketch"] is not None:
                stale.append(r["id"])
    run.reused = len(old)
    say(f"{len(rows):,} articles: {len(old):,} sketched before, {len(new):,} to sketch")

    index = CopyIndex(params)
    if old:
        index.add([r["id"] for r in old], [r["ts"] for r in old], decode_sketches([r["sketch"] for r in old], params))
    index.n_indexed = len(index)
    sketch_rows = []
    for chunk in _batches(new, BATCH):
        docs = read_docs(store, [r["id"] for r, _ in chunk])
        texts = [(docs[r["id"]].text or docs[r["id"]].title or "") for r, _ in chunk]
        sk, _ = sketch(texts, [docs[r["id"]].lang for r, _ in chunk], params)
        index.add([r["id"] for r, _ in chunk], [docs[r["id"]].published_ts for r, _ in chunk], sk)
        for j, (r, digest) in enumerate(chunk):
            sketch_rows.append({"id": r["id"], "sketch": encode_sketch(sk, j, params, digest)})
            if sk.short[j]:
                run.too_short.append(r["id"])
    run.sketched = len(new)

    cands = index.candidates()
    run.candidates = len(cands)
    say(f"{len(cands):,} candidate pairs")
    pairs, ts = [], {}
    char_mode = index.sketches().char_mode
    for chunk in cands.chunks(VERIFY):  # texts of a chunk's articles only: bounded memory on big stores
        positions = chunk.positions()
        ids = [index.ids[i] for i in positions]
        by_id = read_docs(store, ids)
        docs = {i: by_id.get(index.ids[i]) or Doc(index.ids[i], None) for i in positions}  # deleted meanwhile
        found, undirected, ties = verify_candidates(chunk, docs, params, attribution_context(store, ids),
                                                    char_mode=char_mode)
        pairs += found
        run.undirected += undirected
        run.ties += ties
        ts.update({d.id: d.published_ts for d in docs.values()})
    run.pairs = keep_best_originals(pairs, params.max_originals, ts)
    run.undated_copies = sum(p.lag_s is None for p in run.pairs)
    if write:
        if full:
            store.run(f"MATCH ()-[r:{COPIES}]->() DELETE r")
        elif stale:
            _drop_copies(store, stale)  # their text changed: what they copied may have too
        write_copies(store, run.pairs, run.run_id)
        _write_sketches(store, sketch_rows)
    run.seconds = time.perf_counter() - started
    say(f"{len(run.pairs):,} copies ({sum(not p.attributed for p in run.pairs):,} without attribution)")
    return run


# --------------------------------------------------------------------------------------------
# Cascades
# --------------------------------------------------------------------------------------------

def read_articles(store: Store, ids: list[str]) -> dict[str, Article]:
    """Articles with their publisher (Account or Outlet) for display."""
    out: dict[str, Article] = {}
    for batch in _batches(ids, BATCH):
        for r in store.read(f"UNWIND $ids AS id MATCH (a:{ARTICLE} {{id: id}}) RETURN a.id AS id, "
                            f"a.platform AS platform, a.published_at AS at, a.published_ts AS ts, a.title AS title, "
                            f"a.url AS url", {"ids": batch}):
            out[r["id"]] = Article(r["id"], r["platform"], r["at"], int(r["ts"]) if r["ts"] is not None else None,
                                   r["title"], r["url"])
        for label in PUBLISHERS:
            name = "p.name" if model.node(label).prop("name") else "p.display_name"
            rows = store.read(f"UNWIND $ids AS id MATCH (p:{label})-[:{PUBLISHED}]->(a:{ARTICLE} {{id: id}}) "
                              f"RETURN a.id AS id, p.id AS pid, {name} AS name ORDER BY pid", {"ids": batch})
            for r in rows:
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
        for batch in _batches(sorted(frontier), BATCH):
            for kind, rel in (("copies", COPIES), ("cites", CITES)):
                props = ("r.similarity AS similarity, r.containment AS containment, r.lag_s AS lag_s, "
                         "r.attributed AS attributed, r.method AS method" if kind == "copies" else
                         "null AS similarity, null AS containment, null AS lag_s, true AS attributed, null AS method")
                for pattern in (f"(a:{ARTICLE} {{id: id}})-[r:{rel}]->(b:{ARTICLE})",
                                f"(a:{ARTICLE})-[r:{rel}]->(b:{ARTICLE} {{id: id}})"):
                    for r in store.read(f"UNWIND $ids AS id MATCH {pattern} RETURN a.id AS src, b.id AS dst, {props}",
                                        {"ids": batch}):
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
    if not store.read(f"MATCH (a:{ARTICLE} {{id: $id}}) RETURN a.id AS id", {"id": article_id}):
        raise NotFoundError(f"no Article with id {article_id!r}")
    ids, links = read_links(store, [article_id])
    articles = read_articles(store, sorted(ids))
    articles[article_id].marked = True
    trees = [t for t in build_cascades(articles, links)
             if t.origin.id == article_id or any(h.article.id == article_id for h in t.hops)]
    return Trace(trees, article=article_id)


def narrative_articles(store: Store, narrative_id: str) -> tuple[str | None, list[str]]:
    rows = store.read(f"MATCH (n:{NARRATIVE} {{id: $id}}) RETURN n.name AS name", {"id": narrative_id})
    if not rows:
        raise NotFoundError(f"no Narrative with id {narrative_id!r}")
    carried = store.read(f"MATCH (a:{ARTICLE})-[:{CARRIES}]->(n:{NARRATIVE} {{id: $id}}) RETURN DISTINCT a.id AS id "
                         f"ORDER BY id", {"id": narrative_id})
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


__all__ = ["detect_copies", "CopyRun", "write_copies", "attribution_context", "read_docs", "list_articles",
           "trace_article", "trace_narrative", "Trace", "read_links", "read_articles", "narrative_articles"]


def demo_step(ctx) -> list[str]:
    """``graphtool demo``: detect copies, trace each narrative's cascade, write its timeline."""
    import json
    import re

    from .cascades import format_lag, render_tree
    from .timeline import build_timeline
    from ..render.timeline import write_timeline

    run = detect_copies(ctx.store)
    ctx.results["copies"] = run
    s = run.as_dict()
    lines = [f"copy detection: {s['articles']:,} articles, {s['candidates']:,} candidate pairs, {s['copies']:,} copies "
             f"({s['unattributed']:,} without attribution) in {s['seconds']:.1f} s"]
    answers = ctx.case_dir / "answers.json"
    if answers.exists():
        planted = json.loads(answers.read_text(encoding="utf-8")).get("copy_pairs", [])
        found = {(p.copy, p.original): p.attributed for p in run.pairs}
        right = sum(found.get((p["copy"], p["original"])) == p["attributed"] for p in planted)
        lines.append(f"planted copy pairs found with the right direction and credit: {right}/{len(planted)}")
    narratives = ctx.store.read(f"MATCH (n:{NARRATIVE}) RETURN n.id AS id ORDER BY id")
    out = ctx.out / "timelines"
    shown: dict = {}  # origin id -> narrative whose trace printed that cascade
    for row in narratives:
        trace = trace_narrative(ctx.store, row["id"])
        f = trace.first
        lines.append("")
        lines.append(f"narrative {row['id']}: {trace.narrative_name}")
        if f:
            lines.append(f"  first appearance {f.published_at} on {f.platform} by {f.publisher} ({f.id})")
        cascades = [t for t in trace.trees if t.hops]
        if cascades:
            tree = cascades[0]
            stripped = sum(h.attribution_stripped for h in tree.hops)
            carriers = sum(h.article.marked for h in tree.hops) + tree.origin.marked
            lines.append(f"  largest cascade: {len(tree.hops) + 1} articles ({carriers} carry the narrative, *), "
                         f"attribution stripped at {stripped} hops, last "
                         f"{format_lag(max(h.lag_from_origin_s or 0 for h in tree.hops))} after the origin")
            if tree.origin.id in shown:
                lines.append(f"    the same cascade as {shown[tree.origin.id]}'s, from {tree.origin.id}: the narrative "
                             f"was added by copies of that text")
                tree_lines = []
            else:
                shown[tree.origin.id] = row["id"]
                tree_lines = render_tree(tree)
            lines += [f"    {line}" for line in tree_lines[:12]]
            if len(tree_lines) > 12:
                lines.append(f"    … {len(tree_lines) - 12} more hops (graphtool trace --narrative {row['id']})")
        tl = build_timeline(ctx.store, row["id"])
        slug = re.sub(r"[^A-Za-z0-9._-]+", "-", row["id"]).strip("-")
        written = write_timeline(tl, out / f"{slug}.png")
        platforms = ", ".join(f"{x['platform']} {x['at'][5:16]}" for x in tl.first[:6])
        lines.append(f"  first on each platform: {platforms}{' …' if len(tl.first) > 6 else ''}")
        for e in tl.alignment:
            hot = e["bursts"][0] if e["bursts"] else None
            who = f"; burst {hot['start'][5:16]} driven by {hot['accounts'][0]['account']}" if hot and hot["accounts"] else ""
            lines.append(f"  {e['kind'] or 'event'} {e['at'][:16]}: {e['before']} -> {e['after']} in the day before/after{who}")
        lines.append(f"  timeline: {written[0]} and {written[1].name}")
    return lines
