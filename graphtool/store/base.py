"""The one small interface every graph store implements, and the one way a store URL is shown."""
from __future__ import annotations

import re
from abc import ABC, abstractmethod
from contextlib import contextmanager

from .. import model

# ``scheme://user:secret@host`` (the secret) and ``?password=secret`` / ``&token=secret`` in any text.
_USERINFO_SECRET = re.compile(r"(?P<keep>[A-Za-z][A-Za-z0-9+.-]*://[^\s/@:'\"]*):[^\s/'\"]*@")
_QUERY_SECRET = re.compile(r"(?P<keep>[?&;](?:password|passwd|pwd|token|secret|auth|credentials)=)[^\s&;'\"]*",
                           re.IGNORECASE)


def redact(text: str) -> str:
    """``text`` with the password of every URL in it replaced by ``***``: use it wherever a URL is shown.

    >>> redact("cannot reach bolt://neo4j:hunter2@db:7687 (refused)")
    'cannot reach bolt://neo4j:***@db:7687 (refused)'
    >>> redact("falkordb://h:6379/g?password=hunter2")
    'falkordb://h:6379/g?password=***'
    """
    text = _USERINFO_SECRET.sub(lambda m: f"{m['keep']}:***@", str(text))
    return _QUERY_SECRET.sub(lambda m: f"{m['keep']}***", text)


_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]+")


