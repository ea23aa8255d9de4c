"""Coordination networks: accounts that act on the same item within a time window.

The semantics are those of the QUT coordination-network-toolkit (Graham et al.), the
reference tool of the field:

* An **action** is one message of one account on one item at one time.  The item depends
  on the kind of network: the repost target (``co-share``, QUT's co-retweet), the
  normalised URL (``co-link``), the normalised text (``co-text``, QUT's co-tweet), the
  reply target (``co-reply``), the identical media (``co-media``: a sound or media id, or a
  file hash, as 4CAT's video-hash networks); ``co-similar-text`` matches texts whose shingle sets have
  Jaccard similarity at or above a threshold (QUT's co-similar-tweet).
* The **directed weight** A -> B is the number of A's distinct messages that are matched by
  at least one *other* message of B on the same item with ``|t_A - t_B| <= window``.
  A -> A (a self-loop) counts A's messages matched by another message of A: an account
  sharing one item twice in a burst.  QUT computes self-loops and leaves them out of its
  graphs unless asked; so do we.
* A directed edge exists when its weight reaches ``min_weight``.  Since matching is
  symmetric, A -> B >= 1 exactly when B -> A >= 1; the weights can differ when one account
  acted several times on an item (see :class:`Pair`).

Only QUT's own input conventions are kept where they are part of the semantics: messages
that are reposts take part in ``co-share`` only (their text and URLs are the original's);
a message id counts once (the first occurrence wins, as QUT's ``insert or ignore``).

Cost
----
Per item, actions are sorted by time and each action's window is found by binary search
(sort-and-sweep), so the work is ``O(n log n + M)`` where ``M`` is the number of matched
action pairs -- the size of the evidence itself.  A hub item shared by thousands of
accounts far apart in time costs nothing extra; a hub item shared by ``k`` accounts
*within one window* costs ``k^2``, which is also the number of coordination edges it
creates.  Matched pairs are produced and reduced in blocks of at most ``BLOCK`` so memory
stays bounded by the block plus the distinct (message, account) matches.
"""
from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Sequence as SequenceABC
from dataclasses import dataclass, field
from itertools import repeat
from typing import Iterable, Iterator, NamedTuple, Sequence

import numpy as np

from ..runtime import cycle_collector_paused

KINDS = ("co-share", "co-link", "co-text", "co-similar-text", "co-reply", "co-media")
# Kinds whose message may carry several items (a post's URLs, its sound and media files): one action per item.
MULTI_ITEM_KINDS = ("co-link", "co-media")
DEFAULT_WINDOW_S = 60
DEFAULT_SIMILARITY = 0.8
BLOCK = 1_000_000  # matched pairs per block: ~60 MB of int64 work arrays
SEARCH_ROWS = 1 << 20  # window bounds looked up this many rows at a time (8 MB arrays, not n-row ones)


# ---------------------------------------------------------------------------------------
# Inputs


class Message(NamedTuple):
    """One message (post, repost or reply) of one account, the unit QUT works on.

    ``repost_of`` / ``reply_to`` are the ids of the shared / answered item; ``urls`` the
    links the message carries; ``ts`` epoch seconds (fractions allowed).
    """

    message_id: str
    account: str
    ts: float
    repost_of: str | None = None
    reply_to: str | None = None
    text: str | None = None
    urls: tuple[str, ...] = ()
    media: tuple[str, ...] = ()  # media ids or file hashes it carries (co-media)


class Action(NamedTuple):
    """One account acting on one item at one time, through one message."""

    account: str
    item: str
    ts: float
    message_id: str


# URL normalisation lives in the one values module; re-exported for the callers here.
from ..values import TRACKING_PARAMS, TRACKING_PREFIXES, normalize_url  # noqa: E402,F401


_MENTION = re.compile(r"@.*?(?=(?:\s|$))")  # QUT's social_media_cleaner


def normalize_text(text: str | None) -> str | None:
    """QUT's message preprocessor: lower-case, drop @mentions, collapse whitespace.

    ``None`` for empty text (QUT would let every empty message match every other one).

    >>> normalize_text("RT  @someone Hello   World")
    'rt hello world'
    """
    if text is None:
        return None
    out = " ".join(_MENTION.sub("", str(text).lower()).split())
    return out or None


SHINGLE_CHARS = 3  # character shingle width for scripts written without spaces
SHINGLE_WORDS = 1  # word shingle width: single words, QUT's choice for its similarity


def _shingle_sets(texts: Sequence[str]) -> list[frozenset]:
    """Shingle-hash sets of many texts at once (see :func:`shingles`)."""
    from .copies.shingles import normalize, shingle_batch

    batch = shingle_batch([normalize(t) for t in texts], None, SHINGLE_CHARS, SHINGLE_WORDS)
    return [frozenset(batch.doc(i).tolist()) for i in range(len(texts))]


def shingles(text: str | None) -> frozenset[int]:
    """The set of shingles near-duplicate texts are compared on, as 64-bit hashes.

    After QUT's normalisation (:func:`normalize_text`: no @mentions) the text is
    shingled by the copy-detection tokeniser (:mod:`graphtool.analyze.copies.shingles`): single
    words for space-separated scripts, as QUT does; character 3-grams for Chinese and
    Japanese.  QUT splits Chinese into single characters, so that unrelated Chinese
    sentences share most of their tokens -- 3-grams keep them apart.

    >>> shingles("mango reindeer apple") == shingles("Apple,  MANGO reindeer @bob")
    True
    >>> len(shingles("加拿大大选"))  # 加拿大 拿大大 大大选
    3
    """
    clean = normalize_text(text)
    return _shingle_sets([clean])[0] if clean else frozenset()


