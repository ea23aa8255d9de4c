"""Copy detection: which article copies which, how much, and whether it gave credit.

The engine is pure (texts in, pairs out) and incremental:

1. **Shingles** (:mod:`graphtool.analyze.shingles`): character n-grams for Chinese, word
   n-grams for English, over normalised text (markup stripped, NFKC, case-folded).
2. **Sketch** per document, computed once and stored:
   - a MinHash signature by *one-permutation hashing* with optimal densification
     (Li, Owen & Zhang 2012; Shrivastava 2017): one hash per shingle instead of one per
     shingle and permutation, with the same collision probability (the Jaccard index);
     only its LSH band keys are kept (``bins / rows`` uint32 values);
   - an *anchor sample*: the shingles whose hash is 0 modulo ``anchor_rate``.  The sample is
     consistent (a shingle is an anchor in every document that has it), so two documents
     share about ``|A n B| / anchor_rate`` anchors whatever their lengths.  This is what
     finds an excerpt inside a much longer text, where the Jaccard index -- and so any
     MinHash LSH tuned on it -- is small although most of the excerpt is copied.
3. **Candidates**: pairs that share an LSH band (Jaccard lane) or at least
   ``min_shared_anchors`` anchors (containment lane), always with a new document in the pair,
   so an incremental run compares only what was added against everything.
4. **Verification**, exact: Jaccard and containment (the overlap coefficient
   ``|A n B| / min(|A|, |B|)``) of the two full shingle sets.  A pair is a copy when the
   containment is at least ``min_containment`` and they share at least ``min_shared`` shingles.
   Shingles of several characters are what keep unrelated Chinese texts that share many
   single characters apart.
5. **Direction**: the earlier publication is the original.  Identical timestamps: if exactly
   one of the two credits the other it is the copy, else the smaller id is taken as the
   original and the pair is flagged ``tie``.  A document without a timestamp is never an
   origin: against a dated document it is the copy (``lag_s`` unknown); two undated
   documents give no direction and no pair (reported in ``undirected``).
6. **Attribution**: the copy credits the original when it cites it (a ``CITES`` relationship),
   links or names its URL, or names the original's outlet (any of its names, with an alias
   table joining e.g. 环球时报 and Global Times).
"""
from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Callable, Iterable, Sequence

import numpy as np

from .shingles import U64, ShingleBatch, fmix64, prepare, shingle_batch, sorted_unique, token_string

ENGINE = 2  # bump when shingle or sketch hashing changes: stored sketches are then recomputed
NO_TS = np.iinfo(np.int64).min  # "no timestamp" in int64 arrays
EMPTY = np.uint32(0xFFFFFFFF)


