"""Coordination on the store: read the actions, compute, write ``COORDINATED_WITH`` and groups back.

Where each kind's actions come from (labels and types from the model):

* ``co-share``: ``(Account)-[SHARED]->(Article)`` whose ``kind`` is not ``reply`` or
  ``link`` (repost, quote, like, or unspecified); item = the article's id, message = the
  share's ``id``, time = ``at_ts``.
* ``co-reply``: ``SHARED`` of kind ``reply``; item = the answered article.
* ``co-link``: ``SHARED`` of kind ``link`` (item = the target's normalised ``url``, else its
  id) and every URL in the ``urls`` of an ``Article`` an account ``PUBLISHED`` (time =
  ``published_ts``, message = the article).
* ``co-text`` / ``co-similar-text``: the ``text`` of articles an account ``PUBLISHED``.
* ``co-media``: the media of articles an account ``PUBLISHED``, matched by exact id: each of its
  ``media_ids`` (``video:...``, ``image:...``, ``sha256:<hex>``) and its ``music_id`` (item
  ``music:<id>``); a post carrying several is one action per medium, as co-link's URLs.

Actions are read in batches of accounts (one indexed lookup per account id), so memory
holds the actions, never a query result of the whole graph at once.  Results go back
with batched ``UNWIND ... MERGE``: one ``COORDINATED_WITH {kind}`` per pair of accounts
and kind, from the lower to the higher account id, with ``weight`` (mutual),
``weight_ab``, ``weight_ba``, ``window_s``, ``p_value`` and ``run_id``.  A new run of a
kind replaces the previous run's relationships of that kind.  Accounts get
``coord_component`` and ``coord_community`` (1 = largest group) and ``coord_run``.
"""
from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field

import numpy as np

from .. import internal_queries as Q
from ..progress import steps
from ..store import Store
from .batching import batches
from .state_media import NOT_ANALYSED, analysed
from .coordination import (DEFAULT_SIMILARITY, DEFAULT_WINDOW_S, KINDS, ActionColumns, Coordination, Group, Pair,
                           _codes, co_actions, find_groups, normalize_text, normalize_url, significance,
                           summarize_groups)

READ_BATCH = 5000  # accounts per read query
WRITE_BATCH = 2000  # relationships per write query

_SHARE_KINDS = {"co-reply": ["reply"], "co-link": ["link"]}
_NOT_SHARES = ["reply", "link"]
_SHARE_STATEMENTS = {"co-share": Q.COORD_SHARES_BUT, "co-reply": Q.COORD_SHARES_OF_KINDS,
                     "co-link": Q.COORD_LINK_SHARES}


def account_info(store: Store) -> dict[str, dict]:
    """``{account id: {"platform", "handle", "affiliation_score", "state_media"}}`` for every account
    (the last two as ``graphtool analyze`` stored them; None before it ran)."""
    rows = Q.COORD_ACCOUNT_INFO.read(store)
    return {r["id"]: {"platform": r["platform"], "handle": r["handle"], "affiliation_score": r["score"],
                      "state_media": r["state_media"]} for r in rows}


def read_statements(kind: str) -> list[tuple[str, Q.Statement, dict, dict]]:
    """``(source, statement, slots, parameters but ids)`` of each read :func:`read_actions` runs for
    ``kind``; source ``shared`` or ``published``."""
    out = []
    if kind in _SHARE_STATEMENTS:
        kinds = _NOT_SHARES if kind == "co-share" else _SHARE_KINDS[kind]
        out.append(("shared", _SHARE_STATEMENTS[kind], {}, {"kinds": kinds}))
    if kind in ("co-link", "co-text", "co-similar-text"):
        out.append(("published", Q.COORD_PUBLISHED, {"field": "urls" if kind == "co-link" else "text"}, {}))
    if kind == "co-media":
        out.append(("published", Q.COORD_MEDIA, {}, {}))
    return out


def read_queries(kind: str) -> list[tuple[str, str, dict]]:
    """``(source, query text, parameters but ids)`` of each read for ``kind`` (for plan checks)."""
    return [(source, statement.cypher(**slots), params) for source, statement, slots, params in read_statements(kind)]


