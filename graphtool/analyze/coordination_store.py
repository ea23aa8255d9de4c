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

Actions are read in batches of accounts (one indexed lookup per account id; on FalkorDB a range
of node ids, with the shared articles as node ids and named only where a group summary lists
them), so memory holds the actions, never a query result of the whole graph at once.  Results go
back with batched ``UNWIND ... CREATE`` after that kind's older relationships are deleted: one
``COORDINATED_WITH {kind}`` per pair of accounts, from the lower to the higher account id, with
``weight`` (mutual), ``weight_ab``, ``weight_ba``, ``window_s``, ``p_value`` and ``run_id``.  A
new run of a kind replaces the previous run's relationships of that kind.  The groups (connected
components and Louvain communities, 1 = the largest) become ``CoordinationGroup`` nodes with an
``IN_GROUP`` link from each member, in place of every earlier run's groups.
"""
from __future__ import annotations

import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from itertools import chain

import numpy as np

from .. import internal_queries as Q
from .. import model
from ..progress import steps
from ..store import Store
from .batching import batches
from .state_media import NOT_ANALYSED, analysed
from .coordination import (DEFAULT_SIMILARITY, DEFAULT_WINDOW_S, KINDS, MULTI_ITEM_KINDS, ActionColumns, Coded,
                           Coordination, Group, Pair, _codes, co_actions, groupings_of_pairs, normalize_text,
                           normalize_url, significance, sorted_unique, summarize_groupings)

READ_BATCH = 20_000  # accounts per read query (one row of gathered columns per query: read_columns)
WRITE_BATCH = 2000  # relationships per write query

_SHARE_KINDS = {"co-reply": ["reply"], "co-link": ["link"]}
_NOT_SHARES = ["reply", "link"]
# (by index seek, by node id range) of each read
_SHARE_STATEMENTS = {"co-share": (Q.COORD_SHARES_BUT, Q.COORD_SHARES_BUT_RANGE),
                     "co-reply": (Q.COORD_SHARES_OF_KINDS, Q.COORD_SHARES_OF_KINDS_RANGE),
                     "co-link": (Q.COORD_LINK_SHARES, Q.COORD_LINK_SHARES_RANGE)}
_PUBLISHED_STATEMENTS = {"co-link": (Q.COORD_URLS, Q.COORD_URLS_RANGE),
                         "co-text": (Q.COORD_TEXTS, Q.COORD_TEXTS_RANGE),
                         "co-similar-text": (Q.COORD_TEXTS, Q.COORD_TEXTS_RANGE),
                         "co-media": (Q.COORD_MEDIA, Q.COORD_MEDIA_RANGE)}
_SHARED_COLUMNS = {"account": int, "item": str, "message": str, "ts": float}  # ts Q.COORD_NO_TIME: none
# by node id range (FalkorDB): a share's article as its node id (co-link's stay ids: their URLs are the items)
_SHARED_NODE_COLUMNS = {**_SHARED_COLUMNS, "item": int}
_PUBLISHED_COLUMNS = {"account": int, "message": str, "value": str, "ts": float}


def account_info(store: Store, accounts: Iterable[str] | None = None, batch: int = READ_BATCH,
                 nodes: dict[str, int] | None = None) -> dict[str, dict]:
    """``{account id: {"platform", "handle", "affiliation_score", "state_media"}}`` of ``accounts``
    (default: every account; the last two as ``graphtool analyze`` stored them, None before it ran).
    ``nodes``: each account's node id (FalkorDB), so that no account is looked up by its id."""
    ids = account_ids(store) if accounts is None else sorted(set(accounts))
    out = {}
    columns = {"id": str, "platform": str, "handle": str, "score": float, "state_media": int}
    for chunk in batches(ids, batch):
        cols = (Q.COORD_ACCOUNT_INFO.read_columns(store, columns, {"ids": chunk}) if nodes is None else
                Q.COORD_ACCOUNT_INFO_BY_NODE.read_columns(store, columns, {"nodes": [nodes[a] for a in chunk]}))
        for account, platform, handle, score, state in zip(cols["id"], cols["platform"], cols["handle"],
                                                           cols["score"].tolist(), cols["state_media"].tolist()):
            out[account] = {"platform": platform or None, "handle": handle or None,
                            "affiliation_score": None if score < 0 else score,
                            "state_media": None if state < 0 else bool(state)}
    return out


def account_ids(store: Store) -> list[str]:
    """Every account id in the store, sorted."""
    return sorted(Q.ACCOUNT_IDS.read_columns(store, {"id": str})["id"])


