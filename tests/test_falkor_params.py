"""FalkorDB's parameter text written by graphtool (store/falkor_params.py) means what the client's means.

Every value goes through a real embedded FalkorDB both ways -- the falkordb client's header and
graphtool's -- and must come back the same (and as sent, where FalkorDB keeps the type).
"""
from __future__ import annotations

import numpy as np
import pytest
from falkordb.graph import Graph
from falkordb.helpers import stringify_param_value

from graphtool.store.falkor_params import client_literal, literal, params_header

VALUES = [
    "", "plain", 'a "quoted" word', "back\\slash", "ends with \\", '\\"', "line\nbreak\ttab\rreturn",
    "bell \x07 and \x01 and \x1f", "\x08\x0c", "中文 émoji 🙂", "\u2028", '{"id": "x"}', 'say "id": 1', "\\u0041",
    "`backtick`", 0, -1, 2**53, 10**30, 1.5, -0.0, 1e-300, 0.1 + 0.2, True, False, None,
    [], [1, "two", None, 3.5, False], ("tuple", 1), [[1, [2, ["three"]]]],
    {"id": "x:1", "n": 2}, {"a b": 1}, {"x\"id": 1}, {"id\\": 1}, {"k": {"nested": ["v", {"deep": True}]}},
    [{"id": "r1", "props": {"name": 'N "1"', "tags": ["t"]}}, {"id": "r2", "props": {"extra": 1.25}}],
    [{"src": "a", "dst": "b"}, {"src": "c\n", "dst": 'd"":'}], {"_under": 1, "CamelCase9": [None]},
    np.int64(7), [np.float64(2.5)],
]


def test_client_literal_is_the_clients_text():
    for value in VALUES:
        assert client_literal(value) == stringify_param_value(value), value


def test_every_value_means_the_same_through_falkordb(embedded_store):
    graph = embedded_store.graph
    client_header = Graph._build_params_header.__get__(graph)
    for value in VALUES:
        params = {"x": value}
        ours = embedded_store.graph._query("RETURN $x AS x", params, read_only=True).result_set
        graph._build_params_header = client_header
        try:
            theirs = graph._query("RETURN $x AS x", params, read_only=True).result_set
        finally:
            graph._build_params_header = params_header
        assert ours == theirs, (value, literal(value))
    plain = ["line\nbreak", 'a "q"', {"id": 'x"', "n": [1, 2.5, None, True]}, 2**53]
    assert [embedded_store.read("RETURN $x AS x", {"x": v})[0]["x"] for v in plain] == plain


def test_the_fast_path_is_taken_for_batches_and_the_client_path_for_the_rest():
    rows = [{"id": f"x:{i}", "props": {"name": f'N "{i}"', "score": i / 7}} for i in range(3)]
    assert literal(rows) == stringify_param_value(rows).replace("True", "true")  # no bools here: the same text
    assert literal(rows).startswith("[{`id`:") and "\\u" not in literal(rows)
    assert literal("bell \x07") == stringify_param_value("bell \x07")  # JSON would write \u0007
    assert literal({"a b": 1}) == "{`a b`:1}" and literal(float("nan")) == "nan"
    assert params_header({"rows": [1], "n": "x"}) == 'CYPHER `rows`=[1] `n`="x" '
    with pytest.raises(ValueError):
        params_header({"": 1})
