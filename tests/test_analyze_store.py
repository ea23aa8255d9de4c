"""Analyses on real stores: projections, scores written back, bad input, the CLI, the case's answer key."""
from __future__ import annotations

import json
import math
import subprocess
import sys
from datetime import datetime, timezone

import networkx as nx
import pytest

from conftest import CASE
from graphtool import model
from graphtool.analyze import centrality
from graphtool.analyze import projection_store as project
from graphtool.analyze.scores_store import explain, run_analyses
from graphtool.render.exports import projection_writer, save_graph
from graphtool.errors import AnalysisError, NotFoundError
from graphtool.load import import_paths
from graphtool.load.records import node_record, rel_record
from graphtool.load.writer import write_records

DERIVED = [n for p in model.ANALYSIS_PROPS for n in model.stored_names(p)]
SCORES = [n for n in DERIVED if n not in ("analysis_run", "analysis_at", "analysis_ts")]


def cli(store_url, *args):
    return subprocess.run([sys.executable, "-m", "graphtool", "--store", store_url, *args],
                          capture_output=True, text=True)


def small_world():
    """Two state outlets, a declared state account, a copier, a reposter, an island, a silent account."""
    def acc(handle, **kw):
        return node_record("Account", {"platform": handle.split(":")[0], "handle": handle.split(":")[1], **kw})

    def art(i, at, text, platform="web", **kw):
        return node_record("Article", {"id": i, "platform": platform, "text": text, "published_at": at, **kw})

    def pub(src, dst, label="Account"):
        return rel_record("PUBLISHED", {"src": src, "dst": dst, "src_label": label})

    def share(src, dst, i, at):
        return rel_record("SHARED", {"src": src, "dst": dst, "id": i, "at": at, "sources": "s:feed"})

    return [
        node_record("Source", {"id": "s:reg", "kind": "note"}),
        node_record("Outlet", {"id": "gt", "name": "Global Times", "state_affiliated": "true", "country": "CN",
                               "sources": "s:reg"}),
        node_record("Outlet", {"id": "local", "name": "Local News", "state_affiliated": "false", "country": "CA"}),
        node_record("Organization", {"id": "acme", "name": "Acme Media"}),
        acc("douyin:gt_dy", display_name="GT Douyin"),
        acc("wechat:copier", registrant_country="CN", audience_country="CA"),
        acc("wechat:reposter", registrant_country="CA", audience_country="CA"),
        acc("x:island_a"), acc("x:island_b"), acc("x:silent"),
        art("gt-1", "2021-09-08T02:40:00Z", "the platform would almost break ties with china " * 5),
        art("gt-2", "2021-09-08T09:15:00Z", "thirty one times the platform mentions china " * 5),
        art("loc-1", "2021-09-08T10:00:00Z", "weather and traffic downtown this week"),
        art("cp-1", "2021-09-08T14:40:00Z", "the platform would almost break ties with china " * 5, platform="wechat"),
        art("cp-2", "2021-09-09T09:15:00Z", "thirty one times the platform mentions china " * 5, platform="wechat"),
        art("cp-3", "2021-09-09T10:00:00Z", "own words about the dinner", platform="wechat"),
        art("dy-1", "2021-09-08T11:30:00Z", "headline video", platform="douyin"),
        art("isl-1", "2021-09-10T00:00:00Z", "island post", platform="x"),
        pub("gt", "gt-1", "Outlet"), pub("gt", "gt-2", "Outlet"), pub("local", "loc-1", "Outlet"),
        pub("wechat:copier", "cp-1"), pub("wechat:copier", "cp-2"), pub("wechat:copier", "cp-3"),
        pub("douyin:gt_dy", "dy-1"), pub("x:island_a", "isl-1"),
        share("wechat:reposter", "gt-1", "sh-1", "2021-09-08T05:00:00Z"),
        share("wechat:reposter", "loc-1", "sh-2", "2021-09-08T12:00:00Z"),
        share("wechat:copier", "gt-2", "sh-3", "2021-09-08T10:00:00Z"),
        share("douyin:gt_dy", "gt-1", "sh-4", "2021-09-08T03:00:00Z"),
        share("x:island_b", "isl-1", "sh-5", "2021-09-10T01:00:00Z"),
        share("wechat:copier", "cp-3", "sh-self", "2021-09-10T01:00:00Z"),  # a self-share: not amplification
        rel_record("OPERATED_BY", {"src": "douyin:gt_dy", "dst": "gt", "src_label": "Account", "dst_label": "Outlet",
                                   "confidence": 1, "basis": "declared", "sources": "s:reg"}),
        rel_record("REGISTERED_TO", {"src": "wechat:reposter", "dst": "acme", "dst_label": "Organization",
                                     "confidence": 0.9, "basis": "registration"}),
    ]


