"""Write validated records to a store in ``UNWIND $rows ... MERGE`` batches.

Nodes always reach the store before the relationships that need them: a relationship
batch is flushed only after every pending node batch.  MERGE on the model's keys plus a
union of ``sources`` makes loading idempotent: the same files twice change nothing.
"""
from __future__ import annotations

from collections import defaultdict
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Callable, Iterable

from .. import internal_queries as Q
from .. import model
from ..store import Store
from .identity import ACCOUNT, Resolver, fill_only, mark_conflicts, merge_accounts, write_links
from .records import NodeRecord, Notice, Reject, RelRecord

BATCH_SIZE = 5000

# New records take their evidence list as is; records met again unite it, so importing a
# second source adds to the list and importing the same file twice changes nothing.
_UNITE_SOURCES = "{v}.sources = coalesce({v}.sources, []) + [s IN row.sources WHERE NOT s IN coalesce({v}.sources, [])]"


def _merge_set(v: str, stub: bool = False) -> str:
    # A stub's properties are set only when the node is created; its sources always unite.
    on_match = _UNITE_SOURCES.format(v=v) if stub else f"{v} += row.props, " + _UNITE_SOURCES.format(v=v)
    return f"ON CREATE SET {v} += row.props, {v}.sources = row.sources ON MATCH SET {on_match}"


def node_query(label: str, stub: bool = False) -> str:
    return f"UNWIND $rows AS row MERGE (n:{label} {{id: row.id}}) " + _merge_set("n", stub)


def _endpoints(src_label: str, dst_label: str) -> str:
    return f"UNWIND $rows AS row MATCH (a:{src_label} {{id: row.src}}) MATCH (b:{dst_label} {{id: row.dst}}) "


def rel_query(type_: str, src_label: str, dst_label: str) -> str:
    """Write a batch; returns one row, ``written``: how many rows found both endpoints."""
    spec = model.rel(type_)
    key = f" {{{spec.key}: row.key}}" if spec.key else ""
    return (_endpoints(src_label, dst_label) + f"MERGE (a)-[r:{type_}{key}]->(b) " + _merge_set("r")
            + " RETURN count(*) AS written")


def matched_query(src_label: str, dst_label: str) -> str:
    """Which rows of a batch find both endpoints (asked only when some did not)."""
    return _endpoints(src_label, dst_label) + "RETURN row.i AS i"


@dataclass
class LoadResult:
    nodes: dict = field(default_factory=lambda: defaultdict(int))
    relationships: dict = field(default_factory=lambda: defaultdict(int))
    rejects: list = field(default_factory=list)
    files: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    # Rows that loaded but need a look (an identity conflict), with file, line and field, for the
    # rejects file; ``warnings`` holds them as text.
    warning_rows: list = field(default_factory=list)
    notes: list = field(default_factory=list)  # about the import as a whole (how it loaded), for the user

    def warn(self, row: Reject) -> None:
        self.warning_rows.append(row)
        self.warnings.append(str(row))

    @property
    def rejected(self) -> int:
        return len(self.rejects)

    def as_dict(self) -> dict:
        return {"files": self.files, "nodes": dict(self.nodes), "relationships": dict(self.relationships),
                "rejected": self.rejected, "warnings": self.warnings, "notes": self.notes}


# Each type's key property (or None): RelRecord.key looks the spec up per call, once per record and batch.
_KEY_OF = {spec.type: spec.key for spec in model.RELATIONSHIPS}


def rel_key(r: RelRecord):
    """``r.key`` without the model lookup."""
    name = _KEY_OF[r.type]
    return r.props.get(name) if name else None


def _split_sources(props: dict) -> tuple[dict, list]:
    """A record's properties without ``sources``, and its sources.  May return ``props`` itself
    (rows are sent and dropped, never changed), so a link's ``{"sources": [...]}`` costs no copy."""
    sources = props.get("sources")
    if sources is None:
        return props, []
    if len(props) == 1:
        return {}, sources
    props = props.copy()  # a C copy and one delete: a third of a comprehension's cost, the same order
    del props["sources"]
    return props, sources


