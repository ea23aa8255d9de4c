"""Projections from the store into NetworkX, and the writer that stores scores back.

Everything is read with portable Cypher.  For the scores, shares and copies -- the bulk of a
store -- are read by column (:meth:`~graphtool.store.base.Store.read_columns`): the publishers
of every article once, then each share and copy as a pair of ends (internal node ids on
FalkorDB), joined and counted in numpy (:func:`amplification_arrays`, :class:`Amplification`);
the scores run on those arrays.  The maps' timed read (:func:`amplification_edges`) takes one
query per label pair, one row per start node with the lists of the other ends and times.  The
census of accounts and outlets is read by column too; ownership and coordination links come in
one query per label or label pair.  Results are sorted before the
graphs are built, so the same store content gives the same graph (node and edge order
included) on either store, and the same scores.

Node keys are the node ids; an id used by two labels (an Outlet and an Organization both
called ``xinhua``) becomes ``Label:id`` for each of them.  Every graph node carries ``label``,
``id`` and ``name`` attributes, which is what the writer uses.

Graphs
------
amplification
    Account/Outlet -> Account/Outlet: an edge ``A -> B`` when A shared one of B's articles or
    published an article that COPIES one of B's; ``shares``, ``copies`` and
    ``weight = shares + copies``.  Self-amplification (sharing or copying oneself) is left out.
    Every Account and Outlet is a node, amplified or not.
ownership
    MultiDiGraph of OPERATED_BY / OWNED_BY / REGISTERED_TO (whatever the model declares as
    :data:`OWNERSHIP_TYPES`), ``u -> v`` meaning v runs, owns or registered u; edge attributes
    ``type``, ``confidence`` (as stored), ``basis``, ``sources``.
coordination
    Undirected Graph of COORDINATED_WITH between Accounts: ``weight`` summed over kinds,
    ``kinds`` the sorted kinds joined by ``|``; only accounts with such a link are nodes.
follows
    DiGraph of FOLLOWS between Accounts, follower -> followed, one edge per pair (``weight`` 1,
    ``first_ts`` / ``last_ts`` when the follow was observed); only accounts with a follow are
    nodes.  Read from FOLLOWS alone: a follow is never a share, nor a share a follow.
"""
from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass, field

import networkx as nx
import numpy as np

from .. import internal_queries as Q
from .. import model
from ..errors import StoreError
from ..store import Store
from .batching import batches
from .affiliation import Actor, Item

BATCH = 10_000  # ids (or rows) per UNWIND batch
FLOAT_DIGITS = 12  # significant digits of stored scores: identical on both stores
OWNERSHIP_TYPES = Q.OWNERSHIP_TYPES  # OPERATED_BY, OWNED_BY, REGISTERED_TO
ACTORS = model.ACTORS  # Account, Outlet
_ACCOUNT, _OUTLET = model.L.Account, model.L.Outlet
_SHARED, _COPIES = model.R.SHARED, model.R.COPIES



def _finite(value, default=None):
    if isinstance(value, bool) or value is None:
        return default
    try:
        number = float(value)
    except (TypeError, ValueError):
        return default
    return number if math.isfinite(number) else default


def list_nodes(store: Store, statement: Q.Statement, **slots: str) -> list[dict]:
    """The rows of a node-listing statement (``Q.CENSUS_ACCOUNTS``, ``Q.NARRATIVES`` ...), sorted by id.

    One query: paging by key range re-scans and re-sorts the label for every page, which made
    this quadratic (an hour at 10^6 nodes); the rows are held in memory anyway.
    """
    rows = statement.read(store, **slots)
    return sorted((r for r in rows if isinstance(r["id"], str)), key=lambda r: r["id"])


@dataclass
class Keys:
    """Node keys for (label, id): the id, or ``Label:id`` where an id is used by several labels."""

    ids: dict = field(default_factory=dict)  # label -> set of ids
    _shared: set = field(default_factory=set)

    def add(self, label: str, ids) -> None:
        members = self.ids.setdefault(label, set())
        new = set(ids) - members
        others = [m for other, m in self.ids.items() if other != label]
        self._shared.update(i for i in new if any(i in m for m in others))
        members |= new

    @property
    def shared(self) -> set:
        """Ids used by more than one label."""
        return self._shared

    def key(self, label: str, node_id: str) -> str:
        return f"{label}:{node_id}" if node_id in self._shared else node_id


@dataclass
class Census:
    """What the projections read: the actors and owners with their properties, and their keys."""

    keys: Keys
    actors: dict  # key -> Actor
    owners: dict  # key -> {"label", "id", "name", "state_affiliated", "country", "sources"}
    warnings: list = field(default_factory=list)

    def by_label(self, label: str) -> list[str]:
        return sorted(a.id for a in self.actors.values() if a.label == label)


def _actor_columns(store: Store, columns: Q.Statement, rows: Q.Statement) -> dict[str, list]:
    """:func:`list_nodes` of ``rows`` (a census statement) as columns, name -> values in id order, read
    by column (``columns``, its twin): one value per column instead of one per cell, which is most of
    the census's cost.  Where a value is not a string (or a source list holds something else) the
    column fails and the rows are read.  ``sources`` holds each node's sources as census keeps them."""
    names = re.findall(r" AS (\w+)", columns.text)
    try:
        cols = columns.read_columns(store, dict.fromkeys(names, str))
    except (ValueError, StoreError):
        return _columns_of_rows(store, columns, rows)
    ids = cols["id"]
    order = sorted(range(len(ids)), key=ids.__getitem__)
    out = {n: [cols[n][i] for i in order] for n in names}
    sep, joined = Q.SOURCES_SEPARATOR, {}  # the same few source lists on most nodes: each sorted once
    for text in set(out["sources"]):
        joined[text] = tuple(sorted(text.split(sep)[1:]))
    out["sources"] = [joined[t] for t in out["sources"]]
    return out