@dataclass(frozen=True)
class CopyParams:
    """Everything that decides what counts as a copy.

    Attributes
    ----------
    k_char, k_word : int
        Shingle width: characters for Chinese/Japanese/Thai, words otherwise.
    bins, rows : int
        MinHash bins (a power of two) and rows per LSH band (``bins / rows`` bands).  32 bands of
        4 rows find pairs with Jaccard 0.5 with probability 0.87 and 0.6 with 0.99.
    anchor_rate : int
        One shingle in ``anchor_rate`` (a power of two) is an anchor.
    max_anchors : int
        A document with more anchors is sampled at half the rate, repeatedly, until it has
        at most this many (a nested sample, still consistent with smaller documents, but an
        excerpt must then be longer to be found in it).  The default only bounds texts
        beyond what the loader accepts (8 MiB): a 5 MB article keeps all its anchors, and its
        stored sketch is about a fifth of the text's size.
    anchor_queries : int
        Each document looks up its ``anchor_queries`` lowest anchors (a random subset of its
        anchors, by hash value) in everyone's anchors.  A document with containment ``c`` in
        another finds about ``c * anchor_queries`` of them there.
    min_anchor_share, min_shared_anchors : float, int
        A pair is a candidate when at least ``max(min_shared_anchors, min_anchor_share * q)``
        of the ``q`` looked-up anchors are found in the other document: with 20 queries and
        0.25, a pair at containment 0.5 is missed with probability 0.006 (binomial), two
        texts that share a few common phrases almost never pass.
    dense_group, earliest : int
        Documents sharing an anchor or an LSH band are all paired when there are at most
        ``dense_group`` of them; in a larger group (a viral text, a common phrase) a document
        is paired with the group's ``earliest`` first members in time (where its original
        is), so the work stays linear in the corpus.
    min_tokens : int
        Shorter documents are not compared (a one-word post is nobody's copy).
    min_containment, min_shared : float, int
        Verification thresholds.
    max_originals : int
        A copy keeps its ``max_originals`` best originals (by containment, then similarity,
        then the earliest).
    seed : int
        Seeds the MinHash bin hash; sketches of different seeds are not comparable.
    """

    k_char: int = 4
    k_word: int = 4
    bins: int = 128
    rows: int = 4
    anchor_rate: int = 8
    max_anchors: int = 1 << 20
    anchor_queries: int = 20
    min_anchor_share: float = 0.25
    min_shared_anchors: int = 2
    dense_group: int = 32
    earliest: int = 8
    min_tokens: int = 8
    min_containment: float = 0.5
    min_shared: int = 8
    max_originals: int = 10
    seed: int = 0x5EED

    def __post_init__(self):
        for name in ("bins", "anchor_rate"):
            value = getattr(self, name)
            if value < 1 or value & (value - 1):
                raise ValueError(f"{name} must be a power of two")
        if self.bins % self.rows:
            raise ValueError("rows must divide bins")

    @property
    def bands(self) -> int:
        return self.bins // self.rows

    @property
    def version(self) -> str:
        """Fingerprint of the parameters a stored sketch depends on."""
        basis = (f"{ENGINE}/{self.k_char}/{self.k_word}/{self.bins}/{self.rows}/{self.anchor_rate}/"
                 f"{self.max_anchors}/{self.seed}")
        return hashlib.sha256(basis.encode()).hexdigest()[:8]


# --------------------------------------------------------------------------------------------
# Sketches
# --------------------------------------------------------------------------------------------

@dataclass
class Sketches:
    """Sketches of a batch: band keys, anchors (CSR), level, mode, and who is too short."""

    bands: np.ndarray          # (n, n_bands) uint32
    anchors: np.ndarray        # uint32, sorted within each document
    anchor_offsets: np.ndarray  # (n + 1,) int64
    levels: np.ndarray         # uint8: anchors sampled at anchor_rate * 2**level
    char_mode: np.ndarray      # bool
    short: np.ndarray          # bool: too short to compare, no sketch

    def __len__(self) -> int:
        return len(self.short)

    def doc_anchors(self, i: int) -> np.ndarray:
        return self.anchors[self.anchor_offsets[i]:self.anchor_offsets[i + 1]]


def _probe_table(bins: int, attempts: int, seed: int) -> np.ndarray:
    # The t-th bin an empty bin j borrows from; fixed for all documents (that is what keeps
    # densified signatures comparable).
    j = np.arange(bins, dtype=np.uint64)[None, :]
    t = np.arange(1, attempts + 1, dtype=np.uint64)[:, None]
    with np.errstate(over="ignore"):
        mixed = fmix64(j * U64(0x9E3779B97F4A7C15) + t * U64(0xBF58476D1CE4E5B9) + U64(seed))
    return (mixed % U64(bins)).astype(np.int64)


_PROBES: dict = {}


def _densify(sig: np.ndarray, params: CopyParams) -> None:
    """Fill empty bins in place by optimal densification (Shrivastava 2017)."""
    empty = sig == EMPTY
    need = np.flatnonzero(empty.any(axis=1) & ~empty.all(axis=1))
    if need.size == 0:
        return
    key = (params.bins, params.seed)
    if key not in _PROBES:
        _PROBES[key] = _probe_table(params.bins, 64 * params.bins, params.seed)
    probes = _PROBES[key]
    orig = sig[need]
    orig_empty = empty[need]
    out = orig.copy()
    todo = orig_empty.copy()
    rows = np.arange(need.size)
    for t in range(probes.shape[0]):
        src = probes[t]
        ok = todo & ~orig_empty[:, src]
        out[ok] = orig[:, src][ok]
        todo &= ~ok
        if t % 8 == 7:  # drop finished rows now and then
            live = todo.any(axis=1)
            if not live.any():
                break
            if live.sum() < live.size // 2:
                sig[need[rows[~live]]] = out[~live]
                rows, orig, orig_empty, out, todo = rows[live], orig[live], orig_empty[live], out[live], todo[live]
    if todo.any():  # astronomically unlikely: fall back to the smallest filled value
        fill = np.where(orig_empty, EMPTY, orig).min(axis=1)
        out[todo] = np.broadcast_to(fill[:, None], out.shape)[todo]
    sig[need[rows]] = out


