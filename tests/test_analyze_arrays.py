"""The scores' array path (no NetworkX graph at 10^6 edges) gives the NetworkX path's numbers, bit for bit."""
from __future__ import annotations

import random

import networkx as nx
import numpy as np

from graphtool.analyze import centrality, communities


def graph_and_arrays(n=300, m=2400, seed=3):
    rng = random.Random(seed)
    keys = sorted(f"k{i:04d}" for i in range(n))
    pairs = sorted({(rng.randrange(n), rng.randrange(n)) for _ in range(m)} - {(i, i) for i in range(n)})
    weight = np.array([float(rng.randint(1, 5)) for _ in pairs])
    G = nx.DiGraph()
    G.add_nodes_from(keys)
    G.add_edges_from((keys[a], keys[b], {"weight": w}) for (a, b), w in zip(pairs, weight.tolist()))
    src, dst = (np.array(x, dtype=np.int64) for x in zip(*pairs))
    return G, keys, src, dst, weight


def test_pagerank_strength_betweenness_equal_the_graph_path():
    G, keys, src, dst, weight = graph_and_arrays()
    assert dict(zip(keys, centrality.pagerank_arrays(len(keys), src, dst, weight).tolist())) == centrality.pagerank(G)
    s_in, s_out = centrality.strength_arrays(len(keys), src, dst, weight)
    assert (dict(zip(keys, s_in.tolist())), dict(zip(keys, s_out.tolist()))) == centrality.strength(G)
    for k in (None, 40):
        assert centrality.betweenness_arrays(keys, src, dst, k=k, seed=5) == centrality.betweenness(G, k=k, seed=5)
    assert centrality.pagerank_arrays(0, src[:0], dst[:0], weight[:0]).size == 0


def test_communities_equal_the_graph_path_with_either_engine():
    G, keys, src, dst, weight = graph_and_arrays()
    for engine in ("louvain", "leiden", "auto"):
        ours = communities.communities_arrays(keys, src, dst, weight, lambda: G, seed=2, engine=engine)
        ref = communities.communities(G, seed=2, engine=engine)
        assert (ours.partition, ours.sizes, ours.modularity, ours.engine) == \
            (ref.partition, ref.sizes, ref.modularity, ref.engine)


def test_the_store_projection_as_arrays_is_the_graph(store):
    from graphtool.analyze import projection_store as project

    store.run("CREATE (o:Outlet {id: 'o1', name: 'O'})-[:PUBLISHED]->(x:Article {id: 'x1'}) "
              "CREATE (a:Account {id: 'a1', platform: 'x'})-[:SHARED {id: 's1'}]->(x) "
              "CREATE (a)-[:SHARED {id: 's2'}]->(x) "
              "CREATE (a)-[:PUBLISHED]->(y:Article {id: 'y1'})-[:COPIES]->(x) "
              "CREATE (b:Account {id: 'o1', platform: 'x'})-[:SHARED {id: 's3'}]->(y) "
              "CREATE (a)-[:SHARED {id: 's4'}]->(y)")  # a1 sharing itself is left out
    census = project.census(store)
    amp = project.amplification_arrays(store, census)
    assert amp.keys == ["Account:o1", "Outlet:o1", "a1"]
    assert list(zip(amp.src.tolist(), amp.dst.tolist(), amp.shares.tolist(), amp.copies.tolist())) == [
        (0, 2, 1, 0), (2, 1, 2, 1)]
    G = project.amplification_graph(store, census)
    assert list(G) == amp.keys and list(G.edges(data=True)) == [
        ("Account:o1", "a1", {"weight": 1.0, "shares": 1, "copies": 0}),
        ("a1", "Outlet:o1", {"weight": 3.0, "shares": 2, "copies": 1})]


