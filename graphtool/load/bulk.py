"""First loads at the engine's bulk speed: the import pipeline into memory, then one bulk insert.

A first load into an empty store runs the very same pipeline as every import (the same
adapters, validation, rejects, :class:`~graphtool.load.writer.BatchWriter` batching and
identity resolution) against a :class:`StagedGraph`: an in-memory graph that answers exactly
the statements the writer and identity resolution send, with the semantics of their
``MERGE ... ON CREATE SET ... ON MATCH SET``.  The staged graph is then handed to the
engine's bulk path in one go: FalkorDB's ``GRAPH.BULK`` (:mod:`graphtool.store.falkor_bulk`) or
``neo4j-admin database import full`` (:mod:`.bulk_neo4j`).  So bulk and MERGE give the same
graph and the same rejects by construction; ``tests/test_bulk.py`` checks it on both stores.

Why not a MERGE per batch: on an empty store every MERGE is a create, and the engines' bulk
paths create without looking up, without per-query parsing and without per-row parameters.
The cost is memory: the whole first load is held in Python until it is written.  A co-share file
peaks at ~1.5-2 KiB per share in graphtool's process (and ~1.1 KiB in FalkorDB), so 3*10^6 shares
fit a 24 GiB machine and 10^7 do not (docs/benchmarks.md, "Store path at 10^7 co-share").
"""
from __future__ import annotations

from collections import defaultdict
from functools import cache

from .. import internal_queries as Q
from .. import model
from ..errors import ConfigError, StoreError
from ..store.base import Store
from .writer import BatchWriter, matched_query, node_query, rel_query

ACCOUNT, IDENTIFIER, IDENTIFIES = model.L.Account, model.L.Identifier, model.R.IDENTIFIES
# Inputs smaller than this load by MERGE even into an empty store: the bulk path's fixed costs
# (dropping and rebuilding the schema) are not worth it, and the store stays the well-trodden one.
BULK_MIN_BYTES = 4 * 1024 * 1024
# What a first load stages in graphtool's process per byte of input, at most: measured ~16 for a co-share
# file (2.0 KiB per 128-byte row at 10^6) and ~8 for an archive's tweets (docs/benchmarks.md).
STAGED_PER_INPUT_BYTE = 20


def available_memory() -> int | None:
    """Bytes the system can still give without swapping (Linux's MemAvailable); None where unknown."""
    try:
        with open("/proc/meminfo") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def wants_bulk(store: Store, paths, bulk: bool | None, note=None) -> bool:
    """Whether an import into ``store`` takes the bulk path (``bulk``: True asks, False never, None: by size
    and memory).  ``note(text)`` hears why a first load that would not fit in memory goes by MERGE."""
    if bulk is False or (bulk is None and not store.bulk_loads):
        return False
    if not store.bulk_loads:
        raise ConfigError(f"{store.describe()} has no bulk path from graphtool; for Neo4j, stop the server and "
                          "use graphtool import --neo4j-home DIR")
    size = sum(path.stat().st_size for path in paths)
    if bulk is None and size < BULK_MIN_BYTES:
        return False
    if store.is_empty():
        need, free = size * STAGED_PER_INPUT_BYTE, available_memory()
        if free is None or need <= free:
            return True
        why = (f"a bulk first load of {size / 2**20:,.0f} MiB of input may hold ~{need / 2**30:,.1f} GiB in memory "
               f"and {free / 2**30:,.1f} GiB are available")
        if bulk:
            raise ConfigError(why + ": import with --no-bulk (MERGE: slower, within memory) or split the input")
        if note is not None:
            note(why + "; loaded by MERGE instead (slower)")
        return False
    if bulk:
        raise ConfigError(f"--bulk needs an empty store, and {store.describe()} holds data; "
                          "import without --bulk to add to it (MERGE)")
    return False


def _update(props: dict, new: dict) -> None:
    """``n += map``: a null value removes the property."""
    for k, v in new.items():
        if v is None:
            props.pop(k, None)
        else:
            props[k] = v


