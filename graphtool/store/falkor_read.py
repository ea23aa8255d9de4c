"""Columns out of FalkorDB without the client's per-value parsing: :meth:`Store.read_columns`.

The falkordb client asks for the compact reply, where every value comes tagged with its type,
and turns each one into a Python object: at 10^6 values that is seconds of the client's CPU.
:func:`read_columns` gathers each column into one value on the server instead and decodes it
in C:

* ``int`` and ``float`` columns: ``toJSON(collect(x))``, one text ``[1, 2, 3]`` that numpy
  parses (floats as FalkorDB prints them, 15 significant digits: the values the client gives);
* ``str`` columns: ``string.join(collect(x), US)``, one text split once (US, the unit
  separator ``\\x1f``).

Each column's length is checked against ``count(*)``: a null (``collect`` drops it), a value
of another type or a string holding the separator makes a column come out short or fail to
parse, and then the query runs once more through the client (:meth:`Store.read_columns`'s
portable path), which says exactly which value is wrong or reads the string as it is.
"""
from __future__ import annotations

import numpy as np

from .columns import ROWS, columns_query

SEPARATOR = "\x1f"


def packed(name: str, kind: type) -> str:
    """The server-side expression that gathers column ``name`` into one value."""
    if kind is str:
        return f"string.join(collect({name}), '{SEPARATOR}') AS {name}"
    return f"toJSON(collect({name})) AS {name}"


def decode(text, kind: type, rows: int):
    """One column's gathered value as numpy (``int``, ``float``) or a list of str; None when it is not
    ``rows`` values of that kind (the caller then takes the portable path)."""
    if not isinstance(text, str):
        return None
    if kind is str:
        values = text.split(SEPARATOR) if rows else []
        return values if len(values) == rows else None
    if not (text.startswith("[") and text.endswith("]")):
        return None
    # FalkorDB prints a whole float without a point ("1612200041"): a float column of whole numbers
    # (most times) parses as integers, three times faster, to the same values (15 digits: below 2**53)
    whole = kind is int or not any(c in text for c in ".eEn")  # no point, exponent, nan or inf
    try:
        values = np.fromstring(text[1:-1], dtype=np.int64 if whole else np.float64, sep=",")
    except ValueError:  # a value of another type: the portable path names it
        return None
    if kind is not int and whole:
        values = values.astype(np.float64)
    return values if len(values) == rows else None


def read_columns(store, query: str, columns: dict[str, type], params: dict | None = None,
                 timeout: float | None = None) -> dict | None:
    """``query`` (see :meth:`Store.read_columns`) on a :class:`~graphtool.store.embedded.FalkorStore`,
    decoded column by column; None when a column needs the portable path."""
    import redis

    from ..errors import ReadOnlyError

    text = columns_query(query, [packed(name, kind) for name, kind in columns.items()] + [f"count(*) AS {ROWS}"])
    command = ["GRAPH.RO_QUERY", store.graph_name, store.graph._build_params_header(params or {}) + text]
    if timeout:
        command += ["timeout", int(timeout * 1000)]
    try:  # the verbose reply: [header, rows, statistics], each gathered column one string
        header, rows, _ = store.db.connection.execute_command(*command)
    except redis.ResponseError as exc:
        if "read-only" in str(exc) or "RO_QUERY" in str(exc):
            raise ReadOnlyError("this query writes; read-only queries may not") from exc
        if "Type mismatch" in str(exc):  # string.join of a value that is not a string
            return None
        raise store._problem(exc) from exc
    except redis.RedisError as exc:
        raise store._problem(exc) from exc
    values = dict(zip(header, rows[0]))
    n = int(values[ROWS])
    out = {}
    for name, kind in columns.items():
        out[name] = decode(values[name], kind, n)
        if out[name] is None:
            return None
    return out