def read_actions(store: Store, kind: str, accounts: list[str] | None = None,
                 batch: int = READ_BATCH) -> tuple[ActionColumns, int]:
    """The actions of one kind in the store as columns, and how many were skipped for lack of a time.

    ``accounts`` limits the read to those account ids (default: all).  Deterministic
    order: by account, then message, then item.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown coordination kind {kind!r}; known: {', '.join(KINDS)}")
    if accounts is None:
        accounts = [r["id"] for r in Q.ACCOUNT_IDS.read(store)]
    accounts = sorted(accounts)
    account_col: list = []
    item_col: list = []
    ts_col: list = []
    message_col: list = []
    skipped = 0
    clean_url = _cached(normalize_url)
    clean_text = _cached(normalize_text)
    for source, statement, slots, params in read_statements(kind):
        for ids in batches(accounts, batch):
            for row in statement.read(store, {**params, "ids": ids}, **slots):
                account, times = row["account"], row["ts"]
                skipped += row["untimed"]
                if source == "shared" and kind != "co-link":  # one item per action, as stored
                    account_col.extend([account] * len(times))
                    item_col.extend(row["items"])
                    ts_col.extend(times)
                    message_col.extend(row["messages"])
                    continue
                if source == "shared":  # a link share: the target's URL, else its id
                    messages = row["messages"]
                    items = [[u] if u else [] for u in (clean_url(u) or clean_url(i)
                                                        for u, i in zip(row["urls"], row["items"]))]
                else:  # one article published by two accounts is a message of each
                    messages = [f"{account}\x1f{m}" for m in row["messages"]]
                    if kind == "co-link":
                        items = [list(dict.fromkeys(filter(None, map(clean_url, v or [])))) for v in row["values"]]
                    elif kind == "co-media":  # exact ids: nothing to normalise
                        items = [list(dict.fromkeys(filter(None, v or []))) for v in row["values"]]
                    else:
                        items = [[t] if t else [] for t in map(clean_text, row["values"])]
                for message, t, these in zip(messages, times, items):
                    for item in these:
                        account_col.append(account)
                        item_col.append(item)
                        ts_col.append(t)
                        message_col.append(message)
    return _sorted_columns(account_col, item_col, ts_col, message_col), skipped


def _cached(normalize):
    """``normalize`` computed once per distinct value (texts and URLs repeat)."""
    cache: dict = {}

    def clean(value):
        if value is None:
            return None
        try:
            return cache[value]
        except KeyError:
            cache[value] = out = normalize(value)
            return out
        except TypeError:  # an unhashable value: a list where a string was expected
            return normalize(value)
    return clean


def _sorted_codes(values: list) -> np.ndarray:
    """Each value's rank among the distinct values in sorted order."""
    distinct, codes = _codes(values)
    rank = np.empty(len(distinct), dtype=np.int64)
    rank[sorted(range(len(distinct)), key=distinct.__getitem__)] = np.arange(len(distinct), dtype=np.int64)
    return rank[codes]


def _sorted_columns(account: list, item: list, ts: list, message: list) -> ActionColumns:
    """Columns in (account, message, item, time) order, whatever order the store returned."""
    if not account:
        return ActionColumns([], [], [], [])
    codes = [_sorted_codes(col) for col in (account, message, item)]
    times = np.asarray(ts, dtype=np.float64)
    order = np.lexsort((times, codes[2], codes[1], codes[0]))
    take = order.tolist()
    return ActionColumns([account[i] for i in take], [item[i] for i in take], times[order].tolist(),
                         [message[i] for i in take])


def write_pairs(store: Store, result: Coordination, pairs: list[Pair], run_id: str,
                batch: int = WRITE_BATCH) -> int:
    """Store ``pairs`` as ``COORDINATED_WITH {kind: result.kind}``; drop that kind's older ones."""
    rows = []
    for p in pairs:
        if p.is_loop:
            continue
        props = {"window_s": int(result.window_s), "weight": float(p.weight), "weight_ab": p.weight_12,
                 "weight_ba": p.weight_21, "run_id": run_id}
        if p.p_value is not None:
            props["p_value"] = float(p.p_value)
        rows.append({"a": p.account_1, "b": p.account_2, "props": props})
    for chunk in batches(rows, batch):
        Q.MERGE_COORDINATED.run(store, {"rows": chunk, "kind": result.kind})
    # A pair that coordinated in an earlier run and not in this one must not linger; so must
    # not a p_value the earlier run had and this one has not.
    Q.DROP_STALE_COORDINATED.run(store, {"kind": result.kind, "run": run_id})
    if result.p_values == {}:
        Q.CLEAR_P_VALUES.run(store, {"kind": result.kind})
    return len(rows)


def write_groups(store: Store, components: list[list[str]], communities: list[list[str]], run_id: str,
                 batch: int = WRITE_BATCH) -> None:
    """Set ``coord_component`` / ``coord_community`` (group number, 1 = largest) on members."""
    Q.CLEAR_COORD_GROUPS.run(store)
    rows: dict[str, dict] = {}
    for name, groups in (("coord_component", components), ("coord_community", communities)):
        for number, members in enumerate(groups, start=1):
            for m in members:
                rows.setdefault(m, {"coord_run": run_id})[name] = number
    payload = [{"id": k, "props": v} for k, v in sorted(rows.items())]
    for chunk in batches(payload, batch):
        Q.SET_ACCOUNT_PROPS.run(store, {"rows": chunk})