def _columns_of_rows(store: Store, columns: Q.Statement, rows: Q.Statement) -> dict[str, list]:
    """What :func:`_actor_columns` returns, from the rows (:func:`list_nodes`): where a column fails."""
    found = list_nodes(store, rows)
    out = {n: [r.get(n) for r in found] for n in re.findall(r" AS (\w+)", columns.text)}
    out["sources"] = [_sources(v) for v in out["sources"]]
    return out


def _text(value):
    """The value if it is a string with something in it, else None."""
    return value if isinstance(value, str) and value.strip() else None


def _texts(values: list) -> list:
    return [_text(v) for v in values]


def census(store: Store) -> Census:
    """Read every Account, Outlet and possible owner (Organization, Person) with what scoring needs."""
    keys = Keys()
    raw: dict = {}
    owner_labels = sorted({t for rel in OWNERSHIP_TYPES for t in model.rel(rel).targets} - set(ACTORS))
    columns = {_ACCOUNT: _actor_columns(store, Q.CENSUS_ACCOUNT_COLUMNS, Q.CENSUS_ACCOUNTS),
               _OUTLET: _actor_columns(store, Q.CENSUS_OUTLET_COLUMNS, Q.CENSUS_OUTLETS)}
    for label in ACTORS:
        keys.add(label, columns[label]["id"])
    for label in owner_labels:
        raw[label] = list_nodes(store, Q.CENSUS_OWNERS, owner=label)
        keys.add(label, (r["id"] for r in raw[label]))

    actors, owners = {}, {}
    for label in ACTORS:
        cols = columns[label]
        texts = [_texts(cols.get(name) or [None] * len(cols["id"])) for name in (
            "name", "display_name", "state_affiliated", "country", "registrant_country", "audience_country", "handle")]
        for node_id, name, display_name, state_affiliated, country, registrant, audience, handle, sources_ in zip(
                cols["id"], *texts, cols["sources"]):
            k = keys.key(label, node_id)
            actors[k] = Actor(k, label, node_id, name=name or display_name or "", state_affiliated=state_affiliated,
                              country=country, registrant_country=registrant, audience_country=audience,
                              sources=sources_, handle=handle or "")
    for label in owner_labels:
        for r in raw[label]:
            owners[keys.key(label, r["id"])] = {
                "label": label, "id": r["id"], "name": _text(r.get("name")) or "",
                "state_affiliated": _text(r.get("state_affiliated")), "country": _text(r.get("country")),
                "kind": _text(r.get("kind")) or "", "sources": _sources(r.get("sources"))}
    return Census(keys, actors, owners)


def _add_nodes(G: nx.Graph, census_: Census, include_owners: bool = False, ownership: bool = False) -> None:
    """The actors (and owners) as nodes, keys sorted; ``ownership`` adds what the ownership graph's nodes
    also carry (``handle``, ``kind``) as the last attribute."""
    actors, owners = census_.actors, census_.owners
    G.add_nodes_from((k, {"label": a.label, "id": a.id, "name": a.name, "state_affiliated": a.state_affiliated or "",
                          "country": a.country or "", "sources": list(a.sources),
                          **({"handle": a.handle} if ownership else {})})
                     for k, a in ((k, actors[k]) for k in sorted(actors)))
    if include_owners:
        G.add_nodes_from((k, {"label": o["label"], "id": o["id"], "name": o["name"],
                              "state_affiliated": o["state_affiliated"] or "", "country": o["country"] or "",
                              "sources": list(o["sources"]), **({"kind": o.get("kind") or ""} if ownership else {})})
                         for k, o in ((k, owners[k]) for k in sorted(owners)))


# ----------------------------------------------------------------------------- amplification

@dataclass
class Amplification:
    """The amplification graph as arrays, for the scores (no NetworkX graph on that path).

    Node ``i`` is ``keys[i]``: every Account and Outlet, keys sorted.  Edge ``e`` is
    ``keys[src[e]] -> keys[dst[e]]`` with ``shares[e]`` and ``copies[e]``, edges sorted by
    ``(src, dst)``: the node and edge order of :func:`amplification_graph`.
    """

    keys: list
    src: np.ndarray
    dst: np.ndarray
    shares: np.ndarray
    copies: np.ndarray
    # Per node, from the same read: articles published and shares made, a quote counted once (as its
    # article): what :func:`content_counts` reads on its own.
    published: np.ndarray | None = None
    shared: np.ndarray | None = None
    # On FalkorDB, label -> {id: internal node id} of every actor, as the read found them (the scores'
    # writer seeks by them).
    actor_nodes: dict | None = None

    def content_counts(self) -> tuple[dict, dict]:
        """:func:`content_counts`'s answer, from this read."""
        return ({self.keys[i]: c for i, c in enumerate(self.published.tolist()) if c},
                {self.keys[i]: c for i, c in enumerate(self.shared.tolist()) if c})

    @property
    def weight(self) -> np.ndarray:
        return (self.shares + self.copies).astype(np.float64)

    def graph(self, census_: Census) -> nx.DiGraph:
        G = nx.DiGraph(name="amplification")
        _add_nodes(G, census_)
        keys = self.keys
        G.add_edges_from((keys[a], keys[b], {"weight": float(s + c), "shares": s, "copies": c})
                         for a, b, s, c in zip(self.src.tolist(), self.dst.tolist(), self.shares.tolist(),
                                               self.copies.tolist()))
        return G


