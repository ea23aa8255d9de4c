"""GEXF / GraphML exports of the projections (issue 11 item 8): nodes labelled by display name, carrying every
stored score, so that Gephi can colour and size by them; the amplification projection in both formats."""
from __future__ import annotations

from datetime import datetime, timezone

import networkx as nx
import pytest

from graphtool.analyze.scores_store import run_analyses
from graphtool.render.exports import PROJECTION_FILES, save_graph, stored_props, with_stored_scores
from test_analyze_store import load_small

WHEN = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)
SCORES = ("pagerank", "betweenness", "strength_in", "community", "community_size", "affiliation_score",
          "ownership_clarity")


def stored(store, label, node_id):
    columns = ", ".join(f"n.{p} AS {p}" for p in stored_props(label))
    return store.read(f"MATCH (n:{label} {{id: $id}}) RETURN {columns}", {"id": node_id})[0]


@pytest.fixture
def exported(store, tmp_path):
    from graphtool.render.exports import projection_writer

    load_small(store)
    summary = run_analyses(store, seed=7, progress=False, export=projection_writer(tmp_path, store), now=WHEN)
    return summary, tmp_path


def test_every_projection_is_written_and_amplification_in_both_formats(exported):
    summary, out = exported
    names = sorted(p.rsplit("/", 1)[-1] for p in summary["exported"])
    assert names == sorted(f for files in PROJECTION_FILES.values() for f in files)
    assert "amplification.graphml" in names and "amplification.gexf" in names
    gexf, graphml = nx.read_gexf(out / "amplification.gexf"), nx.read_graphml(out / "amplification.graphml")
    assert sorted(gexf.nodes) == sorted(graphml.nodes) and gexf.number_of_edges() == graphml.number_of_edges() == 5


def test_nodes_are_labelled_by_display_name_and_carry_the_stored_scores(store, exported):
    _, out = exported
    for file in ("amplification.gexf", "amplification.graphml"):
        G = nx.read_gexf(out / file) if file.endswith(".gexf") else nx.read_graphml(out / file)
        gt = G.nodes["gt"]
        assert gt["label"] == "Global Times" and gt["type"] == "Outlet" and gt["state_affiliated"] == "true"
        want = stored(store, "Outlet", "gt")
        for name in SCORES:
            assert want[name] is not None, name
            assert gt[name] == pytest.approx(want[name]) if isinstance(want[name], float) else gt[name] == want[name]
        account = G.nodes["wechat:copier"]
        row = stored(store, "Account", "wechat:copier")
        assert account["type"] == "Account" and account["platform"] == "wechat"
        assert account["label"] == (row["display_name"] or row["handle"])
        assert account["affiliation_score"] == pytest.approx(row["affiliation_score"])
        assert account["ownership_clarity"] == row["ownership_clarity"] and account["community"] == row["community"]
        assert isinstance(account["pagerank"], float) and isinstance(account["community"], int)  # sizes, colours
    own = nx.read_graphml(out / "ownership.graphml")
    assert own.nodes["acme"]["type"] == "Organization" and own.nodes["acme"]["label"] != "Organization"
    assert own.nodes["douyin:gt_dy"]["affiliation_score"] == pytest.approx(
        stored(store, "Account", "douyin:gt_dy")["affiliation_score"])


def test_without_a_store_nodes_are_still_labelled_by_name(tmp_path):
    G = nx.DiGraph()
    G.add_node("a", label="Account", id="x:a", name="Alice")
    G.add_node("b", label="Account", id="x:b", name="")
    G.add_edge("a", "b", weight=1.0)
    back = nx.read_gexf(save_graph(with_stored_scores(G), tmp_path / "g.gexf"))
    assert back.nodes["x:a"]["label"] == "Alice" and back.nodes["x:b"]["label"] == "x:b"
    assert back.nodes["x:a"]["type"] == "Account"
