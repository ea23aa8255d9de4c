"""Reads by column (:meth:`Store.read_columns`): the query rewritten to gather its rows, and the portable path.

A query that returns many small rows (``RETURN a.id AS account, r.at_ts AS ts``) costs more to
decode value by value than to run.  :func:`columns_query` turns its last ``RETURN`` into a
``WITH`` and gathers every column into one list, so that the whole result is one row; each store
then decodes the lists as a whole (FalkorDB: :mod:`.falkor_read`).  :func:`read_gathered` is the
path every store has: the gathered lists through :meth:`Store.read`, checked and turned into numpy.
"""
from __future__ import annotations

import re

ROWS = "graphtool_rows"  # the extra column that counts the rows: a column short of it held nulls
_RETURN = re.compile(r"\bRETURN\b", re.IGNORECASE)


def columns_query(query: str, returns: list[str]) -> str:
    """``query`` with its last ``RETURN`` made a ``WITH`` and ``RETURN returns`` after it (an ``ORDER BY``
    or ``LIMIT`` stays on the ``WITH``, so the gathered lists keep the query's order).

    >>> columns_query("MATCH (a) RETURN a.id AS id ORDER BY id", ["collect(id) AS id"])
    'MATCH (a) WITH a.id AS id ORDER BY id RETURN collect(id) AS id'
    """
    last = None
    for last in _RETURN.finditer(query):
        pass
    if last is None:
        raise ValueError("read_columns needs a query that ends with RETURN ... AS name, ...")
    return f"{query[:last.start()]}WITH{query[last.end():]} RETURN {', '.join(returns)}"


def read_gathered(store, query: str, columns: dict[str, type], params: dict | None = None,
                  timeout: float | None = None) -> dict:
    """:meth:`Store.read_columns` through :meth:`Store.read`: ``collect`` of each column, one row."""
    import numpy as np

    row = store.read(columns_query(query, [f"collect({n}) AS {n}" for n in columns] + [f"count(*) AS {ROWS}"]),
                     params, timeout)[0]
    out = {}
    for name, kind in columns.items():
        values = row[name]
        if len(values) != row[ROWS]:
            raise ValueError(f"column {name}: {row[ROWS] - len(values)} null value(s); "
                             "read_columns needs every value (filter or coalesce them in the query)")
        if kind is str:
            wrong = next((v for v in values if not isinstance(v, str)), None)
            if wrong is not None:
                raise ValueError(f"column {name}: {wrong!r} is not a string")
            out[name] = list(values)
            continue
        wrong = next((v for v in values if isinstance(v, (str, bool, list, dict))
                      or (kind is int and not isinstance(v, int))), None)
        if wrong is not None:
            raise ValueError(f"column {name}: {wrong!r} is not {'an integer' if kind is int else 'a number'}")
        out[name] = np.asarray(values, dtype=np.int64 if kind is int else np.float64)
    return out
