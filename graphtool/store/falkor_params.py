r"""Query parameters as FalkorDB's ``CYPHER name=value ...`` header, faster than the client's.

FalkorDB takes parameters only as text in front of the query.  The falkordb client builds that
text one value at a time through a chain of ``isinstance`` checks in Python: at 10^5 rows per
batch, 11% of an import's CPU and a quarter of writing the scores.  JSON is almost Cypher's
literal syntax, and ``json.dumps`` writes it in C, so :func:`literal` writes JSON and mends the
one difference that matters -- map keys, ```key``` in Cypher -- where that is sure to be right:

- every key is a plain identifier (checked on the text: after the mend no ``":`` is left
  outside a string), so ``"key":`` can only be a key -- inside a JSON string every ``"`` is ``\"``;
- no ``\u`` escape (JSON writes one for a control character other than ``\n \r \t \b \f``,
  which FalkorDB reads back as six characters);
- only JSON's types, finite floats (anything else raises, and takes the client's path).

Everything else takes the falkordb client's own encoder.  ``true``/``false`` stand for the
client's ``True``/``False`` (Cypher reads both).  Tests send values both ways through a real
FalkorDB and compare what comes back.
"""
from __future__ import annotations

import json
import re

from falkordb.helpers import stringify_param_value

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_KEY = re.compile(r'"([A-Za-z_][A-Za-z0-9_]*)":')
_UNMENDED = re.compile(r'(?:^|[^\\])(?:\\\\)*":')  # a '":' whose quote is not escaped
_dumps = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"), check_circular=False).encode


def _string(value: str) -> str:
    if "\\" in value or '"' in value:
        value = value.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + value + '"'


def _list(value) -> str:
    return "[" + ",".join([_encoders.get(type(v), stringify_param_value)(v) for v in value]) + "]"


def _dict(value: dict) -> str:
    parts = []
    for k, v in value.items():
        if type(k) is not str or not k or "`" in k:
            return stringify_param_value(value)  # the client's error (or its str(key))
        parts.append("`" + k + "`:" + _encoders.get(type(v), stringify_param_value)(v))
    return "{" + ",".join(parts) + "}"


# str() of ints, floats and booleans is what the client writes (True/False: Cypher is case-blind there).
_encoders = {str: _string, int: str, float: str, bool: str, type(None): lambda _: "null",
             list: _list, tuple: _list, dict: _dict}


def literal(value) -> str:
    """One parameter value as Cypher text: what ``falkordb.helpers.stringify_param_value`` means.

    Examples
    --------
    >>> literal({"id": 'a"b', "n": [1, 2.5, None, True]})
    '{`id`:"a\\\\"b",`n`:[1,2.5,null,true]}'
    >>> literal({"a b": 1})  # not an identifier: the client's encoder
    '{`a b`:1}'
    """
    try:
        text = _dumps(value)
    except (TypeError, ValueError):  # not JSON's types, or NaN / infinity
        return client_literal(value)
    if "\\u" in text:
        return client_literal(value)
    if '":' in text:
        for key in _first_keys(value, set()):  # rows of a batch share their keys: str.replace is C
            text = text.replace(f'"{key}":', f"`{key}`:")
        if '":' in text:  # keys the first row did not have
            text = _KEY.sub(r"`\1`:", text)
        if "\\`" in text or ('":' in text and _UNMENDED.search(text)):  # a quote or backslash near a key
            return client_literal(value)
    return text


def _first_keys(value, keys: set) -> set:
    """The identifier keys of the dicts in ``value``, looking at the first item of each list."""
    if type(value) is dict:
        for k, v in value.items():
            if type(k) is str and _IDENTIFIER.fullmatch(k):
                keys.add(k)
            _first_keys(v, keys)
    elif type(value) in (list, tuple) and value:
        _first_keys(value[0], keys)
    return keys


def client_literal(value) -> str:
    """The same text as ``falkordb.helpers.stringify_param_value``, with less Python per value."""
    return _encoders.get(type(value), stringify_param_value)(value)


def params_header(params: dict | None) -> str:
    """``CYPHER `name`=value ...`` for ``params`` (the client's ``Graph._build_params_header``)."""
    if params is None:
        return ""
    if not isinstance(params, dict):
        raise TypeError("'params' must be a dict")
    parts = ["CYPHER "]
    for key, value in params.items():
        key = key.decode() if isinstance(key, bytes) else str(key)
        if key == "" or "`" in key:
            raise ValueError(f"Cypher parameter name cannot be empty or contain a backtick: {key!r}")
        parts.append(f"`{key}`={literal(value)} ")
    return "".join(parts)
