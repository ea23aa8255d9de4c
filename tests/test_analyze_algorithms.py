"""The pure analysis functions: against networkx, published networks and their own contracts."""
from __future__ import annotations

import dataclasses
import math

import networkx as nx
import pytest

from graphtool.analyze import affiliation as aff
from graphtool.analyze import centrality, communities
from conftest import FIXTURES

NETWORKS = FIXTURES / "networks"


def amplification_like(n=300, m=2400, seed=3):
    """A weighted directed graph with a self-loop and a disconnected piece."""
    import random

    rng = random.Random(seed)
    G = nx.gnm_random_graph(n, m, seed=seed, directed=True)
    for u, v in G.edges:
        G[u][v]["weight"] = float(rng.randint(1, 9))
    G.add_edge(0, 0, weight=4.0)
    G.add_edge("island-a", "island-b", weight=2.0)
    return G


# ----------------------------------------------------------------------------- centrality

@pytest.mark.parametrize("G", [amplification_like(), nx.karate_club_graph(), nx.DiGraph([("a", "b")])],
                         ids=["weighted-directed", "karate", "one-edge"])
def test_pagerank_equals_networkx(G):
    ours = centrality.pagerank(G)
    ref = nx.pagerank(G, alpha=0.85, weight="weight")
    assert set(ours) == set(ref)
    assert max(abs(ours[v] - ref[v]) for v in G) <= 1e-9
    assert math.isclose(sum(ours.values()), 1.0, abs_tol=1e-9)


def test_centrality_of_empty_and_edgeless_graphs():
    assert centrality.pagerank(nx.DiGraph()) == {}
    assert centrality.betweenness(nx.DiGraph()) == {}
    assert centrality.strength(nx.DiGraph()) == ({}, {})
    G = nx.DiGraph()
    G.add_nodes_from("abc")
    assert centrality.pagerank(G) == pytest.approx({v: 1 / 3 for v in "abc"})
    assert centrality.betweenness(G) == {v: 0.0 for v in "abc"}


@pytest.mark.parametrize("G", [amplification_like(), nx.karate_club_graph(), nx.path_graph(2),
                               nx.florentine_families_graph()],
                         ids=["weighted-directed", "karate", "two-nodes", "florentine"])
def test_betweenness_exact_equals_networkx(G):
    ours = centrality.betweenness(G)
    ref = nx.betweenness_centrality(G)
    assert max(abs(ours[v] - ref[v]) for v in G) <= 1e-12


@pytest.mark.parametrize("k", [2, 17, 120])
def test_betweenness_sampled_equals_networkx_with_same_pivots(k):
    G = amplification_like()
    ours = centrality.betweenness(G, k=k, seed=11)
    ref = nx.betweenness_centrality(G, k=k, seed=11)
    assert max(abs(ours[v] - ref[v]) for v in G) <= 1e-12


def test_betweenness_switches_to_sampling_above_the_size_limit():
    G = amplification_like()
    auto = centrality.betweenness(G, seed=5, exact_max_nodes=100, pivots=40)
    assert auto == centrality.betweenness(G, k=40, seed=5)
    assert auto != centrality.betweenness(G)
    with pytest.raises(ValueError):
        centrality.betweenness(G, k=1)


def test_strength_counts_weights_in_and_out():
    G = nx.DiGraph()
    G.add_edge("a", "b", weight=3.0)
    G.add_edge("c", "b", weight=2.0)
    G.add_edge("b", "b", weight=1.0)
    s_in, s_out = centrality.strength(G)
    assert s_in == {"a": 0.0, "b": 6.0, "c": 0.0}
    assert s_out == {"a": 3.0, "b": 1.0, "c": 2.0}


# ----------------------------------------------------------------------------- communities

def _karate():
    return nx.read_gml(NETWORKS / "karate_club.gml", label="id"), "club"