_BAND_MULT = tuple(U64(m) for m in (0xA0761D6478BD642F, 0xE7037ED1A0B428DB, 0x8EBC6AF09C88C6E3,
                                    0x589965CC75374CC3, 0x1D8E4E27C47D124F, 0xD6E8FEB86659FD93,
                                    0x94D049BB133111EB, 0xBF58476D1CE4E5B9))


def minhash_oph(batch: ShingleBatch, params: CopyParams) -> np.ndarray:
    """One-permutation MinHash signatures, densified: ``(n_docs, bins)`` uint32.

    Parameters
    ----------
    batch : ShingleBatch
    params : CopyParams

    Returns
    -------
    numpy.ndarray
        For two documents, the share of equal entries estimates their Jaccard index.
        Rows of documents without shingles are all ``0xFFFFFFFF``.

    Notes
    -----
    Each shingle hash ``h`` (already a finalised 64-bit hash) goes to bin ``top log2(bins)
    bits of h`` with value ``bits 16..47 of h``; each bin keeps its minimum.  Empty bins (short documents) borrow the value of a
    filled bin chosen by a probe sequence that is the same for every document.
    """
    n = len(batch.offsets) - 1
    sig = np.full(n * params.bins, EMPTY, dtype=np.uint32)
    if batch.hashes.size:
        h = batch.hashes  # already finalised by fmix64: its bits are the permutation
        slot = batch.doc_index()
        if params.bins > 1:
            slot *= params.bins
            slot += (h >> U64(64 - (params.bins.bit_length() - 1))).astype(np.int64)
        np.minimum.at(sig, slot, (h >> U64(16)).astype(np.uint32))
    sig = sig.reshape(n, params.bins)
    _densify(sig, params)
    return sig


def band_keys(sig: np.ndarray, params: CopyParams) -> np.ndarray:
    """LSH band keys ``(n, bands)`` uint32 of MinHash signatures."""
    n = sig.shape[0]
    parts = sig.astype(np.uint64).reshape(n, params.bands, params.rows)
    with np.errstate(over="ignore"):
        acc = np.arange(params.bands, dtype=np.uint64)[None, :] * U64(0x9E3779B97F4A7C15)
        for j in range(params.rows):
            acc = acc + parts[:, :, j] * _BAND_MULT[j % len(_BAND_MULT)] + U64(j)
        return (fmix64(acc) >> U64(32)).astype(np.uint32)


def _anchor_sample(hashes: np.ndarray, docs: np.ndarray, n: int, rate: int) -> tuple[np.ndarray, np.ndarray]:
    sel = (hashes & U64(rate - 1)) == 0
    packed = sorted_unique((docs[sel].astype(np.uint64) << U64(32)) | (hashes[sel] >> U64(32)))
    return (packed >> U64(32)).astype(np.int64), (packed & U64(0xFFFFFFFF)).astype(np.uint32)


