"""A staged first load (graphtool/load/bulk.py) into FalkorDB with its bulk-insert protocol, ``GRAPH.BULK``.

The format is the one ``falkordb-bulk-loader`` (PyPI) sends: each call carries node and
relationship counts and tokens; a token is a label or type name and its property names
(NUL-terminated, after a uint32 count), then one entity after another: a relationship's
two node numbers (uint64, in the order the nodes were sent), then each property as a type
byte and its value (0 null = absent, 1 bool, 2 double, 3 NUL-terminated UTF-8, 4 int64,
5 array: int64 length and the elements).  The first call says ``BEGIN`` and needs a graph
that does not exist yet.

Why our own writer rather than that package: it reads CSV files, and on the way it strips
the whitespace around every value and re-infers the type of every array element (the
source ``"123"`` becomes the integer 123), so it cannot give the graph the MERGE path gives;
writing the staged values directly also skips a CSV round trip.
"""
from __future__ import annotations

import struct
from collections import Counter
from itertools import chain, repeat
from operator import itemgetter
from typing import Callable, Iterator

import numpy as np

from ..errors import StoreError

MAX_CALL_BYTES = 64 * 1024 * 1024  # one GRAPH.BULK call (Redis takes up to 512 MB per argument)
_HEAD = struct.Struct("=I")
_LONG, _DOUBLE, _BOOL, _ENDS = struct.Struct("=Bq"), struct.Struct("=Bd"), struct.Struct("=B?"), struct.Struct("=QQ")
_INT64 = struct.Struct("=q")
_NULL = b"\x00"


def _value(v, out: list) -> None:
    if v is None:
        out.append(_NULL)
    elif v is True or v is False:
        out.append(_BOOL.pack(1, v))
    elif isinstance(v, int):
        out.append(_LONG.pack(4, v))
    elif isinstance(v, float):
        out.append(_DOUBLE.pack(2, v))
    elif isinstance(v, str):
        out.append(b"\x03" + v.encode("utf-8") + b"\x00")
    elif isinstance(v, (list, tuple)):
        out.append(_LONG.pack(5, len(v)))
        for item in v:
            _value(item, out)
    else:
        raise StoreError(f"bulk insert: a {type(v).__name__} value cannot be stored")


def _header(name: str, props: list[str]) -> bytes:
    return b"".join([name.encode() + b"\x00", _HEAD.pack(len(props))] + [p.encode() + b"\x00" for p in props])


def _property_names(maps: list[dict]) -> tuple[list[str], set[str]]:
    """The property names of ``maps`` (``id`` first, then by name), and those every map holds."""
    counts = Counter(chain.from_iterable(maps))
    return sorted(counts, key=lambda k: (k != "id", k)), {k for k, n in counts.items() if n == len(maps)}


_CHUNK = 20_000  # entities encoded at a time: bounds the encoded columns held next to the staged graph


def _column(values: list) -> tuple[bytes, list[bytes], bytes]:
    """One property's values for a run of entities, encoded: ``(lead, pieces, tail)``, each value's bytes
    being ``lead + piece + tail``.  A column at a time, one comprehension per column of one kind (the
    common case), and a column of one kind leaves its type byte and terminator to be written once per
    entity by the caller's join rather than concatenated onto every value."""
    kinds = set(map(type, values))
    if kinds == {str}:
        return b"\x03", [v.encode("utf-8") for v in values], b"\x00"
    if kinds == {int}:
        return b"\x04", list(map(_INT64.pack, values)), b""
    if kinds <= {int, type(None)}:
        long_ = _LONG.pack
        return b"", [_NULL if v is None else long_(4, v) for v in values], b""
    if kinds <= {list, type(None)}:
        seen: dict[tuple, bytes] = {}  # the same list again and again (sources, mostly): encode it once
        by_id: dict[int, bytes] = {}  # and the staged graph shares equal lists: one look-up per list object
        out = []
        for v in values:
            if v is None:
                out.append(_NULL)
                continue
            encoded = by_id.get(id(v))  # ``values`` holds every list: no id is reused meanwhile
            if encoded is None:
                key = (tuple(v), tuple(map(type, v)))  # [1] and [True] are equal, and encode apart
                encoded = seen.get(key)
                if encoded is None:
                    parts: list = []
                    _value(v, parts)
                    encoded = seen[key] = b"".join(parts)
                by_id[id(v)] = encoded
            out.append(encoded)
        return b"", out, b""
    out = []
    for v in values:  # mixed kinds: value by value
        parts = []
        _value(v, parts)
        out.append(b"".join(parts))
    return b"", out, b""


