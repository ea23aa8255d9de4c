"""Maps in a real browser: headless Chromium (Debian's ``chromium``) driven by Playwright.

Every map is opened from a file and checked for: no console error, no request beyond the file
itself, as many drawn nodes as the file holds, a search that selects and focuses a node, and
hostile names that show as text while no dialog opens and no injected element appears.  A
screenshot of each goes to ``test-artifacts/maps/``.
"""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import networkx as nx
import pytest

from graphtool.load import import_paths
from graphtool.render import views
from graphtool.render.maps import MapOptions, write_map

from conftest import CASE, FIXTURES, ROOT

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = ROOT / "test-artifacts" / "maps"
IMG = "<img src=x onerror=alert(1)>"
SCRIPT = "</script><script>alert(1)</script>"
CYPHER = "x' }) MATCH (n) DETACH DELETE n //"

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                reason=f"NO BROWSER: {CHROMIUM} is missing (scripts/test installs Debian's chromium)")


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")), executable_path=CHROMIUM, args=ARGS, headless=True,
            viewport={"width": 1400, "height": 900}, service_workers="block")
        yield context
        context.close()


class Opened:
    """A map opened in a fresh tab, with everything it tried to do recorded."""

    def __init__(self, context, path: Path):
        self.path = path
        self.url = path.resolve().as_uri()
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.dialogs: list[str] = []
        self.allowed = {self.url}  # the file, and drill-down pages a test follows on purpose
        self.page = page = context.new_page()
        page.on("console", lambda m: self.errors.append(m.text) if m.type in ("error", "warning") else None)
        page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        page.on("dialog", self._dialog)
        page.on("request", lambda r: self.requests.append(r.url))
        # Anything but the file itself is refused (and recorded above) rather than fetched.
        page.route("**/*", lambda route: route.continue_() if route.request.url in self.allowed else route.abort())
        page.goto(self.url)
        # The page sets data-stable when its layout has settled; CSP forbids Playwright's eval-based waits.
        page.wait_for_selector("body[data-stable]", state="attached", timeout=60_000)

    def _dialog(self, dialog):
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def js(self, expression: str, arg=None):
        return self.page.evaluate(expression, arg)

    def file_data(self) -> dict:
        html = self.path.read_text(encoding="utf-8")
        block = re.search(r'<script type="application/json" id="graph-data">(.*?)</script>', html, re.S).group(1)
        return json.loads(block)

    def search(self, text: str):
        self.page.fill("#search", text)
        self.page.press("#search", "Enter")
        return self.js("() => graphtoolMap.network.getSelectedNodes()")

    def check_clean(self, name: str):
        """The common checks, and a screenshot."""
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"))
        assert self.errors == []
        assert self.requests == [self.url]
        assert self.dialogs == []
        data = self.file_data()
        assert self.js("() => graphtoolMap.nodes.length") == len(data["nodes"])
        assert self.js("() => graphtoolMap.network.body.nodeIndices.length") == len(data["nodes"])
        assert self.js("() => graphtoolMap.edges.length") == len(data["edges"])
        assert self.js("() => graphtoolMap.stable") is True
        assert self.js("() => graphtoolMap.network.physics.options.enabled") is False  # settled, then stopped
        assert self.js("() => document.querySelectorAll('#legend li').length") >= 3
        # nothing injected: the only elements are the page's own
        assert self.js("() => document.querySelectorAll('img, iframe, object, embed, base, link').length") == 0
        assert self.js("() => document.scripts.length") == 3
        return data

    def close(self):
        self.page.close()


def hostile_graph() -> nx.MultiDiGraph:
    G = nx.MultiDiGraph()
    names = [IMG, SCRIPT, CYPHER, "<!-- \u2028 \u2029 &amp; {{7*7}}", "新华社", "Plain"]
    for i, name in enumerate(names):
        G.add_node(f"wechat:h{i}", label="Account", id=f"wechat:h{i}", platform="wechat" if i % 2 else "weibo",
                   handle=f"h{i}", display_name=name, affiliation_reasons=[f"because {name}"],
                   affiliation_score=i / 5, first_ts=1_631_000_000 + 86_400 * i, last_ts=1_631_000_000 + 86_400 * i)
    G.add_node("outlet:o", label="Outlet", id="outlet:o", name=SCRIPT, state_affiliated="true")
    for i in range(len(names) - 1):
        G.add_edge(f"wechat:h{i}", "outlet:o", key="COPIES", type="COPIES", weight=1.0, attributed=i % 2 == 0,
                   note=names[i])
        G.add_edge(f"wechat:h{i}", f"wechat:h{i + 1}", key="SHARED", type="SHARED", weight=2.0)
    return G