def anchors(batch: ShingleBatch, params: CopyParams) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Anchor sample of each document: (values uint32, offsets, levels).

    A shingle is an anchor at level ``L`` when its hash is 0 modulo ``anchor_rate * 2**L``;
    level-L anchors are a subset of level-0 anchors, so documents sampled at different
    levels still share exactly the anchors of the sparser level.
    """
    n = len(batch.offsets) - 1
    docs = batch.doc_index()
    adoc, avals = _anchor_sample(batch.hashes, docs, n, params.anchor_rate)
    counts = np.bincount(adoc, minlength=n)
    levels = np.zeros(n, dtype=np.uint8)
    big = np.flatnonzero(counts > params.max_anchors)
    if big.size:
        keep = ~np.isin(adoc, big)
        parts_doc, parts_val = [adoc[keep]], [avals[keep]]
        for d in big.tolist():
            level, rate = 0, params.anchor_rate
            h = batch.doc(d)
            count = counts[d]
            while count > params.max_anchors:
                level, rate = level + 1, rate * 2
                count = int(np.count_nonzero((h & U64(rate - 1)) == 0))
            levels[d] = level
            _, vals = _anchor_sample(h, np.zeros(h.size, np.int64), 1, rate)
            parts_doc.append(np.full(vals.size, d, np.int64))
            parts_val.append(vals)
        adoc, avals = np.concatenate(parts_doc), np.concatenate(parts_val)
        order = np.argsort(adoc, kind="stable")
        adoc, avals = adoc[order], avals[order]
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(adoc, minlength=n), out=offsets[1:])
    return avals, offsets, levels


CHUNK_CHARS = 1 << 18  # characters per numpy pass: arrays that stay in cache are faster


def _sketch_one(norm: list[str], langs: list | None, params: CopyParams) -> tuple[Sketches, ShingleBatch]:
    batch = shingle_batch(norm, langs, params.k_char, params.k_word)
    short = batch.n_tokens < max(params.min_tokens, params.k_char, params.k_word)
    if short.any():  # drop short documents' shingles so they neither sketch nor anchor
        keep = ~np.repeat(short, np.diff(batch.offsets))
        counts = np.where(short, 0, np.diff(batch.offsets))
        offsets = np.zeros_like(batch.offsets)
        np.cumsum(counts, out=offsets[1:])
        batch = ShingleBatch(batch.hashes[keep], offsets, batch.n_tokens, batch.char_mode)
    sig = minhash_oph(batch, params)
    vals, offsets, levels = anchors(batch, params)
    return Sketches(band_keys(sig, params), vals, offsets, levels, batch.char_mode.copy(), short), batch


def _concat_sketches(parts: list[Sketches], bands: int) -> Sketches:
    if not parts:
        return Sketches(np.zeros((0, bands), np.uint32), np.zeros(0, np.uint32), np.zeros(1, np.int64),
                        np.zeros(0, np.uint8), np.zeros(0, bool), np.zeros(0, bool))
    if len(parts) == 1:
        return parts[0]
    offs, base = [np.zeros(1, np.int64)], 0
    for s in parts:
        offs.append(s.anchor_offsets[1:] + base)
        base += s.anchor_offsets[-1]
    return Sketches(np.concatenate([s.bands for s in parts]), np.concatenate([s.anchors for s in parts]),
                    np.concatenate(offs), np.concatenate([s.levels for s in parts]),
                    np.concatenate([s.char_mode for s in parts]), np.concatenate([s.short for s in parts]))


def _concat_batches(parts: list[ShingleBatch]) -> ShingleBatch:
    if len(parts) == 1:
        return parts[0]
    offs, base = [np.zeros(1, np.int64)], 0
    for b in parts:
        offs.append(b.offsets[1:] + base)
        base += b.offsets[-1]
    return ShingleBatch(np.concatenate([b.hashes for b in parts]), np.concatenate(offs),
                        np.concatenate([b.n_tokens for b in parts]), np.concatenate([b.char_mode for b in parts]))


def sketch(texts: Sequence[str], langs: Sequence[str | None] | None, params: CopyParams,
           normalized: bool = False) -> tuple[Sketches, ShingleBatch]:
    """Sketch a batch of texts; returns the sketches and the shingles they came from.

    The batch is processed in slices of about ``CHUNK_CHARS`` characters.
    """
    norm = list(texts) if normalized else [prepare(t) for t in texts]
    langs = list(langs) if langs is not None else [None] * len(norm)
    sk_parts, batch_parts, start, size = [], [], 0, 0
    for i, t in enumerate(norm):
        size += len(t)
        if size >= CHUNK_CHARS or i == len(norm) - 1:
            sk, b = _sketch_one(norm[start:i + 1], langs[start:i + 1], params)
            sk_parts.append(sk)
            batch_parts.append(b)
            start, size = i + 1, 0
    if not norm:
        sk, b = _sketch_one([], [], params)
        return sk, b
    return _concat_sketches(sk_parts, params.bands), _concat_batches(batch_parts)


# --------------------------------------------------------------------------------------------
# Serialised sketches (stored on Article nodes, so incremental runs skip known texts)
# --------------------------------------------------------------------------------------------

def encode_sketch(sk: Sketches, i: int, params: CopyParams, digest: str) -> str:
    """One document's sketch as a compact string: ``version:digest:mode:level:bands:anchors``."""
    head = f"{params.version}:{digest[:16]}"
    if sk.short[i]:
        return f"{head}:short"
    b64 = lambda a: base64.b64encode(np.ascontiguousarray(a, dtype="<u4").tobytes()).decode("ascii")
    return f"{head}:{'c' if sk.char_mode[i] else 'w'}:{int(sk.levels[i])}:{b64(sk.bands[i])}:{b64(sk.doc_anchors(i))}"