class BatchWriter:
    """Buffers records per label / type and writes them in batches.

    Batches are written by one background thread, in the order they were flushed, while
    the caller parses and validates the next rows: the database works on one core while
    Python works on the other.  At most ``IN_FLIGHT`` batches wait, which bounds memory.
    ``flush()`` returns when everything is written and re-raises any error of the writes.
    """

    IN_FLIGHT = 2
    STUBS_REMEMBERED = 500_000

    def __init__(self, store: Store, result: LoadResult, batch_size: int = BATCH_SIZE,
                 on_reject: Callable[[Reject], None] | None = None, on_write: Callable[[int], None] | None = None):
        self.store = store
        self.result = result
        self.batch_size = batch_size
        self.on_reject = on_reject or result.rejects.append
        self.on_write = on_write or (lambda n: None)
        self.nodes: dict[str, dict[str, NodeRecord]] = defaultdict(dict)
        self.stubs: dict[str, dict[str, NodeRecord]] = defaultdict(dict)
        # Keyed by endpoints (+ key): one batch never MERGEs the same relationship twice, which
        # FalkorDB 4.16 answers with a segfault when the MERGE has ON CREATE / ON MATCH SET.
        self.rels: dict[str, dict[tuple, RelRecord]] = defaultdict(dict)
        self.resolver = Resolver(store, result.warn)
        # (label, id, sources) of the stubs this writer has written.  A stub met again with the same
        # sources changes nothing (ON MATCH it only unites its sources; no writer path removes a
        # node other than an Account, or a source), so it is not sent again: a retweeted tweet is
        # one in a later batch too.  Forgotten past STUBS_REMEMBERED, which bounds the memory.
        self._stubs_sent: set[tuple] = set()
        # The same for links (relationships with no property but their sources, both ends labelled):
        # a retweeted tweet's PUBLISHED comes with it in every batch that retweets it.
        self._links_sent: set[tuple] = set()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="graphtool-writer")
        self._futures: list[Future] = []

    def _submit(self, fn, *args) -> None:
        self._futures.append(self._pool.submit(fn, *args))
        while len(self._futures) > self.IN_FLIGHT:
            self._futures.pop(0).result()

    def wait(self) -> None:
        """Block until every submitted batch is written; raise the first error."""
        while self._futures:
            self._futures.pop(0).result()

    def add(self, record: NodeRecord | RelRecord) -> None:
        if type(record) is not RelRecord:  # a NodeRecord
            pending = (self.stubs if record.stub else self.nodes)[record.label]
            if record.id in pending:  # the same node twice in a batch: later values win, sources unite
                earlier = pending[record.id]
                merged = earlier.props.get("sources", []) + [
                    s for s in record.props.get("sources", []) if s not in earlier.props.get("sources", [])]
                first, last = (record, earlier) if record.stub else (earlier, record)  # the first stub wins
                record.props = {**first.props, **last.props, **({"sources": merged} if merged else {})}
                record.identifiers = earlier.identifiers + [i for i in record.identifiers
                                                            if i not in earlier.identifiers]
            pending[record.id] = record
            if len(pending) >= self.batch_size:
                self._flush_nodes(record.label)
        else:
            pending = self.rels[record.type]
            name = _KEY_OF[record.type]  # rel_key(record), inline: once per record
            ident = (record.src, record.dst, record.src_label, record.dst_label,
                     record.props.get(name) if name else None)
            if ident in pending:  # the same relationship twice in a batch: later values win, sources unite
                earlier = pending[ident]
                merged = earlier.props.get("sources", []) + [
                    s for s in record.props.get("sources", []) if s not in earlier.props.get("sources", [])]
                record.props = {**earlier.props, **record.props, **({"sources": merged} if merged else {})}
            pending[ident] = record
            if len(pending) >= self.batch_size:
                self.flush_nodes()
                self._flush_rels(record.type)

    def flush_nodes(self) -> None:
        for label in list(self.nodes) + [label for label in self.stubs if label not in self.nodes]:
            self._flush_nodes(label)

    def flush(self) -> None:
        self.flush_nodes()
        for type_ in list(self.rels):
            self._flush_rels(type_)
        self.wait()

    def close(self) -> None:
        try:
            self.wait()
        finally:
            self._pool.shutdown()

    def _flush_accounts(self) -> None:
        """Accounts go through identity resolution, which reads the store: earlier batches first."""
        stubs = list(self.stubs.pop(ACCOUNT, {}).values())
        full = list(self.nodes.pop(ACCOUNT, {}).values())
        if not stubs and not full:
            return
        self.wait()
        plan = self.resolver.plan(full + stubs)
        for warning in plan.conflicts:
            self.result.warn(warning)
        fill = [r for r in plan.fill if not r.stub]
        self._submit(self._write_accounts, [r for r in plan.full if not r.stub], fill, stubs, plan)

    def _write_accounts(self, full, fill, stubs, plan) -> None:
        for stub, records in ((True, stubs), (False, full)):
            if records:
                self._write_nodes(ACCOUNT, stub, _rows_by_id(records))
        if fill:
            self._write_nodes(ACCOUNT, False, _rows_by_id(fill_only(self.store, fill)))
        for survivor, merged in plan.merges:
            merge_accounts(self.store, survivor, merged)
        write_links(self.store, plan.links)
        mark_conflicts(self.store, plan.conflicted)

    def _flush_nodes(self, label: str) -> None:
        if label == ACCOUNT:
            return self._flush_accounts()
        # Stubs first: a full record of the same node in this batch then sets its properties.
        for stub, pending in ((True, self.stubs), (False, self.nodes)):
            records = list(pending.pop(label, {}).values())
            if not records:
                continue
            rows = []
            append, split = rows.append, _split_sources
            if stub:
                sent = self._stubs_sent
                if len(sent) > self.STUBS_REMEMBERED:
                    sent.clear()
                for r in records:
                    props, sources = split(r.props)
                    seen = (label, r.id, tuple(sources))
                    if seen in sent:
                        continue
                    sent.add(seen)
                    append({"id": r.id, "props": props, "sources": sources})
            else:
                for r in records:
                    props, sources = split(r.props)
                    append({"id": r.id, "props": props, "sources": sources})
            # the stubs not sent again count as written: the counts stay those of the records
            self._submit(self._write_nodes, label, stub, rows, len(records))

    def _write_nodes(self, label: str, stub: bool, rows: list[dict], records: int | None = None) -> None:
        if rows:
            self.store.run(node_query(label, stub), {"rows": rows})
        written = len(rows) if records is None else records
        self.result.nodes[label] += written
        self.on_write(written)

    def _flush_rels(self, type_: str) -> None:
        records = list(self.rels.pop(type_, {}).values())
        if records:
            self._submit(self._write_rels, type_, records)

    def _write_rels(self, type_: str, records: list[RelRecord]) -> None:
        spec = model.rel(type_)
        renamed = False
        if self.resolver.redirect:
            final = self.resolver.final
            for r in records:  # an account a record named by another identifier is its canonical node
                if ACCOUNT in spec.sources and r.src_label in (None, ACCOUNT):
                    r.src, renamed = final(r.src), renamed or r.src in self.resolver.redirect
                if ACCOUNT in spec.targets and r.dst_label in (None, ACCOUNT):
                    r.dst, renamed = final(r.dst), renamed or r.dst in self.resolver.redirect
        # add() keyed the records by their ends: only a renamed end can make two of them one
        unique = _unique(records) if renamed else records
        sent = self._links_sent
        if len(sent) > self.STUBS_REMEMBERED:
            sent.clear()
        if _KEY_OF[type_]:  # a keyed type has no links: nothing to look up
            fresh, keys = unique, None
        else:
            fresh, keys = [], []
            for r in unique:
                # A link written once is known by its type, labelled ends and sources; any other
                # relationship has no key here (None): a property may change on a later MERGE, and an
                # unlabelled end may find a node of another label that a later batch created.
                props = r.props
                if len(props) > 1 or (props and "sources" not in props) or r.src_label is None \
                        or r.dst_label is None:
                    key = None
                else:
                    key = (type_, r.src_label, r.src, r.dst_label, r.dst, tuple(props.get("sources") or ()))
                    if key in sent:
                        continue
                fresh.append(r)
                keys.append(key)
            # the links not sent again count as written: the counts stay those of the records
            self.result.relationships[type_] += len(unique) - len(fresh)
        waiting = self._try_rels(spec, list(enumerate(fresh)))
        if keys:
            left = {i for i, _ in waiting}  # remembered once written (a retried row's ends change below)
            sent.update(key for i, key in enumerate(keys) if key is not None and i not in left)
        if waiting and ACCOUNT in (*spec.sources, *spec.targets):
            # Ends that are not nodes may still name an account by handle, user id or URL.
            ends = {e for _, r in waiting for e in (r.src, r.dst)}
            found = self.resolver.lookup(sorted(ends))
            retry = []
            for i, r in waiting:
                src = found.get(r.src, r.src) if ACCOUNT in spec.sources and r.src_label in (None, ACCOUNT) else r.src
                dst = found.get(r.dst, r.dst) if ACCOUNT in spec.targets and r.dst_label in (None, ACCOUNT) else r.dst
                if (src, dst) != (r.src, r.dst):
                    r.src, r.dst = src, dst
                    retry.append((i, r))
            if retry:
                retried = {i for i, _ in retry}
                kept = {id(r) for r in _unique([r for _, r in retry])}
                again = {i for i, _ in self._try_rels(spec, [(i, r) for i, r in retry if id(r) in kept])}
                waiting = [(i, r) for i, r in waiting if i not in retried or i in again]
        for _, r in waiting:
            self._reject_dangling(r)
        self.on_write(len(records))

    def _try_rels(self, spec, waiting: list) -> list:
        """Write what finds both ends; returns the rows that did not."""
        type_ = spec.type
        key_name = _KEY_OF[type_]
        # A row without endpoint labels is tried against each allowed label in turn.
        for src_label in spec.sources:
            for dst_label in spec.targets:
                batch = [(i, r) for i, r in waiting
                         if r.src_label in (None, src_label) and r.dst_label in (None, dst_label)]
                if not batch:
                    continue
                rows = []
                append = rows.append
                for i, r in batch:
                    props = r.props  # _split_sources(r.props), inline: once per record
                    sources = props.get("sources")
                    if sources is None:
                        sources = []
                    elif len(props) == 1:
                        props = {}
                    else:
                        props = props.copy()
                        del props["sources"]
                    append({"i": i, "src": r.src, "dst": r.dst, "key": props.get(key_name) if key_name else None,
                            "props": props, "sources": sources})
                written = self.store.run(rel_query(type_, src_label, dst_label), {"rows": rows})[0]["written"]
                self.result.relationships[type_] += written
                if written == len(rows) and len(batch) == len(waiting):
                    return []  # the common case: every row found its ends
                if written == len(rows):
                    done = {i for i, _ in batch}
                else:
                    done = {row["i"] for row in self.store.read(matched_query(src_label, dst_label),
                                                                 {"rows": rows})}
                waiting = [(i, r) for i, r in waiting if i not in done]
        return waiting

    def _reject_dangling(self, r: RelRecord) -> None:
        spec = model.rel(r.type)
        for end, node_id, label, allowed in (("src", r.src, r.src_label, spec.sources),
                                              ("dst", r.dst, r.dst_label, spec.targets)):
            labels = [label] if label else list(allowed)
            found = any(Q.NODE_EXISTS.read(self.store, {"id": node_id}, label=lab)[0]["c"] for lab in labels)
            if not found:
                origin = r.origin
                self.on_reject(Reject(origin.file if origin else "", origin.line if origin else 0, end,
                                      f"no {' or '.join(labels)} with id {node_id[:80]!r}", _raw(r)))
                return
        origin = r.origin
        self.on_reject(Reject(origin.file if origin else "", origin.line if origin else 0, "",
                              "relationship could not be written", _raw(r)))