def read_statements(kind: str, by_range: bool = False) -> list[tuple[str, Q.Statement, dict]]:
    """``(source, statement, parameters but the accounts')`` of each read :func:`read_actions` runs for
    ``kind``; source ``shared`` or ``published``; ``by_range``: the accounts by node id range."""
    if kind not in KINDS:
        raise ValueError(f"unknown coordination kind {kind!r}; known: {', '.join(KINDS)}")
    out = []
    if kind in _SHARE_STATEMENTS:
        kinds = _NOT_SHARES if kind == "co-share" else _SHARE_KINDS[kind]
        out.append(("shared", _SHARE_STATEMENTS[kind][by_range], {"kinds": kinds}))
    if kind in _PUBLISHED_STATEMENTS:
        out.append(("published", _PUBLISHED_STATEMENTS[kind][by_range], {}))
    return out


def read_queries(kind: str, by_range: bool = False) -> list[tuple[str, str, dict]]:
    """``(source, query text, parameters but the accounts')`` of each read for ``kind`` (for plan checks)."""
    return [(source, statement.cypher(), params) for source, statement, params in read_statements(kind, by_range)]


class _Items:
    """Item values, each kept once, and each row's code among them: what a column of raw values
    becomes after its kind's normalisation (a URL's, a text's), computed once per distinct value."""

    def __init__(self):
        self.index: dict[str, int] = {}

    def codes(self, raw: Sequence, clean=None) -> np.ndarray:
        """Each row's item code, -1 where ``clean`` leaves nothing (an empty text, a non-URL)."""
        distinct, row_codes = _codes(raw)
        index = self.index
        mapped = np.fromiter((-1 if v is None else index.setdefault(v, len(index))
                              for v in (map(clean, distinct) if clean else distinct)), dtype=np.int64,
                             count=len(distinct))
        return mapped[row_codes] if len(row_codes) else np.zeros(0, dtype=np.int64)


class _NodeNames(Sequence):
    """The ids (``n.id``) of nodes known by their internal node ids, looked up when asked: a run names
    only the items its group summaries list (:meth:`many`), not every item it read."""

    def __init__(self, store: Store, nodes: np.ndarray):
        self.store, self.nodes, self.names = store, nodes, {}

    def __len__(self) -> int:
        return len(self.nodes)

    def many(self, codes: Sequence[int]) -> list[str]:
        """The ids at these positions, each looked up once."""
        codes = list(codes)
        missing = sorted({int(self.nodes[c]) for c in codes} - set(self.names))
        for chunk in batches(missing, READ_BATCH):
            found = Q.COORD_NODE_NAMES.read_columns(self.store, {"node": int, "id": str}, {"nodes": chunk})
            self.names.update(zip(found["node"].tolist(), found["id"]))
        return [self.names[int(self.nodes[c])] for c in codes]

    def __getitem__(self, i):
        if isinstance(i, slice):
            return self.many(range(*i.indices(len(self))))
        if len(self.names) < len(self.nodes):  # one value asked: name them all at once (iteration)
            self.many(range(len(self.nodes)))
        return self.names[int(self.nodes[i])]


def _distinct_first(values: list) -> tuple[Sequence, np.ndarray]:
    """:func:`_codes` of a column whose values are nearly always distinct (message ids): when no two
    values hash alike they are all distinct, and each row is its own code (a sort of the hashes costs a
    third of a set of the strings)."""
    hashes = np.sort(np.fromiter(map(hash, values), dtype=np.int64, count=len(values)))
    if not (hashes[1:] == hashes[:-1]).any():
        return values, np.arange(len(values), dtype=np.int64)
    return _codes(values)


class _PublishedMessages(Sequence):
    """Message ids of published posts, ``account\x1fpost``: a post two accounts published is a message of
    each.  Made as asked (the engine only needs each row's code, never the text)."""

    def __init__(self, accounts: list[str], pairs: np.ndarray, posts: list[str]):
        self.accounts, self.pairs, self.posts = accounts, pairs, posts

    def __len__(self) -> int:
        return len(self.pairs)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        account, post = self.pairs[i]
        return f"{self.accounts[account]}\x1f{self.posts[post]}"