def _amplifying(store: Store, census_: Census, since: int | None, until: int | None,
                times: bool = True) -> tuple[list, dict]:
    """The one read of the amplification projection: ``(keys, {kind: (codes, ts, unattributed)})``.

    ``keys`` are the actor keys, sorted; a share or copy from ``keys[i]`` of ``keys[j]``'s article
    has code ``i * len(keys) + j`` (self-amplification left out) and its time (the share's
    ``at_ts``, the copy's ``published_ts``; :data:`~graphtool.internal_queries.NO_TIME` when it has
    none).  Without ``since``/``until`` every share and copy counts, timed or not; with them
    only those inside ``[since, until]``.  ``times=False`` (the scores: counts only) reads the ends
    alone and gives every one NO_TIME.
    """
    keys = sorted(census_.actors)
    position = {k: i for i, k in enumerate(keys)}
    index = {label: {a.id: position[k] for k, a in census_.actors.items() if a.label == label} for label in ACTORS}
    n = len(keys)
    window = None if since is None and until is None else {"since": MIN_TS if since is None else int(since),
                                                           "until": MAX_TS if until is None else int(until)}
    if window is not None:
        shares, copies = Q.AMPLIFYING_SHARES_IN, Q.AMPLIFYING_COPIES_IN
    elif times:
        shares, copies = Q.AMPLIFYING_SHARES_TIMED, Q.AMPLIFYING_COPIES_TIMED
    else:
        shares, copies = Q.AMPLIFYING_SHARES, Q.AMPLIFYING_COPIES
    out = {}
    for kind, specs in ((_SHARED, [(shares, _ACCOUNT, dst, {"dst": dst}) for dst in ACTORS]),
                        (_COPIES, [(copies, src, dst, {"src": src, "dst": dst}) for src in ACTORS for dst in ACTORS])):
        columns: list[list] = [[], [], [], []]  # src, dst, ts, unattributed
        for statement, src_label, dst_label, slots in specs:
            src_of, dst_of = index[src_label], index[dst_label]
            for r in statement.read(store, window, **slots):
                a = src_of.get(r["src"])
                if a is None:
                    continue
                ends = [dst_of.get(d, -1) for d in r["dst"]]
                columns[0].append(np.full(len(ends), a, dtype=np.int64))
                columns[1].append(np.array(ends, dtype=np.int64))
                columns[2].append(np.array(r["ts"], dtype=np.int64) if "ts" in r
                                  else np.full(len(ends), Q.NO_TIME, dtype=np.int64))
                columns[3].append(np.array(r.get("unattributed") or np.zeros(len(ends)), dtype=np.int64))
        a, b, ts, un = (np.concatenate(c) if c else np.zeros(0, dtype=np.int64) for c in columns)
        keep = (b >= 0) & (a != b)
        out[kind] = (a[keep] * n + b[keep], ts[keep], un[keep])
    return keys, out


SHARE_BATCH = 50_000  # accounts per shares read on FalkorDB (a range of node ids): bounds one reply's size


def _codes(values: list, index: dict) -> np.ndarray:
    """Each value's position in ``index``; -1 for a value it lacks."""
    get = index.get
    return np.fromiter((get(v, -1) for v in values), dtype=np.int64, count=len(values))


class _Ends:
    """The amplification read's ends as integer codes: actors as their position in the sorted keys
    (-1: not an actor of the census), articles as any code unique to the article.

    On FalkorDB the reads return internal node ids (integers, no name decoded or looked up);
    elsewhere ids, looked up in dicts.
    """

    def __init__(self, store: Store, index: dict):
        self.store, self.index = store, index
        self.by_node = getattr(store, "reads_by_id_range", False)
        self.articles: dict = {}  # article id -> code (not by node)
        self.nodes = None  # label -> {id: node id} (by node)
        if self.by_node:
            nodes = {label: Q.ACTOR_NODES.read_columns(store, {"node": int, "id": str}, actor=label) for label in ACTORS}
            self.nodes = {label: dict(zip(cols["id"], cols["node"].tolist())) for label, cols in nodes.items()}
            top = max([int(c["node"].max()) for c in nodes.values() if c["node"].size] or [0])
            self.position = np.full(top + 1, -1, dtype=np.int64)  # node id -> actor position
            for label, cols in nodes.items():
                self.position[cols["node"]] = _codes(cols["id"], index[label])
            self.accounts = np.sort(nodes[_ACCOUNT]["node"])

    def actors(self, values, label: str) -> np.ndarray:
        if not self.by_node:
            return _codes(values, self.index[label])
        inside = values < self.position.size
        return np.where(inside, self.position[np.where(inside, values, 0)], -1)

    def article_codes(self, values, new: bool = False) -> np.ndarray:
        """Codes of article ends; ``new``: ids not seen before get a code (the publishers' read)."""
        if self.by_node:
            return np.asarray(values, dtype=np.int64)
        if new:
            return np.fromiter((self.articles.setdefault(x, len(self.articles)) for x in values),
                               dtype=np.int64, count=len(values))
        return _codes(values, self.articles)

    def publishers(self) -> list[dict]:
        statement = Q.AMPLIFY_PUBLISHERS_NODES if self.by_node else Q.AMPLIFY_PUBLISHERS
        kind = int if self.by_node else str
        return [(label, statement.read_columns(self.store, {"actor": kind, "article": kind}, actor=label))
                for label in ACTORS]

    def shares(self):
        """Every share as (actor, article, quote) columns, in parts."""
        if not self.by_node:
            yield Q.AMPLIFY_SHARES.read_columns(self.store, {"actor": str, "article": str, "quote": int})
            return
        nodes = self.accounts
        for start in range(0, nodes.size, SHARE_BATCH):
            yield Q.AMPLIFY_SHARES_NODES.read_columns(
                self.store, {"actor": int, "article": int, "quote": int},
                {"lo": int(nodes[start]), "hi": int(nodes[min(start + SHARE_BATCH, nodes.size) - 1]) + 1})

    def copies(self) -> dict:
        if self.by_node:
            return Q.AMPLIFY_COPIES_NODES.read_columns(self.store, {"copy": int, "original": int})
        return Q.AMPLIFY_COPIES.read_columns(self.store, {"copy": str, "original": str})


