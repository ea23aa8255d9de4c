"""Copy detection on a store: sketch every Article, find copies, write COPIES.

:func:`detect_copies` runs the copy engine (:mod:`graphtool.analyze.copies`) over every
Article, incrementally: each article's sketch is stored on it (``copy_sketch``, tagged with
the engine parameters and the text digest), so a later run sketches only new or changed
articles and compares them against everything.  Found pairs become
``(copy)-[:COPIES {similarity, containment, lag_s, attributed, method, basis, run_id}]->(original)``,
one per original the copy derives from: copies of one original are not joined to each other
(:mod:`graphtool.analyze.copies.lineage`).
Cascades over the COPIES written here are traced by :mod:`graphtool.analyze.cascades_store`.

All reads and writes are batched (``UNWIND $ids`` / key-range pages), in portable Cypher.
"""
from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from typing import Callable

from .. import internal_queries as Q
from ..progress import progress_bar
from ..store import Store
from .batching import batches
from .copies import (AttributionContext, CopyIndex, CopyPair, CopyParams, Doc, decode_sketches, detect,
                     encode_sketch, sketch, sketch_is_current)

OUTLET_LINKS = Q.RUNNING_OUTLET_NAMES.slots["link"]  # OPERATED_BY, OWNED_BY

PAGE = 5000      # articles per listing page
BATCH = 1000     # ids per UNWIND read
WRITE = 2000     # rows per UNWIND write



def _digest(row: dict) -> str | None:
    """The digest a sketch is tied to: content_sha256, else one of the title; None without either."""
    if row.get("sha"):
        return row["sha"]
    if row.get("title"):
        return "t" + hashlib.sha256(row["title"].encode("utf-8")).hexdigest()
    return None


def list_articles(store: Store) -> list[dict]:
    """Every Article's id, digest inputs, time and stored sketch, page by page (sorted by id)."""
    rows, after = [], ""
    while True:
        chunk = Q.ARTICLE_PAGE.read(store, {"after": after, "limit": PAGE})
        rows.extend(chunk)
        if len(chunk) < PAGE:
            return rows
        after = chunk[-1]["id"]


def read_docs(store: Store, ids: list[str]) -> dict[str, Doc]:
    """Articles as :class:`~graphtool.analyze.copies.Doc` (text, time, language, urls)."""
    out = {}
    for batch in batches(ids, BATCH):
        for r in Q.ARTICLE_DOCS.read(store, {"ids": batch}):
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

    for batch in batches(ids, BATCH):
        for r in Q.CITATIONS.read(store, {"ids": batch}):
            ctx.cites.add((r["src"], r["dst"]))
        for r in Q.OUTLET_NAMES.read(store, {"ids": batch}):
            add(r["id"], r["name"], _host(r["url"]))
        for r in Q.ACCOUNT_PUBLISHER_NAMES.read(store, {"ids": batch}):
            add(r["id"], r["name"])
        for rel in OUTLET_LINKS:
            for r in Q.RUNNING_OUTLET_NAMES.read(store, {"ids": batch}, link=rel):
                add(r["id"], r["name"], _host(r["url"]))
    ctx.names = {k: sorted(v) for k, v in names.items()}
    return ctx


def write_copies(store: Store, pairs: list[CopyPair], run_id: str) -> int:
    """MERGE one COPIES per pair (copy -> original), properties replaced by this run's."""
    rows = [{"copy": p.copy, "original": p.original, "props": p.props(run_id)} for p in pairs]
    for chunk in batches(rows, WRITE):
        Q.WRITE_COPIES.run(store, {"rows": chunk})
    return len(rows)


def stored_sources(store: Store, ids: list[str]) -> dict[str, set]:
    """The originals the store's COPIES give each article (an earlier run's)."""
    out: dict[str, set] = {}
    for batch in batches(ids, BATCH):
        for r in Q.STORED_COPIES.read(store, {"ids": batch}):
            out.setdefault(r["copy"], set()).add(r["original"])
    return out


def _retract(store: Store, pairs: list[tuple[str, str]]) -> None:
    rows = [{"copy": c, "original": o} for c, o in pairs]
    for chunk in batches(rows, WRITE):
        Q.RETRACT_COPIES.run(store, {"rows": chunk})


def _write_sketches(store: Store, rows: list[dict]) -> None:
    for chunk in batches(rows, WRITE):
        Q.WRITE_SKETCHES.run(store, {"rows": chunk})