def _tokens(name: str, maps: list[dict], prefixes: bytes | None = None) -> Iterator[tuple[bytes, int]]:
    """Tokens of at most MAX_CALL_BYTES, each with how many entities it holds.

    ``maps`` are the entities' property maps in order; ``prefixes`` every entity's leading bytes one
    after another, ``_ENDS.size`` each (a relationship's ends).
    """
    props, everywhere = _property_names(maps)
    header = _header(name, props)
    parts, size, count = [header], len(header), 0
    for start in range(0, len(maps), _CHUNK):
        chunk = maps[start:start + _CHUNK]
        columns = [_column(list(map(itemgetter(p), chunk)) if p in everywhere else [m.get(p) for m in chunk])
                   for p in props]
        if prefixes is not None:
            width = _ENDS.size
            ends = prefixes[start * width:(start + len(chunk)) * width]
            columns.insert(0, (b"", [ends[i:i + width] for i in range(0, len(ends), width)], b""))
        # an entity is the constant bytes between its columns' pieces and the pieces, in turn
        sequence, between = [], b""
        for lead, pieces, tail in columns:
            if between + lead:
                sequence.append(repeat(between + lead))
            sequence.append(pieces)
            between = tail
        if between:
            sequence.append(repeat(between))
        if not columns:
            sequence = [[b""] * len(chunk)]
        whole = b"".join(chain.from_iterable(zip(*sequence)))
        if size + len(whole) <= MAX_CALL_BYTES:  # the common case: the chunk fits the call as a whole
            parts.append(whole)
            size += len(whole)
            count += len(chunk)
            continue
        del whole
        for entity_bytes in map(b"".join, zip(*sequence)):
            if count and size + len(entity_bytes) > MAX_CALL_BYTES:
                yield b"".join(parts), count
                parts, size, count = [header], len(header), 0
            parts.append(entity_bytes)
            size += len(entity_bytes)
            count += 1
    if count:
        yield b"".join(parts), count


class _Calls:
    """GRAPH.BULK calls of at most MAX_CALL_BYTES, the first with BEGIN."""

    def __init__(self, execute: Callable, graph: str, on_written: Callable[[int], None]):
        self.execute, self.graph, self.on_written = execute, graph, on_written
        self.begun = False
        self.created = [0, 0]
        self._reset()

    def _reset(self) -> None:
        self.counts, self.tokens, self.size = [0, 0], ([], []), 0

    def add(self, token: bytes, count: int, kind: int) -> None:
        """``kind`` 0: a label token; 1: a relationship type token."""
        if self.size and self.size + len(token) > MAX_CALL_BYTES:
            self.send()
        self.counts[kind] += count
        self.tokens[kind].append(token)
        self.size += len(token)

    def send(self) -> None:
        if not self.size:
            return
        labels, types = self.tokens
        args = (["BEGIN"] if not self.begun else []) + [*self.counts, len(labels), len(types), *labels, *types]
        self.begun = True
        try:
            reply = self.execute("GRAPH.BULK", self.graph, *args)
        except Exception as exc:
            raise StoreError(f"FalkorDB bulk insert failed: {exc}") from exc
        stats = (reply.decode() if isinstance(reply, bytes) else str(reply)).split(", ")
        self.created[0] += int(stats[0].split(" ")[0])
        self.created[1] += int(stats[1].split(" ")[0])
        self.on_written(sum(self.counts))
        self._reset()