def load_small(store):
    result = write_records(store, small_world())
    assert result.rejected == 0, result.rejects
    # copy detection's output, as copies_store.detect_copies writes it
    store.run("MATCH (a:Article {id: 'cp-1'}), (b:Article {id: 'gt-1'}) "
              "CREATE (a)-[:COPIES {similarity: 1.0, containment: 1.0, lag_s: 43200, attributed: false}]->(b)")


def stored(store, label="Account"):
    columns = ", ".join(f"n.{p} AS {p}" for p in DERIVED)
    rows = store.read(f"MATCH (n:{label}) RETURN n.id AS id, {columns}")
    return {r.pop("id"): r for r in rows}


def assert_clean(store):
    """Every derived float finite, scores in range, clarity a declared choice."""
    for label in project.ACTORS:
        for node_id, row in stored(store, label).items():
            for name, value in row.items():
                if isinstance(value, float):
                    assert math.isfinite(value), (label, node_id, name, value)
            if row["affiliation_score"] is not None:
                assert 0.0 <= row["affiliation_score"] <= 1.0
                assert row["ownership_clarity"] in model.OWNERSHIP_CLARITY


# ----------------------------------------------------------------------------- projections and writer

def test_projections_and_scores_written_back(store, tmp_path):
    load_small(store)
    census = project.census(store)
    amp = project.amplification_graph(store, census)
    assert sorted(amp.edges(data="weight")) == [
        ("douyin:gt_dy", "gt", 1.0), ("wechat:copier", "gt", 2.0), ("wechat:reposter", "gt", 1.0),
        ("wechat:reposter", "local", 1.0), ("x:island_b", "x:island_a", 1.0)]
    assert amp["wechat:copier"]["gt"]["shares"] == 1 and amp["wechat:copier"]["gt"]["copies"] == 1
    assert amp.number_of_nodes() == 8  # every account and outlet, amplified or not
    own = project.ownership_graph(store, census)
    assert sorted((u, v, d["type"]) for u, v, d in own.edges(data=True)) == [
        ("douyin:gt_dy", "gt", "OPERATED_BY"), ("wechat:reposter", "acme", "REGISTERED_TO")]

    when = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)
    summary = run_analyses(store, seed=7, progress=False, export=projection_writer(tmp_path), now=when, amplified=True)
    rows = stored(store)
    pr = nx.pagerank(amp, alpha=centrality.ALPHA, weight="weight")
    for key, row in rows.items():
        assert abs(row["pagerank"] - pr[key]) <= 1e-9
        assert row["analysis_run"] == summary["run"] and row["analysis_at"] == "2024-05-01T12:00:00Z"
        assert row["analysis_ts"] == int(when.timestamp())
    outlets = stored(store, "Outlet")
    assert outlets["gt"]["strength_in"] == 4.0 and outlets["gt"]["ownership_clarity"] == "declared"
    assert rows["douyin:gt_dy"]["ownership_clarity"] == "declared"
    assert rows["douyin:gt_dy"]["affiliation_score"] == 1.0
    assert rows["wechat:copier"]["ownership_clarity"] == "unclear"
    assert any("cp-1 copies gt-1" in r and "without attribution" in r for r in rows["wechat:copier"]["affiliation_reasons"])
    assert rows["wechat:reposter"]["ownership_clarity"] == "none"
    assert rows["x:silent"]["affiliation_score"] == 0.0
    assert "No content on record (nothing published or shared)." in rows["x:silent"]["affiliation_reasons"]
    assert rows["x:island_a"]["community"] == rows["x:island_b"]["community"] != rows["wechat:copier"]["community"]
    assert rows["x:island_a"]["community_size"] == 2
    # {gt, gt_dy, copier}, {reposter, local}, {island_a, island_b}, {silent}; m = 6:
    # (3/6 - (7/12)^2) + (1/6 - (3/12)^2) + (1/6 - (2/12)^2) = 0.40278
    assert summary["communities"]["modularity"] == pytest.approx(0.4027778, abs=1e-6)
    assert summary["affiliation"]["clarity"] == {"declared": 2, "indirect": 0, "unclear": 1, "none": 5}
    # AMPLIFIED mirrors the amplification graph, replaced on every run
    amplified = store.read("MATCH (a)-[r:AMPLIFIED]->(b) RETURN a.id AS a, b.id AS b, r.weight AS w, r.run_id AS run")
    assert sorted((r["a"], r["b"], r["w"]) for r in amplified) == sorted(amp.edges(data="weight"))
    assert {r["run"] for r in amplified} == {summary["run"]}
    run_analyses(store, seed=7, progress=False, amplified=True)
    assert store.read("MATCH ()-[r:AMPLIFIED]->() RETURN count(r) AS c")[0]["c"] == 5
    run_analyses(store, seed=7, progress=False)  # without --amplified: the last ones stay
    assert store.read("MATCH ()-[r:AMPLIFIED]->() RETURN count(r) AS c")[0]["c"] == 5
    # the projections as files for Gephi
    assert sorted(p.rsplit("/", 1)[-1] for p in summary["exported"]) == [
        "amplification.gexf", "amplification.graphml", "coordination.graphml", "ownership.graphml"]
    back = nx.read_gexf(tmp_path / "amplification.gexf")
    assert back.number_of_edges() == 5 and back.nodes["gt"]["type"] == "Outlet"  # label: the name (test_exports)
    assert nx.read_graphml(tmp_path / "ownership.graphml").number_of_edges() == 2
    assert_clean(store)


