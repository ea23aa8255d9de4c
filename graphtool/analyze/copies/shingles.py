"""Text normalisation, tokens and shingle hashes for copy detection, vectorised over batches.

One definition of a *token* serves every language: a single character of a script written
without spaces (Han, kana, Thai: no word segmentation needed) or a maximal run of other
letters, digits and combining marks (a word).  A *shingle* is ``k`` consecutive tokens of one
document: character n-grams for Chinese, word n-grams for English, the mode chosen per
document from its declared ``lang`` or, when none is declared, from its script mix.

Everything after normalisation runs in numpy over a whole batch of documents at once
(one ``utf-32`` buffer), so the cost per document is a few passes over its code points
rather than Python work per token.  All hashes are fixed functions of the text (no
per-process salt), so sketches stored by one run are comparable with those of the next.
"""
from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

U64 = np.uint64
MASK64 = (1 << 64) - 1

# Scripts written without spaces between words: each character is a token.
NOSPACE_RANGES = (
    (0x0E00, 0x0EFF),    # Thai, Lao
    (0x3040, 0x30FF),    # Hiragana, Katakana
    (0x31F0, 0x31FF),    # Katakana phonetic extensions
    (0x3400, 0x4DBF),    # CJK extension A
    (0x4E00, 0x9FFF),    # CJK unified ideographs
    (0xF900, 0xFAFF),    # CJK compatibility ideographs
    (0x20000, 0x3134F),  # CJK extensions B..G
)
TABLE_SIZE = 0x32000  # code points above this are separators (planes 4+ hold no words we tokenise)
SEP, WORD, CHAR = 0, 1, 2

# Languages whose declared code selects character shingles (no spaces between words).
CHAR_LANGS = ("zh", "ja", "th", "lo", "yue", "wuu", "cmn")
# Undeclared language: character shingles when at least this share of token characters
# are of a no-space script.
CHAR_SCRIPT_SHARE = 0.3

_TAG = re.compile(r"<(script|style)\b[^>]*>.*?</\1\s*>|<!--.*?-->|</?[A-Za-z][^<>]{0,4000}>", re.S | re.I)
_SPACE = re.compile(r"\s+")


@lru_cache(maxsize=1)
def _tables() -> tuple[np.ndarray, np.ndarray, re.Pattern]:
    """Per code point below ``TABLE_SIZE``: its class and its 64-bit hash, both taken after
    NFKC (when that gives one character: full-width -> half-width) and lower-casing; and a
    pattern of the characters NFKC expands into several (ligatures, ...) or that compose
    with a neighbour (combining accents), for which the text itself is normalised.

    Folding width and case into the tables spares a pass over every text (NFKC is slow on
    Chinese, whose full-width punctuation sends it down its slow path).  Planes above the
    BMP: the CJK extension blocks are characters of their own, the rest separators.
    """
    classes = np.zeros(TABLE_SIZE, dtype=np.uint8)
    target = np.arange(TABLE_SIZE, dtype=np.uint64)
    alpha = np.zeros(TABLE_SIZE, dtype=bool)
    expand = []
    category = unicodedata.category
    for cp in range(0x10000):
        ch = chr(cp)
        nf = unicodedata.normalize("NFKC", ch)
        if len(nf) != 1:
            expand.append(cp)
            nf = ch
        low = nf.lower()
        t = low if len(low) == 1 else nf
        target[cp] = ord(t)
        if t.isalnum() or category(t)[0] == "M":
            classes[cp] = WORD
            alpha[cp] = t.isalpha()
    nospace = np.zeros(TABLE_SIZE, dtype=bool)
    for lo, hi in NOSPACE_RANGES:
        nospace |= (target >= lo) & (target <= hi)
        if lo >= 0x10000:
            classes[lo:min(hi, TABLE_SIZE - 2) + 1] = WORD
            alpha[lo:min(hi, TABLE_SIZE - 2) + 1] = True
    classes[(classes == WORD) & nospace & alpha] = CHAR  # digits and marks in those blocks stay words
    classes[ord("_")] = SEP
    classes[TABLE_SIZE - 1] = SEP
    with np.errstate(over="ignore"):
        hashes = fmix64(target * U64(0x9E3779B97F4A7C15) + U64(0x632BE59BD9B4E019))
    hashes = (hashes & ~U64(3)) | classes.astype(np.uint64)  # the class rides in the 2 low bits
    ranges, start = [], None
    for cp in expand + [None]:
        if start is not None and (cp is None or cp != prev + 1):
            ranges.append(f"\\u{start:04x}" + (f"-\\u{prev:04x}" if prev > start else ""))
            start = None
        if cp is not None and start is None:
            start = cp
        prev = cp
    return classes, hashes, re.compile("[" + "".join(ranges) + "\\u0300-\\u036f]")


