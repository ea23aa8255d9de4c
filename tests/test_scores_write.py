"""The scores' writer: floats rounded in numpy exactly as ``format`` rounds them, and on FalkorDB each node
found by its internal node id; the stored values are the same as the id form's, on both stores."""
from __future__ import annotations

import math

import numpy as np
import pytest

from graphtool import internal_queries as Q
from graphtool import model
from graphtool.analyze import projection_store as project
from graphtool.load.records import node_record
from graphtool.load.writer import write_records

SCORES = Q.SCORE_COLUMNS[0] + Q.SCORE_COLUMNS[1] + Q.SCORE_COLUMNS[2]
STORED = sorted({n for label in model.ACTORS for p in model.node(label).props if p.derived
                 for n in model.stored_names(p)})


def formatted(values) -> np.ndarray:
    """What the writer stored before it rounded in numpy: each value through its 12-digit text."""
    return np.array([float(f"{v:.{project.FLOAT_DIGITS}g}") for v in np.asarray(values).tolist()])


def test_rounding_in_numpy_is_the_formatted_value_bit_for_bit():
    rng = np.random.default_rng(7)
    values = np.concatenate([
        rng.random(20_000),                                            # pagerank-like
        rng.random(20_000) * 10.0 ** rng.integers(-40, 40, 20_000),    # every scale, the power-of-ten edge cases
        -rng.random(2_000) * 1e5,                                      # negative
        np.round(rng.random(5_000), 13),                               # halfway in the 12th digit, nearly
        rng.integers(0, 10**6, 2_000).astype(float),                   # counts (strengths)
        np.array([0.0, -0.0, 0.5, 1.0, 10.0, 1e12, 999999999999.5, 0.9999999999995, 0.99999999999949, 1e-11,
                  9.99999999999949e-12, 1e22, 1e23, 5e-324, 1.7e308, 0.1 + 0.2, 1 / 3, 2 / 3, math.pi])])
    got = project.round_digits(values)
    assert got.view(np.int64).tolist() == formatted(values).view(np.int64).tolist()
    nan = project.round_digits(np.array([math.nan, math.inf, 0.25]))
    assert math.isnan(nan[0]) and nan[1] == math.inf and nan[2] == 0.25


def accounts(store, n: int) -> list[str]:
    write_records(store, [node_record("Account", {"platform": "x", "handle": f"u{i}"}) for i in range(n)])
    return [f"x:u{i}" for i in range(n)]


def stored(store) -> dict:
    rows = store.read("MATCH (n:Account) RETURN n.id AS id, " + ", ".join(f"n.{p} AS {p}" for p in STORED))
    return {r.pop("id"): r for r in rows}


def score_columns(n: int, rng) -> dict:
    """Every score of graphtool analyze, in its order, with values of each kind it writes."""
    floats = {name: (rng.random(n) * 10.0 ** rng.integers(-6, 3, n)).tolist() for name in SCORES}
    return {**floats, "strength_in": rng.integers(0, 50, n).astype(float).tolist(),
            "community": rng.integers(0, 5, n).tolist(), "community_size": rng.integers(1, 9, n).tolist(),
            "ownership_clarity": [("declared", "unclear", "none")[i % 3] for i in range(n)],
            "affiliation_reasons": [[f"reason {i}", "No ownership link on record."] for i in range(n)],
            "state_media": [i % 2 == 0 for i in range(n)], "state_path": [[f"x:u{i}", "gt"] if i % 4 else []
                                                                          for i in range(n)],
            "affiliation_pickup": [0.0] * n}


def test_node_id_form_stores_what_the_id_form_stores(store):
    """The same scores written both ways (on Neo4j both are the id form) read back the same, field by
    field; a NaN is left out either way, and an id with no node is counted and creates nothing."""
    ids = accounts(store, 60)
    rng = np.random.default_rng(3)
    columns = score_columns(30, rng)
    columns["pagerank"][5] = math.nan
    common = {"analysis_run": "r1", "analysis_at": "2026-12-01T12:00:00Z", "analysis_ts": 1796126400}
    by_id, by_node = ids[:30], ids[30:]
    node_form = getattr(store, "reads_by_id_range", False)
    store.reads_by_id_range = False  # this store's writer in the id form, for the first half
    try:
        assert project.write_score_columns(store, ["Account"] * 30, by_id, columns, common=common) == 30
    finally:
        del store.reads_by_id_range
    assert getattr(store, "reads_by_id_range", False) == node_form
    written = project.write_score_columns(store, ["Account"] * 31, by_node + ["x:nobody"],
                                          {k: v + v[:1] for k, v in columns.items()}, common=common)
    assert written == 31
    got = stored(store)
    assert "x:nobody" not in got
    for a, b in zip(by_id, by_node):
        assert got[a] == got[b] and all(type(got[a][p]) is type(got[b][p]) for p in STORED), (a, b)
    assert got[by_id[5]]["pagerank"] is None and got[by_id[6]]["pagerank"] == float(f"{columns['pagerank'][6]:.12g}")
    assert got[by_id[0]]["analysis_run"] == "r1" and got[by_id[0]]["state_path"] == []


def test_falkordb_writes_the_scores_by_node_id_seek(embedded_store):
    """NodeByIdSeek per row; the same statement with the label beside id() (or id() straight after the
    UNWIND) scans, which is why the statement binds the id in a WITH and names no label."""
    accounts(embedded_store, 50)
    rows = [[0, 0.5, 1.0, 2.0, 0.25], [1, 0.5, 1.0, 2.0, 0.25]]
    sets = Q.score_sets(Q.SCORE_COLUMNS[0])
    params = {"rows": rows, "common": {"analysis_run": "r"}}
    plan = embedded_store.explain(Q.SET_SCORE_ROWS_BY_NODE.cypher(columns=sets), params)
    assert "NodeByIdSeek" in plan.replace(" ", "") and "Scan" not in plan, plan
    labelled = Q.SET_SCORE_ROWS_BY_NODE.cypher(columns=sets).replace("MATCH (n)", "MATCH (n:Account)")
    unbound = f"UNWIND $rows AS r MATCH (n) WHERE id(n) = r[0] SET {sets}"
    for text in (labelled, unbound):
        assert "Scan" in embedded_store.explain(text, params), text