def jaccard(a: frozenset, b: frozenset) -> float:
    """Jaccard similarity of two shingle sets (0 for two empty sets)."""
    union = len(a | b)
    return len(a & b) / union if union else 0.0


class ActionColumns(NamedTuple):
    """Actions as four parallel sequences: the fast input of :func:`co_actions` for large data."""

    account: Sequence[str]
    item: Sequence[str]
    ts: Sequence[float]
    message_id: Sequence[str]


def action_columns(messages: Iterable[Message], kind: str) -> ActionColumns:
    """The actions of one network kind in a stream of messages, by QUT's rules, as columns.

    ``co-share``: messages that repost something, item = the repost target.  The others
    use only messages that are not reposts: ``co-reply`` item = the reply target,
    ``co-link`` one action per distinct normalised URL, ``co-text`` and
    ``co-similar-text`` item = the normalised text.  A message id counts once (first
    wins, as QUT's ``insert or ignore``); messages without the item (no URL, empty text)
    take no part.
    """
    _check_kind(kind)
    seen: set[str] = set()
    accounts: list = []
    items: list = []
    times: list = []
    ids: list = []

    def add(account, item, ts, mid):
        accounts.append(account), items.append(item), times.append(ts), ids.append(mid)

    for m in messages:
        mid = m.message_id
        if mid in seen:
            continue
        seen.add(mid)
        if kind == "co-share":
            if m.repost_of:
                add(m.account, m.repost_of, m.ts, mid)
        elif m.repost_of:
            continue
        elif kind == "co-reply":
            if m.reply_to:
                add(m.account, m.reply_to, m.ts, mid)
        elif kind == "co-link":
            for url in dict.fromkeys(filter(None, map(normalize_url, m.urls))):
                add(m.account, url, m.ts, mid)
        elif kind == "co-media":
            for media in dict.fromkeys(filter(None, m.media)):
                add(m.account, media, m.ts, mid)
        else:
            text = normalize_text(m.text)
            if text:
                add(m.account, text, m.ts, mid)
    return ActionColumns(accounts, items, times, ids)


def actions_for(messages: Iterable[Message], kind: str) -> list[Action]:
    """:func:`action_columns` as a list of :class:`Action`."""
    cols = action_columns(messages, kind)
    return [Action(*row) for row in zip(*cols)]


def _as_columns(actions: Iterable[Action] | ActionColumns) -> ActionColumns:
    if isinstance(actions, ActionColumns):
        return actions
    actions = list(actions)
    return ActionColumns(*zip(*actions)) if actions else ActionColumns((), (), (), ())


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ValueError(f"unknown coordination kind {kind!r}; known: {', '.join(KINDS)}")


# ---------------------------------------------------------------------------------------
# Results


@dataclass(frozen=True)
class Pair:
    """Two accounts that coordinated, ``account_1 <= account_2``.

    ``weight_12`` is QUT's directed weight account_1 -> account_2, ``weight_21`` the
    reverse.  They differ only when an account acted more than once on one item inside
    the window: a burst of 50 reposts next to one repost of the other account gives
    50 and 1.  The symmetric ``weight`` of the undirected view is therefore the *mutual*
    weight ``min(weight_12, weight_21)``: the co-actions both sides account for, which a
    burst by one side cannot inflate.  (CooRTweet's weight counts matched pairs of
    shares, ``weight_12 * weight_21`` for a burst met by a burst; on the 1,092 real pairs
    of the fixture it agrees with the mutual weight except on 3 such pairs.)  A pair is
    reported when ``max(weight_12, weight_21)`` reaches the minimum weight, i.e. exactly
    when QUT draws at least one edge between them.  ``p_value`` is set when a
    significance test ran.
    """

    account_1: str
    account_2: str
    weight_12: int
    weight_21: int
    p_value: float | None = None

    @property
    def weight(self) -> int:
        return min(self.weight_12, self.weight_21)

    @property
    def is_loop(self) -> bool:
        return self.account_1 == self.account_2


@dataclass
class Coordination:
    """The coordination network of one kind: every directed weight, before thresholds.

    ``src``/``dst``/``weight`` are parallel arrays of account indices into ``accounts``;
    self-loops included.  Thresholds apply when reading: :meth:`edges`, :meth:`pairs`.
    """

    kind: str
    window_s: float
    min_weight: int
    accounts: list[str]
    src: np.ndarray
    dst: np.ndarray
    weight: np.ndarray
    p_values: dict[tuple[str, str], float] = field(default_factory=dict)
    permutations: int = 0
    seed: int | None = None
    actions: int = 0
    resolution_s: int | None = None  # the coarsest whole unit every time is a multiple of (see time_resolution)

    def resolution_warning(self) -> str | None:
        """A warning when the window is shorter than the times' resolution (:func:`time_resolution`)."""
        return resolution_warning(self.window_s, self.resolution_s)

    @cycle_collector_paused()
    def edges(self, self_loops: bool = False, min_weight: int | None = None) -> dict[tuple[str, str], int]:
        """QUT's directed output: ``{(a, b): weight}`` for every weight >= min_weight."""
        floor = self.min_weight if min_weight is None else min_weight
        names = self.accounts
        return {(names[a], names[b]): int(w) for a, b, w in zip(self.src.tolist(), self.dst.tolist(),
                                                                   self.weight.tolist())
                if w >= floor and (self_loops or a != b)}

    @cycle_collector_paused()
    def pairs(self, self_loops: bool = False, min_weight: int | None = None) -> list[Pair]:
        """Undirected pairs (both directed weights) whose symmetric weight >= min_weight.

        A pair is kept exactly when QUT would output at least one of its two directed
        edges.  Sorted by (account_1, account_2).
        """
        floor = self.min_weight if min_weight is None else min_weight
        names = self.accounts
        both: dict[tuple[str, str], list[int]] = {}
        for a, b, w in zip(self.src.tolist(), self.dst.tolist(), self.weight.tolist()):
            if a == b and not self_loops:
                continue
            x, y = names[a], names[b]
            key = (x, y) if x <= y else (y, x)
            slot = both.setdefault(key, [0, 0])
            slot[0 if (x, y) == key else 1] = w
        out = []
        for (x, y), (w12, w21) in sorted(both.items()):
            if x == y:
                w21 = w12
            if max(w12, w21) >= floor:
                out.append(Pair(x, y, w12, w21, self.p_values.get((x, y))))
        return out

    def nodes(self, self_loops: bool = False, min_weight: int | None = None) -> set[str]:
        """Accounts with at least one edge in :meth:`edges` (QUT's graph nodes)."""
        return {n for e in self.edges(self_loops, min_weight) for n in e}

    def graph(self, min_weight: int | None = None):
        """Undirected NetworkX graph of :meth:`pairs` (no loops), attributes as :class:`Pair`."""
        import networkx as nx

        g = nx.Graph()
        for p in self.pairs(False, min_weight):
            g.add_edge(p.account_1, p.account_2, weight=p.weight, weight_12=p.weight_12,
                       weight_21=p.weight_21, p_value=p.p_value, kind=self.kind)
        return g


