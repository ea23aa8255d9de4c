"""The Canada 2021 case with its derived data, for the report, STIX and watch tests.

One function so that tests/test_report.py and tests/test_stix.py prepare the store the same way
the demo does (copies, coordination with p-values, scores).
"""
from __future__ import annotations

import json
from contextlib import contextmanager

from conftest import CASE
from graphtool.analyze.coordination_store import run_coordination
from graphtool.analyze.copies_store import detect_copies
from graphtool.analyze.scores_store import run_analyses
from graphtool.load import import_paths
from graphtool.store import open_store
from graphtool.store.embedded import EmbeddedServer

PERMUTATIONS = 19  # enough for p <= 0.05 on the planted pairs, cheap on two cores


def answers() -> dict:
    return json.loads((CASE / "answers.json").read_text(encoding="utf-8"))


def load_case(store) -> dict:
    """Wipe ``store``, import the case, derive COPIES, COORDINATED_WITH and scores; the case's answers."""
    truth = answers()
    group = truth["coordinated_groups"][0]
    store.wipe()
    store.ensure_schema()
    assert import_paths(store, [CASE]).rejected == 0
    detect_copies(store, show=False)
    run_coordination(store, group["kind"], group["window_s"], min_weight=group["min_weight"],
                     permutations=PERMUTATIONS, seed=0, run_id="coordination-test", progress=False)
    run_analyses(store, seed=0, progress=False)
    return truth


@contextmanager
def case_store(request, tmp_path_factory, name: str):
    """The analysed case on the store ``request.param`` names ("embedded" or "neo4j"): (store, answers)."""
    if request.param == "embedded":
        path = tmp_path_factory.mktemp(name)
        store = open_store(f"embedded:{path}")
    else:
        path = None
        store = open_store(request.getfixturevalue("neo4j_server").uri)
    try:
        yield store, load_case(store)
    finally:
        store.close()
        if path is not None:
            EmbeddedServer(path).stop()