def _counts_from_lists(store, census):
    """The amplification counted from the per-actor lists (the maps' read, _amplifying): the reference."""
    from graphtool.analyze import projection_store as project

    keys, kinds = project._amplifying(store, census, None, None, times=False)
    out = {}
    for kind, (codes, _, _) in kinds.items():
        for code in codes.tolist():
            pair = (keys[code // len(keys)], keys[code % len(keys)], kind)
            out[pair] = out.get(pair, 0) + 1
    return out


def test_the_columnar_read_counts_what_the_per_actor_lists_count(store, monkeypatch):
    """Two publishers of one article, parallel shares, a quote, a share of an article nobody published,
    copies by an account and an outlet, an id on two labels: the same counts by either way of reading,
    on FalkorDB by node ids and by ids (the path every other store takes), and the same content counts."""
    from graphtool.analyze import projection_store as project

    store.run("CREATE (o:Outlet {id: 'o1', name: 'O'})-[:PUBLISHED]->(x:Article {id: 'x1'}) "
              "CREATE (p:Account {id: 'o1', platform: 'x'})-[:PUBLISHED]->(x) "
              "CREATE (a:Account {id: 'a1', platform: 'x'})-[:SHARED {id: 's1'}]->(x) "
              "CREATE (a)-[:SHARED {id: 's2', kind: 'quote'}]->(x) "
              "CREATE (a)-[:SHARED {id: 's3'}]->(:Article {id: 'lost'}) "
              "CREATE (a)-[:PUBLISHED]->(y:Article {id: 'y1'})-[:COPIES {attributed: false}]->(x) "
              "CREATE (o)-[:PUBLISHED]->(z:Article {id: 'z1'})-[:COPIES]->(y) "
              "CREATE (b:Account {id: 'b1', platform: 'x'})-[:SHARED {id: 's4'}]->(y) "
              "CREATE (b)-[:SHARED {id: 's5'}]->(z) CREATE (b)-[:SHARED {id: 's6'}]->(z)")
    census = project.census(store)
    expected = _counts_from_lists(store, census)
    assert expected[("b1", "Outlet:o1", "SHARED")] == 2 and expected[("a1", "Account:o1", "SHARED")] == 2
    for by_node in {getattr(store, "reads_by_id_range", False), False}:
        monkeypatch.setattr(store, "reads_by_id_range", by_node, raising=False)
        amp = project.amplification_arrays(store, census)
        got = {}
        for a, b, s, c in zip(amp.src.tolist(), amp.dst.tolist(), amp.shares.tolist(), amp.copies.tolist()):
            got.update({(amp.keys[a], amp.keys[b], kind): v for kind, v in (("SHARED", s), ("COPIES", c)) if v})
        assert got == expected, by_node
        assert amp.content_counts() == project.content_counts(store, census), by_node


def test_the_census_by_column_reads_what_the_rows_read(store, monkeypatch):
    """Sources, blank and missing values, and a value that is not a string (the rows are then read)."""
    from graphtool.analyze import projection_store as project

    store.run("CREATE (:Account {id: 'a1', handle: 'h1', display_name: ' ', sources: ['s2', 's1'], "
              "registrant_country: 'CN'}) CREATE (:Account {id: 'a2', sources: []}) "
              "CREATE (:Account {id: 'a3', sources: ['']}) "
              "CREATE (:Outlet {id: 'o1', name: 'O', state_affiliated: 'true', country: 'CN', sources: ['s1']})")

    def read(by_column: bool):
        with monkeypatch.context() as m:
            if not by_column:
                m.setattr(project, "_actor_columns", project._columns_of_rows)
            return project.census(store)

    by_column = read(True)
    assert by_column.actors["a1"].sources == ("s1", "s2") and by_column.actors["a3"].sources == ("",)
    assert by_column.actors == read(False).actors
    store.run("CREATE (:Account {id: 'a4', display_name: 7})")  # not a string: the rows are read
    assert project.census(store).actors == read(False).actors


def test_the_undirected_graph_summed_in_numpy_is_igraphs_simplify():
    """Leiden depends on the edge order: the numpy sum must give simplify's edges, in its order."""
    G, keys, src, dst, weight = graph_and_arrays()
    src, dst = np.append(src, [5, 7, 7]), np.append(dst, [5, 3, 3])  # a loop, and parallel edges
    weight = np.append(weight, [2.0, 1.0, 4.0])
    assert ((src[:-3, None] == dst[None, :-3]) & (dst[:-3, None] == src[None, :-3])).any()  # opposite edges
    g, w, _ = communities._igraph_of(keys, (src, dst), weight.tolist(), True)
    ours, w2, _ = communities._undirected_of(keys, src, dst, weight)
    assert ours.get_edgelist() == g.get_edgelist() and w2 == w