def test_only_runs_the_parts_asked_for(store):
    load_small(store)
    summary = run_analyses(store, only="communities", seed=1, progress=False)
    assert summary["parts"] == ["communities"] and "centrality" not in summary and "affiliation" not in summary
    row = stored(store)["wechat:copier"]
    assert row["community"] is not None and row["pagerank"] is None and row["affiliation_score"] is None
    with pytest.raises(AnalysisError, match="unknown analysis pagerank"):
        run_analyses(store, only="pagerank,communities")


def test_ids_shared_by_two_labels_stay_apart(store):
    write_records(store, [
        node_record("Outlet", {"id": "xinhua", "name": "Xinhua", "state_affiliated": "true"}),
        node_record("Account", {"id": "xinhua", "platform": "web", "handle": "xinhua"}),
        node_record("Organization", {"id": "xinhua", "name": "Xinhua the agency", "state_affiliated": "true"}),
        rel_record("OWNED_BY", {"src": "xinhua", "dst": "xinhua", "src_label": "Account", "dst_label": "Organization",
                                "confidence": 0.8, "basis": "analyst"}),
    ])
    run_analyses(store, progress=False)
    assert stored(store)["xinhua"]["ownership_clarity"] == "indirect"
    assert stored(store, "Outlet")["xinhua"]["ownership_clarity"] == "declared"
    assert {n["label"] for n in explain(store, "xinhua")} == {"Account", "Outlet"}


# ----------------------------------------------------------------------------- bad input

def test_empty_store(store):
    summary = run_analyses(store, progress=False)
    assert summary["written"] == 0
    assert summary["warnings"] == ["the store has no Account or Outlet: nothing to analyse"]
    assert summary["communities"]["modularity"] is None and summary["affiliation"]["top"] == []


def test_no_ownership_no_amplification_and_a_lonely_account(store):
    write_records(store, [node_record("Account", {"platform": "x", "handle": "alone"})])
    summary = run_analyses(store, progress=False)
    assert any(w.startswith("no amplification") for w in summary["warnings"])
    assert any(w.startswith("no ownership data") for w in summary["warnings"])
    row = stored(store)["x:alone"]
    assert row["pagerank"] == 1.0 and row["betweenness"] == 0.0 and row["community_size"] == 1
    assert row["ownership_clarity"] == "none" and row["affiliation_score"] == 0.0
    assert_clean(store)


