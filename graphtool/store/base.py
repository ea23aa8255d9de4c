"""The one small interface every graph store implements."""
from __future__ import annotations

from abc import ABC, abstractmethod

from .. import model


class Store(ABC):
    """A graph store that runs portable Cypher with ``$parameters``.

    Rows come back as plain ``dict``s of column -> value; queries return scalars, lists and
    maps, never driver objects, so the same query gives the same Python values on both stores.
    """

    url: str

    @abstractmethod
    def run(self, query: str, params: dict | None = None) -> list[dict]:
        """Run a query that may write, in its own transaction."""

    @abstractmethod
    def read(self, query: str, params: dict | None = None, timeout: float | None = None) -> list[dict]:
        """Run a query read-only; a write attempt raises :class:`~graphtool.errors.ReadOnlyError`."""

    @abstractmethod
    def _create_unique(self, label: str, key: str) -> None:
        """Create (if absent) a uniqueness constraint on ``label.key``."""

    @abstractmethod
    def _create_index(self, label: str, prop: str) -> None:
        """Create (if absent) a plain index on ``label.prop``."""

    @abstractmethod
    def wipe(self) -> None:
        """Delete every node and relationship (FalkorDB drops the graph, indexes included)."""

    def clear(self) -> None:
        """Delete every node and relationship; the schema stays (or is rebuilt)."""
        self.wipe()
        self.ensure_schema()

    @abstractmethod
    def close(self) -> None:
        """Release connections (the embedded server keeps running)."""

    def describe(self) -> str:
        return self.url

    # Properties queried by time or by platform get plain indexes on top of the key constraint.
    INDEXED = ("platform", "published_ts", "at_ts")

    def ensure_schema(self) -> None:
        """Constraints and indexes derived from the model; safe to call any number of times."""
        for spec in model.NODES:
            self._create_unique(spec.label, spec.key)
            for prop in spec.props:
                for name in model.stored_names(prop):
                    if name in self.INDEXED:
                        self._create_index(spec.label, name)

    def counts(self) -> dict:
        """Counts per label and per relationship type (every declared one, zeros included)."""
        nodes = {spec.label: self.read(f"MATCH (n:{spec.label}) RETURN count(n) AS c")[0]["c"]
                 for spec in model.NODES}
        rels = {spec.type: self.read(f"MATCH ()-[r:{spec.type}]->() RETURN count(r) AS c")[0]["c"]
                for spec in model.RELATIONSHIPS}
        return {"nodes": nodes, "relationships": rels}

    def snapshot(self) -> dict:
        """The whole graph as sorted plain data, for comparing stores and runs.

        Nodes: ``(label, id, props)``; relationships: ``(type, src_label, src_id, dst_label,
        dst_id, props)``; props as sorted ``(name, value)`` tuples (lists kept as tuples).
        """
        def frozen(props: dict) -> tuple:
            return tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in dict(props).items()))

        nodes = sorted((r["label"], r["id"], frozen(r["props"])) for r in self.read(
            "MATCH (n) RETURN labels(n)[0] AS label, n.id AS id, properties(n) AS props"))
        rels = sorted((r["type"], r["sl"], r["s"], r["dl"], r["d"], frozen(r["props"])) for r in self.read(
            "MATCH (a)-[r]->(b) RETURN type(r) AS type, labels(a)[0] AS sl, a.id AS s, "
            "labels(b)[0] AS dl, b.id AS d, properties(r) AS props"))
        return {"nodes": nodes, "relationships": rels}

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