def sketch_is_current(value: str | None, params: CopyParams, digest: str | None) -> bool:
    """Whether a stored sketch string was made by these parameters from this text."""
    if not value or not digest:
        return False
    return value.startswith(f"{params.version}:{digest[:16]}:")


def decode_sketches(values: Sequence[str], params: CopyParams) -> Sketches:
    """Sketches back from :func:`encode_sketch` strings (all current)."""
    n = len(values)
    bands = np.zeros((n, params.bands), dtype=np.uint32)
    short = np.zeros(n, dtype=bool)
    char_mode = np.zeros(n, dtype=bool)
    levels = np.zeros(n, dtype=np.uint8)
    parts, counts = [], np.zeros(n, dtype=np.int64)
    for i, value in enumerate(values):
        fields = value.split(":")
        if fields[2] == "short":
            short[i] = True
            continue
        char_mode[i] = fields[2] == "c"
        levels[i] = int(fields[3])
        bands[i] = np.frombuffer(base64.b64decode(fields[4]), dtype="<u4")
        a = np.frombuffer(base64.b64decode(fields[5]), dtype="<u4")
        parts.append(a)
        counts[i] = a.size
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    anchors_ = np.concatenate(parts).astype(np.uint32) if parts else np.zeros(0, np.uint32)
    return Sketches(bands, anchors_, offsets, levels, char_mode, short)


# --------------------------------------------------------------------------------------------
# Candidate pairs
# --------------------------------------------------------------------------------------------

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


# --------------------------------------------------------------------------------------------
# Verification, direction, attribution
# --------------------------------------------------------------------------------------------

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


# Outlets that are written many ways: any name of a group names all of them.  The store's
# Outlet nodes say which outlets exist; this only joins their Chinese and English names.
OUTLET_ALIASES: tuple[tuple[str, ...], ...] = (
    ("环球时报", "环球网", "global times", "globaltimes", "globaltimes.cn", "huanqiu", "huanqiu.com"),
    ("新华社", "新华网", "新华通讯社", "xinhua", "xinhua news agency", "xinhuanet", "xinhuanet.com", "news.cn"),
    ("人民日报", "人民网", "people's daily", "peoples daily", "people.com.cn"),
    ("中国日报", "china daily", "chinadaily", "chinadaily.com.cn"),
    ("中国国际电视台", "cgtn", "cgtn.com"),
    ("中央电视台", "央视", "央视新闻", "cctv", "cctv.com"),
    ("中国新闻社", "中新社", "中国新闻网", "china news service", "chinanews", "chinanews.com"),
    ("光明日报", "guangming daily", "gmw.cn"),
)


def _name_key(name: str) -> str:
    return token_string(name).strip()


_CJK_GAP = re.compile(r"(?<=[\u3040-\u9fff\uf900-\ufaff]) (?=[\u3040-\u9fff\uf900-\ufaff])")


def display_name(key: str) -> str:
    """A token-string name as people write it (no spaces between CJK characters)."""
    return _CJK_GAP.sub("", key)


def _variants(name: str) -> set[str]:
    # "Global Times 环球时报" names the outlet in two scripts: each same-script run counts alone.
    key = _name_key(name)
    out = {key}
    runs, current, kind = [], [], None
    for tok in key.split():
        k = _is_cjk_name(tok)
        if current and k != kind:
            runs.append(current)
            current = []
        current.append(tok)
        kind = k
    if current:
        runs.append(current)
    if len(runs) > 1:
        out |= {" ".join(r) for r in runs}
    return out


@lru_cache(maxsize=8)
def _alias_keys(aliases: tuple) -> list[set]:
    return [{_name_key(g) for g in group} for group in aliases]


