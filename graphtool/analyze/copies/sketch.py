"""Per-document sketches: OPH MinHash band keys and a consistent anchor sample, and their stored form."""
from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from .params import CopyParams, EMPTY
from .shingles import ShingleBatch, U64, fmix64, prepare, shingle_batch, sorted_unique


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


def _joined_offsets(offsets: list[np.ndarray]) -> np.ndarray:
    """The CSR offsets of ragged arrays laid end to end: each part's offsets shifted by the rows before it."""
    out, base = [np.zeros(1, np.int64)], 0
    for o in offsets:
        out.append(o[1:] + base)
        base += o[-1]
    return np.concatenate(out)


def _concat_sketches(parts: list[Sketches], bands: int) -> Sketches:
    if not parts:
        return Sketches(np.zeros((0, bands), np.uint32), np.zeros(0, np.uint32), np.zeros(1, np.int64),
                        np.zeros(0, np.uint8), np.zeros(0, bool), np.zeros(0, bool))
    if len(parts) == 1:
        return parts[0]
    return Sketches(np.concatenate([s.bands for s in parts]), np.concatenate([s.anchors for s in parts]),
                    _joined_offsets([s.anchor_offsets for s in parts]), np.concatenate([s.levels for s in parts]),
                    np.concatenate([s.char_mode for s in parts]), np.concatenate([s.short for s in parts]))


def _concat_batches(parts: list[ShingleBatch]) -> ShingleBatch:
    if len(parts) == 1:
        return parts[0]
    return ShingleBatch(np.concatenate([b.hashes for b in parts]), _joined_offsets([b.offsets for b in parts]),
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
