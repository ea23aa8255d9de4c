"""The routing driver path: ``neo4j://`` (what a Neo4j cluster or Aura's ``neo4j+s://`` uses) against
the test session's real Neo4j server, next to the direct ``bolt://`` path (docs/scaling.md).

With ``neo4j://`` the driver first asks the server for a routing table and then sends reads and
writes to the addresses it advertises; a single server answers with itself.  Import, a canned query
and analyze through that path must give what they give through ``bolt://``.
"""
from __future__ import annotations

import json

from typer.testing import CliRunner

from graphtool.cli import app
from graphtool.store import open_store

from conftest import FIXTURES


VOLATILE = ("run", "run_id", "at", "seconds", "timings")
QUT = FIXTURES / "coordination" / "qut_sample_data.csv"  # the QUT toolkit's 100-row example


def routing(url: str) -> str:
    assert url.startswith("bolt://"), url
    return "neo4j://" + url[len("bolt://"):]


def round_trip(url: str) -> dict:
    """Import the QUT sample, find co-shares on the store, run a canned query and analyze, all through ``url``."""
    store = open_store(url)
    store.clear()
    store.close()
    runner = CliRunner()
    out = {}
    for name, args in (("import", ["import", str(QUT)]),
                       ("coordination", ["coordination", "-k", "co-share", "-w", "60", "--json"]),
                       ("query", ["query", "run", "coordinated-pairs", "--json"]),
                       ("analyze", ["analyze", "--json", "--seed", "1"]),
                       ("scored", ["query", "run", "--json", "-c",
                                   "MATCH (a:Account) WHERE a.pagerank IS NOT NULL "
                                   "RETURN a.id AS id, a.pagerank AS pagerank, a.community AS community "
                                   "ORDER BY id"])):
        done = runner.invoke(app, ["--store", url, *args])
        assert done.exit_code == 0, (name, done.output)
        out[name] = done.output if name == "import" else json.loads(done.output)
    for name in ("coordination", "analyze"):  # which run, when and how long: not results
        for volatile in VOLATILE:
            out[name].pop(volatile, None)
    return out


def test_routing_driver_gives_what_bolt_gives(neo4j_server):
    routed_url = routing(neo4j_server.uri)
    routed = open_store(routed_url)
    try:
        # the driver really routed: a routing driver, which fetched a routing table naming the server it then used
        assert type(routed.driver).__name__ == "Neo4jDriver"
        table = routed.driver._pool.routing_tables  # the driver's pool of routing tables, per database
        routed.read("RETURN 1 AS one")
        assert any(t.readers and t.writers for t in table.values()), table
    finally:
        routed.close()
    via_routing = round_trip(routed_url)
    via_bolt = round_trip(neo4j_server.uri)
    assert via_routing["query"]["rows"], via_routing["query"]
    assert via_routing["scored"]["rows"], "analyze stored no scores"
    for name in ("coordination", "query", "analyze", "scored"):
        assert via_routing[name] == via_bolt[name], name
