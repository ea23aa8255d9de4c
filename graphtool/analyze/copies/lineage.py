"""Which original a copy points to: the earliest text it copies, not a sibling copy of that text.

Verification pairs a copy with every earlier text it overlaps, and copies of one original
overlap each other as much as they overlap it.  A COPIES relationship accuses its copy of
taking the target's text (without credit, where ``attributed`` is false), so a copy keeps
only the originals it derives from (:func:`resolve_sources`, docs/provenance.md):

- an original it copies that does not itself derive from another text the copy also copies
  (basis ``earliest``: the earliest text it copies);
- instead of that original, a copy ``u`` of it, when the copy demonstrably took the text from
  ``u``: it credits ``u`` and not the original (basis ``upstream-credit``), or it carries nearly
  all of what ``u`` added to the original, those additions are a substantial part of what it
  shares with ``u`` (a quarter: a line of boilerplate around a whole article is no evidence),
  and it has nothing of the original that ``u`` left out (basis ``upstream-text``, with
  ``evidence_shared`` shingles, ``evidence_share`` of ``u``'s additions).

Two copies of one original that share only the original's text (and boilerplate, a template,
the same comment) are siblings: no COPIES joins them.  That relation is not stored: two COPIES
into one original already say it, and a family of ``n`` copies would add ``n^2/2`` edges.
"""
from __future__ import annotations

from typing import Callable, Iterable

import numpy as np

EARLIEST, UPSTREAM_CREDIT, UPSTREAM_TEXT = "earliest", "upstream-credit", "upstream-text"


def ancestry(ids: Iterable[str], sources: dict[str, set],
             stored: Callable[[list[str]], dict[str, set]] = lambda ids: {}) -> dict[str, set]:
    """Every text each id derives from: its sources, theirs, ... (``sources`` first, then ``stored``)."""
    direct: dict[str, set] = {}
    frontier = set(ids)
    while frontier:
        ask = sorted(x for x in frontier if x not in sources)
        found = stored(ask) if ask else {}
        for x in frontier:
            direct[x] = set(sources.get(x, ())) | set(found.get(x, ()))
        frontier = {y for x in frontier for y in direct[x]} - set(direct)
    out: dict[str, set] = {}
    for x in ids:
        seen, todo = set(), list(direct.get(x, ()))
        while todo:
            y = todo.pop()
            if y not in seen:
                seen.add(y)
                todo.extend(direct.get(y, ()))
        out[x] = seen - {x}
    return out


def text_evidence(copy: np.ndarray, upstream: np.ndarray, base: np.ndarray, min_shared: int,
                  share: float, part: float = 0.25) -> tuple[int, float] | None:
    """``(shared, share)`` when ``copy`` carries ``upstream``'s own additions to ``base``, else None.

    Shingle sets are sorted and distinct.  The copy must carry at least ``share`` of the
    shingles ``upstream`` has and ``base`` lacks (and at least ``min_shared``); they must be at
    least ``part`` of all it shares with ``upstream``; and it must have fewer than ``min_shared``
    shingles of ``base`` that ``upstream`` left out (else it saw the original).

    Examples
    --------
    >>> import numpy as np
    >>> o, u = np.arange(0, 40, dtype=np.uint64), np.arange(0, 60, dtype=np.uint64)  # u adds 20 to o
    >>> text_evidence(u.copy(), u, o, 8, 0.9)
    (20, 1.0)
    >>> text_evidence(o.copy(), u, o, 8, 0.9) is None  # a sibling: the original's text only
    True
    >>> text_evidence(u.copy(), np.arange(0, 50, dtype=np.uint64), o, 8, 0.9) is None  # 10 of 50: boilerplate
    True
    """
    added = np.setdiff1d(upstream, base, assume_unique=True)
    carried = int(np.intersect1d(copy, added, assume_unique=True).size)
    if not added.size or carried < max(min_shared, share * added.size):
        return None
    if carried < part * np.intersect1d(copy, upstream, assume_unique=True).size:
        return None
    left_out = np.setdiff1d(np.intersect1d(copy, base, assume_unique=True), upstream, assume_unique=True)
    if left_out.size >= min_shared:
        return None
    return carried, carried / added.size