def _polbooks():
    return nx.read_gml(NETWORKS / "polbooks.gml", label="id"), "value"


# (network, engine, seed) -> (communities, modularity, NMI vs the known labels), as measured
# with networkx 3.6.1, python-louvain 0.16, igraph 1.0 (constraints.txt).
MEASURED = {
    ("karate", "louvain", 0): (4, 0.4156, 0.4977),
    ("karate", "louvain", 1): (4, 0.4198, 0.5878),
    ("karate", "leiden", 0): (4, 0.4188, 0.4900),
    ("karate", "leiden", 1): (4, 0.4198, 0.5878),
    ("polbooks", "louvain", 0): (5, 0.5270, 0.5559),
    ("polbooks", "leiden", 0): (4, 0.5269, 0.5737),
}


@pytest.mark.parametrize("case", sorted(MEASURED), ids=lambda c: "-".join(map(str, c)))
def test_communities_on_published_networks(case):
    name, engine, seed = case
    G, attr = {"karate": _karate, "polbooks": _polbooks}[name]()
    result = communities.communities(G, seed=seed, engine=engine)
    count, q, agreement = MEASURED[case]
    labels = nx.get_node_attributes(G, attr)
    assert result.engine == engine
    assert len(result.sizes) == count
    assert result.modularity == pytest.approx(q, abs=5e-5)
    assert communities.nmi(result.partition, labels) == pytest.approx(agreement, abs=5e-5)
    if name == "karate":
        assert result.modularity >= 0.40
    # networkx computes the same modularity for the same partition
    groups = [[v for v, c in result.partition.items() if c == k] for k in result.sizes]
    assert nx.community.modularity(G, groups) == pytest.approx(result.modularity, abs=1e-12)


def test_communities_are_deterministic_and_canonically_numbered():
    G, _ = _polbooks()
    a = communities.communities(G, seed=3, engine="louvain")
    b = communities.communities(G, seed=3, engine="louvain")
    assert a.partition == b.partition
    sizes = [a.sizes[c] for c in sorted(a.sizes)]
    assert sizes == sorted(sizes, reverse=True)
    assert sum(sizes) == G.number_of_nodes()


def test_directed_graphs_use_summed_weights_and_keep_self_loops():
    G = nx.DiGraph()
    G.add_edge(1, 2, weight=1.0)
    G.add_edge(2, 1, weight=3.0)
    G.add_edge(1, 1, weight=2.0)
    G.add_edge(3, 4)
    G.add_edge(4, 3)
    G.add_edge(2, 3)
    H = communities.undirected(G)
    assert H[1][2]["weight"] == 4.0 and H[1][1]["weight"] == 2.0 and H[3][4]["weight"] == 2.0
    for engine in ("louvain", "leiden"):
        r = communities.communities(G, engine=engine)
        assert r.partition[1] == r.partition[2] != r.partition[3] == r.partition[4]
        groups = [[v for v, c in r.partition.items() if c == k] for k in r.sizes]
        assert r.modularity == pytest.approx(nx.community.modularity(H, groups), abs=1e-12)


def test_communities_on_degenerate_graphs():
    empty = communities.communities(nx.Graph())
    assert empty.partition == {} and empty.modularity is None
    G = nx.Graph()
    G.add_nodes_from(["b", "a", "c"])
    for engine in ("louvain", "leiden"):
        r = communities.communities(G, engine=engine)
        assert r.partition == {"a": 0, "b": 1, "c": 2} and r.modularity is None
    with pytest.raises(ValueError):
        communities.communities(G, engine="nope")


def test_auto_engine_switches_to_leiden_on_large_graphs():
    G, _ = _karate()
    assert communities.communities(G).engine == "louvain"
    assert communities.communities(G, louvain_max_edges=10).engine == "leiden"


# ----------------------------------------------------------------------------- affiliation

STATE = "outlet:gt"