def _read(store: Store, statement: Q.Statement, columns: dict, params: dict, names: list[str],
          nodes: np.ndarray | None, batch: int) -> dict:
    """One statement's rows for every batch of accounts, as columns (``account``: index in ``names``).

    With ``nodes`` (the accounts' node ids, sorted, in the order of ``names``) each batch is a range of
    node ids; else a list of ``[position, id]``."""
    parts = []
    position = None if nodes is None else _positions(nodes)
    for start in range(0, len(names), batch):
        if nodes is None:
            rows = [[k, name] for k, name in enumerate(names[start:start + batch])]
            cols = statement.read_columns(store, columns, {**params, "rows": rows})
            cols["account"] = cols["account"] + start
        else:
            end = min(start + batch, len(names))
            cols = statement.read_columns(store, columns, {**params, "lo": int(nodes[start]),
                                                           "hi": int(nodes[end - 1]) + 1})
            cols["account"] = position[cols["account"]]
        parts.append(cols)
    empty = {int: np.zeros(0, dtype=np.int64), float: np.zeros(0, dtype=np.float64), str: []}
    return {name: (list(chain.from_iterable(p[name] for p in parts)) if kind is str
                   else np.concatenate([empty[kind]] + [p[name] for p in parts]))
            for name, kind in columns.items()}


def _positions(nodes: np.ndarray) -> np.ndarray:
    """Each node id's position among ``nodes`` (sorted, distinct), -1 for another id: a look-up by
    index (node ids are dense, so the table is as long as the graph), cheaper than a search per row."""
    position = np.full(int(nodes[-1]) + 1 if len(nodes) else 0, -1, dtype=np.int64)
    position[nodes] = np.arange(len(nodes), dtype=np.int64)
    return position


