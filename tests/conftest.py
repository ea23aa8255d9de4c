"""Real stores for every test: an embedded FalkorDB per test session, and a real Neo4j 5.26.

``store`` is parametrised over both, so a test written once runs on each; tests that
compare the two use ``embedded_store`` and ``neo4j_store`` directly.  Each test gets an
empty graph.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from graphtool.store import open_store
from graphtool.store.embedded import EmbeddedServer

FIXTURES = Path(__file__).parent / "fixtures"
ROOT = Path(__file__).resolve().parent.parent
CASE = ROOT / "imports" / "cases" / "canada-2021"


@pytest.fixture(scope="session")
def embedded_dir(tmp_path_factory):
    path = tmp_path_factory.mktemp("embedded")
    yield path
    EmbeddedServer(path).stop()


@pytest.fixture(scope="session")
def neo4j_server():
    from graphtool.testing import neo4j_server as provision

    try:
        context = provision()
        server = context.__enter__()
    except RuntimeError as exc:
        # Loud: a skipped Neo4j test is a hole in the evidence, never a silent pass.
        pytest.skip(f"NO NEO4J SERVER COULD BE HAD: {exc}")
    old = {k: os.environ.get(k) for k in ("NEO4J_USER", "NEO4J_PASSWORD")}
    os.environ.update(server.env())
    yield server
    context.__exit__(None, None, None)
    for k, v in old.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


@pytest.fixture
def embedded_store(embedded_dir):
    store = open_store(f"embedded:{embedded_dir}")
    store.clear()
    yield store
    store.close()


@pytest.fixture
def neo4j_store(neo4j_server):
    store = open_store(neo4j_server.uri)
    store.clear()
    yield store
    store.close()


@pytest.fixture(params=["embedded", "neo4j"])
def store(request):
    return request.getfixturevalue(f"{request.param}_store")


@pytest.fixture
def store_url(store):
    """The URL of the parametrised store, for CLI tests."""
    return store.url


# Second-store variants of the heaviest tests (each 7-30 s, the embedded variant stays in the
# default run) and the demo-maps browser test: they run with the slow tests in .ci/run, so the
# default run stays well under its 15 minutes.
SLOW_VARIANTS = {
    "tests/test_schedule.py::test_sigkill_mid_run_then_rerun_gives_the_graph_of_one_clean_run[neo4j]",
    "tests/test_adapters.py::test_captures_load_one_account_per_real_account_idempotently[neo4j]",
    "tests/test_stix.py::test_bundle_validates_and_parses_back[neo4j]",
    "tests/test_affiliation_real.py::test_ownership_state_definition_and_credit[neo4j]",
    "tests/test_provenance.py::test_cli_copies_trace_timeline[neo4j]",
    "tests/test_maps_browser.py::test_demo_maps_of_the_case",
    "tests/test_serve.py::test_browser_flow[neo4j]",
    "tests/test_schedule.py::test_run_records_evidence_then_an_unchanged_manifest_writes_nothing[neo4j]",
    "tests/test_analyze_store.py::test_cli_analyze_and_explain[neo4j]",
    "tests/test_provenance.py::test_case_answer_key[neo4j]",
}


@pytest.hookimpl(tryfirst=True)  # before `-m 'not slow'` deselects
def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.nodeid in SLOW_VARIANTS:
            item.add_marker(pytest.mark.slow)