def search_words(text: str) -> list[tuple[str, bool]]:
    """The words of a search, lower-cased, each with whether it is a run of Chinese (or Japanese, Korean) script.

    >>> search_words("Global-Times 环球时报!")
    [('global', False), ('times', False), ('环球时报', True)]
    """
    words = []
    for word in re.findall(r"\w+", text.lower()):
        pos = 0
        for m in _CJK.finditer(word):  # "cgtn中文" is two words: the scripts tokenise apart
            words += [(word[pos:m.start()], False)] if m.start() > pos else []
            words.append((m.group(), True))
            pos = m.end()
        words += [(word[pos:], False)] if pos < len(word) else []
    return words


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

    def read_columns(self, query: str, columns: dict[str, type], params: dict | None = None,
                     timeout: float | None = None) -> dict:
        """Run a read whose rows are many and small, and return it by column: ``{name: values}``.

        ``query`` ends with ``RETURN expr AS name, ...`` giving every name of ``columns``, which maps
        each name to ``int``, ``float`` or ``str``; ``int`` and ``float`` columns come back as numpy
        arrays (int64, float64), ``str`` columns as lists, all in the query's row order.  No value may
        be null (filter or ``coalesce`` in the query): a null, or a value of another type, is a
        ``ValueError`` naming the column.  The rows are gathered into one row of lists on the server,
        so that a store decodes them as a whole (FalkorDB: :mod:`graphtool.store.falkor_read`) instead
        of value by value; batch the query (``UNWIND $ids``) to bound that row's size.  This portable
        path reads the gathered lists through :meth:`read`.
        """
        from .columns import read_gathered

        return read_gathered(self, query, columns, params, timeout)

    @abstractmethod
    def explain(self, query: str, params: dict | None = None) -> str:
        """The plan the engine would run ``query`` with, as text (one operator a line, children
        indented by four spaces under their parent), without running it."""

    @abstractmethod
    def create_unique(self, label: str, key: str) -> None:
        """Create a uniqueness constraint on ``label.key`` unless it exists.

        Called by :meth:`ensure_schema`; must succeed when another process creates the same
        constraint at the same time (schema creation races between concurrent commands).
        """

    @abstractmethod
    def create_index(self, label: str, prop: str) -> None:
        """Create a plain index on ``label.prop`` unless it exists; must tolerate the same race."""

    @abstractmethod
    def profile(self, query: str, params: dict | None = None) -> str:
        """Run ``query`` profiled and return the engine's plan, with rows per operator, as text."""

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
        """The store's URL as it may be shown: credentials redacted."""
        return redact(self.url)

    @contextmanager
    def writing(self):
        """Hold the store's writer lock, if it needs one, around a whole import.

        The default takes none: Neo4j's MERGE locks both endpoints before creating a
        relationship, so concurrent imports cannot duplicate one.  The embedded store
        overrides this with a file lock (FalkorDB's MERGE has no such guarantee).
        """
        yield

    def after_import(self, written: int | None = None) -> None:
        """Leave the store ready for what reads it next, once an import has written ``written`` nodes and
        relationships (None: unknown, as if many); default: nothing.

        The embedded store rewrites its log as a snapshot, so its next start is fast; Neo4j refreshes
        its index statistics after a large import, so the next query is planned on the data just written."""

    # Whether :meth:`bulk_load` can create this store's graph at the engine's bulk speed (load/bulk.py).
    bulk_loads = False

    def is_empty(self) -> bool:
        """Whether the store holds no node at all (a first load may then take the bulk path)."""
        return not self.read("MATCH (n) RETURN n.id AS id LIMIT 1")

    def bulk_load(self, staged, on_written=None) -> None:
        """Write a staged first load (:class:`graphtool.load.bulk.StagedGraph`) into this empty store."""
        raise NotImplementedError(f"{type(self).__name__} has no bulk path")

    # Properties queried by time or by platform get plain indexes on top of the key constraint.
    # community: the explorer's drill-down; url: search by a URL as pasted (an account's coordinated group
    # is found through its IN_GROUP link: no index on Account, which re-indexes every account a run groups)
    INDEXED = ("platform", "published_ts", "at_ts", "community", "url")

    def schema(self) -> list[tuple[str, str, str]]:
        """What :meth:`ensure_schema` creates, from the model: ``("unique" | "index", label, property)``."""
        wanted = []
        for spec in model.NODES:
            wanted.append(("unique", spec.label, spec.key))
            for prop in spec.props:
                wanted += [("index", spec.label, name) for name in model.stored_names(prop) if name in self.INDEXED]
        return wanted

    def ensure_schema(self) -> None:
        """Constraints and indexes derived from the model; safe to call any number of times."""
        for label, props in self.fulltext_schema().items():  # first: FalkorDB sets a label's language once
            self.create_fulltext(label, props)
        for kind, label, prop in self.schema():
            (self.create_unique if kind == "unique" else self.create_index)(label, prop)
        self.retire_old_schema()

    def retire_old_schema(self) -> None:
        """Remove what an earlier graphtool stored and the model no longer has (:data:`graphtool.model.RETIRED`):
        the properties first, then the index that marks such a store, so an interrupted run is redone."""
        indexed = self.range_indexed()
        for label, marker, props in model.RETIRED:
            if (label, marker) not in indexed:
                continue
            stale = " OR ".join(f"n.{p} IS NOT NULL" for p in props)
            cleared = ", ".join(f"n.{p} = null" for p in props)
            # once per old store: a scan of the label in batches (a transaction per batch, as wipe does)
            while self.run(f"MATCH (n:{label}) WHERE {stale} WITH n LIMIT 20000 SET {cleared} "
                           "RETURN count(*) AS c")[0]["c"]:
                pass
            self.drop_index(label, marker)

    def range_indexed(self) -> set[tuple[str, str]]:
        """``(label, property)`` of every plain (range) index the store has."""
        return set()

    def drop_index(self, label: str, prop: str) -> None:
        """Drop the plain index on ``label``'s ``prop``."""
        raise NotImplementedError

    # What people search by (serve's search): one full-text index per label over its key and these properties.
    SEARCHED = ("name", "display_name", "handle", "url", "title", "text", "value")  # value: an Identifier's
    SEARCHED_LABELS = (model.L.Account, model.L.Outlet, model.L.Organization, model.L.Person, model.L.Narrative,
                       model.L.Event, model.L.Article, model.L.Identifier)

    def fulltext_schema(self) -> dict[str, tuple[str, ...]]:
        """``label -> properties`` of the full-text indexes :meth:`ensure_schema` creates, from the model."""
        schema = {}
        for label in self.SEARCHED_LABELS:
            spec = model.node(label)
            schema[label] = (spec.key, *(p.name for p in spec.props if p.name in self.SEARCHED))
        return schema

    def create_fulltext(self, label: str, props: tuple[str, ...]) -> None:
        """Create a full-text index (Chinese and English) on ``label``'s ``props`` unless it exists; default: none."""

    def fulltext(self, label: str, text: str, limit: int) -> list[dict] | None:
        """``[{"id", "score"}]``, best first, from ``label``'s full-text index for the words of ``text``;
        None where the store has no such index (the caller falls back to ``CONTAINS``)."""
        return None

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