def test_hostile_names_render_as_text_and_run_nothing(browser, tmp_path):
    path = write_map(hostile_graph(), tmp_path / "hostile.html", MapOptions(title=IMG, color="affiliation")).path
    m = Opened(browser, path)
    try:
        m.check_clean("hostile")
        assert m.page.title() == IMG
        assert m.js("() => document.querySelector('h1').textContent") == IMG
        for name in (IMG, SCRIPT, CYPHER):
            selected = m.search(name)
            node = m.js("(id) => graphtoolMap.nodes.get(id)", selected[0])
            assert node["gt"]["head"] == name and node["label"] == name  # drawn on the canvas as text
            # focused: the view is centred on the node
            centre, at = m.js("""(id) => [graphtoolMap.network.getViewPosition(),
                                          graphtoolMap.network.getPositions([id])[id]]""", selected[0])
            assert abs(centre["x"] - at["x"]) < 1 and abs(centre["y"] - at["y"]) < 1
            # the details panel holds the name as text, not as markup
            assert m.js("() => document.querySelector('#details .head').textContent") == name
            assert name in m.js("() => document.querySelector('#details').textContent")
        # hover: the tooltip shows the reasons as text
        m.search(IMG)
        point = m.js("""() => { const n = graphtoolMap.network; const id = n.getSelectedNodes()[0];
                                return n.canvasToDOM(n.getPositions([id])[id]); }""")
        box = m.page.locator("#map").bounding_box()
        m.page.mouse.move(box["x"] + point["x"], box["y"] + point["y"])
        m.page.wait_for_selector("#tip .head", timeout=5_000)
        assert m.js("() => document.querySelector('#tip .head').textContent") == IMG
        assert f"because {IMG}" in m.js("() => document.querySelector('#tip').textContent")
        assert m.js("() => document.querySelectorAll('img').length") == 0 and m.dialogs == []
        assert m.errors == [] and m.requests == [m.url]
    finally:
        m.close()


def test_filters_hide_and_show_nodes(browser, tmp_path):
    path = write_map(hostile_graph(), tmp_path / "filters.html", MapOptions(color="platform")).path
    m = Opened(browser, path)
    try:
        m.check_clean("filters")
        total = m.js("() => graphtoolMap.nodeView.length")
        weibo = m.js("() => graphtoolMap.nodes.get().filter(n => n.gt.platform === 'weibo').length")
        m.page.uncheck("#platforms input[value=weibo]")
        assert m.js("() => graphtoolMap.nodeView.length") == total - weibo
        assert m.js("() => graphtoolMap.network.body.nodeIndices.length") == total - weibo
        m.page.check("#platforms input[value=weibo]")
        assert m.js("() => graphtoolMap.nodeView.length") == total
        # the date range: only the account active on 2021-09-09 (and the untimed outlet) remain
        m.page.fill("#from", "2021-09-09")
        m.page.fill("#to", "2021-09-09")
        shown = m.js("() => graphtoolMap.nodeView.get().map(n => n.gt.key).sort()")
        assert shown == ["outlet:o", "wechat:h2"]
        m.page.fill("#from", "")
        m.page.fill("#to", "")
        # the minimum score slider, by percentile
        m.js("() => { const s = document.querySelector('#minscore'); s.value = '90';"
             " s.dispatchEvent(new Event('input')); }")
        assert 0 < m.js("() => graphtoolMap.nodeView.length") < total
        assert m.errors == [] and m.requests == [m.url]
    finally:
        m.close()


def test_overview_and_drilldown_pages(browser, tmp_path):
    G = nx.connected_caveman_graph(8, 30)  # 8 cliques of 30, in a ring
    nx.set_node_attributes(G, "Account", "label")
    nx.set_node_attributes(G, {v: f"Member {v}" for v in G}, "display_name")
    result = write_map(G, tmp_path / "overview.html", MapOptions(budget=100, color="community"))
    assert result.kind == "overview" and len(result.pages) == 4  # 8 communities of 30 share 3 pages of <= 100
    m = Opened(browser, result.path)
    try:
        data = m.check_clean("overview")
        assert len(data["nodes"]) == 8
        assert "Too many nodes for one map (240 nodes" in m.js("() => document.body.textContent")
        links = m.js("() => Array.from(document.querySelectorAll('#links a')).map(a => a.getAttribute('href'))")
        assert links == [p.name for p in result.pages[1:]]
        # double-clicking a community opens its map
        first = m.search("Community 0")
        pos = m.js("""(id) => { const n = graphtoolMap.network; return n.canvasToDOM(n.getPositions([id])[id]); }""",
                   first[0])
        box = m.page.locator("#map").bounding_box()
        m.allowed.add(result.pages[1].resolve().as_uri())
        with m.page.expect_navigation():
            m.page.mouse.dblclick(box["x"] + pos["x"], box["y"] + pos["y"])
        assert m.page.url == result.pages[1].resolve().as_uri()
    finally:
        m.close()
    d = Opened(browser, result.pages[1])
    try:
        data = d.check_clean("drilldown")
        assert len(data["nodes"]) == 90
        assert d.search("Member 5")
    finally:
        d.close()


