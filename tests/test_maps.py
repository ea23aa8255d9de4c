"""Maps without a browser: the page's safety properties, reduction to the budget, the views on both stores.

What only a browser can show (no request, nothing runs, search, drawn nodes) is in
``tests/test_maps_browser.py``.
"""
from __future__ import annotations

import base64
import hashlib
import json
import random
import re
from html.parser import HTMLParser

import networkx as nx
import pytest
from typer.testing import CliRunner

from graphtool import model
from graphtool.cli import app
from graphtool.load import import_paths
from graphtool.render import maps, reduce, views
from graphtool.render.maps import MapOptions, embed_json, write_map

from conftest import FIXTURES

DATA = FIXTURES / "maps"
IMG = "<img src=x onerror=alert(1)>"
SCRIPT = "</script><script>alert(1)</script>"
CYPHER = "x' }) MATCH (n) DETACH DELETE n //"
HOSTILE = [IMG, SCRIPT, CYPHER, "<!-- \u2028 \u2029 &amp; {{7*7}}"]


def page_json(html: str) -> dict:
    m = re.search(r'<script type="application/json" id="graph-data">(.*?)</script>', html, re.S)
    assert m, "no data block"
    return json.loads(m.group(1))


def start_tags(html: str) -> list[tuple[str, list]]:
    """Every start tag as a browser's tokenizer sees it (script and style content is not markup)."""
    tags = []

    class Parser(HTMLParser):
        def handle_starttag(self, tag, attrs):
            tags.append((tag, attrs))

    Parser().feed(html)
    return tags


def inline_blocks(html: str, tag: str) -> list[str]:
    return re.findall(rf"<{tag}>(.*?)</{tag}>", html, re.S)


def hostile_graph() -> nx.MultiDiGraph:
    G = nx.MultiDiGraph()
    for i, name in enumerate(HOSTILE + ["Plain"]):
        G.add_node(f"wechat:h{i}", label="Account", id=f"wechat:h{i}", platform="wechat", handle=f"h{i}",
                   display_name=name, affiliation_reasons=[name], first_ts=1_631_000_000 + i)
    G.add_node("outlet:o", label="Outlet", id="outlet:o", name=SCRIPT, state_affiliated="true")
    for i in range(len(HOSTILE)):
        G.add_edge(f"wechat:h{i}", "outlet:o", key="COPIES", type="COPIES", weight=1.0, attributed=i % 2 == 0,
                   note=HOSTILE[i])
        G.add_edge(f"wechat:h{i}", f"wechat:h{i + 1}", key="SHARED", type="SHARED", weight=2.0)
    return G