def outlet_names(names: Iterable[str], aliases: Iterable[Iterable[str]] = OUTLET_ALIASES) -> list[str]:
    """A set of names for one outlet, widened by the alias groups any of them belongs to.

    Returns the names as token strings (see :func:`~graphtool.analyze.shingles.token_string`);
    names too short to be evidence (under 2 CJK characters or 4 Latin letters) are dropped.

    Examples
    --------
    >>> sorted(outlet_names(["Global Times"]))[:3]
    ['global times', 'globaltimes', 'globaltimes cn']
    """
    keys = {v for n in names if n and n.strip() for v in _variants(n)}
    if not keys:
        return []
    for group_keys in _alias_keys(tuple(tuple(g) for g in aliases)):
        if keys & group_keys:
            keys |= group_keys
    return sorted(k for k in keys if k and len(k.replace(" ", "")) >= (2 if _is_cjk_name(k) else 4))


def _is_cjk_name(key: str) -> bool:
    return any("\u3040" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" for ch in key)


_URL_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://", re.I)


def url_key(url: str | None) -> str | None:
    """A URL without scheme, ``www.``, query-less trailing slash, lower-cased host: for matching."""
    if not url or not url.strip():
        return None
    rest = _URL_SCHEME.sub("", url.strip())
    host, _, path = rest.partition("/")
    host = host.lower().removeprefix("www.")
    key = f"{host}/{path}".rstrip("/")
    return key if len(key) >= 8 else None


@dataclass
class Doc:
    """A document as the engine sees it (``text`` raw: markup allowed)."""

    id: str
    text: str | None
    published_ts: int | None = None
    lang: str | None = None
    title: str | None = None
    url: str | None = None
    urls: list = field(default_factory=list)  # links it carries


@dataclass
class AttributionContext:
    """What is known about credit: explicit citations and the names of each original's outlet.

    Attributes
    ----------
    cites : set of (str, str)
        ``(citing_id, cited_id)`` from ``CITES`` relationships.
    names : dict
        original id -> names of its outlet (Outlet name, its accounts' display names, ...).
    aliases : tuple of tuple of str
        Alias groups (see :data:`OUTLET_ALIASES`).
    """

    cites: set = field(default_factory=set)
    names: dict = field(default_factory=dict)
    aliases: tuple = OUTLET_ALIASES
    _cache: dict = field(default_factory=dict, repr=False)

    def name_keys(self, original_id: str) -> list[str]:
        if original_id not in self._cache:
            self._cache[original_id] = outlet_names(self.names.get(original_id, ()), self.aliases)
        return self._cache[original_id]

    def credit(self, copy: Doc, original: Doc) -> str | None:
        """How ``copy`` credits ``original``: ``"cites"``, ``"url"``, ``"name:<name>"`` or None."""
        if (copy.id, original.id) in self.cites:
            return "cites"
        raw = f"{copy.title or ''}\n{copy.text or ''}"
        key = url_key(original.url)
        if key and (key in raw.lower() or any(url_key(u) == key for u in copy.urls or ())):
            return "url"
        names = self.name_keys(original.id)
        if names:
            haystack = token_string(raw)
            for name in names:
                if f" {name} " in haystack:
                    return f"name:{display_name(name)}"
        return None


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

    def props(self, run_id: str | None = None) -> dict:
        """Properties of the ``COPIES`` relationship (those the model declares)."""
        out = {"similarity": round(self.similarity, 6), "containment": round(self.containment, 6),
               "attributed": self.attributed, "method": self.method}
        if self.lag_s is not None:
            out["lag_s"] = int(self.lag_s)
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

    def summary(self) -> dict:
        return {"compared": self.compared, "candidates": self.candidates, "copies": len(self.pairs),
                "attributed": sum(p.attributed for p in self.pairs),
                "unattributed": sum(not p.attributed for p in self.pairs),
                "ties": self.ties, "too_short": len(self.too_short), "undirected": len(self.undirected)}


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


def find_copies(docs: Iterable[Doc], params: CopyParams | None = None, ctx: AttributionContext | None = None,
                index: CopyIndex | None = None, batch_size: int = 2000) -> CopyResult:
    """Detect copies among in-memory documents (all against all, or new against ``index``).

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
    index = index or CopyIndex(params)
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
    cands = index.candidates()
    pairs, undirected, ties = verify_candidates(cands, known, params, ctx, shingles, index.sketches().char_mode)
    ts = {d.id: d.published_ts for d in known.values()}
    pairs = keep_best_originals(pairs, params.max_originals, ts)
    return CopyResult(pairs, compared, too_short, undirected, len(cands), ties)