# ---------------------------------------------------------------------------------------
# The engine


SHORT_ID = 64  # ids up to this many characters are encoded in numpy
_FNV_OFFSET, _FNV_PRIME = np.uint64(0xCBF29CE484222325), np.uint64(0x100000001B3)


class Coded(Sequence):
    """A column as its distinct values and each row's index among them.

    Readers that encode as they read (:mod:`.coordination_files`) hand columns over this way: the
    engine takes the codes as they are, and a row's value is one string shared by all its rows
    (10^6 message ids as integers, not 10^6 strings).
    """

    __slots__ = ("values", "codes")

    def __init__(self, values: Sequence, codes):
        # a sequence is kept as it is (it may make its values as asked), anything else listed
        self.values = values if isinstance(values, SequenceABC) else list(values)
        self.codes = np.asarray(codes, dtype=np.int64)

    def __len__(self) -> int:
        return len(self.codes)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self.values[c] for c in self.codes[i].tolist()]
        return self.values[int(self.codes[i])]

    def __iter__(self):
        return map(self.values.__getitem__, self.codes.tolist())


def sorted_unique(values: np.ndarray) -> np.ndarray:
    """``np.unique`` of integers by one sort: numpy 2.4's ``np.unique`` without an index or inverse
    takes a hash path about 80 times slower at 10^6 values."""
    ordered = np.sort(values)
    return ordered[np.r_[True, ordered[1:] != ordered[:-1]]] if len(ordered) else ordered