@pytest.fixture(scope="module")
def fixture_maps(tmp_path_factory, embedded_dir):
    from graphtool.store import open_store

    store = open_store(f"embedded:{embedded_dir}")
    store.wipe()
    store.ensure_schema()
    import_paths(store, [FIXTURES / "maps"], progress=False)
    out = tmp_path_factory.mktemp("fixture-maps")
    results = views.write_case_maps(store, out)
    results.append(views.write_view_map(store, "coordination", out / "coordination.html"))
    store.close()
    return results


def test_fixture_case_maps(browser, fixture_maps):
    for result in fixture_maps:
        m = Opened(browser, result.path)
        try:
            m.check_clean(f"fixture-{result.path.stem}")
            assert m.search("maple") or result.path.stem == "coordination"
            if result.path.stem == "coordination":
                assert m.search("echo2")
            body = m.js("() => document.body.textContent")
            assert "Legend" in body or "LEGEND" in body.upper()
        finally:
            m.close()


@pytest.fixture(scope="module")
def case_maps(tmp_path_factory, embedded_dir):
    if not (CASE / "answers.json").exists():
        pytest.skip("NO CASE YET: imports/cases/canada-2021/answers.json is missing")
    from graphtool.store import open_store

    store = open_store(f"embedded:{embedded_dir}")
    store.wipe()
    store.ensure_schema()
    import_paths(store, [CASE], progress=False)
    from graphtool.analyze.scores_store import run_analyses

    run_analyses(store, seed=0)  # the scores the maps colour and size by, as in the demo
    results = views.write_case_maps(store, tmp_path_factory.mktemp("case-maps"))
    store.close()
    return results


def test_demo_maps_of_the_case(browser, case_maps):
    assert [r.path.name for r in case_maps][:2] == ["amplification.html", "ownership.html"]
    for result in case_maps:
        for page in result.pages:
            m = Opened(browser, page)
            try:
                data = m.check_clean(f"case-{page.stem}")
                some = next(n for n in data["nodes"] if n["label"])
                assert m.search(some["label"]) == [some["id"]]
            finally:
                m.close()
    shutil.copy(case_maps[0].path, ARTIFACTS / "case-amplification.html")


def test_chinese_labels_draw_with_the_embedded_font(browser, tmp_path):
    """On a machine without CJK fonts (Debian's chromium, no fonts-noto-cjk) the page's own subset draws them."""
    G = nx.MultiDiGraph()
    names = ["环球时报", "新华社", "枫桥快讯", "한국어 뉴스", "ひらがなニュース"]
    for i, name in enumerate(names):
        G.add_node(f"wechat:z{i}", label="Account", id=f"wechat:z{i}", platform="wechat", handle=f"z{i}",
                   display_name=name)
        if i:
            G.add_edge(f"wechat:z{i}", f"wechat:z{i - 1}", key="SHARED", type="SHARED", weight=1.0)
    path = write_map(G, tmp_path / "cjk.html", MapOptions(title="地图 " + names[0], color="platform")).path
    m = Opened(browser, path)
    try:
        m.page.evaluate("() => document.fonts.ready")
        m.check_clean("cjk")
        assert m.js("() => document.fonts.check('12px graphtool-cjk', '环球时报新华社한국어ひらがな')") is True
        loaded = m.js("() => Array.from(document.fonts).filter(f => f.status === 'loaded').map(f => f.family)")
        assert [f.strip('"') for f in loaded] == ["graphtool-cjk"]
        # the heading is drawn in it: same width as a span forced to the embedded font
        widths = m.js("""() => { const c = document.createElement('canvas').getContext('2d');
                                 c.font = '20px graphtool-cjk'; const a = c.measureText('环球时报').width;
                                 c.font = '20px monospace'; const b = c.measureText('环球时报').width;
                                 return [a, b]; }""")
        assert widths[0] > 0 and widths[0] != widths[1]
    finally:
        m.close()