def _set_props(target: dict, props: dict) -> None:
    """``x += props`` for a record's properties, ``sources`` aside (they are set or united on their own)."""
    for k, v in props.items():
        if k == "sources":
            continue
        if v is None:
            target.pop(k, None)
        else:
            target[k] = v


def _unite(have: list | None, new: list | None) -> list | None:
    """``coalesce(x.sources, []) + [s IN new WHERE NOT s IN coalesce(x.sources, [])]``.

    ``have`` itself when nothing is new (staged lists are never changed in place, so they may be shared).
    """
    if new is None:
        return None
    have = have or []
    extra = [s for s in new if s not in have]
    return have + extra if extra else have


class StagedGraph(Store):
    """An in-memory graph that answers the loader's statements (and no other): a first load's staging area.

    ``nodes[label][id]`` are property maps (``id`` included); ``rels[(type, src_label, src,
    dst_label, dst, key)]`` are property maps, one per relationship the writer's MERGE would make.

    The whole first load is held here, so it is kept lean (a 10^6-share import peaked at 2.6 KiB a
    share before these measures, 2.0 after): an identifier's relationships are indexed by their
    source (identity resolution reads an identifier's owners for every batch of accounts), an
    account's only once two accounts merge or one is deleted (most loads never do); relationship
    ends are the node tables' own id strings; equal ``sources`` lists in a row are one list.
    """

    url = "memory:staged"

    def __init__(self):
        self.nodes: dict[str, dict[str, dict]] = defaultdict(dict)
        self.rels: dict[tuple, dict] = {}
        # identifier id -> keys of the relationships out of it (a tuple: nearly always one key)
        self._owned: dict[str, tuple] = {}
        # account id -> keys of its relationships out and in: built when first needed, then kept
        self._account_out: dict[str, set] | None = None
        self._account_in: dict[str, set] | None = None
        self._sources: list = []  # the last sources list staged: the next equal one is this one

    @staticmethod
    @cache
    def _statements() -> dict[str, tuple]:
        """Statement text -> (method, leading arguments): the loader's statements, made once.  Functions,
        not methods bound to a graph: a table of bound methods made every staged graph a reference cycle,
        freed only by the cycle collector's next pass over all of it, once an import ended."""
        S, table = StagedGraph, {}
        for spec in model.NODES:
            for stub in (False, True):
                table[node_query(spec.label, stub)] = (S._merge_nodes, spec.label, stub)
            table[Q.NODE_EXISTS.cypher(label=spec.label)] = (S._node_exists, spec.label)
        for spec in model.RELATIONSHIPS:
            for src in spec.sources:
                for dst in spec.targets:
                    table[rel_query(spec.type, src, dst)] = (S._merge_rels, spec, src, dst)
                    table[matched_query(src, dst)] = (S._matched, src, dst)
            if ACCOUNT in spec.sources:
                table[Q.ACCOUNT_RELS_OUT.cypher(type=spec.type)] = (S._account_rels, spec.type, True)
            if ACCOUNT in spec.targets:
                table[Q.ACCOUNT_RELS_IN.cypher(type=spec.type)] = (S._account_rels, spec.type, False)
        for statement, handler in ((Q.IDENTIFIER_OWNERS, S._identifier_owners),
                                   (Q.ACCOUNT_USER_IDS, S._account_user_ids),
                                   (Q.MARK_CONFLICTS, S._mark_conflicts),
                                   (Q.LINK_IDENTIFIERS, S._link_identifiers),
                                   (Q.ACCOUNT_PROPERTIES, S._account_properties),
                                   (Q.SET_ACCOUNT, S._set_account),
                                   (Q.DELETE_ACCOUNT, S._delete_account)):
            table[statement.cypher()] = (handler,)
        return table

    # --- the Store interface: only the loader's statements -------------------------------------------

    def run(self, query, params=None):
        handler = self._statements().get(query)
        if handler is None:
            raise StoreError(f"the staging graph of a bulk load cannot run this statement: {query[:120]}")
        return handler[0](self, *handler[1:], **(params or {}))

    read = run  # every statement it knows is either a read or a write; none is both

    def explain(self, query, params=None):
        raise StoreError("the staging graph of a bulk load has no query plans")

    profile = explain

    def create_unique(self, label, key):
        """Keys are unique by construction (one map per id)."""

    def create_index(self, label, prop):
        """Nothing to index: the engine's indexes are built on the store itself (before the bulk insert)."""

    def wipe(self):
        self.__init__()

    def close(self):
        pass

    def snapshot(self) -> dict:
        """The staged graph in :meth:`Store.snapshot`'s shape, to compare with a store."""
        def frozen(props: dict) -> tuple:
            return tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in props.items()))

        nodes = sorted((label, i, frozen(m)) for label, table in self.nodes.items() for i, m in table.items())
        rels = sorted((k[0], k[1], k[2], k[3], k[4], frozen(m)) for k, m in self.rels.items())
        return {"nodes": nodes, "relationships": rels}

    def __len__(self) -> int:
        return sum(len(v) for v in self.nodes.values()) + len(self.rels)

    # --- relationships, with the endpoint index identity resolution needs ----------------------------

    def _add_rel(self, key: tuple, props: dict) -> None:
        self.rels[key] = props
        if key[1] == IDENTIFIER:
            self._owned[key[2]] = self._owned.get(key[2], ()) + (key,)
        if self._account_out is not None:
            if key[1] == ACCOUNT:
                self._account_out[key[2]].add(key)
            if key[3] == ACCOUNT:
                self._account_in[key[4]].add(key)

    def _drop_rel(self, key: tuple) -> None:
        del self.rels[key]
        if key[1] == IDENTIFIER:
            self._owned[key[2]] = tuple(k for k in self._owned.get(key[2], ()) if k != key)
        if self._account_out is not None:
            if key[1] == ACCOUNT:
                self._account_out[key[2]].discard(key)
            if key[3] == ACCOUNT:
                self._account_in[key[4]].discard(key)

    def _account_index(self) -> tuple[dict[str, set], dict[str, set]]:
        """Account id -> keys of its relationships (out, in), built from every relationship on first use."""
        if self._account_out is None:
            out, in_ = defaultdict(set), defaultdict(set)
            for key in self.rels:
                if key[1] == ACCOUNT:
                    out[key[2]].add(key)
                if key[3] == ACCOUNT:
                    in_[key[4]].add(key)
            self._account_out, self._account_in = out, in_
        return self._account_out, self._account_in

    def _shared(self, sources: list) -> list:
        """``sources``, or the equal list staged just before it (one list for a file's every record)."""
        if sources == self._sources:
            return self._sources
        self._sources = sources
        return sources

    # --- records straight from the staging writer (the same semantics as the statements below) --------

    def stage_nodes(self, label: str, stub: bool, records: list) -> None:
        """:meth:`_merge_nodes` for one batch's records, without the statement's row maps."""
        table = self.nodes[label]
        shared = self._shared
        for r in records:
            props = r.props
            sources = props.get("sources") or []
            node = table.get(r.id)
            if node is None:
                node = table[r.id] = {"id": r.id}
                _set_props(node, props)
                node["sources"] = shared(sources)
            else:
                if not stub:
                    _set_props(node, props)
                node["sources"] = _unite(node.get("sources"), sources)

    def stage_rels(self, spec, src_label: str, dst_label: str, batch: list) -> tuple[int, list]:
        """:meth:`_merge_rels` for one batch's ``(i, record)`` pairs of these endpoint labels: how many
        found both ends (and were written), and the pairs that did not."""
        sources_of, targets_of = self.nodes[src_label], self.nodes[dst_label]
        key_name, rels, written, waiting, shared = spec.key, self.rels, 0, [], self._shared
        for pair in batch:
            r = pair[1]
            src, dst = sources_of.get(r.src), targets_of.get(r.dst)
            if src is None or dst is None:
                waiting.append(pair)
                continue
            # the ends as the node tables hold them (equal strings; one copy instead of one per relationship)
            src, dst = src["id"], dst["id"]
            written += 1
            props = r.props
            key_value = props.get(key_name) if key_name else None
            key = (spec.type, src_label, src, dst_label, dst, key_value)
            rel = rels.get(key)
            sources = props.get("sources") or []
            if rel is None:
                rel = {key_name: key_value} if key_name else {}
                _set_props(rel, props)
                rel["sources"] = shared(sources)
                self._add_rel(key, rel)
            else:
                _set_props(rel, props)
                rel["sources"] = _unite(rel.get("sources"), sources)
        return written, waiting

    # --- the writer's statements (writer.py) ----------------------------------------------------------

    def _merge_nodes(self, label: str, stub: bool, rows: list[dict]) -> list:
        table = self.nodes[label]
        for row in rows:
            node = table.get(row["id"])
            if node is None:  # ON CREATE SET n += row.props, n.sources = row.sources
                node = table[row["id"]] = {"id": row["id"]}
                _update(node, row["props"])
                _update(node, {"sources": row["sources"]})
            else:  # ON MATCH SET [n += row.props,] sources united
                if not stub:
                    _update(node, row["props"])
                _update(node, {"sources": _unite(node.get("sources"), row["sources"])})
        return []

    def _both_ends(self, src_label: str, dst_label: str, row: dict) -> bool:
        return row["src"] in self.nodes[src_label] and row["dst"] in self.nodes[dst_label]

    def _merge_rels(self, spec, src_label: str, dst_label: str, rows: list[dict]) -> list[dict]:
        written = 0
        for row in rows:
            if not self._both_ends(src_label, dst_label, row):
                continue
            written += 1
            key = (spec.type, src_label, row["src"], dst_label, row["dst"], row["key"] if spec.key else None)
            rel = self.rels.get(key)
            if rel is None:
                rel = {spec.key: row["key"]} if spec.key else {}
                _update(rel, row["props"])
                _update(rel, {"sources": row["sources"]})
                self._add_rel(key, rel)
            else:
                _update(rel, row["props"])
                _update(rel, {"sources": _unite(rel.get("sources"), row["sources"])})
        return [{"written": written}]

    def _matched(self, src_label: str, dst_label: str, rows: list[dict]) -> list[dict]:
        return [{"i": row["i"]} for row in rows if self._both_ends(src_label, dst_label, row)]

    def _node_exists(self, label: str, id: str) -> list[dict]:
        return [{"c": int(id in self.nodes[label])}]

    # --- identity resolution's statements (identity.py, internal_queries.py) -------------------------

    def _identifier_owners(self, keys: list[str]) -> list[dict]:
        rows = []
        for k in keys:
            ident = self.nodes[IDENTIFIER].get(k)
            if ident is None:
                continue
            for key in self._owned.get(k, ()):
                if key[0] == IDENTIFIES and key[3] == ACCOUNT:
                    account = self.nodes[ACCOUNT][key[4]]
                    rows.append({"k": k, "a": key[4], "uid": account.get("user_id"), "conflict": ident.get("conflict")})
        return rows

    def _account_user_ids(self, ids: list[str]) -> list[dict]:
        accounts = self.nodes[ACCOUNT]
        return [{"a": i, "uid": accounts[i].get("user_id")} for i in ids if i in accounts]

    def _mark_conflicts(self, ids: list[str]) -> list:
        for k in ids:
            if k in self.nodes[IDENTIFIER]:
                self.nodes[IDENTIFIER][k]["conflict"] = True
        return []

    def _link_identifiers(self, rows: list[dict]) -> list:
        for row in rows:
            if row["account"] not in self.nodes[ACCOUNT]:
                continue
            ident = self.nodes[IDENTIFIER].get(row["id"])
            if ident is None:
                ident = self.nodes[IDENTIFIER][row["id"]] = {"id": row["id"]}
                _update(ident, {k: row[k] for k in ("platform", "kind", "value", "sources")})
            else:
                _update(ident, {"sources": _unite(ident.get("sources"), row["sources"])})
            key = (IDENTIFIES, IDENTIFIER, row["id"], ACCOUNT, row["account"], None)
            rel = self.rels.get(key)
            if rel is None:
                rel = {}
                _update(rel, {"as_seen": row["as_seen"], "sources": row["sources"], "first_seen_ts": row["first"],
                              "first_seen_at": row["first_at"], "last_seen_ts": row["last"],
                              "last_seen_at": row["last_at"]})
                self._add_rel(key, rel)
                continue
            change = {"sources": _unite(rel.get("sources"), row["sources"])}
            # CASE WHEN r.x IS NULL OR row.x < r.x ...: a null row value never wins over a stored one
            if rel.get("as_seen") is None or (row["as_seen"] is not None and row["as_seen"] < rel["as_seen"]):
                change["as_seen"] = row["as_seen"]
            for end, earlier in (("first", True), ("last", False)):
                stored, seen = rel.get(f"{end}_seen_ts"), row[end]
                if stored is None or (seen is not None and (seen < stored if earlier else seen > stored)):
                    change[f"{end}_seen_at"] = row[f"{end}_at"]
                    change[f"{end}_seen_ts"] = seen
            _update(rel, change)
        return []

    def _account_properties(self, ids: list[str]) -> list[dict]:
        accounts = self.nodes[ACCOUNT]
        return [{"id": i, "p": dict(accounts[i])} for i in ids if i in accounts]

    def _set_account(self, id: str, props: dict) -> list:
        if id in self.nodes[ACCOUNT]:
            _update(self.nodes[ACCOUNT][id], props)
        return []

    def _account_rels(self, type_: str, outgoing: bool, id: str) -> list[dict]:
        index = self._account_index()[0 if outgoing else 1]
        rows = []
        for key in sorted(index.get(id, ())):
            if key[0] == type_:
                label, other = (key[3], key[4]) if outgoing else (key[1], key[2])
                rows.append({"b": other, "labels": [label], "p": dict(self.rels[key])})
        return rows

    def _delete_account(self, id: str) -> list:
        if self.nodes[ACCOUNT].pop(id, None) is None:
            return []
        for index in self._account_index():
            for key in list(index.pop(id, ())):
                if key in self.rels:
                    self._drop_rel(key)
        return []


