"""What decides a copy (:class:`CopyParams`, tagged on stored sketches) and the engine's input record (:class:`Doc`)."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np


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
    upstream_share : float
        A copy that also copies the original points to a copy of it instead only with evidence:
        it credits that copy, or carries at least this share of what that copy added to the
        original (and nothing of the original it left out), additions that are at least
        ``upstream_part`` of all it shares with that copy: see :mod:`.lineage`.
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
    upstream_share: float = 0.9
    upstream_part: float = 0.25
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
