"""Which passages two texts share, by the copy detector's own shingles: for showing a copy beside its original.

The texts are prepared as the detector prepares them (:func:`.shingles.prepare`: markup stripped),
shingled with the same widths and hashes, and every shingle the two texts have in common marks
the characters of its tokens.  The result is a list of ``(text, shared)`` segments per text, so a
page can draw the shared ones highlighted while showing every character as text.
"""
from __future__ import annotations

import numpy as np

from .params import CopyParams
from .shingles import CHAR, WORD, _codepoints, char_classes, prepare, shingle_batch

Segments = list[tuple[str, bool]]


def _token_bounds(text: str) -> tuple[np.ndarray, np.ndarray]:
    """Start and end (exclusive) character offsets of the tokens, as :func:`.shingles.tokens` cuts them."""
    if not text:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    classes = char_classes()
    cp = _codepoints(text)
    cls = classes.take(np.minimum(cp, np.uint32(classes.size - 1)))
    word = cls == WORD
    prev = np.concatenate(([False], word[:-1]))
    nxt = np.concatenate((word[1:], [False]))
    starts = np.flatnonzero((cls == CHAR) | (word & ~prev))
    ends = np.flatnonzero((cls == CHAR) | (word & ~nxt)) + 1
    return starts, ends


def _marked(text: str, hashes: np.ndarray, k: int, shared: np.ndarray) -> np.ndarray:
    """Per character of ``text``: whether it lies in a shingle found in ``shared``."""
    mark = np.zeros(len(text) + 1, dtype=np.int64)
    starts, ends = _token_bounds(text)
    hit = np.flatnonzero(np.isin(hashes, shared))
    if hit.size and starts.size >= hit.max() + k:  # shingle i spans tokens i .. i + k - 1
        np.add.at(mark, starts[hit], 1)
        np.add.at(mark, ends[hit + k - 1], -1)
    return np.cumsum(mark[:-1]) > 0


def _segments(text: str, marked: np.ndarray) -> Segments:
    if not text:
        return []
    cuts = np.flatnonzero(marked[1:] != marked[:-1]) + 1
    bounds = [0, *cuts.tolist(), len(text)]
    return [(text[a:b], bool(marked[a])) for a, b in zip(bounds, bounds[1:])]


def shared_passages(text_a: str | None, text_b: str | None, lang_a: str | None = None, lang_b: str | None = None,
                    params: CopyParams | None = None) -> tuple[Segments, Segments, float]:
    """The two texts (markup stripped) cut into segments, shared passages marked.

    Returns
    -------
    (segments of a, segments of b, share)
        ``share`` is the part of the shorter text's distinct shingles that the other has
        (the detector's containment), 0.0 when either has none.

    Examples
    --------
    >>> a, b, share = shared_passages("the quick brown fox jumps over the lazy dog today",
    ...                               "breaking: the quick brown fox jumps over a cat")
    >>> [t for t, s in b if s], share
    (['the quick brown fox jumps over'], 0.5)
    """
    params = params or CopyParams()
    texts = [prepare(text_a), prepare(text_b)]
    batch = shingle_batch(texts, [lang_a, lang_b], params.k_char, params.k_word)
    ks = [params.k_char if batch.char_mode[i] else params.k_word for i in range(2)]
    a_hashes, b_hashes = batch.doc(0), batch.doc(1)
    shared = np.intersect1d(a_hashes, b_hashes) if ks[0] == ks[1] else np.zeros(0, np.uint64)
    smaller = min(np.unique(a_hashes).size, np.unique(b_hashes).size)
    share = round(shared.size / smaller, 6) if smaller else 0.0
    return (_segments(texts[0], _marked(texts[0], a_hashes, ks[0], shared)),
            _segments(texts[1], _marked(texts[1], b_hashes, ks[1], shared)), share)


__all__ = ["shared_passages", "Segments"]
