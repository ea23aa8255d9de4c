"""Exact verification, direction, and the copy pipeline (:func:`detect`): candidates in, :class:`CopyPair` out."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterable

import numpy as np

from .attribution import AttributionContext
from .index import Candidates, CopyIndex
from .lineage import EARLIEST, resolve_sources
from .params import CopyParams, Doc
from .shingles import prepare, shingle_batch, sorted_unique


@dataclass(frozen=True)
class Overlap:
    similarity: float   # Jaccard index of the shingle sets
    containment: float  # |A n B| / min(|A|, |B|)
    shared: int         # shingles in common
    size_a: int
    size_b: int


def overlap(a: np.ndarray, b: np.ndarray) -> Overlap:
    """Exact overlap of two sorted, distinct shingle-hash arrays.

    Examples
    --------
    >>> import numpy as np
    >>> overlap(np.array([1, 2, 3, 4], np.uint64), np.array([3, 4, 5], np.uint64)).containment
    0.6666666666666666
    """
    shared = int(np.intersect1d(a, b, assume_unique=True).size)
    smaller = min(a.size, b.size)
    union = a.size + b.size - shared
    return Overlap(shared / union if union else 0.0, shared / smaller if smaller else 0.0, shared,
                   int(a.size), int(b.size))


def is_copy(ov: Overlap, params: CopyParams) -> bool:
    return ov.containment >= params.min_containment and ov.shared >= params.min_shared


@dataclass
class CopyPair:
    """A verified copy: ``copy`` reuses text of the earlier ``original``."""

    copy: str
    original: str
    similarity: float
    containment: float
    shared: int
    lag_s: int | None
    attributed: bool
    credit: str | None
    method: str
    tie: bool = False
    basis: str = EARLIEST                 # why this original and not another (see .lineage)
    evidence_shared: int | None = None    # upstream-text: shingles of the upstream's own additions carried
    evidence_share: float | None = None   # ... as a share of those additions

    def props(self, run_id: str | None = None) -> dict:
        """Properties of the ``COPIES`` relationship (those the model declares)."""
        out = {"similarity": round(self.similarity, 6), "containment": round(self.containment, 6),
               "attributed": self.attributed, "method": self.method, "basis": self.basis}
        if self.lag_s is not None:
            out["lag_s"] = int(self.lag_s)
        if self.evidence_shared is not None:
            out["evidence_shared"] = int(self.evidence_shared)
            out["evidence_share"] = round(float(self.evidence_share), 6)
        if run_id:
            out["run_id"] = run_id
        return out


def orient(a: Doc, b: Doc, ctx: AttributionContext | None = None) -> tuple[Doc, Doc, bool] | None:
    """``(copy, original, tie)`` for two overlapping documents, or None when undated.

    The earlier publication is the original.  An undated document is never an origin.  On
    identical timestamps, a document that credits the other is the copy; otherwise the
    smaller id is the original (deterministic, flagged ``tie``).
    """
    ta, tb = a.published_ts, b.published_ts
    if ta is None and tb is None:
        return None
    if ta is None:
        return a, b, False
    if tb is None:
        return b, a, False
    if ta != tb:
        return (b, a, False) if ta < tb else (a, b, False)
    if ctx is not None:
        a_credits, b_credits = ctx.credit(a, b) is not None, ctx.credit(b, a) is not None
        if a_credits != b_credits:
            return (a, b, True) if a_credits else (b, a, True)
    return (b, a, True) if a.id < b.id else (a, b, True)


def method_name(by_lsh: bool, by_anchors: bool, char_mode: bool, params: CopyParams) -> str:
    lanes = "+".join(x for x, on in (("minhash-lsh", by_lsh), ("anchors", by_anchors)) if on)
    shingle = f"char{params.k_char}" if char_mode else f"word{params.k_word}"
    return f"{lanes}:{shingle}"


def keep_best_originals(pairs: list[CopyPair], limit: int, ts: dict) -> list[CopyPair]:
    """At most ``limit`` originals per copy: highest containment, then similarity, then earliest."""
    by_copy: dict[str, list[CopyPair]] = {}
    for p in pairs:
        by_copy.setdefault(p.copy, []).append(p)
    out = []
    for copy in sorted(by_copy):
        ranked = sorted(by_copy[copy], key=lambda p: (-p.containment, -p.similarity,
                                                      ts.get(p.original) if ts.get(p.original) is not None
                                                      else float("inf"), p.original))
        out.extend(ranked[:limit])
    return out


@dataclass
class CopyResult:
    """Output of a detection run."""

    pairs: list[CopyPair]
    compared: int = 0           # documents sketched in this run
    too_short: list = field(default_factory=list)   # ids not compared (fewer than min_tokens tokens)
    undirected: list = field(default_factory=list)  # (id, id, containment): overlapping, both undated
    candidates: int = 0
    ties: int = 0
    siblings: int = 0           # verified pairs dropped: copies of one original, or of one through another
    retracted: list = field(default_factory=list)  # (copy, original) an earlier run recorded, now siblings

    def summary(self) -> dict:
        return {"compared": self.compared, "candidates": self.candidates, "copies": len(self.pairs),
                "attributed": sum(p.attributed for p in self.pairs),
                "unattributed": sum(not p.attributed for p in self.pairs),
                "ties": self.ties, "siblings": self.siblings, "too_short": len(self.too_short), "undirected": len(self.undirected)}


def verify_candidates(cands: Candidates, docs: dict[int, Doc], params: CopyParams,
                      ctx: AttributionContext | None = None,
                      shingles: dict[int, np.ndarray] | None = None,
                      char_mode: np.ndarray | None = None) -> tuple[list[CopyPair], list, int]:
    """Exact verification, direction and attribution of candidate pairs.

    Parameters
    ----------
    cands : Candidates
    docs : dict
        index position -> :class:`Doc` for every position in ``cands``.
    shingles : dict, optional
        position -> sorted distinct shingle hashes, where already known; the rest are computed.
    char_mode : numpy.ndarray of bool, optional
        Per position, whether it was shingled by characters (from its sketch); names the method.

    Returns
    -------
    (pairs, undirected, ties)
    """
    ctx = ctx or AttributionContext()
    shingles = dict(shingles or {})
    need = sorted(set(cands.a.tolist()) | set(cands.b.tolist()))
    missing = [i for i in need if i not in shingles]
    modes: dict[int, bool] = {}
    for start in range(0, len(missing), 512):
        chunk = missing[start:start + 512]
        batch = shingle_batch([prepare(docs[i].text or docs[i].title or "") for i in chunk],
                              [docs[i].lang for i in chunk], params.k_char, params.k_word)
        for j, i in enumerate(chunk):
            shingles[i] = sorted_unique(batch.doc(j))
            modes[i] = bool(batch.char_mode[j])
    pairs, undirected, ties = [], [], 0
    for a, b, lsh_hit, anchor_hit in zip(cands.a.tolist(), cands.b.tolist(), cands.by_lsh.tolist(),
                                         cands.by_anchors.tolist()):
        ov = overlap(shingles[a], shingles[b])
        if not is_copy(ov, params):
            continue
        oriented = orient(docs[a], docs[b], ctx)
        if oriented is None:
            undirected.append((docs[a].id, docs[b].id, round(ov.containment, 6)))
            continue
        copy, original, tie = oriented
        ties += tie
        credit = ctx.credit(copy, original)
        lag = copy.published_ts - original.published_ts if copy.published_ts is not None else None
        mode = bool(char_mode[a]) if char_mode is not None else modes.get(a, False)
        pairs.append(CopyPair(copy.id, original.id, ov.similarity, ov.containment, ov.shared, lag,
                              credit is not None, credit, method_name(lsh_hit, anchor_hit, mode, params), tie))
    return pairs, undirected, ties


VERIFY = 20000  # candidate pairs verified per chunk: only those documents' texts are held at once


def detect(index: CopyIndex, docs: Callable[[list[int]], dict[int, Doc]],
           context: Callable[[list], AttributionContext | None] = lambda ids: None,
           shingles: dict[int, np.ndarray] | None = None, chunk: int = VERIFY,
           on_candidates: Callable[[int], None] = lambda n: None,
           on_verified: Callable[[int], None] = lambda n: None,
           stored: Callable[[list[str]], dict[str, set]] | None = None) -> CopyResult:
    """The copy pipeline on an index: candidates of its pending documents, verified, best originals kept.

    Both :func:`find_copies` (documents in memory) and
    :func:`graphtool.analyze.copies_store.detect_copies` (documents read from the store) run this.

    Parameters
    ----------
    index : CopyIndex
        Sketches added since the last run are pending; they are compared against everything.
    docs : callable
        ``docs(positions)`` -> index position -> :class:`Doc`, for the positions of one chunk.
    context : callable, optional
        ``context(ids)`` -> the :class:`AttributionContext` for those article ids.
    shingles : dict, optional
        position -> sorted distinct shingle hashes, where already known.
    chunk : int
        Candidate pairs verified at once (bounds the texts held in memory).
    on_candidates, on_verified : callable, optional
        Called with the number of candidate pairs once known, and of those verified after
        each chunk (for a progress display).
    stored : callable, optional
        ``stored(ids)`` -> id -> the originals an earlier run recorded for it (default: the
        index's ``sources``), so that a new copy of a copy already known points to the original.

    Returns
    -------
    CopyResult
        ``pairs``, ``undirected``, ``candidates`` and ``ties`` (``compared`` and ``too_short``
        are the caller's to fill).
    """
    params = index.params
    cands = index.candidates()
    on_candidates(len(cands))
    char_mode = index.sketches().char_mode
    pairs, undirected, ties, ts = [], [], 0, {}
    for part in cands.chunks(chunk):
        positions = part.positions()
        by_position = docs(positions)
        found, skipped, tied = verify_candidates(part, by_position, params, context([index.ids[i] for i in positions]),
                                                 shingles, char_mode)
        pairs += found
        undirected += skipped
        ties += tied
        ts.update({d.id: d.published_ts for d in by_position.values()})
        on_verified(len(part))
    if stored is None:
        stored = lambda ids: {i: index.sources[i] for i in ids if i in index.sources}  # noqa: E731
    position = {}

    def shingles_of(ids: list[str]) -> dict[str, np.ndarray]:  # families only: texts read again, in chunks
        if not position:
            position.update({doc_id: i for i, doc_id in enumerate(index.ids)})
        out = {}
        known = [position[i] for i in ids if i in position]
        for start in range(0, len(known), 512):
            chunk = known[start:start + 512]
            missing = [i for i in chunk if not (shingles and i in shingles)]
            by_position = docs(missing) if missing else {}
            batch = shingle_batch([prepare(by_position[i].text or by_position[i].title or "") for i in missing],
                                  [by_position[i].lang for i in missing], params.k_char, params.k_word)
            fresh = {i: sorted_unique(batch.doc(j)) for j, i in enumerate(missing)}
            for i in chunk:
                out[index.ids[i]] = shingles[i] if shingles and i in shingles else fresh[i]
        return out

    pairs, siblings, retracted = resolve_sources(pairs, ts, shingles_of, stored, params.min_shared, params.upstream_share,
                                       params.upstream_part)
    best = keep_best_originals(pairs, params.max_originals, ts)
    for copy, original in retracted:
        index.sources.get(copy, set()).discard(original)
    for p in best:
        index.sources.setdefault(p.copy, set()).add(p.original)
    return CopyResult(best, candidates=len(cands), undirected=undirected, ties=ties, siblings=siblings,
                      retracted=retracted)


def find_copies(docs: Iterable[Doc], params: CopyParams | None = None, ctx: AttributionContext | None = None,
                index: CopyIndex | None = None, batch_size: int = 2000) -> CopyResult:
    """Detect copies among in-memory documents (all against all, or new against ``index``).

    The documents are sketched into the index, then :func:`detect` runs the same pipeline as
    copy detection on a store.

    Parameters
    ----------
    docs : iterable of Doc
    params : CopyParams, optional
    ctx : AttributionContext, optional
        Citations and outlet names; without it only URLs in the copy's text count as credit.
    index : CopyIndex, optional
        An index that earlier calls filled (it keeps their :class:`Doc` objects in ``docs``);
        then only the new documents are compared, against everything.
    batch_size : int

    Returns
    -------
    CopyResult

    Examples
    --------
    >>> text = "加拿大保守党公布竞选纲领，提出一系列针对中国的政策主张，引发华人社区关注。"
    >>> r = find_copies([Doc("gt", text, 100), Doc("wx", "转载：" + text, 200)])
    >>> [(p.copy, p.original, p.attributed) for p in r.pairs]
    [('wx', 'gt', False)]
    """
    params = params or CopyParams()
    index = index if index is not None else CopyIndex(params)  # an empty index is falsy (len 0)
    known = index.docs
    shingles: dict[int, np.ndarray] = {}
    too_short: list = []
    buf: list[Doc] = []
    compared = 0

    def flush():
        nonlocal compared
        if not buf:
            return
        positions, sk, batch = index.add_texts([d.id for d in buf], [d.text or d.title or "" for d in buf],
                                               [d.published_ts for d in buf], [d.lang for d in buf])
        for j, pos in enumerate(positions):
            known[pos] = buf[j]
            if sk.short[j]:
                too_short.append(buf[j].id)
            else:
                shingles[pos] = sorted_unique(batch.doc(j))
        compared += len(buf)
        buf.clear()

    for doc in docs:
        buf.append(doc)
        if len(buf) >= batch_size:
            flush()
    flush()
    result = detect(index, lambda positions: {i: known[i] for i in positions}, lambda ids: ctx, shingles)
    result.compared, result.too_short = compared, too_short
    return result