def test_bad_confidences_self_loops_and_cycles_in_the_store(store):
    load_small(store)
    # What the loader would reject, written behind its back: the analysis must cope.
    store.run("MATCH (a:Account {id: 'wechat:copier'}), (o:Organization {id: 'acme'}) "
              "CREATE (a)-[:OWNED_BY {confidence: 7.5, basis: 'analyst'}]->(o)")
    store.run("MATCH (o:Organization {id: 'acme'}), (g:Outlet {id: 'gt'}) "
              "CREATE (o)-[:OWNED_BY {confidence: -3.0, basis: 'analyst'}]->(g)")
    store.run("MATCH (a:Account {id: 'x:island_a'}), (o:Organization {id: 'acme'}) "
              "CREATE (a)-[:OPERATED_BY {confidence: 'high'}]->(o)")
    store.run("MATCH (o:Organization {id: 'acme'}) CREATE (o)-[:OWNED_BY {confidence: 1.0}]->(o)")
    store.run("MATCH (a:Account {id: 'x:island_a'}), (b:Account {id: 'x:island_b'}) "
              "CREATE (a)-[:COORDINATED_WITH {kind: 'co-share', weight: -2.0}]->(b)")
    store.run("MATCH (a:Account {id: 'x:island_a'}) CREATE (a)-[:COORDINATED_WITH {kind: 'co-share', weight: 3}]->(a)")
    summary = run_analyses(store, progress=False)
    invalid = [w for w in summary["warnings"] if "confidence missing or outside [0, 1]" in w]
    assert invalid and invalid[0].startswith("3 ownership links")
    rows = stored(store)
    # 7.5 clips to 1 and -3 to 0: the path through acme has strength 0, so no ownership link
    assert rows["wechat:copier"]["affiliation_ownership"] == 0.0
    assert_clean(store)


# ----------------------------------------------------------------------------- CLI

def test_cli_analyze_and_explain(store, store_url):
    load_small(store)
    done = cli(store_url, "analyze", "--seed", "3")
    assert done.returncode == 0, done.stderr
    assert "top by PageRank:" in done.stdout and "gt  (Global Times)" in done.stdout
    assert "communities (louvain, resolution 1, seed 3):" in done.stdout
    assert "unclear ownership, strong behaviour" in done.stdout and "wechat:copier" in done.stdout
    as_json = cli(store_url, "analyze", "--json", "--only", "affiliation")
    assert as_json.returncode == 0, as_json.stderr
    summary = json.loads(as_json.stdout)
    assert summary["parts"] == ["affiliation"] and summary["affiliation"]["unclear"][0]["id"] == "wechat:copier"

    shown = cli(store_url, "explain", "wechat:copier")
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith("Account wechat:copier\n")
    assert "  ownership_clarity   unclear" in shown.stdout
    assert "without attribution" in shown.stdout and "  - " in shown.stdout
    assert json.loads(cli(store_url, "explain", "gt", "--json").stdout)[0]["ownership_clarity"] == "declared"

    missing = cli(store_url, "explain", "nope:nobody")
    assert missing.returncode == 2 and missing.stdout == ""
    assert missing.stderr == "error: no Account or Outlet with id 'nope:nobody'\n"
    bad = cli(store_url, "analyze", "--only", "vibes")
    assert bad.returncode == 2
    assert bad.stderr == "error: unknown analysis vibes: choose from centrality, communities, affiliation\n"


def test_explain_before_any_analysis(embedded_store):
    write_records(embedded_store, [node_record("Account", {"platform": "x", "handle": "new"})])
    [node] = explain(embedded_store, "x:new")
    assert node["analysis_run"] is None and node["affiliation_reasons"] is None
    with pytest.raises(NotFoundError):
        explain(embedded_store, "x:other")
    done = cli(embedded_store.url, "explain", "x:new")
    assert done.returncode == 0 and "not analysed yet: run `graphtool analyze`" in done.stdout


# ----------------------------------------------------------------------------- the case

def case_scores(store, seed=5):
    from graphtool.analyze.coordination_store import run_coordination
    from graphtool.analyze.copies_store import detect_copies

    answers = json.loads((CASE / "answers.json").read_text(encoding="utf-8"))
    window, min_weight = (answers["coordinated_groups"][0][k] for k in ("window_s", "min_weight"))
    assert import_paths(store, [CASE]).rejected == 0
    detect_copies(store)
    run_coordination(store, "co-share", window, min_weight=min_weight, seed=seed)
    summary = run_analyses(store, seed=seed, progress=False)
    scores = {}
    for label in project.ACTORS:
        for node_id, row in stored(store, label).items():
            scores[(label, node_id)] = {k: v for k, v in row.items() if k in SCORES}
    return answers, summary, scores