class StagingWriter(BatchWriter):
    """The :class:`BatchWriter` of a first load: the same batches, identity resolution and rejects, with
    each batch's records put straight into the :class:`StagedGraph` in the caller's thread.

    Without a database to wait for, the writer thread only traded the GIL back and forth, and
    the statements' row maps were built only to be read back: together about a third of staging.
    Identity resolution (accounts) still goes through the statements: it is a small share of a load.
    """

    def _submit(self, fn, *args) -> None:
        fn(*args)

    def _flush_nodes(self, label: str) -> None:
        if label == ACCOUNT:
            return self._flush_accounts()
        for stub, pending in ((True, self.stubs), (False, self.nodes)):  # stubs first, as the MERGE writer
            records = list(pending.pop(label, {}).values())
            if records:
                self.store.stage_nodes(label, stub, records)
                self.result.nodes[label] += len(records)
                self.on_write(len(records))

    def _try_rels(self, spec, waiting: list) -> list:
        for src_label in spec.sources:
            for dst_label in spec.targets:
                batch, others = [], []
                for pair in waiting:
                    r = pair[1]
                    (batch if r.src_label in (None, src_label) and r.dst_label in (None, dst_label)
                     else others).append(pair)
                if not batch:
                    continue
                written, missed = self.store.stage_rels(spec, src_label, dst_label, batch)
                self.result.relationships[spec.type] += written
                waiting = _in_order(others, missed) if others else missed
        return waiting


def _in_order(a: list, b: list) -> list:
    """Two lists of ``(i, record)`` pairs as one, in the order of ``i`` (the batch's order)."""
    return sorted(a + b, key=lambda pair: pair[0])
