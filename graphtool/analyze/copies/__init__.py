"""Copy detection: which article copies which, how much, and whether it gave credit.

The engine is pure (texts in, pairs out) and incremental:

1. **Shingles** (:mod:`.shingles`): character n-grams for Chinese, word
   n-grams for English, over normalised text (markup stripped, NFKC, case-folded).
2. **Sketch** (:mod:`.sketch`) per document, computed once and stored:
   - a MinHash signature by *one-permutation hashing* with optimal densification
     (Li, Owen & Zhang 2012; Shrivastava 2017): one hash per shingle instead of one per
     shingle and permutation, with the same collision probability (the Jaccard index);
     only its LSH band keys are kept (``bins / rows`` uint32 values);
   - an *anchor sample*: the shingles whose hash is 0 modulo ``anchor_rate``.  The sample is
     consistent (a shingle is an anchor in every document that has it), so two documents
     share about ``|A n B| / anchor_rate`` anchors whatever their lengths.  This is what
     finds an excerpt inside a much longer text, where the Jaccard index -- and so any
     MinHash LSH tuned on it -- is small although most of the excerpt is copied.
3. **Candidates** (:mod:`.index`): pairs that share an LSH band (Jaccard lane) or at least
   ``min_shared_anchors`` anchors (containment lane), always with a new document in the pair,
   so an incremental run compares only what was added against everything.
4. **Verification** (:mod:`.verify`), exact: Jaccard and containment (the overlap coefficient
   ``|A n B| / min(|A|, |B|)``) of the two full shingle sets.  A pair is a copy when the
   containment is at least ``min_containment`` and they share at least ``min_shared`` shingles.
   Shingles of several characters are what keep unrelated Chinese texts that share many
   single characters apart.
5. **Direction**: the earlier publication is the original.  Identical timestamps: if exactly
   one of the two credits the other it is the copy, else the smaller id is taken as the
   original and the pair is flagged ``tie``.  A document without a timestamp is never an
   origin: against a dated document it is the copy (``lag_s`` unknown); two undated
   documents give no direction and no pair (reported in ``undirected``).
6. **Lineage** (:mod:`.lineage`): a copy keeps only the originals it derives from -- the
   earliest text it copies, or a copy of it that it demonstrably took the text from (it credits
   it, or carries what that copy added) -- never a sibling copy of the same original.
7. **Attribution** (:mod:`.attribution`): the copy credits the original when it cites it (a ``CITES``
   relationship), links or names its URL, or names the original's outlet (any of its names,
   with an alias table, ``outlet_aliases.toml``, joining e.g. 环球时报 and Global Times).

Parameters are in :mod:`.params`; :func:`.verify.detect` is the one pipeline that both
:func:`find_copies` (texts in memory) and :func:`graphtool.analyze.copies_store.detect_copies`
(the store) run.
"""
from .attribution import OUTLET_ALIASES, AttributionContext, display_name, outlet_names, url_key
from .index import Candidates, CopyIndex
from .lineage import EARLIEST, UPSTREAM_CREDIT, UPSTREAM_TEXT, resolve_sources, text_evidence
from .params import ENGINE, CopyParams, Doc
from .sketch import Sketches, decode_sketches, encode_sketch, sketch, sketch_is_current
from .verify import (CopyPair, CopyResult, Overlap, detect, find_copies, keep_best_originals, orient, overlap,
                     verify_candidates)

__all__ = ["OUTLET_ALIASES", "AttributionContext", "display_name", "outlet_names", "url_key", "Candidates",
           "CopyIndex", "ENGINE", "CopyParams", "Doc", "Sketches", "decode_sketches", "encode_sketch", "sketch",
           "sketch_is_current", "CopyPair", "CopyResult", "Overlap", "detect", "find_copies", "keep_best_originals",
           "orient", "overlap", "verify_candidates", "EARLIEST", "UPSTREAM_CREDIT", "UPSTREAM_TEXT",
           "resolve_sources", "text_evidence"]
