"""Write validated records to a store in ``UNWIND $rows ... MERGE`` batches.

Nodes always reach the store before the relationships that need them: a relationship
batch is flushed only after every pending node batch.  MERGE on the model's keys plus a
union of ``sources`` makes loading idempotent: the same files twice change nothing.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Callable, Iterable

from .. import model
from ..store import Store
from .records import NodeRecord, Reject, RelRecord

BATCH_SIZE = 5000

# Merge the evidence lists instead of overwriting them: importing a second source adds to them.
_MERGE_SOURCES = ("SET {v}.sources = coalesce({v}.sources, []) + "
                  "[s IN coalesce(row.sources, []) WHERE NOT s IN coalesce({v}.sources, [])]")


def node_query(label: str) -> str:
    return (f"UNWIND $rows AS row MERGE (n:{label} {{id: row.id}}) SET n += row.props "
            + _MERGE_SOURCES.format(v="n"))


def rel_query(type_: str, src_label: str, dst_label: str) -> str:
    spec = model.rel(type_)
    key = f" {{{spec.key}: row.key}}" if spec.key else ""
    return (f"UNWIND $rows AS row MATCH (a:{src_label} {{id: row.src}}) MATCH (b:{dst_label} {{id: row.dst}}) "
            f"MERGE (a)-[r:{type_}{key}]->(b) SET r += row.props "
            + _MERGE_SOURCES.format(v="r") + " RETURN row.i AS i")


@dataclass
class LoadResult:
    nodes: dict = field(default_factory=lambda: defaultdict(int))
    relationships: dict = field(default_factory=lambda: defaultdict(int))
    rejects: list = field(default_factory=list)
    files: list = field(default_factory=list)
    warnings: list = field(default_factory=list)

    @property
    def rejected(self) -> int:
        return len(self.rejects)

    def as_dict(self) -> dict:
        return {"files": self.files, "nodes": dict(self.nodes), "relationships": dict(self.relationships),
                "rejected": self.rejected, "warnings": self.warnings}


def _split_sources(props: dict) -> tuple[dict, list]:
    props = dict(props)
    return props, props.pop("sources", None) or []


class BatchWriter:
    """Buffers records per label / type and writes them in batches."""

    def __init__(self, store: Store, result: LoadResult, batch_size: int = BATCH_SIZE,
                 on_reject: Callable[[Reject], None] | None = None, on_write: Callable[[int], None] | None = None):
        self.store = store
        self.result = result
        self.batch_size = batch_size
        self.on_reject = on_reject or result.rejects.append
        self.on_write = on_write or (lambda n: None)
        self.nodes: dict[str, dict[str, NodeRecord]] = defaultdict(dict)
        self.rels: dict[str, list[RelRecord]] = defaultdict(list)

    def add(self, record: NodeRecord | RelRecord) -> None:
        if isinstance(record, NodeRecord):
            pending = self.nodes[record.label]
            if record.id in pending:  # the same node twice in a batch: later values win, sources unite
                earlier = pending[record.id]
                merged = earlier.props.get("sources", []) + [
                    s for s in record.props.get("sources", []) if s not in earlier.props.get("sources", [])]
                record.props = {**earlier.props, **record.props, **({"sources": merged} if merged else {})}
            pending[record.id] = record
            if len(pending) >= self.batch_size:
                self._flush_nodes(record.label)
        else:
            pending = self.rels[record.type]
            pending.append(record)
            if len(pending) >= self.batch_size:
                self.flush_nodes()
                self._flush_rels(record.type)

    def flush_nodes(self) -> None:
        for label in list(self.nodes):
            self._flush_nodes(label)

    def flush(self) -> None:
        self.flush_nodes()
        for type_ in list(self.rels):
            self._flush_rels(type_)

    def _flush_nodes(self, label: str) -> None:
        records = list(self.nodes.pop(label, {}).values())
        if not records:
            return
        rows = []
        for r in records:
            props, sources = _split_sources(r.props)
            rows.append({"id": r.id, "props": props, "sources": sources})
        self.store.run(node_query(label), {"rows": rows})
        self.result.nodes[label] += len(rows)
        self.on_write(len(rows))

    def _flush_rels(self, type_: str) -> None:
        records = self.rels.pop(type_, [])
        if not records:
            return
        spec = model.rel(type_)
        # A row without endpoint labels is tried against each allowed label in turn.
        waiting = list(enumerate(records))
        for src_label in spec.sources:
            for dst_label in spec.targets:
                batch = [(i, r) for i, r in waiting
                         if r.src_label in (None, src_label) and r.dst_label in (None, dst_label)]
                if not batch:
                    continue
                rows = []
                for i, r in batch:
                    props, sources = _split_sources(r.props)
                    rows.append({"i": i, "src": r.src, "dst": r.dst, "key": r.key, "props": props,
                                 "sources": sources})
                done = {row["i"] for row in self.store.run(rel_query(type_, src_label, dst_label), {"rows": rows})}
                self.result.relationships[type_] += len(done)
                waiting = [(i, r) for i, r in waiting if i not in done]
        for _, r in waiting:
            self._reject_dangling(r)
        self.on_write(len(records))

    def _reject_dangling(self, r: RelRecord) -> None:
        spec = model.rel(r.type)
        for end, node_id, label, allowed in (("src", r.src, r.src_label, spec.sources),
                                              ("dst", r.dst, r.dst_label, spec.targets)):
            labels = [label] if label else list(allowed)
            found = any(self.store.read(f"MATCH (n:{lab} {{id: $id}}) RETURN count(n) AS c", {"id": node_id})[0]["c"]
                        for lab in labels)
            if not found:
                origin = r.origin
                self.on_reject(Reject(origin.file if origin else "", origin.line if origin else 0, end,
                                      f"no {' or '.join(labels)} with id {node_id[:80]!r}"))
                return
        origin = r.origin
        self.on_reject(Reject(origin.file if origin else "", origin.line if origin else 0, "",
                              "relationship could not be written"))


def write_records(store: Store, records: Iterable[NodeRecord | RelRecord | Reject],
                  result: LoadResult | None = None, **kwargs) -> LoadResult:
    """Write a stream of records (rejects in it are collected) and flush at the end."""
    result = result or LoadResult()
    writer = BatchWriter(store, result, **kwargs)
    for item in records:
        if isinstance(item, Reject):
            writer.on_reject(item)
        else:
            writer.add(item)
    writer.flush()
    return result