def _create_empty(calls: _Calls) -> None:
    """The graph, empty, from a ``BEGIN`` call of no entities.

    A schema built on it first is filled as the entities arrive.  Built after the insert, each index
    the engine creates re-reads every node of its label into the label's one index, full-text fields
    included: each of Article's four range indexes re-segmented every Article's text.  At 10^5 tweets
    the schema built after the insert took 5.0 server CPU s; built first, keeping it up adds 1.0-1.8 s.
    """
    try:
        calls.execute("GRAPH.BULK", calls.graph, "BEGIN", 0, 0, 0, 0)
    except Exception as exc:
        raise StoreError(f"FalkorDB bulk insert failed: {exc}") from exc
    calls.begun = True


def bulk_insert(execute: Callable, graph: str, nodes: dict[str, dict[str, dict]], rels: dict[tuple, dict],
                on_written: Callable[[int], None] = lambda n: None,
                on_created: Callable[[], None] | None = None) -> tuple[int, int]:
    """Create ``graph`` from staged ``nodes[label][id]`` and ``rels[(type, sl, s, dl, d, key)]``.

    ``execute`` is the connection's ``execute_command``.  Returns (nodes, relationships) created.
    Nodes go in label and id order, relationships in key order: the same input gives the same
    internal ids.  ``on_created()``, when given, runs once the graph exists and before any entity is
    sent: the place to build its schema (see :func:`_create_empty`).
    """
    calls = _Calls(execute, graph, on_written)
    if on_created is not None:
        _create_empty(calls)
        on_created()
    number: dict[str, dict[str, int]] = {}  # label -> id -> the node's number, in the order sent
    sent = 0
    for label in sorted(nodes):
        table = nodes[label]
        ids = sorted(table)
        number[label] = dict(zip(ids, range(sent, sent + len(ids))))
        sent += len(ids)
        maps = [table[i] for i in ids]
        for token, count in _tokens(label, maps):
            calls.add(token, count, 0)
    calls.send()  # every node is created before a relationship names it
    by_type: dict[str, tuple[list[tuple], list[dict]]] = {}  # keys and their maps (no look-up by key later)
    for key, props in rels.items():
        keys, maps = by_type.setdefault(key[0], ([], []))
        keys.append(key)
        maps.append(props)
    for type_ in sorted(by_type):
        keys, maps = by_type.pop(type_)
        n = len(keys)
        # Node numbers follow (label, id) order, so (source number, target number, key) is key order.
        # Arrays, not lists of ints: at 10^6 relationships the lists were a tenth of the load's peak.
        src = np.fromiter((number[k[1]][k[2]] for k in keys), np.int64, n)
        dst = np.fromiter((number[k[3]][k[4]] for k in keys), np.int64, n)
        pairs = src * sent + dst  # one int per (source, target) pair
        if any(k[5] is not None for k in keys):  # by key first: the sort by pair below is stable
            names = ["" if k[5] is None else str(k[5]) for k in keys]
            order = np.array(sorted(range(n), key=names.__getitem__), dtype=np.int64)
            del names
            order = order[np.argsort(pairs[order], kind="stable")]
        else:
            order = np.argsort(pairs, kind="stable")
        del pairs
        maps = list(map(maps.__getitem__, order.tolist()))
        ends = np.empty((n, 2), dtype=np.uint64)  # _ENDS: two native uint64 per relationship
        ends[:, 0], ends[:, 1] = src[order], dst[order]
        del src, dst, order
        for token, count in _tokens(type_, maps, ends.tobytes()):
            calls.add(token, count, 1)
    calls.send()
    return calls.created[0], calls.created[1]