class _Publishers:
    """Who published each article: actor positions grouped by article code."""

    def __init__(self, ends: _Ends, n: int):
        self.ends = ends
        code, actor = [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=np.int64)]
        for label, cols in ends.publishers():
            actor.append(ends.actors(cols["actor"], label))
            code.append(ends.article_codes(cols["article"], new=True))
        code, actor = np.concatenate(code), np.concatenate(actor)
        known = actor >= 0
        code, actor = code[known], actor[known]
        self.published = np.bincount(actor, minlength=n)
        order = np.argsort(code, kind="stable")
        self._actor = actor[order]  # grouped by article code: code c's publishers from _start[c], _count[c] of them
        self._count = np.bincount(code, minlength=1)
        self._start = np.cumsum(self._count) - self._count

    def of(self, articles) -> tuple[np.ndarray, np.ndarray]:
        """``(row, actor)``: each row of ``articles`` (ends as read) once per publisher of its article
        (an article without a known publisher: no row)."""
        codes = self.ends.article_codes(articles)
        known = (codes >= 0) & (codes < self._count.size)
        codes = np.where(known, codes, 0)
        start, count = self._start[codes], np.where(known, self._count[codes], 0)
        rows = np.repeat(np.arange(codes.size), count)
        offset = np.arange(rows.size) - np.repeat(np.cumsum(count) - count, count)
        return rows, self._actor[start[rows] + offset]