def _raw(r: RelRecord) -> str:
    """The row a relationship came from; without it (a record built in code), the record itself."""
    if r.origin is not None and r.origin.row is not None:
        return r.origin.raw()
    return f"{r.type},{r.src},{r.dst}," + ",".join(f"{k}={v}" for k, v in r.props.items() if k != "sources")


def _unique(records: list[RelRecord]) -> list[RelRecord]:
    """One record per relationship: two rows that name one account two ways become one (sources unite).

    FalkorDB must never MERGE the same relationship twice in one batch.
    """
    out: dict[tuple, RelRecord] = {}
    for r in records:
        ident = (r.type, r.src, r.dst, r.src_label, r.dst_label, rel_key(r))
        if ident in out:
            earlier = out[ident]
            have = earlier.props.get("sources") or []
            earlier.props["sources"] = have + [x for x in r.props.get("sources") or [] if x not in have]
        else:
            out[ident] = r
    return list(out.values())


def _rows_by_id(records: list[NodeRecord]) -> list[dict]:
    """Write rows, one per node id (records resolved to one account unite; later values win)."""
    rows: dict[str, dict] = {}
    for r in records:
        props, sources = _split_sources(r.props)
        if r.id in rows:
            row = rows[r.id]
            row["props"].update(props)
            row["sources"] += [s for s in sources if s not in row["sources"]]
        else:
            rows[r.id] = {"id": r.id, "props": dict(props), "sources": list(sources)}
    return list(rows.values())


def write_records(store: Store, records: Iterable[NodeRecord | RelRecord | Reject],
                  result: LoadResult | None = None, **kwargs) -> LoadResult:
    """Write a stream of records (rejects in it are collected) and flush at the end."""
    result = result or LoadResult()
    writer = BatchWriter(store, result, **kwargs)
    try:
        for item in records:
            if isinstance(item, Notice):
                result.warn(item)
            elif isinstance(item, Reject):
                writer.on_reject(item)
            else:
                writer.add(item)
        writer.flush()
    finally:
        writer.close()
    return result