def char_classes() -> np.ndarray:
    """Class of every code point below ``TABLE_SIZE`` (SEP, WORD or CHAR), after width and case folding."""
    return _tables()[0]


def char_hashes() -> np.ndarray:
    """A 64-bit hash of every code point below ``TABLE_SIZE``, equal for a character's full-width,
    half-width, upper- and lower-case forms; its two low bits are the character's class."""
    return _tables()[1]


def sorted_unique(values: np.ndarray, return_counts: bool = False):
    """``np.unique`` by sorting (numpy 2.4's hash-based ``np.unique`` is ~100x slower on uint64)."""
    a = np.sort(values)
    if a.size == 0:
        return (a, np.zeros(0, dtype=np.int64)) if return_counts else a
    first = np.concatenate(([True], a[1:] != a[:-1]))
    if not return_counts:
        return a[first]
    starts = np.flatnonzero(first)
    return a[starts], np.diff(np.append(starts, a.size))


def strip_markup(text: str) -> str:
    """Remove HTML tags, comments, scripts and styles; decode entities."""
    if "<" in text:
        text = _TAG.sub(" ", text)
    if "&" in text:
        text = html.unescape(text)
    return text


def normalize(text: str | None) -> str:
    """Markup stripped, NFKC (full-width -> half-width), case-folded, whitespace collapsed.

    The shingler does not need the last two (its character table folds case and it skips
    whitespace); it uses the cheaper :func:`prepare`.

    Examples
    --------
    >>> normalize("<p>Ｇｌｏｂａｌ&nbsp;TIMES</p>  环球时报")
    'global times 环球时报'
    """
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", strip_markup(text)).casefold()
    return _SPACE.sub(" ", text).strip()


def prepare(text: str | None) -> str:
    """What the shingler needs: markup stripped; NFKC only where the tables cannot fold
    (characters that expand or compose); width and case are folded by the tables."""
    if not text:
        return ""
    text = strip_markup(text)
    return unicodedata.normalize("NFKC", text) if _tables()[2].search(text) else text