def planted(n: int, k: int, seed: int = 1) -> nx.Graph:
    """``k`` dense groups of ``n // k`` accounts with sparse links between groups."""
    rnd = random.Random(seed)
    G = nx.Graph()
    for i in range(n):
        G.add_node(f"x:{i}", label="Account", id=f"x:{i}", platform="x", handle=str(i), followers=i)
    for i in range(n):
        group = i % k
        for _ in range(3):
            j = rnd.randrange(n // k) * k + group if rnd.random() < 0.95 else rnd.randrange(n)
            if j != i and j < n:
                G.add_edge(f"x:{i}", f"x:{j}", type="AMPLIFIED", weight=1.0)
    return G


# ---------------------------------------------------------------------------- the page itself

def test_embed_json_escapes_everything_that_could_end_or_alter_the_block():
    value = {"names": HOSTILE}
    text = embed_json(value)
    for bad in ("<", ">", "&", "\u2028", "\u2029"):
        assert bad not in text
    assert json.loads(text) == value


def test_embed_json_refuses_nan():
    with pytest.raises(ValueError):
        embed_json({"x": float("nan")})


def test_hostile_strings_never_appear_as_markup(tmp_path):
    out = write_map(hostile_graph(), tmp_path / "h.html", MapOptions(title=IMG, color="affiliation")).path
    html = out.read_text(encoding="utf-8")
    for bad in (IMG, SCRIPT, "<!--"):
        assert bad not in html
    data = page_json(html)
    heads = {n["gt"]["head"] for n in data["nodes"]}
    assert set(HOSTILE) < heads  # shown literally, as text, by the page's script
    assert f"<title>{IMG.replace('<', '&lt;').replace('>', '&gt;')}</title>" in html
    # exactly three script elements: the data (not executable), vis-network, the page's own code
    assert [attrs for tag, attrs in start_tags(html) if tag == "script"] == [
        [("type", "application/json"), ("id", "graph-data")], [], []]
    assert not [tag for tag, _ in start_tags(html) if tag in ("img", "iframe", "object", "embed", "link", "base")]
    code = (maps.STATIC / "map.js").read_text(encoding="utf-8")
    assert not re.search(r"\.(inner|outer)HTML\s*=|insertAdjacentHTML|document\.write|\beval\(|new Function|"
                         r"setAttribute\(\s*\"(on|style|href)", code)


def test_csp_allows_exactly_the_inline_scripts_and_style(tmp_path):
    html = write_map(hostile_graph(), tmp_path / "h.html").path.read_text(encoding="utf-8")
    metas = [dict(attrs) for tag, attrs in start_tags(html) if tag == "meta"]
    csp = next(m["content"] for m in metas if m.get("http-equiv") == "Content-Security-Policy")
    assert {"name": "referrer", "content": "no-referrer"} in metas
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["default-src"] == "'none'"
    assert directives["connect-src"] == "'none'" and directives["img-src"] == "data:"

    def digest(text):
        return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"

    assert directives["script-src"].split() == [digest(s) for s in inline_blocks(html, "script")]
    assert directives["style-src"].split() == [digest(s) for s in inline_blocks(html, "style")]
    assert "unsafe" not in csp
    # nothing outside the scripts points anywhere
    outside = re.sub(r"<script.*?</script>", "", html, flags=re.S)
    assert not re.search(r"\b(src|href)=", outside) and "http" not in outside.replace("http-equiv", "")


def test_non_finite_and_odd_values_still_give_a_valid_page(tmp_path):
    G = hostile_graph()
    G.nodes["wechat:h0"].update(pagerank=float("nan"), first_ts=float("inf"), followers=float("-inf"),
                                platform=["not", "a", "string"], display_name="\ud800 lone surrogate")
    for _, _, d in G.edges(data=True):
        d["weight"] = float("nan")
    data = page_json(write_map(G, tmp_path / "odd.html", MapOptions(size="followers")).path.read_text())
    node = next(n for n in data["nodes"] if n["gt"]["key"] == "wechat:h0")
    assert node["gt"]["t0"] is None and node["gt"]["head"] == "\ufffd lone surrogate"
    assert node["gt"]["platform"] == "not; a; string"


def test_output_is_byte_identical_for_the_same_input(tmp_path):
    G = hostile_graph()
    a = write_map(G, tmp_path / "a.html", MapOptions(color="community")).path.read_bytes()
    b = write_map(G.copy(), tmp_path / "b.html", MapOptions(color="community")).path.read_bytes()
    assert a == b


def test_the_cjk_font_subset_does_not_depend_on_the_clock(monkeypatch):
    from graphtool.render import style

    if style.cjk_font_path() is None:
        pytest.skip("the CJK font package is not installed")
    made = []
    for epoch in ("1700000000", "1800000000"):  # fontTools stamps a saved font with this time, else the clock
        monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
        style._subset_woff2.cache_clear()
        made.append(style.font_face_css(["新华社 한국어"]))
    style._subset_woff2.cache_clear()
    assert made[0] == made[1] and "woff2" in made[0]


def test_styles_come_from_the_model_and_unattributed_copies_stand_out(tmp_path):
    data = page_json(write_map(hostile_graph(), tmp_path / "h.html", MapOptions(color="type")).path.read_text())
    outlet = next(n for n in data["nodes"] if n["gt"]["key"] == "outlet:o")
    assert outlet["shape"] == model.node("Outlet").shape and outlet["color"] == model.node("Outlet").color
    copies = [e for e in data["edges"] if e["gt"]["facts"][0] == ["relationship", "COPIES"]]
    bold = [e for e in copies if e["gt"]["head"] == "Unattributed copy"]
    pale = [e for e in copies if e["gt"]["head"] != "Unattributed copy"]
    assert len(bold) == 2 and len(pale) == 2
    assert all(e["color"]["color"] == model.rel("COPIES").color for e in bold)
    assert min(e["width"] for e in bold) > max(e["width"] for e in pale)
    shared = next(e for e in data["edges"] if e["gt"]["facts"][0] == ["relationship", "SHARED"])
    assert shared["color"]["color"] == model.rel("SHARED").color
    texts = [item.get("text", "") for item in data["legend"]]
    assert any("COPIES without attribution (2)" in t for t in texts)


def test_colour_modes(tmp_path):
    G = hostile_graph()
    G.nodes["wechat:h0"]["affiliation_score"] = 1.0
    flag_only = page_json(write_map(G, tmp_path / "f.html", MapOptions(color="affiliation")).path.read_text())
    assert {n["gt"]["key"]: n["color"] for n in flag_only["nodes"]}["outlet:o"] == maps.UNKNOWN_COLOR  # not analysed
    G.nodes["outlet:o"]["state_entity"] = True  # what graphtool analyze stores: the one definition
    data = page_json(write_map(G, tmp_path / "a.html", MapOptions(color="affiliation")).path.read_text())
    colour = {n["gt"]["key"]: n["color"] for n in data["nodes"]}
    assert colour["wechat:h0"] == maps.affiliation_color(1.0) == colour["outlet:o"]  # score, or the stored decision
    assert colour["wechat:h1"] == maps.UNKNOWN_COLOR
    with pytest.raises(ValueError):
        write_map(G, tmp_path / "x.html", MapOptions(color="rainbow"))


# ---------------------------------------------------------------------------- any size

def test_small_graphs_are_drawn_whole(tmp_path):
    G = planted(300, 3)
    result = write_map(G, tmp_path / "m.html", MapOptions(budget=1500))
    assert result.kind == "full" and result.pages == [tmp_path / "m.html"]
    assert len(page_json(result.path.read_text())["nodes"]) == 300


def test_over_budget_gives_community_overview_with_drilldowns(tmp_path):
    G = planted(3000, 6)
    result = write_map(G, tmp_path / "big map.html", MapOptions(budget=400, color="community"))
    assert result.kind == "overview" and result.shown_nodes == 6
    overview = page_json(result.path.read_text())
    assert sum(int(n["gt"]["facts"][0][1].replace(",", "")) for n in overview["nodes"]) == 3000
    assert any("Too many nodes for one map (3,000 nodes" in note for note in result.notes)
    hrefs = sorted(n["gt"]["href"] for n in overview["nodes"])
    assert hrefs == sorted(p.name for p in result.pages[1:]) and len(hrefs) == 6
    assert [link["href"] for link in overview["links"]] == [p.name for p in result.pages[1:]]
    for page in result.pages[1:]:
        data = page_json(page.read_text())
        assert 0 < len(data["nodes"]) <= 400
        assert data["links"] == [{"href": "big map.html", "text": "Back to the overview of all communities"}]
        assert "edges to other communities are not drawn" in page.read_text()


def test_pages_drawn_by_worker_processes_are_the_same_bytes(tmp_path):
    G = planted(1600, 4)
    one = write_map(G, tmp_path / "one" / "m.html", MapOptions(budget=300, color="community", workers=1))
    import threading

    two = write_map(G, tmp_path / "two" / "m.html", MapOptions(budget=300, color="community", workers=2))
    assert [p.name for p in one.pages] == [p.name for p in two.pages] and len(one.pages) == 5
    # Drawn by two workers, unless an earlier test left a thread running (then it is drawn here).
    assert two.workers == 2 or threading.active_count() > 1
    assert [p.read_bytes() for p in one.pages] == [p.read_bytes() for p in two.pages]
    import gc

    assert gc.get_freeze_count() == 0  # the heap write_map froze while drawing is the collector's again


def test_maps_written_by_two_threads_at_once_are_each_their_own(tmp_path):
    import threading

    graphs = {"a": planted(900, 3, seed=1), "b": planted(900, 4, seed=2)}
    alone = {k: [p.read_bytes() for p in write_map(G, tmp_path / "alone" / f"{k}.html", MapOptions(budget=250)).pages]
             for k, G in graphs.items()}
    together: dict = {}

    def draw(k):
        together[k] = [p.read_bytes() for p in write_map(graphs[k], tmp_path / "together" / f"{k}.html",
                                                         MapOptions(budget=250)).pages]

    threads = [threading.Thread(target=draw, args=(k,)) for k in graphs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert together == alone and len(alone["a"]) > 1


def _die(job, page):
    import multiprocessing
    import os

    if multiprocessing.parent_process() is None:
        raise AssertionError("drawn in the test's own process, not in a worker")
    os._exit(3)  # as a worker killed for memory would


def test_a_worker_that_dies_fails_the_map_instead_of_hanging_it(tmp_path, monkeypatch):
    import threading
    from concurrent.futures.process import BrokenProcessPool

    if threading.active_count() > 1:
        pytest.skip("an earlier test left a thread running: pages are drawn in this process")
    monkeypatch.setattr(maps, "_write_page", _die)
    with pytest.raises(BrokenProcessPool):
        write_map(planted(600, 3), tmp_path / "m.html", MapOptions(budget=250, workers=2))
    import gc

    assert gc.get_freeze_count() == 0


def test_small_maps_and_threaded_callers_draw_in_one_process(monkeypatch):
    pages = reduce.plan_pages(planted(3000, 6), {}, {f"x:{i}": i % 6 for i in range(3000)}, budget=400, name=str)
    assert maps.page_workers(MapOptions(), pages[:1]) == 1  # one page
    assert maps.page_workers(MapOptions(workers=1), pages) == 1
    assert maps.page_workers(MapOptions(workers=3), pages) == 3
    assert sum(p.size for p in pages) == 2406 and maps.page_workers(MapOptions(), pages) == 1  # < PARALLEL_NODES
    monkeypatch.setattr(maps, "PARALLEL_NODES", 2000)
    for cpus, workers in ((1, 1), (2, 2), (16, maps.MAX_WORKERS)):
        monkeypatch.setattr(maps, "available_cpus", lambda: cpus)
        assert maps.page_workers(MapOptions(), pages) == workers
    import threading

    ready, stop = threading.Event(), threading.Event()
    thread = threading.Thread(target=lambda: (ready.set(), stop.wait()))
    thread.start()
    ready.wait()
    try:  # a fork while another thread may hold a lock could hang the child: no workers then
        assert maps.page_workers(MapOptions(workers=3), pages) == 1
    finally:
        stop.set()
        thread.join()
    with pytest.raises(ValueError, match="workers"):
        MapOptions(workers=0).check()


def test_top_n_keeps_the_best_nodes_and_says_what_it_left_out(tmp_path):
    G = nx.star_graph(50)  # hub 0 and 50 leaves ...
    G.add_edges_from((100 + i, 101 + i) for i in range(100))  # ... and a long path
    nx.set_node_attributes(G, "Account", "label")
    kept, core = reduce.top_nodes(G, dict(G.degree()), 30)
    assert kept[:7] == [0, 101, 102, 103, 104, 105, 106] and len(kept) == 30 and core == 6  # core, then best neighbour
    result = write_map(G, tmp_path / "t.html", MapOptions(budget=30, size="degree", reduce="top"))
    assert result.kind == "top" and result.shown_nodes == 30
    assert result.notes == ["Showing 30 of 152 nodes: the 6 with the highest degree and 24 of their neighbours "
                            "(highest degree first). Left out: 122 nodes and 122 edges."]


def test_small_communities_share_drilldown_pages():
    G = nx.connected_caveman_graph(10, 20)  # 10 communities of 20
    partition = {v: v // 20 for v in G}
    pages = reduce.plan_pages(G, {}, partition, budget=70, name=str, strategy="communities", max_drilldowns=3)
    assert [p.graph.number_of_nodes() for p in pages[1:]] == [60, 60, 60]  # 3 pages of 3 communities
    assert pages[1].title == "Communities 0, 1 and 2 (60 members)"
    hrefs = [pages[0].graph.nodes[f"c{i}"].get("href") for i in range(10)]
    assert hrefs == ["p1", "p1", "p1", "p2", "p2", "p2", "p3", "p3", "p3", None]
    assert "1 community (20 nodes) has no map: 0 single nodes, 1 beyond the 3 drill-down pages." in pages[0].notes
    # a page's note counts the edges that leave it: the ring links between neighbouring caves
    assert pages[1].notes[0].endswith("2 edges to other communities are not drawn.")


def test_huge_community_counts_merge_into_other(tmp_path):
    G = nx.Graph()
    G.add_nodes_from((i, {"label": "Account"}) for i in range(200))  # 200 isolated nodes: 200 communities
    G.add_edges_from([(0, 1), (1, 2), (2, 0)])
    pages = reduce.plan_pages(G, {}, {v: v if v > 2 else 0 for v in G}, budget=20, name=str,
                              strategy="communities", max_drilldowns=5)
    overview = pages[0]
    assert overview.graph.number_of_nodes() == 20 and "other" in overview.graph
    assert overview.graph.nodes["other"]["members"] == 200 - 3 - 18
    assert len(pages) == 2  # only the one community with 2+ members gets a page
    assert any("are merged into one node" in n for n in overview.notes)


# ---------------------------------------------------------------------------- views on the store

@pytest.fixture
def loaded(store):
    result = import_paths(store, [DATA], progress=False)
    assert result.rejected == 0
    return store


def test_amplification_view(loaded):
    G, notes = views.view_graph(loaded, "amplification")
    assert sorted(G) == ["douyin:xinhua", "outlet:gt", "wechat:lotus", "wechat:maple", "weibo:echo",
                         "weibo:echo2", "x:plain"]
    assert notes == ["2 actors without amplification are not drawn."]
    copy = G.edges["wechat:maple", "outlet:gt", "COPIES"]
    assert copy["unattributed"] == 1 and copy["attributed"] is False
    assert G.edges["wechat:lotus", "outlet:gt", "COPIES"]["attributed"] is True
    assert G.edges["weibo:echo", "wechat:maple", "SHARED"]["weight"] == 1.0
    assert G.nodes["wechat:maple"]["display_name"] == IMG and G.nodes["wechat:maple"]["followers"] == 120000
    # the window keeps what happened inside it
    late, notes = views.view_graph(loaded, "amplification", since=1_631_145_600)  # 2021-09-09T00:00Z
    assert ("x:plain", "outlet:gt", "SHARED") not in late.edges and late.has_edge("wechat:lotus", "outlet:gt")
    assert notes[-1] == "Period: 2021-09-09T00:00:00Z to end."


def test_ownership_coordination_and_narrative_views(loaded):
    G, _ = views.view_graph(loaded, "ownership")
    assert sorted(G) == ["douyin:xinhua", "org:shell", "outlet:xh", "person:x", "wechat:lotus", "wechat:maple"]
    assert {d["type"] for _, _, d in G.edges(data=True)} == {"OPERATED_BY", "OWNED_BY", "REGISTERED_TO"}
    C, _ = views.view_graph(loaded, "coordination")
    assert sorted(C) == ["weibo:echo", "weibo:echo2"] and C.edges["weibo:echo", "weibo:echo2"]["weight"] == 3.0
    N, _ = views.view_graph(loaded, "narrative:nar:platform")
    labels = sorted(d["label"] for _, d in N.nodes(data=True))
    assert labels == ["Account"] * 5 + ["Article"] * 3 + ["Narrative", "Outlet"]
    copies = {(u, v): d for u, v, d in N.edges(data=True) if d["type"] == "COPIES"}
    assert copies[("Article:wc-1", "Article:gt-1")]["attributed"] is False
    with pytest.raises(Exception, match="no Narrative with id 'nope'"):
        views.view_graph(loaded, "narrative:nope")


def test_case_maps_for_the_demo(loaded, tmp_path):
    results = views.write_case_maps(loaded, tmp_path / "maps")
    assert [r.path.name for r in results] == ["amplification.html", "ownership.html", "narrative-1.html"]
    amplification = page_json(results[0].path.read_text())
    assert amplification["meta"]["color"] == "community" and amplification["meta"]["shown_nodes"] == 7
    assert page_json(results[1].path.read_text())["meta"]["color"] == "affiliation"


def test_cli_map(loaded, tmp_path):
    runner = CliRunner()
    env = {"GRAPHTOOL_STORE": loaded.url}
    out = tmp_path / "amp.html"
    done = runner.invoke(app, ["map", "--out", str(out), "--color", "platform", "--size", "followers"], env=env)
    assert done.exit_code == 0, done.output
    assert done.output.splitlines() == [f"{out}: 7 of 7 nodes", "  2 actors without amplification are not drawn."]
    assert page_json(out.read_text())["meta"]["size"] == "followers"
    listed = runner.invoke(app, ["map", "--list-narratives"], env=env)
    assert listed.output == f"nar:platform\tParty would cut ties {SCRIPT}\n"
    for args, message in ((["--view", "bogus"], "--view must be one of"), (["--color", "x"], "--color must be one of"),
                          (["--since", "yesterday"], "--since 'yesterday': not a time")):
        bad = runner.invoke(app, ["map", *args, "--out", str(tmp_path / "x.html")], env=env)
        assert bad.exit_code != 0 and message in str(bad.exception), (args, bad.output, bad.exception)
        assert not (tmp_path / "x.html").exists()


@pytest.mark.parametrize("kind", [nx.Graph, nx.DiGraph, nx.MultiDiGraph, nx.MultiGraph])
def test_a_page_graph_is_the_induced_subgraph(kind):
    G = kind()
    G.add_edges_from([(1, 2, {"w": 1}), (2, 3, {"w": 2}), (3, 1, {"w": 3}), (3, 4, {"w": 4}), (2, 2, {"w": 5})])
    if G.is_multigraph():
        G.add_edge(1, 2, w=6)
    G.nodes[1]["label"] = "Account"
    H, view = reduce.induced(G, [3, 2, 1]), G.subgraph([1, 2, 3])
    assert type(H) is kind and set(H) == set(view) and H.nodes[1] == {"label": "Account"}
    edges = (lambda g: sorted((min(u, v), max(u, v), d["w"]) if not g.is_directed() else (u, v, d["w"])
                              for u, v, d in g.edges(data=True)))
    assert edges(H) == edges(view)
    H.nodes[1]["label"] = "changed"
    assert G.nodes[1]["label"] == "Account"  # its own attributes