@dataclass
class CoordinationRun:
    """What one ``graphtool coordination`` run found and wrote."""

    run_id: str
    kind: str
    window_s: float
    min_weight: int
    result: Coordination
    pairs: list[Pair]
    components: list[Group]
    communities: list[Group]
    actions: int
    skipped: int
    written: int
    seconds: float
    accounts: dict[str, dict] = field(default_factory=dict)

    @property
    def warnings(self) -> list[str]:
        """What the reader of the result must know (a window finer than the data's times)."""
        return [w for w in (self.result.resolution_warning(),) if w]

    @property
    def state_media_note(self) -> str | None:
        """:data:`~graphtool.analyze.state_media.NOT_ANALYSED` when no account carries the stored
        ``state_media`` (the groups' ``state_media_share`` is then null), else None."""
        return None if analysed(self.accounts.values()) else NOT_ANALYSED

    def as_dict(self) -> dict:
        return {"run_id": self.run_id, "kind": self.kind, "window_s": self.window_s, "min_weight": self.min_weight,
                "actions": self.actions, "skipped_without_time": self.skipped, "pairs": len(self.pairs),
                "written": self.written, "seconds": round(self.seconds, 3),
                "time_resolution_s": self.result.resolution_s, "warnings": self.warnings,
                "state_media_note": self.state_media_note,
                "components": [g.as_dict() for g in self.components],
                "communities": [g.as_dict() for g in self.communities]}


def run_coordination(store: Store, kind: str = "co-share", window_s: float = DEFAULT_WINDOW_S, *,
                     min_weight: int = 1, min_participation: int = 1, similarity: float | None = None,
                     permutations: int = 0, seed: int = 0, write: bool = True, run_id: str | None = None,
                     resolution: float = 1.0, progress: bool | None = None) -> CoordinationRun:
    """Read one kind of actions from ``store``, compute the network and its groups, write them back.

    Parameters
    ----------
    store : Store
    kind : str
        One of :data:`~graphtool.analyze.coordination.KINDS`.
    window_s : float
        Coordination window in seconds.
    min_weight : int
        Pairs are kept when one directed weight reaches it (QUT's threshold).
    min_participation : int
        Accounts with fewer actions of this kind are left out (CooRTweet's filter).
    similarity : float, optional
        Jaccard threshold for ``co-similar-text`` (default 0.8).
    permutations, seed : int
        Significance test (:func:`~graphtool.analyze.coordination.significance`); 0 = none.
    write : bool
        Store ``COORDINATED_WITH`` and the group numbers (else compute only).
    run_id : str, optional
        Recorded on everything written (default: a new one).
    resolution : float
        Louvain resolution for the communities.
    progress : bool, optional
        Show the steps as they run (stderr); default: when stderr is a terminal.

    Returns
    -------
    CoordinationRun
    """
    started = time.perf_counter()
    run_id = run_id or f"coordination-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}-{uuid.uuid4().hex[:6]}"
    with steps(progress, "coordination", 4 + bool(permutations) + write) as step:
        step("reading actions")
        info = account_info(store)
        actions, skipped = read_actions(store, kind, list(info))
        step(f"{kind} pairs within {window_s:g} s")
        result = co_actions(actions, window_s, kind=kind, min_weight=min_weight, min_participation=min_participation,
                            similarity=similarity if similarity is not None else DEFAULT_SIMILARITY)
        if permutations:
            step(f"significance ({permutations} shuffles)")
            significance(result, actions, permutations=permutations, seed=seed, similarity=similarity,
                         min_participation=min_participation)
        pairs = result.pairs()
        graph = result.graph()
        platforms = {k: v["platform"] for k, v in info.items()}
        state_media = {k: v["state_media"] for k, v in info.items() if isinstance(v["state_media"], bool)}
        step("groups")
        comps = find_groups(graph, "components")
        comms = find_groups(graph, "louvain", seed=seed, resolution=resolution)
        step("group summaries")
        summary = dict(platforms=platforms, state_media=state_media or None)
        components = summarize_groups(comps, graph, actions, method="components", **summary)
        communities = summarize_groups(comms, graph, actions, method="louvain", **summary)
        written = 0
        if write:
            step("writing COORDINATED_WITH")
            written = write_pairs(store, result, pairs, run_id)
            write_groups(store, comps, comms, run_id)
    return CoordinationRun(run_id, kind, window_s, min_weight, result, pairs, components, communities,
                           len(actions.account), skipped, written, time.perf_counter() - started, info)