def _codepoints(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def _lookup(cp: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per code point: its hash (class in the low bits) and its class, from one table gather."""
    h = char_hashes().take(np.minimum(cp, np.uint32(TABLE_SIZE - 1)))
    return h, (h & U64(3)).astype(np.uint8)


def tokens(text: str) -> list[str]:
    """Tokens of an already normalised text: no-space-script characters and words.

    Examples
    --------
    >>> tokens("2021年 election, 保守党!")
    ['2021', '年', 'election', '保', '守', '党']
    """
    if not text:
        return []
    _, cls = _lookup(_codepoints(text))
    word = cls == WORD
    prev = np.concatenate(([False], word[:-1]))
    nxt = np.concatenate((word[1:], [False]))
    starts = np.flatnonzero((cls == CHAR) | (word & ~prev))
    ends = np.flatnonzero((cls == CHAR) | (word & ~nxt)) + 1
    return [text[s:e] for s, e in zip(starts.tolist(), ends.tolist())]


def token_string(text: str) -> str:
    """Tokens joined by single spaces, padded: ``" a b c "``, for whole-token substring tests."""
    return " " + " ".join(tokens(normalize(text))) + " "


def is_char_lang(lang: str | None) -> bool | None:
    """True / False for a declared language, None when undeclared."""
    if not lang or not lang.strip():
        return None
    return lang.strip().lower().replace("_", "-").split("-")[0] in CHAR_LANGS


def fmix64(x: np.ndarray) -> np.ndarray:
    """MurmurHash3's 64-bit finaliser, elementwise, in place on a uint64 array copy."""
    x = x ^ (x >> U64(33))
    x *= U64(0xFF51AFD7ED558CCD)
    x ^= x >> U64(33)
    x *= U64(0xC4CEB9FE1A85EC53)
    x ^= x >> U64(33)
    return x


# Odd multipliers that make the token polynomial and the shingle combination order-sensitive.
_CHAR_BASE = U64(0x9E3779B97F4A7C15)
_TOKEN_MULT = tuple(U64(m) for m in (0xD6E8FEB86659FD93, 0xA0761D6478BD642F, 0xE7037ED1A0B428DB,
                                     0x8EBC6AF09C88C6E3, 0x589965CC75374CC3, 0x1D8E4E27C47D124F,
                                     0xBF58476D1CE4E5B9, 0x94D049BB133111EB))
MAX_K = len(_TOKEN_MULT)


def _inverse(a: int) -> int:
    """Multiplicative inverse of an odd number modulo 2^64 (Newton's iteration)."""
    x = a
    for _ in range(6):
        x = (x * (2 - a * x)) & MASK64
    return x


_POW: list = [np.ones(1, np.uint64), np.ones(1, np.uint64)]  # B^i and B^-i mod 2^64, grown on demand


def _powers(n: int) -> tuple[np.ndarray, np.ndarray]:
    if _POW[0].size < n:
        size = max(n, 2 * _POW[0].size, 1 << 16)
        out = np.ones(size, dtype=np.uint64)
        inv = np.ones(size, dtype=np.uint64)
        out[1:] = np.cumprod(np.full(size - 1, _CHAR_BASE, dtype=np.uint64))
        inv[1:] = np.cumprod(np.full(size - 1, U64(_inverse(int(_CHAR_BASE))), dtype=np.uint64))
        _POW[:] = [out, inv]
    return _POW[0][:n], _POW[1]


@dataclass
class ShingleBatch:
    """Shingle hashes of a batch of documents.

    ``hashes[offsets[i]:offsets[i + 1]]`` are document ``i``'s shingle hashes in text order
    (repeats kept); ``n_tokens[i]`` its token count; ``char_mode[i]`` whether it was shingled
    by characters (True) or words (False).
    """

    hashes: np.ndarray
    offsets: np.ndarray
    n_tokens: np.ndarray
    char_mode: np.ndarray

    def doc(self, i: int) -> np.ndarray:
        return self.hashes[self.offsets[i]:self.offsets[i + 1]]

    def doc_index(self) -> np.ndarray:
        """Document index of every hash."""
        return np.repeat(np.arange(len(self.offsets) - 1, dtype=np.int64), np.diff(self.offsets))


def shingle_batch(texts: list[str], langs: list[str | None] | None = None, k_char: int = 4,
                  k_word: int = 3) -> ShingleBatch:
    """Shingle hashes of a batch of texts prepared by :func:`prepare` (or :func:`normalize`).

    Parameters
    ----------
    texts : list of str
    langs : list of (str or None), optional
        Declared languages; an undeclared one is detected from the script mix.
    k_char, k_word : int
        Shingle width in tokens for character-mode and word-mode documents (1..8).

    Returns
    -------
    ShingleBatch
        A document with fewer than ``k`` tokens has no shingles.

    Notes
    -----
    A character's hash comes from a table (width and case folded there); a word's hash is the
    polynomial ``sum_p hash(c_p) * B^p`` (mod 2^64); a shingle's hash is
    ``fmix64(sum_j M_j * token_{i+j})`` with fixed odd multipliers ``M_j``, so it depends on
    the tokens and their order only.  The batch is one ``utf-32`` buffer and the work is a
    constant number of numpy passes over its code points, tokens and shingles.
    """
    if not 1 <= k_char <= MAX_K or not 1 <= k_word <= MAX_K:
        raise ValueError(f"shingle width must be 1..{MAX_K}")
    n_docs = len(texts)
    langs = langs or [None] * n_docs
    empty = np.zeros(0, np.uint64)
    if n_docs == 0:
        return ShingleBatch(empty, np.zeros(1, np.int64), np.zeros(0, np.int64), np.zeros(0, bool))
    lengths = np.fromiter((len(t) + 1 for t in texts), dtype=np.int64, count=n_docs)
    doc_start = np.zeros(n_docs + 1, dtype=np.int64)
    np.cumsum(lengths, out=doc_start[1:])
    h, cls = _lookup(_codepoints(" ".join(texts) + " "))  # one separator after every document

    word = cls == WORD
    is_char = cls == CHAR
    starts = is_char.copy()
    starts[1:] |= word[1:] & ~word[:-1]
    starts[0] |= word[0]
    in_token = np.flatnonzero(cls)  # SEP is 0
    tok_start = np.flatnonzero(starts[in_token])  # positions in the compressed token-char array
    n_tok = tok_start.size

    # Character mode: declared, else by the share of no-space-script characters.
    token_chars = np.diff(np.searchsorted(in_token, doc_start))
    nospace_chars = np.diff(np.searchsorted(np.flatnonzero(is_char), doc_start))
    char_mode = np.empty(n_docs, dtype=bool)
    for i, lang in enumerate(langs):
        declared = is_char_lang(lang)
        char_mode[i] = declared if declared is not None else (
            token_chars[i] > 0 and nospace_chars[i] >= CHAR_SCRIPT_SHARE * token_chars[i])
    # tokens per document, from where each document's first token is
    first_tok = np.searchsorted(in_token[tok_start], doc_start)
    n_tokens = np.diff(first_tok)
    if n_tok == 0:
        return ShingleBatch(empty, np.zeros(n_docs + 1, np.int64), n_tokens, char_mode)

    values = h[in_token]
    if n_tok == values.size:  # every token is one character (Chinese): its hash is the character's
        tok_hash = values
    else:  # words: sum_p hash(c_p) * B^p, from prefix sums of hash(c_i) * B^i, shifted back by B^-start
        powers, inverse = _powers(values.size)
        prefix = np.empty(values.size + 1, dtype=np.uint64)
        prefix[0] = 0
        np.cumsum(values * powers, out=prefix[1:])
        tok_hash = (prefix[np.append(tok_start[1:], values.size)] - prefix[tok_start]) * inverse[:values.size].take(tok_start)

    ks = np.where(char_mode, k_char, k_word)
    distinct_k = np.unique(ks).tolist()
    if len(distinct_k) == 1:
        hashes = _windows(tok_hash, first_tok[1:-1], distinct_k[0])
        counts = np.maximum(n_tokens - distinct_k[0] + 1, 0)
    else:  # documents of different widths: shingle each group, then restore document order
        tok_doc = np.repeat(np.arange(n_docs), n_tokens)
        parts_hash, parts_doc = [], []
        for k in distinct_k:
            sel = ks[tok_doc] == k
            th, td = tok_hash[sel], tok_doc[sel]
            bounds = np.flatnonzero(td[1:] != td[:-1]) + 1
            hk = _windows(th, bounds, k)
            dk = np.repeat(np.flatnonzero(ks == k), np.maximum(n_tokens[ks == k] - k + 1, 0))
            parts_hash.append(hk)
            parts_doc.append(dk)
        docs = np.concatenate(parts_doc)
        order = np.argsort(docs, kind="stable")
        hashes = np.concatenate(parts_hash)[order]
        counts = np.maximum(n_tokens - ks + 1, 0)
    offsets = np.zeros(n_docs + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    return ShingleBatch(hashes, offsets, n_tokens, char_mode)


def _windows(tok_hash: np.ndarray, bounds: np.ndarray, k: int) -> np.ndarray:
    """Hashes of every run of ``k`` tokens that does not cross a document boundary.

    ``bounds`` are the indexes of the first token of each document but the first.
    """
    n = tok_hash.size - k + 1
    if n <= 0:
        return np.zeros(0, np.uint64)
    h = tok_hash[:n] * _TOKEN_MULT[0]
    for j in range(1, k):
        h += tok_hash[j:j + n] * _TOKEN_MULT[j]
    if k > 1 and bounds.size:
        valid = np.ones(n, dtype=bool)
        for j in range(1, k):  # a window starting j tokens before a boundary crosses it
            at = bounds - j
            valid[at[(at >= 0) & (at < n)]] = False
        h = h[valid]
    return fmix64(h)


def shingle_set(text: str, lang: str | None = None, k_char: int = 4, k_word: int = 3) -> np.ndarray:
    """Sorted distinct shingle hashes of one raw text (normalised here)."""
    batch = shingle_batch([prepare(text)], [lang], k_char, k_word)
    return sorted_unique(batch.hashes)