def _counted(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(codes, return_counts=True)`` by sorting (numpy's hashed unique is 10x slower here)."""
    codes = np.sort(codes)
    first = np.flatnonzero(np.diff(codes, prepend=codes[:1] - 1)) if codes.size else np.zeros(0, dtype=np.int64)
    return codes[first], np.diff(np.append(first, codes.size))


def amplification_arrays(store: Store, census_: Census | None = None) -> Amplification:
    """Who amplifies whom (see the module docstring), counted in numpy: every share and copy, timed or not.

    Read by column (:meth:`~graphtool.store.base.Store.read_columns`: no value decoded on its own):
    the publishers of every article once, then the shares and the copies as pairs of ends, joined
    here, so that the store walks each share once and sends no list per actor.  The same counts as
    the per-actor lists of :func:`_amplifying` (the maps' read), and the published and shared
    counts of :func:`content_counts` on the way.
    """
    census_ = census_ or census(store)
    keys = sorted(census_.actors)
    n = len(keys)
    position = {k: i for i, k in enumerate(keys)}
    index = {label: {a.id: position[k] for k, a in census_.actors.items() if a.label == label} for label in ACTORS}
    ends = _Ends(store, index)
    publishers = _Publishers(ends, n)
    pairs_of: dict = {_SHARED: [], _COPIES: []}
    shared = np.zeros(n, dtype=np.int64)
    for cols in ends.shares():
        actor = ends.actors(cols["actor"], _ACCOUNT)
        shared += np.bincount(actor[(actor >= 0) & (cols["quote"] == 0)], minlength=n)
        rows, dst = publishers.of(cols["article"])
        pairs_of[_SHARED].append((actor[rows], dst))
    cols = ends.copies()
    copy_rows, src = publishers.of(cols["copy"])
    original = cols["original"]
    rows, dst = publishers.of(original[copy_rows] if ends.by_node else [original[i] for i in copy_rows.tolist()])
    pairs_of[_COPIES].append((src[rows], dst))
    counted = {}
    for kind, parts in pairs_of.items():
        a = np.concatenate([np.zeros(0, dtype=np.int64)] + [p[0] for p in parts])
        b = np.concatenate([np.zeros(0, dtype=np.int64)] + [p[1] for p in parts])
        keep = (a >= 0) & (a != b)  # self-amplification left out
        counted[kind] = _counted(a[keep] * n + b[keep])
    (share_codes, share_n), (copy_codes, copy_n) = counted[_SHARED], counted[_COPIES]
    pairs = _counted(np.concatenate([share_codes, copy_codes]))[0]
    shares, copies = np.zeros(pairs.size, dtype=np.int64), np.zeros(pairs.size, dtype=np.int64)
    shares[np.searchsorted(pairs, share_codes)] = share_n
    copies[np.searchsorted(pairs, copy_codes)] = copy_n
    return Amplification(keys, pairs // max(n, 1), pairs % max(n, 1), shares, copies,
                         published=publishers.published, shared=shared, actor_nodes=ends.nodes)


def amplification_graph(store: Store, census_: Census | None = None) -> nx.DiGraph:
    """Who amplifies whom (see the module docstring); deterministic node and edge order."""
    census_ = census_ or census(store)
    return amplification_arrays(store, census_).graph(census_)


MIN_TS, MAX_TS = -(2 ** 53), 2 ** 53  # "no bound" for a time window


@dataclass(frozen=True)
class AmplificationEdge:
    """Shares or copies from one actor of another's articles: ``kind`` is SHARED or COPIES."""

    src: str            # actor keys (see :class:`Keys`)
    dst: str
    kind: str
    count: int
    unattributed: int   # copies without credit (0 for shares)
    first_ts: int | None
    last_ts: int | None


def amplification_edges(store: Store, census_: Census | None = None, since: int | None = None,
                        until: int | None = None) -> list[AmplificationEdge]:
    """Who amplifies whom inside ``[since, until]`` (epoch seconds; shares by ``at_ts``, copies by the
    copy's ``published_ts``), one edge per actor pair and kind, with counts and first/last times.

    The maps draw this (:func:`graphtool.render.views.amplification_view`); the scores count the
    same read (:func:`_amplifying`) in :func:`amplification_arrays`.  Without a window every share
    and copy counts, those without a time too (an edge of only such has no first/last time).
    """
    census_ = census_ or census(store)
    keys, kinds = _amplifying(store, census_, since, until)
    n = max(len(keys), 1)
    edges = []
    for kind, (codes, ts, unattributed) in kinds.items():
        if not codes.size:
            continue
        order = np.argsort(codes, kind="stable")
        codes, ts, unattributed = codes[order], ts[order], unattributed[order]
        pairs, starts, counts = np.unique(codes, return_index=True, return_counts=True)
        untimed = ts == Q.NO_TIME
        first = np.minimum.reduceat(np.where(untimed, MAX_TS + 1, ts), starts)
        last = np.maximum.reduceat(ts, starts)
        for code, count, un, t0, t1 in zip(pairs.tolist(), counts.tolist(),
                                           np.add.reduceat(unattributed, starts).tolist(),
                                           first.tolist(), last.tolist()):
            edges.append(AmplificationEdge(keys[code // n], keys[code % n], kind, count, un,
                                           None if t0 > MAX_TS else t0, None if t1 == Q.NO_TIME else t1))
    return sorted(edges, key=lambda e: (e.src, e.dst, e.kind, e.count, e.unattributed, e.first_ts, e.last_ts))


# ----------------------------------------------------------------------------- ownership

def ownership_graph(store: Store, census_: Census | None = None) -> nx.MultiDiGraph:
    """OPERATED_BY / OWNED_BY / REGISTERED_TO with confidences, owners included as nodes.

    Nodes also carry what the state definition and the reasons read: ``kind`` (owners) and
    ``handle`` (accounts).  Edges keep their stored direction; the path grammar
    (:mod:`.affiliation`) decides which way each is read.
    """
    census_ = census_ or census(store)
    keys = census_.keys
    G = nx.MultiDiGraph(name="ownership")
    _add_nodes(G, census_, include_owners=True, ownership=True)
    edges = []
    for type_ in OWNERSHIP_TYPES:
        spec = model.rel(type_)
        for src_label in spec.sources:
            for dst_label in spec.targets:
                if src_label not in keys.ids or dst_label not in keys.ids:
                    continue
                for r in Q.OWNERSHIP_LINKS.read(store, src=src_label, type=spec.type, dst=dst_label):
                    edges.append((keys.key(src_label, r["src"]), keys.key(dst_label, r["dst"]), type_,
                                  r.get("confidence"), r.get("basis") if isinstance(r.get("basis"), str) else "",
                                  _sources(r.get("sources"))))
    edges.sort(key=lambda e: (e[0], e[1], e[2], str(e[3]), e[4], e[5]))
    for src, dst, type_, conf, basis, sources in edges:
        G.add_edge(src, dst, key=f"{type_}:{G.number_of_edges(src, dst)}", type=type_, confidence=conf,
                   basis=basis, sources=list(sources))
    return G


# ----------------------------------------------------------------------------- coordination

def coordination_graph(store: Store, census_: Census | None = None) -> nx.Graph:
    """COORDINATED_WITH between Accounts as one undirected weighted edge per pair (linked accounts only)."""
    census_ = census_ or census(store)
    keys = census_.keys
    pairs: dict = defaultdict(lambda: [0.0, set()])
    for r in Q.COORDINATION_LINKS.read(store):
        a, b = sorted((keys.key(_ACCOUNT, r["src"]), keys.key(_ACCOUNT, r["dst"])))
        w = _finite(r.get("weight"), 1.0)
        pairs[(a, b)][0] += max(0.0, w)
        if isinstance(r.get("kind"), str):
            pairs[(a, b)][1].add(r["kind"])
    G = nx.Graph(name="coordination")
    for k in sorted({k for pair in pairs for k in pair}):
        if k in census_.actors:
            a = census_.actors[k]
            G.add_node(k, label=a.label, id=a.id, name=a.name, sources=list(a.sources))
    for (a, b) in sorted(pairs):
        w, kinds = pairs[(a, b)]
        G.add_edge(a, b, weight=w, kinds="|".join(sorted(kinds)))
    return G


def follow_graph(store: Store, census_: Census | None = None) -> nx.DiGraph:
    """FOLLOWS between Accounts as a directed graph, follower -> followed (linked accounts only).

    Several FOLLOWS records of one pair (two sources, two observations) are one edge of weight 1:
    a follow is there or not.  SHARED is never read here, nor FOLLOWS by the amplification graph.
    """
    census_ = census_ or census(store)
    keys = census_.keys
    edges = sorted((keys.key(_ACCOUNT, r["src"]), keys.key(_ACCOUNT, r["dst"]), r["t0"], r["t1"])
                   for r in Q.FOLLOW_LINKS.read(store))
    G = nx.DiGraph(name="follows")
    for k in sorted({k for e in edges for k in e[:2]}):
        if k in census_.actors:
            a = census_.actors[k]
            G.add_node(k, label=a.label, id=a.id, name=a.name, sources=list(a.sources))
    for src, dst, t0, t1 in edges:
        G.add_edge(src, dst, weight=1.0, first_ts=t0, last_ts=t1)
    return G


# ----------------------------------------------------------------------------- content

def content_counts(store: Store, census_: Census) -> tuple[dict, dict]:
    """``(published, shared)``: actor key -> number of articles it published / shares it made.

    A quote is one piece of content: its article is counted as published, and the SHARED edge
    of kind ``quote`` the loaders write beside it is not counted again as a share.
    """
    keys = census_.keys
    published: dict = defaultdict(int)
    shared: dict = defaultdict(int)
    for label in ACTORS:
        queries = [(published, Q.PUBLISHED_COUNTS, {"actor": label})]
        if label == _ACCOUNT:
            queries.append((shared, Q.SHARED_COUNTS, {}))
        for counts, statement, slots in queries:
            for r in statement.read(store, **slots):
                if isinstance(r["id"], str):
                    counts[keys.key(label, r["id"])] += int(r["n"])
    return dict(published), dict(shared)


def _sources(value) -> tuple:
    return tuple(sorted(s for s in value if isinstance(s, str))) if isinstance(value, list) else ()


def state_items(store: Store, census_: Census, state_keys: set) -> tuple[list[Item], dict]:
    """Content of every actor that takes up an article published by one of ``state_keys``.

    Returns ``(items, info)``.  Items come from, for each state-media article:

    - COPIES edges into it (``attributed`` and ``lag_s`` as stored; a CITES edge from the copy to
      the original also makes it attributed);
    - CITES edges into it from articles without a COPIES edge to it (an attributed copy);
    - articles with the same ``content_sha256`` published later, without a COPIES edge to it
      (a verbatim copy; attributed if it CITES the original) -- so verbatim copies count even
      before copy detection has run;
    - SHARED edges to it (reposts; lag from the original's ``published_ts`` to the share's ``at_ts``),
      except a share of kind ``quote`` by an actor whose article already takes up the original
      (the quote's own article, which CITES it): a quote counts once, as a credited copy.

    ``info`` counts the COPIES edges seen and the quotes counted once, for the summary.
    """
    keys = census_.keys
    originals: dict = {}  # article id -> (state key, published_ts, sha)
    for label in ACTORS:
        ids = sorted(census_.actors[k].id for k in state_keys if census_.actors[k].label == label)
        for batch in batches(ids, BATCH):
            for r in Q.STATE_ARTICLES.read(store, {"ids": batch}, actor=label):
                originals.setdefault(r["article"], (keys.key(label, r["actor"]), _finite(r.get("ts")), r.get("sha")))
    article_ids = sorted(originals)
    items: list[Item] = []
    copies_seen: set = set()
    cites: set = set()

    def lag(ts, original) -> float | None:
        t0 = originals[original][1]
        t1 = _finite(ts)
        return None if t0 is None or t1 is None else t1 - t0

    for label in ACTORS:
        for batch in batches(article_ids, BATCH):
            for r in Q.CITING.read(store, {"ids": batch}, actor=label):
                cites.add((r["content"], r["original"], keys.key(label, r["actor"]), _finite(r.get("ts")),
                           _sources(r.get("xs")) + _sources(r.get("rs"))))
    cited_pairs = {(c[0], c[1]) for c in cites}

    copies = 0
    for label in ACTORS:
        for batch in batches(article_ids, BATCH):
            for r in Q.COPYING.read(store, {"ids": batch}, actor=label):
                copies += 1
                pair = (r["content"], r["original"])
                copies_seen.add(pair)
                lag_s = _finite(r.get("lag_s"))
                items.append(Item(keys.key(label, r["actor"]), "copy", r["content"], r["original"],
                                  originals[r["original"]][0],
                                  attributed=r.get("attributed") is True or pair in cited_pairs,
                                  lag_s=lag_s if lag_s is not None else lag(r.get("ts"), r["original"]),
                                  sources=_sources(r.get("xs"))))
    for content, original, actor, ts, sources in sorted(cites):
        if (content, original) not in copies_seen:
            items.append(Item(actor, "copy", content, original, originals[original][0], attributed=True,
                              lag_s=lag(ts, original), sources=sources))
            copies_seen.add((content, original))

    by_sha: dict = defaultdict(list)
    for article, (_, ts, sha) in originals.items():
        if isinstance(sha, str) and sha:
            by_sha[sha].append(article)
    shas = sorted(by_sha)
    for label in ACTORS:
        for batch in batches(shas, BATCH):
            for r in Q.SAME_TEXT.read(store, {"shas": batch}, actor=label):
                for original in by_sha[r["sha"]]:
                    l = lag(r.get("ts"), original)
                    if r["content"] == original or (r["content"], original) in copies_seen or l is None or l <= 0:
                        continue
                    copies_seen.add((r["content"], original))
                    items.append(Item(keys.key(label, r["actor"]), "copy", r["content"], original,
                                      originals[original][0], attributed=(r["content"], original) in cited_pairs,
                                      lag_s=l, sources=_sources(r.get("xs"))))

    taken_up = {(it.actor, it.original) for it in items}  # copies and citing articles so far
    quotes = 0
    for batch in batches(article_ids, BATCH):
        for r in Q.REPOSTS.read(store, {"ids": batch}):
            if r.get("kind") == "quote" and (keys.key(_ACCOUNT, r["actor"]), r["original"]) in taken_up:
                quotes += 1
                continue
            items.append(Item(keys.key(_ACCOUNT, r["actor"]), "repost", str(r["share"]), r["original"],
                              originals[r["original"]][0], attributed=True, lag_s=lag(r.get("ts"), r["original"]),
                              sources=_sources(r.get("ss"))))
    items.sort(key=lambda it: (it.actor, it.kind, it.content, it.original))
    return items, {"copies": copies, "state_articles": len(article_ids), "quotes": quotes}


# ----------------------------------------------------------------------------- writer

def write_node_scores(store: Store, rows: list[dict], batch: int = BATCH, common: dict | None = None) -> int:
    """Store scores as node properties: rows of ``{"label", "id", "props"}``.

    ``common`` holds properties set to the same value on every row (the run id and time),
    sent once per batch instead of once per node.

    Property names must be the model's derived ones; a non-finite float is never written (it is
    left out of the row, so a previous value stays) -- there is no NaN in the store.  Floats are
    stored to :data:`FLOAT_DIGITS` significant digits: FalkorDB returns doubles printed to 15
    digits, so a full-precision double would read back differently from the two stores.
    Rows of the same property names go together, as columns (:func:`write_score_columns`).
    """
    groups: dict = defaultdict(list)  # property names -> rows
    for row in rows:
        groups[tuple(row["props"])].append(row)
    written = 0
    for names, group in sorted(groups.items()):
        columns = {name: [r["props"][name] for r in group] for name in names}
        written += write_score_columns(store, [r["label"] for r in group], [r["id"] for r in group], columns,
                                       batch, common)
    return written


def write_score_columns(store: Store, labels: list[str], ids: list[str], columns: dict[str, list],
                        batch: int = BATCH, common: dict | None = None, nodes: dict | None = None) -> int:
    """Store scores given by column: node ``(labels[i], ids[i])`` gets ``columns[name][i]`` for every
    name, on the rules of :func:`write_node_scores`; returns the number of rows sent.

    Floats are rounded a column at a time, in numpy (:func:`round_digits`), and the rows go as lists
    ``[node, value, ...]`` (SET_SCORE_ROWS).  On FalkorDB a node is found by its internal node id
    (ACTOR_NODES, read here unless ``nodes`` gives them: ``Amplification.actor_nodes`` of the same run):
    a seek by id instead of a look-up in the id index.
    """
    names, common = tuple(columns), dict(common or {})
    for name in common:
        if any(name not in _derived(label) for label in ACTORS):
            raise ValueError(f"{name} is not a derived property in the model")
    for label in set(labels):
        for name in names:
            if name not in _derived(label):
                raise ValueError(f"{name} is not a derived property of {label} in the model")
    values, left_out = [], set()  # left_out: the rows with a non-finite float
    for name in names:
        column, bad = _rounded_column(columns[name])
        values.append(column)
        left_out.update(bad)
    by_node = (Q.score_sets(names) in _ROW_SETS and getattr(store, "reads_by_id_range", False)
               and set(labels) <= set(ACTORS))
    if by_node:
        nodes = {label: (nodes or {}).get(label) or _actor_nodes(store, label) for label in set(labels)}
    else:
        nodes = None
    written = 0
    for label in sorted(set(labels)):
        members = [i for i, x in enumerate(labels) if x == label and i not in left_out]
        ends = [ids[i] for i in members] if nodes is None else [nodes[label].get(ids[i]) for i in members]
        rows = [list(r) for r in zip(ends, *([c[i] for i in members] for c in values))]
        if nodes is not None:
            rows = [r for r in rows if r[0] is not None]  # not stored: the id form would match nothing
        _write_rows(store, label, names, rows, batch, common, by_node)
        for i in sorted(i for i in left_out if labels[i] == label):  # the non-finite values left out
            finite = {n: c[i] for n, c in zip(names, values) if c[i] is not _NOT_FINITE}
            _write_rows(store, label, tuple(finite), [[ids[i], *finite.values()]], batch, common, False)
        written += len(members) + sum(1 for i in left_out if labels[i] == label)
    return written


def _derived(label: str) -> set:
    return {n for p in model.node(label).props if p.derived for n in model.stored_names(p)}


def _actor_nodes(store: Store, label: str) -> dict:
    """id -> internal node id of every node of an actor label (FalkorDB)."""
    cols = Q.ACTOR_NODES.read_columns(store, {"node": int, "id": str}, actor=label)
    return dict(zip(cols["id"], cols["node"].tolist()))


_ROW_SETS = set(Q.SET_SCORE_ROWS.slots["columns"])  # the property lists SET_SCORE_ROWS has a variant for


def _write_rows(store: Store, label: str, names: tuple, rows: list, batch: int, common: dict, by_node: bool) -> None:
    """Rows ``[id, value, ...]`` (``by_node``: ``[node id, value, ...]``) of the properties ``names``."""
    sets = Q.score_sets(names)
    for chunk in batches(rows, batch):
        if sets in _ROW_SETS and by_node:
            Q.SET_SCORE_ROWS_BY_NODE.run(store, {"rows": chunk, "common": common}, columns=sets)
        elif sets in _ROW_SETS:
            Q.SET_SCORE_ROWS.run(store, {"rows": chunk, "common": common}, label=label, columns=sets)
        else:  # names it has no variant for (a NaN left out): as maps
            maps = [{"id": r[0], "props": dict(zip(names, r[1:]))} for r in chunk]
            if common:
                Q.SET_SCORES_COMMON.run(store, {"rows": maps, "common": common}, label=label)
            else:
                Q.SET_SCORES.run(store, {"rows": maps}, label=label)


_NOT_FINITE = object()


def _rounded_column(column: list) -> tuple[list, list[int]]:
    """The values of one column with every float to FLOAT_DIGITS significant digits, a non-finite one as
    _NOT_FINITE; and the positions of those.  A column of floats only is rounded in numpy."""
    kinds = set(map(type, column))
    if kinds == {float}:
        array = np.array(column, dtype=np.float64)
        finite = np.isfinite(array)
        rounded = round_digits(array).tolist()
        if finite.all():
            return rounded, []
        bad = np.flatnonzero(~finite).tolist()
        for i in bad:
            rounded[i] = _NOT_FINITE
        return rounded, bad
    if not any(issubclass(k, float) for k in kinds):
        return column, []
    out, bad = [], []
    for i, value in enumerate(column):
        if isinstance(value, float):
            if math.isfinite(value):
                value = float(f"{value:.{FLOAT_DIGITS}g}")
            else:
                value = _NOT_FINITE
                bad.append(i)
        out.append(value)
    return out, bad


_POWERS = 10.0 ** np.arange(23)  # 10^0 .. 10^22: every one exact in a double


def round_digits(values: np.ndarray, digits: int = FLOAT_DIGITS) -> np.ndarray:
    """``float(f"{v:.{digits}g}")`` of every value, in numpy: the same double, value for value.

    ``v`` is scaled by an exact power of ten ``10^k`` so that ``digits`` digits stand before the point,
    rounded to an integer ``q`` (exact: below 2^53), and ``q / 10^k`` divided back -- one correctly
    rounded operation on exact operands, so it is the double nearest ``q * 10^-k``, which is what
    ``float()`` of the decimal text gives.  The scaling rounds once (half a unit in the last place, under
    1e-4 at 12 digits), so it can move ``q`` only for a value within that of halfway between two
    roundings; those, and values whose ``k`` is outside 0..22 either way, go through ``format``.
    Zeros and non-finite values are returned as they are.
    """
    v = np.asarray(values, dtype=np.float64)
    out = v.copy()
    magnitude = np.abs(v)
    ok = np.isfinite(v) & (magnitude > 0)
    k = np.zeros(v.shape, dtype=np.int64)
    k[ok] = digits - 1 - np.floor(np.log10(magnitude[ok])).astype(np.int64)
    ok &= (k >= -22) & (k <= 22)
    for _ in range(2):  # log10 can be one off near a power of ten: mend k from the scaled value
        scaled = _scaled(magnitude, k, ok)
        k = np.where(ok & (scaled >= 10.0 ** digits), k - 1, np.where(ok & (scaled < 10.0 ** (digits - 1)), k + 1, k))
        ok &= (k >= -22) & (k <= 22)
    scaled = _scaled(magnitude, k, ok)
    q = np.rint(scaled)
    ok &= (np.abs(scaled - np.floor(scaled) - 0.5) > 1e-3) & (scaled >= 10.0 ** (digits - 1)) \
        & (scaled < 10.0 ** digits)
    up, down = ok & (k >= 0), ok & (k < 0)
    out[up] = np.copysign(q[up] / _POWERS[k[up]], v[up])
    out[down] = np.copysign(q[down] * _POWERS[-k[down]], v[down])
    for i in np.flatnonzero(~ok & np.isfinite(v) & (magnitude > 0)).tolist():
        out[i] = float(f"{v[i]:.{digits}g}")
    return out


def _scaled(magnitude: np.ndarray, k: np.ndarray, ok: np.ndarray) -> np.ndarray:
    """``magnitude * 10^k`` where ``ok`` (one rounding: a multiplication or a division by an exact power)."""
    scaled = np.zeros(magnitude.shape)
    up, down = ok & (k >= 0), ok & (k < 0)
    scaled[up] = magnitude[up] * _POWERS[k[up]]
    scaled[down] = magnitude[down] / _POWERS[-k[down]]
    return scaled


def write_state_entities(store: Store, G: nx.MultiDiGraph, is_state: dict) -> int:
    """Store on every node of the ownership graph ``G`` whether the state definition counts it as the
    state (``state_entity``, true or false), so that canned queries read the same definition."""
    rows: dict = defaultdict(list)
    stored = {}  # label -> whether it has state_entity
    for n, d in G.nodes(data=True):
        label = d["label"]
        if label not in stored:
            stored[label] = bool(model.node(label).prop("state_entity"))
        if stored[label]:
            rows[label].append({"id": d["id"], "value": n in is_state})
    for label, label_rows in sorted(rows.items()):
        Q.SET_STATE_ENTITY.run(store, {"rows": sorted(label_rows, key=lambda r: r["id"])}, label=label)
    return sum(len(r) for r in rows.values())


def write_amplified(store: Store, G: nx.DiGraph, run_id: str, batch: int = 5000) -> int:
    """Replace every AMPLIFIED relationship by the edges of the amplification graph ``G``."""
    while Q.DELETE_AMPLIFIED.run(store, {"n": 50_000})[0]["c"]:
        pass
    groups: dict = defaultdict(list)
    for u, v, d in G.edges(data=True):
        a, b = G.nodes[u], G.nodes[v]
        groups[(a["label"], b["label"])].append({"src": a["id"], "dst": b["id"], "weight": float(d["weight"]),
                                                 "shares": int(d["shares"]), "copies": int(d["copies"])})
    written = 0
    for (sl, dl), rows in sorted(groups.items()):
        for chunk in batches(rows, batch):
            Q.CREATE_AMPLIFIED.run(store, {"rows": chunk, "run": run_id}, src=sl, dst=dl)
            written += len(chunk)
    return written
