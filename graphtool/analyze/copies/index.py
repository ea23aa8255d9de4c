"""Candidate pairs: documents that share an LSH band or enough anchors, new against everything (:class:`CopyIndex`)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from .params import CopyParams, Doc, NO_TS
from .shingles import ShingleBatch, U64, sorted_unique
from .sketch import Sketches, _concat_sketches, sketch


def _pack(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    return (lo.astype(np.uint64) << U64(32)) | hi.astype(np.uint64)


def unpack_pairs(packed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return (packed >> U64(32)).astype(np.int64), (packed & U64(0xFFFFFFFF)).astype(np.int64)


def group_pairs(keys: np.ndarray, docs: np.ndarray, order: np.ndarray, is_new: np.ndarray, dense: int = 32,
                earliest: int = 8, max_group: int | None = None) -> np.ndarray:
    """Pairs of documents that share a key, as packed ``lo << 32 | hi`` (each pair once per key).

    Parameters
    ----------
    keys, docs : numpy.ndarray
        Parallel arrays: document ``docs[i]`` (< 2^32) has key ``keys[i]`` (uint32; a document
        at most once per key).
    order : numpy.ndarray
        Per document, its position in time (publication time; undated documents last).
    is_new : numpy.ndarray of bool
        Per document; only pairs with a new document are returned.
    dense : int
        Groups of up to this many documents give all their pairs.
    earliest : int
        In a larger group (a viral text, a common phrase) each member is paired only with
        the group's ``earliest`` first members in time: a copy still meets its original,
        and the cost stays linear in the group's size.
    max_group : int, optional
        Groups larger than this are skipped (boilerplate keys).
    """
    if keys.size < 2:
        return np.zeros(0, np.uint64)
    packed = (keys.astype(np.uint64) << U64(32)) | docs.astype(np.uint64)
    packed.sort()  # one sort of (key, doc): numpy's vectorised sort, faster than an argsort
    k = packed >> U64(32)
    same_next = k[1:] == k[:-1]
    in_multi = np.zeros(k.size, dtype=bool)
    in_multi[:-1] |= same_next
    in_multi[1:] |= same_next
    idx = np.flatnonzero(in_multi)
    if idx.size == 0:
        return np.zeros(0, np.uint64)
    k, d = k[idx], (packed[idx] & U64(0xFFFFFFFF)).astype(np.int64)
    starts = np.flatnonzero(np.concatenate(([True], k[1:] != k[:-1])))
    sizes = np.diff(np.append(starts, k.size))
    gid = np.repeat(np.arange(starts.size), sizes)
    keep_group = np.add.reduceat(is_new[d].astype(np.int64), starts) > 0
    if max_group is not None:
        keep_group &= sizes <= max_group
    sel = keep_group[gid]
    if not sel.any():
        return np.zeros(0, np.uint64)
    gid, d = gid[sel], d[sel]
    if sizes.max() > dense:  # only large groups need their members in time order
        srt = np.lexsort((d, order[d], gid))
        gid, d = gid[srt], d[srt]
    starts = np.flatnonzero(np.concatenate(([True], gid[1:] != gid[:-1])))
    sizes = np.diff(np.append(starts, gid.size))
    size_of = np.repeat(sizes, sizes)
    first = np.repeat(starts, sizes)
    pos = np.arange(gid.size) - first
    left, right = [], []
    active = np.flatnonzero((pos + 1 < size_of) & (size_of <= dense))
    for off in range(1, dense):
        active = active[pos[active] + off < size_of[active]]  # shrinks fast: most groups are small
        if active.size == 0:
            break
        left.append(active)
        right.append(active + off)
    big = np.flatnonzero(size_of > dense)
    for t in range(earliest):
        later = big[pos[big] > t]
        left.append(first[later] + t)
        right.append(later)
    a, b = d[np.concatenate(left)], d[np.concatenate(right)]
    if not is_new.all():
        new = is_new[a] | is_new[b]
        a, b = a[new], b[new]
    return _pack(a, b)


QUERY_CHUNK = 1 << 21  # anchor look-ups per pass: bounds the memory of the join


def anchor_pairs(sk: Sketches, order: np.ndarray, is_new: np.ndarray, params: CopyParams,
                 chunk: int = QUERY_CHUNK) -> np.ndarray:
    """Candidate pairs from the anchor samples, as sorted packed ``lo << 32 | hi``.

    All anchors go into one posting list, sorted by anchor and then by time, which gives
    each anchor's document frequency.  Every document then looks up its ``anchor_queries``
    *rarest* anchors among those another document also has (prefix filtering, rarest first):
    a copy and its original share anchors that few others have, so those come first.  An
    anchor held by at most ``dense_group`` documents yields all of them, a commoner one its
    ``earliest`` holders.  A pair counts once per looked-up anchor that leads to it and is
    kept when the count reaches ``max(min_shared_anchors, min_anchor_share * looked-up)``
    and a new document is in it.  Look-ups go in chunks of whole documents, so each pair's
    count is complete within its chunk and memory stays bounded.

    A small text inside a large one is found whatever the ratio of their lengths -- the
    case where the Jaccard index, and so MinHash LSH, fails.
    """
    if sk.anchors.size == 0:
        return np.zeros(0, np.uint64)
    n = len(sk)
    live = ~sk.short
    # int32 where it fits: the posting arrays are the biggest transient memory of a run
    packed = (sk.anchors.astype(np.uint64) << U64(32)) | np.repeat(order.astype(np.uint64),
                                                                   np.diff(sk.anchor_offsets))
    packed.sort()
    keys = (packed >> U64(32)).astype(np.uint32)
    holders = np.argsort(order).astype(np.int32)[(packed & U64(0xFFFFFFFF)).astype(np.int64)]  # rank -> doc
    del packed
    boundary = np.empty(keys.size, dtype=bool)
    boundary[0] = True
    np.not_equal(keys[1:], keys[:-1], out=boundary[1:])
    del keys
    run_id = np.cumsum(boundary, dtype=np.int32) - 1  # postings of one anchor form a run
    run_start = np.flatnonzero(boundary).astype(np.int32)
    run_size = np.diff(np.append(run_start, holders.size)).astype(np.int32)
    held_by_others = ~(boundary & np.append(boundary[1:], True))  # runs of 2 or more postings
    del boundary
    # queries: per document, its rarest anchors held by someone else (ties: by anchor value)
    shared = np.flatnonzero(held_by_others & live[holders])
    del held_by_others
    rank_key = (holders[shared].astype(np.uint64) << U64(32)) | run_size[run_id[shared]].astype(np.uint64)
    by_doc = shared[np.argsort(rank_key, kind="stable")]
    del rank_key, shared
    qdoc = holders[by_doc]
    doc_start = np.flatnonzero(np.concatenate(([True], qdoc[1:] != qdoc[:-1])))
    doc_size = np.diff(np.append(doc_start, qdoc.size))
    within = np.arange(qdoc.size) - np.repeat(doc_start, doc_size)
    sel = within < params.anchor_queries
    q_at, qdoc = by_doc[sel], qdoc[sel].astype(np.int64)  # posting index of each query, and its document
    del by_doc, within, sel
    n_queries = np.bincount(qdoc, minlength=n)
    need_of = np.maximum(params.min_shared_anchors, np.ceil(params.min_anchor_share * n_queries))

    found = []
    a = 0
    while a < q_at.size:
        b = min(a + chunk, q_at.size)
        while b < q_at.size and qdoc[b] == qdoc[b - 1]:  # whole documents per chunk
            b += 1
        at, q = q_at[a:b], qdoc[a:b]
        a = b
        run = run_id[at]
        lo, size = run_start[run].astype(np.int64), run_size[run].astype(np.int64)
        take = np.where(size <= params.dense_group, size, params.earliest)
        qq = np.repeat(q, take)
        pos = np.repeat(lo, take) + (np.arange(qq.size) - np.repeat(np.cumsum(take) - take, take))
        other = holders[pos].astype(np.int64)
        keep = (other != qq) & live[other] & (is_new[qq] | is_new[other])
        pair = (qq[keep].astype(np.uint64) << U64(32)) | other[keep].astype(np.uint64)  # querier first
        uniq, hits = sorted_unique(pair, return_counts=True)
        querier = (uniq >> U64(32)).astype(np.int64)
        ok = hits >= need_of[querier]
        found.append(_pack(querier[ok], (uniq[ok] & U64(0xFFFFFFFF)).astype(np.int64)))
    return sorted_unique(np.concatenate(found)) if found else np.zeros(0, np.uint64)


def _member(values: np.ndarray, sorted_set: np.ndarray) -> np.ndarray:
    """``values`` in ``sorted_set`` (sorted, distinct), by binary search."""
    if sorted_set.size == 0:
        return np.zeros(values.shape, dtype=bool)
    pos = np.minimum(np.searchsorted(sorted_set, values), sorted_set.size - 1)
    return sorted_set[pos] == values


@dataclass
class Candidates:
    """Candidate pairs ``(a, b)`` of index positions, ``a < b``, with the lanes that found them."""

    a: np.ndarray
    b: np.ndarray
    by_lsh: np.ndarray
    by_anchors: np.ndarray

    def __len__(self) -> int:
        return self.a.size

    def chunks(self, size: int):
        """Consecutive slices of at most ``size`` pairs (verification in bounded memory)."""
        for i in range(0, self.a.size, size):
            yield Candidates(self.a[i:i + size], self.b[i:i + size], self.by_lsh[i:i + size],
                             self.by_anchors[i:i + size])

    def positions(self) -> list[int]:
        return sorted(set(self.a.tolist()) | set(self.b.tolist()))


class CopyIndex:
    """Sketches of every document seen so far; finds candidates for the ones added since.

    Documents are addressed by their position (``0..n-1``).  ``add`` appends sketches as
    *pending*; ``candidates`` joins the pending documents against all documents and marks
    them indexed, so each run compares only what it added against everything.
    """

    def __init__(self, params: CopyParams | None = None):
        self.params = params or CopyParams()
        self.ids: list = []
        self._ts: list[np.ndarray] = []
        self._sk: list[Sketches] = []
        self.n_indexed = 0
        self.docs: dict[int, Doc] = {}  # position -> Doc, kept only by in-memory use (find_copies)
        self.sources: dict[str, set] = {}  # copy id -> originals found by earlier runs on this index

    def __len__(self) -> int:
        return len(self.ids)

    def add(self, ids: Sequence, ts: Sequence[int | None], sketches: Sketches) -> range:
        """Append documents (pending); returns their positions."""
        start = len(self.ids)
        self.ids.extend(ids)
        self._ts.append(np.array([NO_TS if t is None else int(t) for t in ts], dtype=np.int64))
        self._sk.append(sketches)
        return range(start, len(self.ids))

    def add_texts(self, ids: Sequence, texts: Sequence[str], ts: Sequence[int | None],
                  langs: Sequence[str | None] | None = None) -> tuple[range, Sketches, ShingleBatch]:
        sk, batch = sketch(texts, langs, self.params)
        return self.add(ids, ts, sk), sk, batch

    @property
    def ts(self) -> np.ndarray:
        return np.concatenate(self._ts) if self._ts else np.zeros(0, np.int64)

    def sketches(self) -> Sketches:
        """All sketches as one (concatenates the batches; also compacts the index)."""
        if len(self._sk) != 1:
            self._sk = [_concat_sketches(self._sk, self.params.bands)]
            self._ts = [self.ts]
        return self._sk[0]

    def nbytes(self) -> int:
        """Memory held by the sketches (ids not counted)."""
        sk = self.sketches()
        return sum(a.nbytes for a in (sk.bands, sk.anchors, sk.anchor_offsets, sk.levels, sk.char_mode,
                                      sk.short)) + self.ts.nbytes

    def candidates(self, mark_indexed: bool = True) -> Candidates:
        """Candidate pairs with at least one pending document.

        Returns
        -------
        Candidates
            Each pair once; ``by_lsh`` when they share an LSH band, ``by_anchors`` when one
            finds enough of its looked-up anchors in the other (see :func:`anchor_pairs`).
        """
        p = self.params
        sk = self.sketches()
        n = len(sk)
        ts = self.ts
        is_new = np.zeros(n, dtype=bool)
        is_new[self.n_indexed:] = True
        live = ~sk.short
        # Time order for bucket capping: dated documents by time, undated last, ties by position.
        order = np.empty(n, dtype=np.int64)
        order[np.lexsort((np.arange(n), ts == NO_TS, ts))] = np.arange(n)
        empty = np.zeros(0, np.uint64)

        lsh_parts = []
        live_idx = np.flatnonzero(live)
        columns = np.ascontiguousarray(sk.bands[live_idx].T)
        for band in range(p.bands):
            lsh_parts.append(group_pairs(columns[band], live_idx, order, is_new, p.dense_group, p.earliest))
        lsh = sorted_unique(np.concatenate(lsh_parts)) if lsh_parts else empty

        by_anchor = anchor_pairs(sk, order, is_new, p)
        if mark_indexed:
            self.n_indexed = n
        both = sorted_unique(np.concatenate((lsh, by_anchor)))
        a, b = unpack_pairs(both)
        return Candidates(a, b, _member(both, lsh), _member(both, by_anchor))