def test_case_answer_key_and_parity(embedded_store, neo4j_store):
    answers, summary, scores = case_scores(embedded_store)
    accounts = {node_id: row for (label, node_id), row in scores.items() if label == "Account"}
    ranked = sorted(scores, key=lambda k: (-scores[k]["affiliation_score"], k))
    top10 = {node_id for _, node_id in ranked[:len(ranked) // 10]}
    for node_id in answers["unclear_ownership"]:
        assert node_id in top10, node_id
        assert accounts[node_id]["ownership_clarity"] == "unclear", node_id
        reasons = " ".join(accounts[node_id]["affiliation_reasons"])
        assert "without attribution" in reasons and "Global Times" in reasons
    for node_id in answers["declared_state_accounts"]:
        assert accounts[node_id]["ownership_clarity"] == "declared" and accounts[node_id]["affiliation_score"] == 1.0
    for entry in answers["indirect_ownership"]:
        assert accounts[entry["account"]]["ownership_clarity"] == "indirect", entry["account"]
    background = [accounts[a] for a in answers["background_accounts"]]
    assert all(b["ownership_clarity"] == "none" for b in background)
    lowest_planted = min(accounts[a]["affiliation_score"] for a in answers["unclear_ownership"])
    assert max(b["affiliation_score"] for b in background) < lowest_planted
    assert sum(b["affiliation_score"] for b in background) / len(background) < 0.1
    assert not [w for w in summary["warnings"] if "COPIES" in w]

    # the same store content and seed: the same scores on the other store, and on a second run
    _, _, on_neo4j = case_scores(neo4j_store)
    assert on_neo4j == scores
    again = run_analyses(embedded_store, seed=5, progress=False)
    assert {k: v for k, v in again.items() if k not in ("run", "at", "timings", "written")} == \
           {k: v for k, v in summary.items() if k not in ("run", "at", "timings", "written")}
    assert {(label, node_id): {k: v for k, v in row.items() if k in SCORES}
            for label in project.ACTORS for node_id, row in stored(embedded_store, label).items()} == scores


def test_save_graph_formats(tmp_path):
    from graphtool.errors import InputError

    G = nx.MultiDiGraph()
    G.add_node("a", label="Account", id="a", sources=["s1", "s2"], name=None)
    G.add_edge("a", "b", key="OWNED_BY:0", type="OWNED_BY", confidence=0.5, sources=[])
    assert nx.read_graphml(save_graph(G, tmp_path / "g.graphml")).nodes["a"]["sources"] == "s1|s2"
    assert nx.read_gexf(save_graph(G, tmp_path / "g.gexf")).number_of_edges() == 1
    with pytest.raises(InputError, match="must end in .gexf or .graphml"):
        save_graph(G, tmp_path / "g.json")


def test_scores_go_as_rows_of_lists_and_a_non_finite_one_is_left_out(store):
    """The writer's two paths: rows of one set of names as lists, a row with NaN as a map without it."""
    write_records(store, [node_record("Account", {"platform": "x", "handle": h}) for h in ("a", "b", "c")])
    first = {"pagerank": 0.5, "strength_in": 2.0, "strength_out": 0.0, "betweenness": 0.1}
    project.write_node_scores(store, [{"label": "Account", "id": f"x:{h}", "props": dict(first)} for h in "abc"])
    rows = [{"label": "Account", "id": "x:a", "props": {**first, "pagerank": 1 / 3}},
            {"label": "Account", "id": "x:b", "props": {**first, "pagerank": math.nan, "betweenness": 0.25}},
            {"label": "Account", "id": "x:c", "props": {**first, "community": 4, "community_size": 7}}]
    assert project.write_node_scores(store, rows, common={"analysis_run": "r1"}) == 3
    got = stored(store)
    assert got["x:a"]["pagerank"] == float(f"{1 / 3:.12g}") and got["x:a"]["analysis_run"] == "r1"
    assert got["x:b"]["pagerank"] == 0.5 and got["x:b"]["betweenness"] == 0.25  # NaN left out: the old value stays
    assert got["x:c"]["community"] == 4 and got["x:c"]["community_size"] == 7
    with pytest.raises(ValueError, match="not a derived property"):
        project.write_node_scores(store, [{"label": "Account", "id": "x:a", "props": {"handle": "z"}}])
