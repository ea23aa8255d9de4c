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
def char_classes() -> np.ndarray:
    """Class of every code point below ``TABLE_SIZE``: SEP, WORD or CHAR (uint8).

    The last entry is SEP: code points at or above it are clipped onto it.
    """
    table = np.zeros(TABLE_SIZE, dtype=np.uint8)
    for cp in range(TABLE_SIZE - 1):
        ch = chr(cp)
        if ch.isalnum() or unicodedata.category(ch)[0] == "M":
            table[cp] = WORD
    for lo, hi in NOSPACE_RANGES:
        sub = table[lo:min(hi, TABLE_SIZE - 2) + 1]
        sub[sub == WORD] = CHAR  # marks and digits inside those blocks stay words
    table[ord("_")] = SEP
    return table


@lru_cache(maxsize=1)
def char_hashes() -> np.ndarray:
    """A 64-bit hash of every code point below ``TABLE_SIZE``, equal for a letter and its
    lower case (case folding happens here, in the table, not in a pass over the text)."""
    folded = np.arange(TABLE_SIZE, dtype=np.uint64)
    for cp in range(TABLE_SIZE - 1):
        low = chr(cp).lower()
        if len(low) == 1 and low != chr(cp):
            folded[cp] = ord(low)
    with np.errstate(over="ignore"):
        return fmix64(folded * U64(0x9E3779B97F4A7C15) + U64(0x632BE59BD9B4E019))


def sorted_unique(values: np.ndarray, return_counts: bool = False):
    """``np.unique`` by sorting (numpy 2.4's hash-based ``np.unique`` is ~100x slower on uint64)."""
    a = np.sort(values, kind="stable")
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
    """What the shingler needs: markup stripped and NFKC (full-width -> half-width)."""
    if not text:
        return ""
    return unicodedata.normalize("NFKC", strip_markup(text))


def _codepoints(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def _classify(cp: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Clipped code points (as table indexes) and their classes."""
    idx = np.minimum(cp, np.uint32(TABLE_SIZE - 1))
    return idx, char_classes().take(idx)


def tokens(text: str) -> list[str]:
    """Tokens of an already normalised text: no-space-script characters and words.

    Examples
    --------
    >>> tokens("2021年 election, 保守党!")
    ['2021', '年', 'election', '保', '守', '党']
    """
    if not text:
        return []
    _, cls = _classify(_codepoints(text))
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


@lru_cache(maxsize=8)
def _powers(n: int) -> np.ndarray:
    # _CHAR_BASE ** i modulo 2^64 for i < n (numpy's uint64 products wrap, as wanted here).
    out = np.ones(n, dtype=np.uint64)
    if n > 1:
        out[1:] = np.cumprod(np.full(n - 1, _CHAR_BASE, dtype=np.uint64))
    return out


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
    A character's hash comes from a table (case folded there); a word's hash is the
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
    idx, cls = _classify(_codepoints(" ".join(texts) + " "))  # one separator after every document

    word = cls == WORD
    is_char = cls == CHAR
    starts = is_char.copy()
    starts[1:] |= word[1:] & ~word[:-1]
    starts[0] |= word[0]
    in_token = np.flatnonzero(cls)  # SEP is 0
    tok_start = np.flatnonzero(starts[in_token])  # positions in the compressed token-char array

    # Character mode: declared, else by the share of no-space-script characters.
    cum_tok = np.concatenate(([0], np.cumsum(cls != SEP)))[doc_start]
    cum_char = np.concatenate(([0], np.cumsum(is_char)))[doc_start]
    token_chars, nospace_chars = np.diff(cum_tok), np.diff(cum_char)
    char_mode = np.empty(n_docs, dtype=bool)
    for i, lang in enumerate(langs):
        declared = is_char_lang(lang)
        char_mode[i] = declared if declared is not None else (
            token_chars[i] > 0 and nospace_chars[i] >= CHAR_SCRIPT_SHARE * token_chars[i])
    if tok_start.size == 0:
        return ShingleBatch(empty, np.zeros(n_docs + 1, np.int64), np.zeros(n_docs, np.int64), char_mode)

    values = char_hashes().take(idx[in_token])
    tok_len = np.diff(np.append(tok_start, in_token.size))
    if int(tok_len.max()) > 1:  # words: a polynomial over their characters
        pos = np.arange(in_token.size, dtype=np.int64) - np.repeat(tok_start, tok_len)
        tok_hash = np.add.reduceat(values * _powers(int(tok_len.max())).take(pos), tok_start)
    else:
        tok_hash = values
    tok_doc = np.searchsorted(doc_start, in_token[tok_start], side="right") - 1
    n_tokens = np.bincount(tok_doc, minlength=n_docs)

    parts_hash, parts_doc = [], []
    ks = np.where(char_mode, k_char, k_word)
    distinct_k = np.unique(ks).tolist()
    for k in distinct_k:
        th, td = (tok_hash, tok_doc) if len(distinct_k) == 1 else (tok_hash[ks[tok_doc] == k],
                                                                   tok_doc[ks[tok_doc] == k])
        n = th.size - k + 1
        if n <= 0:
            continue
        h = th[:n] * _TOKEN_MULT[0]
        for j in range(1, k):
            h += th[j:j + n] * _TOKEN_MULT[j]
        valid = td[:n] == td[k - 1:]
        parts_hash.append(fmix64(h[valid]))
        parts_doc.append(td[:n][valid])
    if not parts_hash:
        return ShingleBatch(empty, np.zeros(n_docs + 1, np.int64), n_tokens, char_mode)
    hashes = np.concatenate(parts_hash)
    docs = np.concatenate(parts_doc)
    if len(parts_hash) > 1:
        order = np.argsort(docs, kind="stable")
        hashes, docs = hashes[order], docs[order]
    offsets = np.zeros(n_docs + 1, dtype=np.int64)
    np.cumsum(np.bincount(docs, minlength=n_docs), out=offsets[1:])
    return ShingleBatch(hashes, offsets, n_tokens, char_mode)


def shingle_set(text: str, lang: str | None = None, k_char: int = 4, k_word: int = 3) -> np.ndarray:
    """Sorted distinct shingle hashes of one raw text (normalised here)."""
    batch = shingle_batch([prepare(text)], [lang], k_char, k_word)
    return sorted_unique(batch.hashes)