def _codes(values: Sequence) -> tuple[list, np.ndarray]:
    """Distinct values and each value's index among them (deterministic order).

    Short strings (ids, handles, URLs) are hashed in numpy -- FNV-1a over the code points
    of a fixed-width array -- and grouped by hash; every row is then compared with its
    group's first string, so a hash collision can only send the column down the exact dict
    path, never merge two ids.  About three times faster than a dict at 10^6 values.  Long
    strings (texts) and other values go through a dict, so a long text never widens every
    row of an array.
    """
    if isinstance(values, Coded):
        return values.values, values.codes
    if isinstance(values, np.ndarray) and values.dtype.kind in "iu":
        distinct, inverse = np.unique(values, return_inverse=True)
        return distinct.tolist(), inverse.reshape(len(values)).astype(np.int64, copy=False)
    n = len(values)
    if n and all(type(v) is str for v in values):
        lengths = np.fromiter(map(len, values), dtype=np.int64, count=n)
        if lengths.max() <= SHORT_ID:
            arr = np.asarray(values)
            # numpy drops trailing NULs: such ids would compare equal to shorter ones
            if arr.dtype.itemsize and np.array_equal(np.char.str_len(arr), lengths):
                points = arr.view(np.uint32).reshape(n, arr.dtype.itemsize // 4)
                h = np.full(n, _FNV_OFFSET, dtype=np.uint64)
                with np.errstate(over="ignore"):
                    for j in range(points.shape[1]):
                        h = (h ^ points[:, j]) * _FNV_PRIME
                _, first, inverse = np.unique(h, return_index=True, return_inverse=True)
                inverse = inverse.reshape(n)
                if np.array_equal(arr, arr[first][inverse]):
                    return arr[first].tolist(), inverse.astype(np.int64, copy=False)
    index = {v: i for i, v in enumerate(dict.fromkeys(values))}
    return list(index), np.fromiter(map(index.__getitem__, values), dtype=np.int64, count=n)


class _Encoded:
    """Actions as integer arrays: account, item, message (first-seen order) and time.

    With ``one_per_message`` a message id keeps only its first action (QUT's ``insert or
    ignore``: every kind but co-link); otherwise a message keeps one action per distinct
    item (a message's URLs).  Either way a message id belongs to the first account that
    used it.  ``min_participation`` drops accounts with fewer distinct messages.
    """

    def __init__(self, cols: ActionColumns, one_per_message: bool, min_participation: int = 1):
        self.accounts, account = _codes(cols.account)
        self.items, item = _codes(cols.item)
        self.message_names, message = _codes(cols.message_id)
        if len(message) and bool((message[1:] >= message[:-1]).all()):  # codes in row order: no sort
            first_row = np.flatnonzero(np.r_[True, message[1:] != message[:-1]])
        else:
            first_row = np.unique(message, return_index=True)[1]  # by message code
        ts = np.asarray(cols.ts, dtype=np.float64)
        msg_account = account[first_row]
        if one_per_message:
            rows = np.sort(first_row)
        else:
            rows = np.flatnonzero(account == msg_account[message])
            pair = message[rows] * max(len(self.items), 1) + item[rows]
            rows = np.sort(rows[np.unique(pair, return_index=True)[1]])
        if min_participation > 1:
            per_account = np.bincount(msg_account, minlength=len(self.accounts))
            rows = rows[per_account[account[rows]] >= min_participation]
        if len(rows) == len(account):  # every row kept (a file's reposts): no copies (4 x 80 MB at 10^7)
            self.account, self.item, self.message, self.ts = account, item, message, ts
        else:
            self.account, self.item, self.message, self.ts = account[rows], item[rows], message[rows], ts[rows]
        self.msg_account = msg_account
        # A message with several items (URLs) needs its (message, account) matches
        # de-duplicated across items, not only within a block.
        self.multi_item = not one_per_message and len(rows) != len(np.unique(self.message))
        self._texts: list[frozenset] | None = None

    def texts(self) -> list[frozenset]:
        """Shingle set of each row's item (co-similar-text), computed once."""
        if self._texts is None:
            per_item = _shingle_sets(self.items)
            self._texts = [per_item[i] for i in self.item.tolist()]
        return self._texts


def _ticks(ts: np.ndarray, window_s: float) -> tuple[np.ndarray, int]:
    """Integer times and window: whole seconds when every time is whole, else microseconds."""
    if len(ts) == 0:
        return np.zeros(0, dtype=np.int64), 0
    base = math.floor(float(ts.min()))
    if np.all(ts == np.floor(ts)):
        return (ts - base).astype(np.int64), int(math.floor(window_s))
    return np.rint((ts - base) * 1e6).astype(np.int64), int(math.floor(window_s * 1e6 + 1e-6))


RESOLUTIONS = (86400, 3600, 60, 1)  # a day, an hour, a minute, a second
_UNIT_NAMES = {86400: "day", 3600: "hour", 60: "minute", 1: "second"}
MIN_TIMES_FOR_RESOLUTION = 3  # fewer distinct times are whole minutes by chance too often


def time_resolution(ts: Sequence[float] | np.ndarray) -> int | None:
    """The coarsest of a day, an hour, a minute or a second that every time is a whole multiple of.

    Archives often keep whole minutes (``2021-06-16 22:04``); ``None`` when the times carry
    fractions of a second or there are fewer than three distinct times to tell.

    >>> time_resolution([1623880980, 1623881040, 1623884640])
    60
    >>> time_resolution([0.5, 1, 2]) is None
    True
    """
    times = np.unique(np.asarray(ts, dtype=np.float64))
    if len(times) < MIN_TIMES_FOR_RESOLUTION or not np.all(times == np.floor(times)):
        return None
    whole = times.astype(np.int64)
    return next((unit for unit in RESOLUTIONS if not np.any(whole % unit)), None)


def resolution_warning(window_s: float, resolution_s: int | None) -> str | None:
    """What a window shorter than the data's time resolution does to the network, or ``None``.

    Times are compared as recorded: with minute times and a 10 s window, two actions match only
    when they carry the same minute -- those up to 59 s apart in fact match, a 3 s burst that
    crosses a minute boundary does not (docs/coordination.md, "Time resolution").
    """
    if resolution_s is None or window_s >= resolution_s:
        return None
    unit = _UNIT_NAMES[resolution_s]
    return (f"the times are whole {unit}s (resolution {resolution_s} s) but the window is {window_s:g} s: "
            f"actions match only within the same recorded {unit} (up to {resolution_s - 1} s apart in fact) and a "
            f"burst that crosses a {unit} boundary splits; use --window {resolution_s} or more to compare at the "
            f"data's resolution")


def window_pairs(item: np.ndarray, ts: np.ndarray, window_s: float,
                 block: int = BLOCK) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Every ordered pair ``(i, j)``, ``i != j``, of rows on the same item within the window.

    Sort-and-sweep: rows are sorted by (item, time); each row's window is one contiguous
    run of that order, found by binary search on a composite (item rank, time) key.  The
    pairs come out in blocks of about ``block`` pairs each (a single row's window may make a
    block larger), as index arrays into the input.

    Parameters
    ----------
    item : int array
        Item code of each row.
    ts : float array
        Epoch seconds of each row.
    window_s : float
        Rows match when ``|t_i - t_j| <= window_s``.
    block : int
        Target number of pairs per yielded block.

    Yields
    ------
    (i, j) : pair of int64 arrays
    """
    n = len(item)
    if n < 2:
        return
    ticks, window = _ticks(ts, window_s)
    order = np.lexsort((ticks, item))
    s_ticks = ticks[order]
    del ticks  # n-row arrays are freed as soon as they are used: at 10^7 rows each is 80 MB
    s_item = item[order]
    # Rank items in sorted order so that a window never crosses into the next item: the key
    # rank * span + ticks is strictly ordered, with a gap of more than the window between
    # items.  Chunks of items keep the key inside int64.
    starts = np.flatnonzero(np.r_[True, s_item[1:] != s_item[:-1]])
    del s_item
    span = int(s_ticks.max()) + 2 * window + 1
    per_chunk = max(1, (2**62) // max(span, 1))
    row_type = np.int32 if n < 2**31 else np.int64  # half the memory of two n-row arrays
    lo = np.empty(n, dtype=row_type)
    counts = np.empty(n, dtype=row_type)  # first each row's window end, then its length
    group_sizes = np.diff(np.r_[starts, n])
    for c in range(0, len(starts), per_chunk):
        g0, g1 = c, min(c + per_chunk, len(starts))
        r0 = int(starts[g0])
        r1 = int(starts[g1]) if g1 < len(starts) else n
        key = s_ticks[r0:r1]  # made the key in place: the times are not needed after it
        key += np.repeat(np.arange(g1 - g0, dtype=np.int64) * span, group_sizes[g0:g1])
        for q0 in range(0, r1 - r0, SEARCH_ROWS):  # the bounds a slice at a time: no n-row temporaries
            q = key[q0:q0 + SEARCH_ROWS]
            lo[r0 + q0:r0 + q0 + len(q)] = np.searchsorted(key, q - window, side="left") + r0
            counts[r0 + q0:r0 + q0 + len(q)] = np.searchsorted(key, q + window, side="right") + r0
    del s_ticks, key, group_sizes
    counts -= lo
    cum = np.cumsum(counts, dtype=np.int64)
    pos = 0
    while pos < n:
        # the rows [pos, end) hold about `block` pairs
        target = (cum[pos - 1] if pos else 0) + block
        end = max(pos + 1, int(np.searchsorted(cum, target, side="right")))
        c = counts[pos:end]
        total = int(c.sum())
        if total:
            rows = np.repeat(np.arange(pos, end, dtype=np.int64), c)
            offsets = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(c) - c, c)
            cols = np.repeat(lo[pos:end], c) + offsets
            keep = rows != cols
            yield order[rows[keep]], order[cols[keep]]
        pos = end


def _sum_by_key(keys: list[np.ndarray], counts: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    if not keys:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    k = np.concatenate(keys)
    c = np.concatenate(counts)
    uniq, inv = np.unique(k, return_inverse=True)
    return uniq, np.bincount(inv, weights=c, minlength=len(uniq)).astype(np.int64)


def _directed_weights(enc: _Encoded, pair_blocks: Iterable[tuple[np.ndarray, np.ndarray]]
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Reduce matched row pairs to QUT weights: distinct messages of A matched by B."""
    n_acc = max(len(enc.accounts), 1)
    msg_keys: list[np.ndarray] = []
    pair_keys: list[np.ndarray] = []
    pair_counts: list[np.ndarray] = []
    for i, j in pair_blocks:
        mi, mj = enc.message[i], enc.message[j]
        keep = mi != mj  # a message never matches itself (QUT's fix after 1.5.2)
        # (message of A, account of B): counted once however many of B's messages match
        u = np.unique(mi[keep] * n_acc + enc.account[j[keep]])
        if enc.multi_item:
            msg_keys.append(u)
            continue
        pk, pc = np.unique(enc.msg_account[u // n_acc] * n_acc + u % n_acc, return_counts=True)
        pair_keys.append(pk)
        pair_counts.append(pc)
    if enc.multi_item and msg_keys:
        u = np.unique(np.concatenate(msg_keys))
        pk, pc = np.unique(enc.msg_account[u // n_acc] * n_acc + u % n_acc, return_counts=True)
        pair_keys, pair_counts = [pk], [pc]
    keys, weights = _sum_by_key(pair_keys, pair_counts)
    return keys // n_acc, keys % n_acc, weights


def _similar_pairs(texts: list[frozenset], ts: np.ndarray, threshold: float, window_s: float,
                   block: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Pairs of rows within the window whose shingle sets have Jaccard >= threshold.

    Exact, by prefix filtering (Chaudhuri et al. 2006; Xiao et al., PPJoin): with tokens
    ordered rarest first, two sets with Jaccard >= t share at least one token among the
    first ``|x| - ceil(t |x|) + 1`` of each, so only rows sharing a prefix token (and in
    the window) are compared.  Rows without shingles have no prefix and match nothing.
    """
    freq = Counter(tok for s in texts for tok in s)
    rank = {tok: r for r, tok in enumerate(sorted(freq, key=lambda t: (freq[t], t)))}
    rows_, toks = [], []
    for r, s in enumerate(texts):
        ordered = sorted(rank[t] for t in s)
        # the smallest overlap a partner needs, rounded down a hair so float error never
        # shortens the prefix (a longer prefix only adds candidates)
        need = max(1, math.ceil(threshold * len(ordered) - 1e-9))
        for t in ordered[:len(ordered) - need + 1]:
            rows_.append(r)
            toks.append(t)
    if not rows_:
        return
    rows_a = np.asarray(rows_, dtype=np.int64)
    tok_a = np.asarray(toks, dtype=np.int64)
    n = len(texts)
    for i, j in window_pairs(tok_a, ts[rows_a], window_s, block):
        ri, rj = rows_a[i], rows_a[j]
        cand = np.unique(ri * n + rj)  # a pair sharing several prefix tokens is one candidate
        a, b = cand // n, cand % n
        ok = np.fromiter((len(texts[x] & texts[y]) / len(texts[x] | texts[y]) >= threshold
                          for x, y in zip(a.tolist(), b.tolist())), dtype=bool, count=len(a))
        yield a[ok], b[ok]


def _network(enc: _Encoded, ts: np.ndarray, kind: str, window_s: float, similarity: float | None,
             block: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if kind == "co-similar-text":
        threshold = DEFAULT_SIMILARITY if similarity is None else similarity
        if not 0 < threshold <= 1:
            raise ValueError("the similarity threshold must be in (0, 1]")
        blocks = _similar_pairs(enc.texts(), ts, threshold, window_s, block)
    else:
        blocks = window_pairs(enc.item, ts, window_s, block)
    return _directed_weights(enc, blocks)


def co_actions(actions: Iterable[Action] | ActionColumns, window_s: float = DEFAULT_WINDOW_S, *,
               kind: str = "co-share", min_weight: int = 1, min_participation: int = 1,
               similarity: float | None = None, block: int = BLOCK) -> Coordination:
    """Directed coordination weights between accounts from their actions.

    Parameters
    ----------
    actions : iterable of Action, or ActionColumns
        What each account did: item, time, message id (see :func:`actions_for`).  For every
        kind but ``co-link`` a message id counts once, with its first action.
    window_s : float
        Two actions on the same item match when ``|t_1 - t_2| <= window_s`` seconds.
    kind : str
        One of :data:`KINDS`; with ``co-similar-text`` the items are texts compared by
        shingle Jaccard similarity instead of equality.
    min_weight : int
        Default threshold of :meth:`Coordination.edges` / :meth:`Coordination.pairs`.
    min_participation : int
        CooRTweet's pre-filter: accounts with fewer distinct messages of this kind take no
        part.
    similarity : float, optional
        Jaccard threshold for ``co-similar-text`` (default 0.8).
    block : int
        Pairs per processing block; bounds memory, not results.

    Returns
    -------
    Coordination
        Every directed weight (self-loops included) as parallel arrays.

    Examples
    --------
    >>> acts = [Action("a", "t1", 0, "m1"), Action("b", "t1", 5, "m2"), Action("c", "t1", 100, "m3")]
    >>> co_actions(acts, 10).edges()
    {('a', 'b'): 1, ('b', 'a'): 1}
    """
    _check_kind(kind)
    if window_s < 0:
        raise ValueError("the window cannot be negative")
    with cycle_collector_paused():
        enc = _Encoded(_as_columns(actions), kind not in MULTI_ITEM_KINDS, min_participation)
        src, dst, weight = _network(enc, enc.ts, kind, window_s, similarity, block)
        return Coordination(kind, window_s, min_weight, enc.accounts, src, dst, weight, actions=len(enc.item),
                            resolution_s=time_resolution(enc.ts))


def coordination(messages: Iterable[Message], kind: str = "co-share", window_s: float = DEFAULT_WINDOW_S, *,
                 min_weight: int = 1, min_participation: int = 1, similarity: float | None = None,
                 permutations: int = 0, seed: int = 0) -> Coordination:
    """The coordination network of one kind over messages, by QUT's semantics.

    :func:`action_columns` then :func:`co_actions`; with ``permutations > 0`` also
    :func:`significance`.  See the module docstring for the definition of the weights.

    Examples
    --------
    >>> ms = [Message("1", "a", 0, repost_of="x"), Message("2", "b", 3, repost_of="x"),
    ...       Message("3", "b", 4, repost_of="x")]
    >>> [(p.account_1, p.account_2, p.weight_12, p.weight_21) for p in coordination(ms, window_s=10).pairs()]
    [('a', 'b', 1, 2)]
    """
    cols = action_columns(messages, kind)
    result = co_actions(cols, window_s, kind=kind, min_weight=min_weight,
                        min_participation=min_participation, similarity=similarity)
    if permutations:
        significance(result, cols, permutations=permutations, seed=seed, similarity=similarity,
                     min_participation=min_participation)
    return result


def significance(result: Coordination, actions: Iterable[Action] | ActionColumns, *, permutations: int = 100,
                 seed: int = 0, similarity: float | None = None, min_participation: int = 1,
                 block: int = BLOCK) -> dict[tuple[str, str], float]:
    """Permutation p-values for each pair: could the timing be chance?

    The null model keeps every account's items and activity times but shuffles which of
    its own message times goes with which message (seeded; all of one message's actions
    move together).  Popular items an account shares anyway keep matching under the null;
    pairs held together by precise timing do not.  For a pair with mutual weight ``w``
    (:attr:`Pair.weight`) the p-value is ``(1 + #{runs with null weight >= w}) /
    (permutations + 1)``.

    Parameters
    ----------
    result : Coordination
        The observed network, from the same ``actions``; its ``p_values`` are filled.
    actions : iterable of Action, or ActionColumns
    permutations : int
        Number of shuffled runs.
    seed : int
        Seed of the shuffles: the same seed gives the same p-values.

    Returns
    -------
    dict
        ``{(account_1, account_2): p_value}`` for every non-loop pair, also stored in
        ``result.p_values``.
    """
    observed = result.pairs(self_loops=False, min_weight=1)
    if not observed or permutations <= 0:
        return {}
    enc = _Encoded(_as_columns(actions), result.kind not in MULTI_ITEM_KINDS, min_participation)
    code = {name: k for k, name in enumerate(enc.accounts)}
    wanted = {(code[p.account_1], code[p.account_2]): p.weight for p in observed}
    exceed = dict.fromkeys(wanted, 0)
    present, first = np.unique(enc.message, return_index=True)
    msg_ts, msg_acc = enc.ts[first], enc.account[first]
    # Messages by name, not by code: codes follow the order the actions came in (a store's read
    # order), and the shuffles must not, or the same data would give other p-values.
    names = enc.message_names
    by_name = sorted(range(len(present)), key=lambda k: names[present[k]])
    rank = np.empty(len(present), dtype=np.int64)
    rank[by_name] = np.arange(len(present))
    by_account = np.lexsort((rank, msg_acc))
    row_msg = np.searchsorted(present, enc.message)
    rng = np.random.default_rng(seed)
    for _ in range(permutations):
        draws = rng.random(len(present))[rank]  # each message's draw by its place in name order
        shuffled = np.lexsort((draws, msg_acc))  # same accounts, times in random order
        new_ts = np.empty_like(msg_ts)
        new_ts[by_account] = msg_ts[shuffled]
        src, dst, weight = _network(enc, new_ts[row_msg], result.kind, result.window_s, similarity, block)
        null = dict(zip(zip(src.tolist(), dst.tolist()), weight.tolist()))
        for (a, b), w in wanted.items():
            if min(null.get((a, b), 0), null.get((b, a), 0)) >= w:
                exceed[(a, b)] += 1
    names = enc.accounts
    p_values = {(names[a], names[b]): (1 + c) / (permutations + 1) for (a, b), c in exceed.items()}
    result.p_values = p_values
    result.permutations = permutations
    result.seed = seed
    return p_values


# ---------------------------------------------------------------------------------------
# Groups


@dataclass
class Group:
    """A set of accounts that coordinated, with what an analyst needs to judge it."""

    id: int
    method: str
    members: list[str]
    edges: int
    weight: int
    items: list[str]
    first_ts: float | None
    last_ts: float | None
    platforms: dict[str, int]
    state_media_share: float | None = None  # of members, by what `graphtool analyze` stored (state_media)

    def as_dict(self) -> dict:
        return {"id": self.id, "method": self.method, "size": len(self.members), "members": self.members,
                "edges": self.edges, "weight": self.weight, "shared_items": len(self.items),
                "items": self.items[:20], "first_ts": self.first_ts, "last_ts": self.last_ts,
                "platforms": self.platforms, "state_media_share": self.state_media_share}


def _igraph():
    """igraph, imported without its plotting: when matplotlib is installed igraph imports
    matplotlib.pyplot on import (0.9 of igraph's 1.0 CPU s), and graphtool never draws with igraph."""
    import sys

    if "igraph" in sys.modules or "matplotlib" in sys.modules:
        import igraph
        return igraph
    sys.modules["matplotlib"] = None  # an import of it fails, so igraph's drawing stays a stub
    try:
        import igraph
    finally:
        del sys.modules["matplotlib"]
    return igraph


def groups_of_pairs(pairs: Sequence[Pair], method: str = "louvain", *, seed: int = 0, resolution: float = 1.0,
                    min_size: int = 2) -> list[list[str]]:
    """Groups of accounts in the undirected network of ``pairs`` (weight: :attr:`Pair.weight`).

    Parameters
    ----------
    pairs : list of Pair
        E.g. :meth:`Coordination.pairs`; self-loops are ignored.
    method : {"louvain", "components"}
        Louvain communities (igraph's ``community_multilevel``, in C, seeded) or connected components.
    seed : int
        Louvain's seed; the same seed gives the same partition.
    resolution : float
        Louvain's resolution (higher: smaller communities).
    min_size : int
        Smaller groups are dropped.

    Returns
    -------
    list of list of str
        Sorted members of each group; groups by size descending, then first member.
    """
    return groupings_of_pairs(pairs, (method,), seed=seed, resolution=resolution, min_size=min_size)[0]


def groupings_of_pairs(pairs: Sequence[Pair], methods: Sequence[str] = ("components", "louvain"), *, seed: int = 0,
                       resolution: float = 1.0, min_size: int = 2) -> list[list[list[str]]]:
    """:func:`groups_of_pairs` of each of ``methods``, on one graph built once."""
    pairs = [p for p in pairs if not p.is_loop]
    nodes = sorted({a for p in pairs for a in (p.account_1, p.account_2)})
    index = {a: k for k, a in enumerate(nodes)}
    edges = [(index[p.account_1], index[p.account_2]) for p in pairs]
    return _groups(nodes, edges, [float(p.weight) for p in pairs], methods, seed, resolution, min_size)


def _groups(nodes: list[str], edges: list[tuple[int, int]], weights: list[float], methods: Sequence[str], seed: int,
            resolution: float, min_size: int) -> list[list[list[str]]]:
    """The groups of the graph on ``nodes`` by each method (sorted: a group's members come out in their order)."""
    for method in methods:
        if method not in ("louvain", "components"):
            raise ValueError(f"unknown grouping method {method!r}; use louvain or components")
    if not nodes:
        return [[] for _ in methods]
    ig = _igraph()
    g = ig.Graph(n=len(nodes), edges=edges, directed=False)
    out = []
    for method in methods:
        if method == "components":
            membership = g.connected_components().membership
        else:
            import random

            ig.set_random_number_generator(random.Random(seed))  # igraph draws from the Python RNG it is given
            try:
                membership = g.community_multilevel(weights=weights, resolution=resolution).membership
            finally:
                ig.set_random_number_generator(random)
        parts: dict[int, list[str]] = defaultdict(list)
        for node, part in zip(nodes, membership):
            parts[part].append(node)
        groups = [p for p in parts.values() if len(p) >= min_size]  # each sorted: nodes come in sorted order
        out.append(sorted(groups, key=lambda g: (-len(g), g[0])))
    return out


def find_groups(graph, method: str = "louvain", *, seed: int = 0, resolution: float = 1.0,
                min_size: int = 2) -> list[list[str]]:
    """:func:`groups_of_pairs` of an undirected, weighted networkx graph (edge attribute ``weight``),
    e.g. :meth:`Coordination.graph`."""
    nodes = sorted(graph)
    index = {a: k for k, a in enumerate(nodes)}
    edges, weights = [], []
    for u, v, d in graph.edges(data=True):
        if u != v:
            edges.append((index[u], index[v]))
            weights.append(float(d.get("weight", 1)))
    return _groups(nodes, edges, weights, (method,), seed, resolution, min_size)[0]


def summarize_groupings(groupings: Sequence[tuple[str, list[list[str]]]], pairs,
                        actions: Iterable[Action] | ActionColumns = (), **details) -> list[list[Group]]:
    """:func:`summarize_groups` of each ``(method, groups)``; a group that an earlier grouping already
    has (a component that Louvain leaves whole) is summarised once: its summary depends only on its
    members.  ``details``: ``platforms`` and ``state_media`` as for :func:`summarize_groups`."""
    done: dict[tuple, Group] = {}
    out = []
    for method, groups in groupings:
        new = [g for g in groups if tuple(g) not in done]
        for g, summary in zip(new, summarize_groups(new, pairs, actions, method=method, **details) if new else ()):
            done[tuple(g)] = summary
        out.append([Group(k, method, s.members, s.edges, s.weight, s.items, s.first_ts, s.last_ts, s.platforms,
                          s.state_media_share) for k, s in enumerate((done[tuple(g)] for g in groups), start=1)])
    return out


def _whole(t: float):
    """A time as it was stored: whole seconds as an int."""
    return int(t) if float(t).is_integer() else float(t)


def summarize_groups(groups: list[list[str]], pairs, actions: Iterable[Action] | ActionColumns = (), *,
                     method: str = "louvain", platforms: dict[str, str] | None = None,
                     state_media: dict[str, bool] | None = None) -> list[Group]:
    """Summaries of groups: size, internal edges and weight, shared items, time span, platforms.

    ``pairs`` are the network's :class:`Pair` list (or a networkx graph with edge attribute
    ``weight``).  ``shared items`` are the items at least two members acted on; the time span
    runs from the first to the last member action on them.  ``platforms`` maps account ->
    platform (default: the part of the id before ``:``); ``state_media`` maps account -> the
    ``state_media`` that ``graphtool analyze`` stored (one definition, docs/scores.md) for the
    accounts it analysed, and gives the share of members that count as state media (``None``
    when none of them was analysed).
    """
    # Sorts over the actions and one pass over the pairs: O(n log n) in the (account, item) pairs.
    member_of = {m: k for k, g in enumerate(groups) for m in g}
    items: list[list] = [[] for _ in groups]
    first: list = [None] * len(groups)
    last: list = [None] * len(groups)
    cols = _as_columns(actions)
    if groups and len(cols.account):
        accounts, account = _codes(cols.account)
        item_names, item = _codes(cols.item)
        ts = np.asarray(cols.ts, dtype=np.float64)
        # each account's group, -1 for none (a look-up per account, in C: map over the dict's get)
        group = np.fromiter(map(member_of.get, accounts, repeat(-1, len(accounts))), dtype=np.int64,
                            count=len(accounts))[account]
        mine = group >= 0
        group, account, item, ts = group[mine], account[mine], item[mine], ts[mine]
        # each (group, item) once, then how many members acted on it and when
        keys, key = np.unique(group * max(len(item_names), 1) + item, return_inverse=True)
        key = key.reshape(-1)
        members = np.bincount(sorted_unique(key * max(len(accounts), 1) + account) // max(len(accounts), 1),
                              minlength=len(keys))
        order = np.argsort(key, kind="stable")
        starts = np.r_[0, np.flatnonzero(np.diff(key[order])) + 1] if len(order) else np.zeros(0, dtype=np.int64)
        lo, hi = np.minimum.reduceat(ts[order], starts), np.maximum.reduceat(ts[order], starts)
        shared = np.flatnonzero(members >= 2)
        in_group, named = np.divmod(keys[shared], max(len(item_names), 1))
        # the names in one go: a store's items may be node ids, named when asked (coordination_store)
        many = getattr(item_names, "many", None)
        names = many(named.tolist()) if many else [item_names[c] for c in named.tolist()]
        if len(shared):  # keys are sorted, so each group's shared items are one run
            runs = np.r_[0, np.flatnonzero(np.diff(in_group)) + 1]
            ends = np.r_[runs[1:], len(shared)].tolist()
            for g, start, end, t0, t1 in zip(in_group[runs].tolist(), runs.tolist(), ends,
                                             np.minimum.reduceat(lo[shared], runs).tolist(),
                                             np.maximum.reduceat(hi[shared], runs).tolist()):
                items[g], first[g], last[g] = names[start:end], t0, t1
    edges = [0] * len(groups)
    weights = [0] * len(groups)
    links = (((u, v, d.get("weight", 1)) for u, v, d in pairs.edges(data=True)) if hasattr(pairs, "edges")
             else ((p.account_1, p.account_2, p.weight) for p in pairs if not p.is_loop))
    for u, v, w in links:
        k = member_of.get(u)
        if k is not None and member_of.get(v) == k:
            edges[k] += 1
            weights[k] += w
    out = []
    platforms = platforms or {}
    for k, members in enumerate(groups):
        kinds = [platforms.get(m) or (m.split(":", 1)[0] if ":" in m else "unknown") for m in members]
        plats = {kinds[0]: len(kinds)} if kinds and kinds.count(kinds[0]) == len(kinds) else Counter(kinds)
        share = None
        if state_media:
            known = [m for m in members if m in state_media]
            share = sum(bool(state_media[m]) for m in known) / len(members) if known else None
        out.append(Group(k + 1, method, members, edges[k], int(weights[k]), sorted(items[k]),
                         None if first[k] is None else _whole(first[k]), None if last[k] is None else _whole(last[k]),
                         dict(sorted(plats.items())), share))
    return out