def _world(**changes):
    """One state outlet, one subject account ``acc`` with every signal adjustable."""
    spec = dict(published=10, shared=10, unattributed=2, attributed=1, reposts=1, lag_s=3 * 3600.0,
                registrant="CN", audience="CA", coordination=2.0, ownership_conf=None)
    spec.update(changes)
    actors = {
        STATE: aff.Actor(STATE, "Outlet", STATE, name="Global Times", state_affiliated="true", country="CN"),
        "acc": aff.Actor("acc", "Account", "acc", registrant_country=spec["registrant"],
                         audience_country=spec["audience"], published=spec["published"],
                         shared=spec["shared"]),
        "partner": aff.Actor("partner", "Account", "partner", published=1),
    }
    own = nx.MultiDiGraph()
    for k, a in actors.items():
        own.add_node(k, label=a.label, name=a.name, state_affiliated=a.state_affiliated or "", country=a.country)
    own.add_node("org", label="Organization", name="Some company", state_affiliated="", country="CA")
    own.add_edge("partner", STATE, type="OPERATED_BY", confidence=1.0, basis="declared", sources=["s-op"])
    if spec["ownership_conf"] is not None:
        own.add_edge("acc", "org", type="REGISTERED_TO", confidence=spec["ownership_conf"], basis="analyst")
        own.add_edge("org", STATE, type="OWNED_BY", confidence=1.0, basis="analyst")
    items = []
    n = 0
    for kind, attributed, count in (("copy", False, spec["unattributed"]), ("copy", True, spec["attributed"]),
                                    ("repost", True, spec["reposts"])):
        for _ in range(count):
            n += 1
            items.append(aff.Item("acc", kind, f"c{n}", f"o{n}", STATE, attributed=attributed, lag_s=spec["lag_s"],
                                  sources=(f"src-{n}",)))
    coord = nx.Graph()
    if spec["coordination"]:
        coord.add_edge("acc", "partner", weight=spec["coordination"], kinds="co-share")
    return aff.affiliation(actors, own, items, coord)["acc"]


# Each signal, from weaker to stronger evidence, everything else fixed.
MONOTONE = {
    "ownership": [dict(ownership_conf=None), dict(ownership_conf=0.2), dict(ownership_conf=0.6),
                  dict(ownership_conf=1.0)],
    "copying (more unattributed copies)": [dict(unattributed=0), dict(unattributed=1), dict(unattributed=4),
                                           dict(unattributed=9)],
    "copying (unattributed counts more)": [dict(unattributed=0, attributed=3), dict(unattributed=1, attributed=2),
                                           dict(unattributed=3, attributed=0)],
    "copying (share of published articles)": [dict(published=100), dict(published=40), dict(published=10),
                                              dict(published=3)],
    "copying (more reposts)": [dict(reposts=0), dict(reposts=2), dict(reposts=8)],
    "copying (share of shares)": [dict(shared=100), dict(shared=10), dict(shared=1)],
    "pickup (faster)": [dict(lag_s=10 * 86400.0), dict(lag_s=86400.0), dict(lag_s=3600.0), dict(lag_s=60.0)],
    "country": [dict(registrant="CA"), dict(registrant="RU"), dict(registrant="CN")],
    "coordination": [dict(coordination=0), dict(coordination=1.0), dict(coordination=5.0)],
}


@pytest.mark.parametrize("signal", sorted(MONOTONE))
def test_score_is_monotone_in_each_signal(signal):
    scores = [_world(**step).score for step in MONOTONE[signal]]
    assert all(0.0 <= s <= 1.0 for s in scores)
    assert scores == sorted(scores) and scores[0] < scores[-1], scores


def test_monotone_even_when_other_signals_are_absent():
    quiet = dict(unattributed=0, attributed=0, reposts=0, coordination=0, registrant=None)
    for signal, steps in MONOTONE.items():
        scores = [_world(**{**quiet, **step}).score for step in steps]
        assert scores == sorted(scores), (signal, scores)