def _drop_copies(store: Store, ids: list[str]) -> None:
    for batch in batches(ids, BATCH):
        Q.DROP_COPIES_OF.run(store, {"ids": batch})


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
    siblings: int = 0         # verified pairs not written: copies of one original (or of one through another)
    retracted: list = field(default_factory=list)  # (copy, original) COPIES of earlier runs deleted: now siblings
    undirected: list = field(default_factory=list)  # (id, id, containment): overlapping, both undated
    undated_copies: int = 0   # copies without a timestamp (lag unknown; never origins)
    seconds: float = 0.0

    def as_dict(self) -> dict:
        return {"run_id": self.run_id, "articles": self.articles, "sketched": self.sketched, "reused": self.reused,
                "no_text": len(self.no_text), "too_short": len(self.too_short), "candidates": self.candidates,
                "copies": len(self.pairs), "attributed": sum(p.attributed for p in self.pairs),
                "unattributed": sum(not p.attributed for p in self.pairs), "ties": self.ties,
                "siblings": self.siblings, "retracted": len(self.retracted),
                "undated_copies": self.undated_copies, "undirected": len(self.undirected),
                "seconds": round(self.seconds, 3)}


def detect_copies(store: Store, params: CopyParams | None = None, *, full: bool = False, run_id: str | None = None,
                  write: bool = True, progress: Callable[[str], None] | None = None,
                  show: bool | None = None) -> CopyRun:
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
    show : bool, optional
        Show progress bars with totals (stderr); default: when stderr is a terminal.

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

    with progress_bar(show) as bar:
        index = CopyIndex(params)
        if old:
            index.add([r["id"] for r in old], [r["ts"] for r in old], decode_sketches([r["sketch"] for r in old], params))
        index.n_indexed = len(index)
        sketch_rows = []
        sketching = bar.task("sketching", total=len(new), unit="articles")
        for chunk in batches(new, BATCH):
            docs = read_docs(store, [r["id"] for r, _ in chunk])
            texts = [(docs[r["id"]].text or docs[r["id"]].title or "") for r, _ in chunk]
            sk, _ = sketch(texts, [docs[r["id"]].lang for r, _ in chunk], params)
            index.add([r["id"] for r, _ in chunk], [docs[r["id"]].published_ts for r, _ in chunk], sk)
            for j, (r, digest) in enumerate(chunk):
                sketch_rows.append({"id": r["id"], "sketch": encode_sketch(sk, j, params, digest)})
                if sk.short[j]:
                    run.too_short.append(r["id"])
            sketching.advance(len(chunk))
        run.sketched = len(new)
        verifying = bar.task("verifying", unit="pairs")

        def candidates(n: int) -> None:
            verifying.total(n)
            say(f"{n:,} candidate pairs")

        def chunk_docs(positions: list[int]) -> dict[int, Doc]:  # texts of one chunk only: bounded memory on big stores
            by_id = read_docs(store, [index.ids[i] for i in positions])
            return {i: by_id.get(index.ids[i]) or Doc(index.ids[i], None) for i in positions}  # deleted meanwhile

        redone = {r["id"] for r, _ in new}  # their pairs are all in this run; stored COPIES of them are stale

        def stored(ids: list[str]) -> dict[str, set]:
            ask = [] if full else [i for i in ids if i not in redone]
            return stored_sources(store, ask) if ask else {}

        found = detect(index, chunk_docs, lambda ids: attribution_context(store, ids), on_candidates=candidates,
                       on_verified=verifying.advance, stored=stored)
        run.candidates, run.undirected, run.ties, run.pairs = found.candidates, found.undirected, found.ties, found.pairs
        run.siblings, run.retracted = found.siblings, found.retracted
    run.undated_copies = sum(p.lag_s is None for p in run.pairs)
    if write:
        if full:
            Q.DROP_ALL_COPIES.run(store)
        elif stale:
            _drop_copies(store, stale)  # their text changed: what they copied may have too
        _retract(store, run.retracted)
        write_copies(store, run.pairs, run.run_id)
        _write_sketches(store, sketch_rows)
    run.seconds = time.perf_counter() - started
    say(f"{len(run.pairs):,} copies ({sum(not p.attributed for p in run.pairs):,} without attribution)")
    return run


__all__ = ["detect_copies", "CopyRun", "write_copies", "attribution_context", "read_docs", "list_articles",
           "stored_sources"]
