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
from typing import Callable, Iterator

from ..errors import StoreError

MAX_CALL_BYTES = 64 * 1024 * 1024  # one GRAPH.BULK call (Redis takes up to 512 MB per argument)
_HEAD = struct.Struct("=I")
_LONG, _DOUBLE, _BOOL, _ENDS = struct.Struct("=Bq"), struct.Struct("=Bd"), struct.Struct("=B?"), struct.Struct("=QQ")
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


def _property_names(maps) -> list[str]:
    names: dict[str, None] = {}
    for m in maps:
        for k in m:
            names.setdefault(k, None)
    return sorted(names, key=lambda k: (k != "id", k))


def _tokens(name: str, props: list[str], entities: Iterator[tuple[bytes, dict]]) -> Iterator[tuple[bytes, int]]:
    """Tokens of at most MAX_CALL_BYTES, each with how many entities it holds.

    ``entities`` yields each entity's leading bytes (a relationship's ends) and its property map.
    """
    header = _header(name, props)
    parts, size, count = [header], len(header), 0
    long_ = _LONG.pack
    for prefix, values in entities:
        out = [prefix]
        for p in props:
            v = values.get(p)
            kind = type(v)  # the common kinds inline: a call per value is most of the cost
            if kind is str:
                out.append(b"\x03" + v.encode("utf-8") + b"\x00")
            elif kind is int:
                out.append(long_(4, v))
            elif v is None:
                out.append(_NULL)
            elif kind is list and all(type(x) is str for x in v):  # sources, mostly
                out.append(long_(5, len(v)))
                out += [b"\x03" + x.encode("utf-8") + b"\x00" for x in v]
            else:
                _value(v, out)
        entity_bytes = b"".join(out)
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


def bulk_insert(execute: Callable, graph: str, nodes: dict[str, dict[str, dict]], rels: dict[tuple, dict],
                on_written: Callable[[int], None] = lambda n: None) -> tuple[int, int]:
    """Create ``graph`` from staged ``nodes[label][id]`` and ``rels[(type, sl, s, dl, d, key)]``.

    ``execute`` is the connection's ``execute_command``.  Returns (nodes, relationships) created.
    Nodes go in label and id order, relationships in key order: the same input gives the same
    internal ids.
    """
    calls = _Calls(execute, graph, on_written)
    number: dict[tuple[str, str], int] = {}
    for label in sorted(nodes):
        table = nodes[label]
        props = _property_names(table.values())

        def node_entities(label=label, table=table):
            for node_id in sorted(table):
                number[(label, node_id)] = len(number)
                yield b"", table[node_id]

        for token, count in _tokens(label, props, node_entities()):
            calls.add(token, count, 0)
    calls.send()  # every node is created before a relationship names it
    by_type: dict[str, list[tuple]] = {}
    for key in rels:
        by_type.setdefault(key[0], []).append(key)
    for type_ in sorted(by_type):
        keys = sorted(by_type[type_], key=lambda k: (k[1], k[2], k[3], k[4], "" if k[5] is None else str(k[5])))
        props = _property_names(rels[k] for k in keys)

        def rel_entities(keys=keys):
            for key in keys:
                yield _ENDS.pack(number[(key[1], key[2])], number[(key[3], key[4])]), rels[key]

        for token, count in _tokens(type_, props, rel_entities()):
            calls.add(token, count, 1)
    calls.send()
    return calls.created[0], calls.created[1]