def resolve_sources(pairs: list, ts: dict, shingles: Callable[[list[str]], dict[str, np.ndarray]],
                    stored: Callable[[list[str]], dict[str, set]], min_shared: int, share: float,
                    part: float = 0.25) -> tuple[list, int, list]:
    """The pairs a copy derives from (module docstring), each with its ``basis``; how many were dropped;
    and the ``(copy, original)`` pairs an earlier run recorded that no longer hold.

    A copy found again in a later run (it copies an article new to this run, dated before it)
    is resolved with the originals recorded for it too: a recorded COPIES to what has become a
    sibling is retracted.

    Parameters
    ----------
    pairs : list of CopyPair
        Every verified pair of a run.
    ts : dict
        id -> publication time (None: undated), to resolve earlier copies first.
    shingles : callable
        ``shingles(ids)`` -> id -> sorted distinct shingle hashes (texts of families only).
    stored : callable
        ``stored(ids)`` -> id -> originals already recorded for it (an earlier run's COPIES).
    min_shared, share, part : int, float, float
        Text evidence thresholds (:func:`text_evidence`).
    """
    cache: dict[str, set] = {}

    def stored_once(ids: list[str]) -> dict[str, set]:
        ask = [i for i in ids if i not in cache]
        if ask:
            found = stored(ask)
            cache.update({i: set(found.get(i, ())) for i in ask})
        return {i: cache[i] for i in ids}

    by_copy: dict[str, dict] = {}
    for p in pairs:
        by_copy.setdefault(p.copy, {})[p.original] = p
    order = sorted(by_copy, key=lambda c: (ts.get(c) is None, ts.get(c) or 0, c))
    kept: dict[str, set] = {}
    out, dropped = [], 0
    retracted: list = []
    stored_once(sorted(set(by_copy) | {x for m in by_copy.values() for x in m}))  # one batched read, then cached
    for c in order:
        matches = by_copy[c]
        earlier = stored_once([c])[c] - matches.keys()  # recorded by an earlier run, not found again
        if earlier:
            matches = {**matches, **{x: None for x in sorted(earlier)}}
        if len(matches) == 1:
            kept[c] = set(matches)
            out.extend(p for p in matches.values() if p is not None)
            continue
        anc = ancestry(matches, kept, stored_once)
        derived = {x for x in matches if anc[x] & matches.keys()}
        if not derived:
            kept[c] = set(matches)
            out.extend(p for p in matches.values() if p is not None)
            continue
        evidence: dict[str, tuple] = {}
        for x in sorted(derived):  # a credit that singles the upstream out: not one it shares with the original
            if matches[x] is not None and matches[x].attributed and not any(
                    matches[y] is not None and matches[y].attributed for y in anc[x] & matches.keys()):
                evidence[x] = (UPSTREAM_CREDIT, None)
        need = [x for x in sorted(derived) if x not in evidence]
        if need:
            sets = shingles(sorted({c, *need, *(y for x in need for y in anc[x] & matches.keys())}))
            for x in need:
                base = [sets[y] for y in sorted(anc[x] & matches.keys()) if y in sets]
                if c in sets and x in sets and base:
                    found = text_evidence(sets[c], sets[x], np.unique(np.concatenate(base)), min_shared, share,
                                          part)
                    if found:
                        evidence[x] = (UPSTREAM_TEXT, found)
        ranked = sorted(evidence, key=lambda x: (evidence[x][0] != UPSTREAM_CREDIT,
                                                 -(evidence[x][1] or (0, 0))[0], -(ts.get(x) or 0), x))
        accepted, covered = [], set()
        for u in ranked:
            if u in covered or anc[u] & covered:
                continue
            accepted.append(u)
            covered |= anc[u] | {u}
        keep = set(accepted) | {x for x in matches if x not in derived and x not in covered}
        retracted += [(c, x) for x in sorted(earlier - keep)]
        for x in sorted(keep):
            p = matches[x]
            if p is None:  # recorded before, still holds
                continue
            if x in evidence:
                p.basis = evidence[x][0]
                if evidence[x][1]:
                    p.evidence_shared, p.evidence_share = evidence[x][1]
            out.append(p)
        dropped += len(matches) - len(keep)
        kept[c] = keep
    return out, dropped, retracted
