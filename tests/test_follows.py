"""Follows as a graph of their own (issue 11 item 6): the follow projection, communities on it, the
follows map view; never read as shares, and shares never read as follows.  Both stores.

The network is written here: two groups of four accounts that all follow each other, one follow
between the groups, and shares that would join the groups the other way if they were read as follows.
"""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from graphtool.analyze import projection_store as project
from graphtool.analyze.follows_store import follow_communities
from graphtool.load import import_paths
from graphtool.render.views import parse_view, view_graph, write_view_map

RED = [f"x:red{i}" for i in range(4)]
BLUE = [f"x:blue{i}" for i in range(4)]


def network(tmp_path):
    accounts = ["id,platform,handle,display_name"] + [f"{a},x,{a[2:]},{a[2:].title()}" for a in RED + BLUE]
    follows = ["src,dst,observed_at"]
    for group in (RED, BLUE):
        follows += [f"{a},{b},2021-09-01" for a in group for b in group if a != b]
    follows.append(f"{RED[0]},{BLUE[0]},2021-09-02")
    follows.append(f"{RED[1]},{RED[2]},2021-09-03")  # the same follow seen again: one edge
    (tmp_path / "Account.csv").write_text("\n".join(accounts) + "\n", encoding="utf-8")
    (tmp_path / "FOLLOWS.csv").write_text("\n".join(follows) + "\n", encoding="utf-8")
    (tmp_path / "Article.csv").write_text("id,platform,text,published_at\nb-1,x,hello,2021-09-05T00:00:00Z\n",
                                          encoding="utf-8")
    (tmp_path / "PUBLISHED.csv").write_text(f"src,dst\n{BLUE[3]},b-1\n", encoding="utf-8")
    (tmp_path / "SHARED.csv").write_text("src,dst,id,at,kind\n" + "".join(
        f"{a},b-1,s-{a},2021-09-05T01:00:00Z,repost\n" for a in RED), encoding="utf-8")
    return tmp_path


@pytest.fixture
def follows(store, tmp_path):
    result = import_paths(store, [network(tmp_path)], progress=False)
    assert result.rejected == 0, [str(r) for r in result.rejects]
    return store


def test_follow_graph_reads_follows_only(follows):
    G = project.follow_graph(follows)
    assert G.number_of_nodes() == 8 and G.number_of_edges() == 2 * 12 + 1
    assert G.has_edge(RED[0], BLUE[0]) and not G.has_edge(BLUE[0], RED[0])
    assert not any(G.has_edge(a, BLUE[3]) for a in RED)  # the shares are not follows
    assert G[RED[1]][RED[2]]["weight"] == 1.0
    amp = project.amplification_graph(follows)
    assert sorted(amp.edges()) == sorted((a, BLUE[3]) for a in RED)  # ... and the follows are not shares


def test_follow_communities_are_the_two_groups_and_stored(follows):
    found = follow_communities(follows, seed=0)
    assert found["count"] == 2 and found["graph"] == {"nodes": 8, "edges": 25} and found["written"] == 8
    rows = {r["id"]: r for r in follows.read("MATCH (a:Account) RETURN a.id AS id, a.follow_community AS c, "
                                             "a.follow_community_size AS n, a.follow_run AS run")}
    assert len({rows[a]["c"] for a in RED}) == 1 and len({rows[a]["c"] for a in BLUE}) == 1
    assert rows[RED[0]]["c"] != rows[BLUE[0]]["c"] and {rows[a]["n"] for a in RED + BLUE} == {4}
    assert {rows[a]["run"] for a in RED + BLUE} == {found["run"]}
    # Shares did not move anyone: the same partition with the shares removed.
    follows.run("MATCH ()-[r:SHARED]->() DELETE r")
    again = follow_communities(follows, seed=0, write=False)
    assert [c["members"] for c in again["largest"]] == [c["members"] for c in found["largest"]]


def test_no_follows_is_said(store):
    found = follow_communities(store)
    assert found["count"] == 0 and found["written"] == 0 and "no FOLLOWS" in found["warnings"][0]


def test_follows_map_view(follows, tmp_path):
    assert parse_view("follows") == ("follows", None)
    follow_communities(follows, seed=0)
    G, notes = view_graph(follows, "follows")
    assert G.number_of_nodes() == 8 and {d["type"] for *_, d in G.edges(data=True)} == {"FOLLOWS"}
    assert len({G.nodes[a]["community"] for a in RED}) == 1 and G.nodes[RED[0]]["community"] != G.nodes[BLUE[0]][
        "community"]
    assert G.nodes[RED[0]]["display_name"] == "Red0"
    _, timed = view_graph(follows, "follows", since=0)
    assert any("has no time" in n for n in timed)
    result = write_view_map(follows, "follows", tmp_path / "follows.html")
    assert result.shown_nodes == 8 and (tmp_path / "follows.html").read_text(encoding="utf-8").count("Red0")


def test_cli_analyze_graph_follows_and_map(follows, store_url, tmp_path):
    out = subprocess.run([sys.executable, "-m", "graphtool", "--store", store_url, "analyze", "--graph", "follows",
                          "--json"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["count"] == 2
    text = subprocess.run([sys.executable, "-m", "graphtool", "--store", store_url, "analyze", "--graph", "follows"],
                          capture_output=True, text=True)
    assert text.returncode == 0 and "follow graph: 8 accounts, 25 follows" in text.stdout
    mixed = subprocess.run([sys.executable, "-m", "graphtool", "--store", store_url, "analyze", "--graph", "follows",
                            "--only", "centrality"], capture_output=True, text=True)
    assert mixed.returncode == 2 and "do not apply" in mixed.stderr
    page = subprocess.run([sys.executable, "-m", "graphtool", "--store", store_url, "map", "--view", "follows",
                           "--out", str(tmp_path / "f.html")], capture_output=True, text=True)
    assert page.returncode == 0, page.stderr
    assert "8 of 8 nodes" in page.stdout