def _node_codes(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(values, return_inverse=True)`` of node ids (non-negative, dense): the distinct ids
    from a table of those present, in one pass instead of a sort."""
    if not len(values):
        return values, np.zeros(0, dtype=np.int64)
    present = np.zeros(int(values.max()) + 1, dtype=bool)
    present[values] = True
    distinct = np.flatnonzero(present)
    return distinct, (np.cumsum(present, dtype=np.int64) - 1)[values]


def read_actions(store: Store, kind: str, accounts: list[str] | None = None,
                 batch: int = READ_BATCH) -> tuple[ActionColumns, int]:
    """The actions of one kind in the store as columns, and how many were skipped for lack of a time.

    ``accounts`` limits the read to those account ids (default: all).  Each read returns its
    rows by column (:meth:`~graphtool.store.base.Store.read_columns`), so no value is decoded on
    its own; the columns come back as codes into distinct values (:class:`Coded`).  Deterministic:
    a message id that two rows share keeps the row first in (account, message, item, time) order,
    whatever order the store returned.
    """
    actions, skipped, _ = _read_actions(store, kind, accounts, batch)
    return actions, skipped


def _read_actions(store: Store, kind: str, accounts: list[str] | None,
                  batch: int) -> tuple[ActionColumns, int, dict[str, int] | None]:
    """:func:`read_actions`, and each account's node id where the store was read by node id range."""
    nodes = None
    if accounts is not None:
        names = sorted(set(accounts))
    elif getattr(store, "reads_by_id_range", False):  # FalkorDB: every account, by ranges of node ids
        found = Q.ACTOR_NODES.read_columns(store, {"node": int, "id": str}, actor=model.L.Account)
        order = np.argsort(found["node"])
        nodes, names = found["node"][order], [found["id"][i] for i in order.tolist()]
    else:
        names = account_ids(store)
    items = _Items()
    item_names: Sequence | None = None  # when the items are nodes (else items.index)
    parts = []  # (account, item, ts, message code) of each source
    skipped = 0
    message_values: Sequence = []
    for source, statement, params in read_statements(kind, nodes is not None):
        if source == "shared":
            columns = ({**_SHARED_COLUMNS, "url": str} if kind == "co-link" else
                       _SHARED_NODE_COLUMNS if nodes is not None else _SHARED_COLUMNS)
            cols = _read(store, statement, columns, params, names, nodes, batch)
            timed = cols["ts"] != Q.COORD_NO_TIME
            skipped += int((~timed).sum())
            if kind == "co-link":  # a link share: the target's URL, else its id
                item = items.codes(cols["url"], normalize_url)
                no_url = np.flatnonzero(item < 0)
                item[no_url] = items.codes([cols["item"][i] for i in no_url.tolist()], normalize_url)
            elif columns is _SHARED_NODE_COLUMNS:  # the article's node id: named when a summary lists it
                article_nodes, item = _node_codes(cols["item"])
                item_names = _NodeNames(store, article_nodes)
            else:  # one item per action, as stored
                item = items.codes(cols["item"])
            messages = cols["message"]
            if "" in messages:  # a share without an id: "account>article", as the engine names one
                unnamed = [i for i, m in enumerate(messages) if not m]
                articles = (item_names.many(item[unnamed].tolist()) if columns is _SHARED_NODE_COLUMNS
                            else [cols["item"][i] for i in unnamed])
                for i, article in zip(unnamed, articles):
                    messages[i] = f"{names[cols['account'][i]]}>{article}"
            message_values, message = _distinct_first(messages)
            keep = timed & (item >= 0)
            parts.append((cols["account"][keep], item[keep], cols["ts"][keep], message[keep]))
            continue
        cols = _read(store, statement, _PUBLISHED_COLUMNS, params, names, nodes, batch)
        post_values, post = _distinct_first(cols["message"])  # a post per row, unless it has several values
        account, timed = np.asarray(cols["account"], dtype=np.int64), cols["ts"] != Q.COORD_NO_TIME
        # a post is one action without a time, however many URLs it has
        skipped += len(sorted_unique(account[~timed] * max(len(post_values), 1) + post[~timed]))
        clean = normalize_url if kind == "co-link" else None if kind == "co-media" else normalize_text
        item = items.codes(cols["value"], clean)
        keep = timed & (item >= 0)
        # a post is a message of the account that published it: codes after the shares' messages
        keys, message = np.unique(account[keep] * max(len(post_values), 1) + post[keep], return_inverse=True)
        pairs = np.stack([keys // max(len(post_values), 1), keys % max(len(post_values), 1)], axis=1)
        parts.append((account[keep], item[keep], cols["ts"][keep], message.reshape(-1) + len(message_values)))
        message_values = _Joined(message_values, _PublishedMessages(names, pairs, post_values))
    if item_names is None:
        item_names = list(items.index)
    node_of = None if nodes is None else dict(zip(names, nodes.tolist()))
    return _columns(names, item_names, parts, message_values, kind not in MULTI_ITEM_KINDS), skipped, node_of


def _columns(names: list[str], item_values: list[str], parts: list, message_values: Sequence,
             one_per_message: bool) -> ActionColumns:
    """The parts read as one set of :class:`Coded` columns, in a deterministic order where it matters."""
    account, item, ts, message = (np.concatenate([p[c] for p in parts]) for c in range(4))
    if not len(account):
        return ActionColumns([], [], [], [])
    if one_per_message:  # the first action of a message wins
        repeated = len(sorted_unique(message)) != len(message)
    else:  # a message of several accounts: the first account keeps it
        repeated = len(sorted_unique(message * max(len(names), 1) + account)) != len(sorted_unique(message))
    if repeated:  # rare (a share id used twice): rows in (account, message, item, time) order by value
        order = np.lexsort((ts, _ranks(item_values)[item], _ranks(message_values)[message], _ranks(names)[account]))
        account, item, ts, message = account[order], item[order], ts[order], message[order]
    if not one_per_message:  # one action per (message, item): a post that names a URL twice names it once
        first = np.sort(np.unique(message * max(len(item_values), 1) + item, return_index=True)[1])
        account, item, ts, message = account[first], item[first], ts[first], message[first]
    return ActionColumns(Coded(names, account), Coded(item_values, item), ts, Coded(message_values, message))


class _Joined(Sequence):
    """Two sequences as one."""

    def __init__(self, first: Sequence, second: Sequence):
        self.first, self.second = first, second

    def __len__(self) -> int:
        return len(self.first) + len(self.second)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        return self.first[i] if i < len(self.first) else self.second[i - len(self.first)]


def _ranks(values: Sequence) -> np.ndarray:
    """Each distinct value's rank in sorted order."""
    rank = np.empty(len(values), dtype=np.int64)
    rank[sorted(range(len(values)), key=values.__getitem__)] = np.arange(len(values), dtype=np.int64)
    return rank


def write_pairs(store: Store, result: Coordination, pairs: list[Pair], run_id: str,
                batch: int = WRITE_BATCH, nodes: dict[str, int] | None = None) -> int:
    """Store ``pairs`` as ``COORDINATED_WITH {kind: result.kind}`` in place of that kind's older ones.

    ``nodes``: each account's node id (FalkorDB), so that no account is looked up by its id."""
    key = (lambda a: nodes[a]) if nodes is not None else (lambda a: a)
    # p_value null when not tested: no property
    rows = [[key(p.account_1), key(p.account_2), float(p.weight), p.weight_12, p.weight_21,
             None if p.p_value is None else float(p.p_value)] for p in pairs if not p.is_loop]
    Q.DROP_COORDINATED_KIND.run(store, {"kind": result.kind})
    create = Q.CREATE_COORDINATED if nodes is None else Q.CREATE_COORDINATED_BY_NODE
    for chunk in batches(rows, batch):
        create.run(store, {"rows": chunk, "kind": result.kind, "window_s": int(result.window_s), "run": run_id})
    return len(rows)


def write_groups(store: Store, components: list[list[str]], communities: list[list[str]], run_id: str,
                 kind: str, window_s: float, batch: int = WRITE_BATCH, nodes: dict[str, int] | None = None) -> None:
    """Store the groups (number 1 = largest) as ``CoordinationGroup`` nodes with an ``IN_GROUP`` link from
    each member, in place of every earlier run's.  A group both methods find is one node with both numbers
    (at 10^6 co-share, nearly every group).  ``nodes`` as for :func:`write_pairs`."""
    numbers: dict[frozenset, list] = {}  # members: [component, community], null where not a group of that method
    for column, groups in enumerate((components, communities)):
        for number, members in enumerate(groups, start=1):
            numbers.setdefault(frozenset(members), [None, None])[column] = number
    rows, members = [], []
    for group, (component, community) in numbers.items():  # components first, then communities alone
        group_id = f"{run_id}:component:{component}" if component else f"{run_id}:community:{community}"
        rows.append([group_id, component, community, len(group)])
        members.append(sorted(group))
    Q.DROP_COORDINATION_GROUPS.run(store)
    params = {"kind": kind, "window_s": int(window_s), "run": run_id}
    if nodes is None:
        for chunk in batches(rows, batch):
            Q.CREATE_COORDINATION_GROUPS.run(store, {"rows": chunk, **params})
        keys = [row[0] for row in rows]
    else:  # the new groups' node ids, and every link by node ids
        made = {r["id"]: r["node"] for chunk in batches(rows, batch)
                for r in Q.CREATE_COORDINATION_GROUPS_BY_NODE.run(store, {"rows": chunk, **params})}
        keys = [made[row[0]] for row in rows]
    key = (lambda a: a) if nodes is None else nodes.__getitem__
    links = [[key(m), group] for group, group_members in zip(keys, members) for m in group_members]
    statement = Q.CREATE_IN_GROUP if nodes is None else Q.CREATE_IN_GROUP_BY_NODE
    for chunk in batches(links, batch):
        statement.run(store, {"rows": chunk, "run": run_id})


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
    accounts: dict[str, dict] = field(default_factory=dict)  # account_info of the accounts in the pairs

    @property
    def warnings(self) -> list[str]:
        """What the reader of the result must know (a window finer than the data's times)."""
        return [w for w in (self.result.resolution_warning(),) if w]

    @cached_property
    def state_media_note(self) -> str | None:
        """:data:`~graphtool.analyze.state_media.NOT_ANALYSED` when no account in the pairs carries the
        stored ``state_media`` (the groups' ``state_media_share`` is then null), else None."""
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
        Store ``COORDINATED_WITH`` and the groups (else compute only).
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
        actions, skipped, nodes = _read_actions(store, kind, None, READ_BATCH)
        step(f"{kind} pairs within {window_s:g} s")
        result = co_actions(actions, window_s, kind=kind, min_weight=min_weight, min_participation=min_participation,
                            similarity=similarity if similarity is not None else DEFAULT_SIMILARITY)
        if permutations:
            step(f"significance ({permutations} shuffles)")
            significance(result, actions, permutations=permutations, seed=seed, similarity=similarity,
                         min_participation=min_participation)
        pairs = result.pairs()
        step("groups")
        comps, comms = groupings_of_pairs(pairs, ("components", "louvain"), seed=seed, resolution=resolution)
        step("group summaries")
        info = account_info(store, (a for p in pairs for a in (p.account_1, p.account_2)), nodes=nodes)
        platforms = {k: v["platform"] for k, v in info.items()}
        state_media = {k: v["state_media"] for k, v in info.items() if isinstance(v["state_media"], bool)}
        summary = dict(platforms=platforms, state_media=state_media or None)
        components, communities = summarize_groupings((("components", comps), ("louvain", comms)), pairs, actions,
                                                      **summary)
        written = 0
        if write:
            step("writing COORDINATED_WITH")
            written = write_pairs(store, result, pairs, run_id, nodes=nodes)
            write_groups(store, comps, comms, run_id, kind, window_s, nodes=nodes)
    return CoordinationRun(run_id, kind, window_s, min_weight, result, pairs, components, communities,
                           len(actions.account), skipped, written, time.perf_counter() - started, info)