def test_combination_is_monotone_and_bounded_on_a_grid():
    values = [0.0, 0.1, 0.5, 0.9, 1.0]
    for name in aff.SIGNALS:
        for base in values:
            signals = dict.fromkeys(aff.SIGNALS, base)
            prev = -1.0
            for v in values:
                score, _ = aff.combine({**signals, name: v})
                assert 0.0 <= score <= 1.0 and score >= prev
                prev = score


def test_clarity_and_reasons():
    declared_state = _world()
    assert declared_state.clarity == "unclear"
    assert any("without attribution" in r and "src-" in r for r in declared_state.reasons)
    assert any("Coordinated with 1 state-affiliated account" in r for r in declared_state.reasons)
    assert any(r.startswith("Registered in CN but serves an audience in CA") for r in declared_state.reasons)
    indirect = _world(ownership_conf=0.9)
    assert indirect.clarity == "indirect"
    assert any("acc -REGISTERED_TO(0.90, analyst)-> org -OWNED_BY(1.00, analyst)-> outlet:gt" in r
               for r in indirect.reasons)
    quiet = _world(unattributed=0, attributed=0, reposts=0, coordination=0, registrant="CA")
    assert quiet.clarity == "none" and quiet.score == 0.0


def test_ownership_paths_decay_per_hop_and_prefer_declared_links():
    G = nx.MultiDiGraph()
    G.add_node("state", state_affiliated="true")
    G.add_edge("a", "state", type="OPERATED_BY", confidence=0.9, basis="declared", sources=["s1"])
    G.add_edge("b", "a", type="OWNED_BY", confidence=0.5, basis="analyst")
    G.add_edge("b", "state", type="OWNED_BY", confidence=0.3, basis="declared")
    G.add_edge("c", "c", type="OWNED_BY", confidence=1.0, basis="declared")  # self-loop
    G.add_edge("d", "e", type="OWNED_BY", confidence=1.0)
    G.add_edge("e", "d", type="OWNED_BY", confidence=1.0)  # a cycle without the state
    paths = aff.ownership_paths(G)
    best, declared = paths["a"]
    assert best.strength == pytest.approx(0.9) and declared is not None
    best, declared = paths["b"]
    assert best.strength == pytest.approx(0.5 * 0.9 * aff.WEIGHTS.hop_decay)
    assert declared.strength == pytest.approx(0.3)
    assert [l.dst for l in best.links] == ["a", "state"]
    assert paths["c"] == (None, None) and paths["d"] == (None, None)
    assert paths["state"][0].strength == 1.0


def test_bad_confidences_are_clipped_not_propagated():
    for raw, expected in ((7.0, 1.0), (-2, 0.0), (float("nan"), 0.5), ("high", 0.5), (None, 0.5), (0.7, 0.7)):
        value, valid = aff.clean_confidence(raw, 0.5)
        assert value == expected and math.isfinite(value)
        assert valid == (raw is None or raw == 0.7)


def test_affiliation_on_degenerate_input():
    assert aff.affiliation({}, nx.MultiDiGraph()) == {}
    lonely = {"x": aff.Actor("x", "Account", "x")}
    result = aff.affiliation(lonely, nx.MultiDiGraph())["x"]
    assert result.score == 0.0 and result.clarity == "none"
    assert "No content on record (nothing published or shared)." in result.reasons


def test_weights_are_one_documented_config():
    fields = {f.name for f in dataclasses.fields(aff.Weights)}
    assert {f"w_{s}" for s in aff.SIGNALS} <= fields
    stricter = dataclasses.replace(aff.WEIGHTS, unclear_min=0.99)
    assert _world().clarity == "unclear"
    actors = {"a": aff.Actor("a", "Account", "a", registrant_country="CN", audience_country="CA")}
    assert aff.affiliation(actors, nx.MultiDiGraph(), weights=stricter)["a"].clarity == "none"
