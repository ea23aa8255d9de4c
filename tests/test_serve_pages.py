"""graphtool serve's entity, article, side-by-side and narrative pages: real uvicorn, real stores, real Chromium.

The case of tests/test_serve.py (its fixtures: loaded once per store for this module), plus a hostile copy (markup in its title and text, entity-encoded
tags that the copy detector decodes) published by a hostile account and carrying a narrative, so
that it shows on every page these tests open.  One server per store for the module.
"""
from __future__ import annotations

import csv
import html
import json
import re
from pathlib import Path
from urllib.parse import urlencode

import pytest

from graphtool.analyze.coordination_store import run_coordination
from graphtool.analyze.copies_store import detect_copies
from graphtool.load import import_paths
from graphtool.queries import get_query, run_query

from test_serve import ACCOUNT, GL_DRIVER, IMG, PASSWORD, SCRIPT, Client, Served
from test_serve import browser, case_store  # noqa: F401 -- the fixtures, one instance per store for this module

# Neo4j runs these with the slow tests (.ci/run runs them before the default run): its load is the costly part
on_both_stores = pytest.mark.parametrize("case_store", ["embedded", pytest.param("neo4j", marks=pytest.mark.slow)],
                                         indirect=True)
NARRATIVE = "narrative:conservative-platform-breaks-ties"
COPY, ORIGINAL = "art:copy-u3-a", "art:gt-0908-a"
HOSTILE_COPY, HOSTILE_ORIGINAL = "art:hostile-copy", "art:hostile-original"
STORY = ("Officials said on Tuesday that the harbour bridge would close for repairs next month, according to a "
         "statement &lt;img src=x onerror=alert(1)&gt; released by the city council on its website.")


def load_hostile_copy(store, folder: Path) -> None:
    """Two articles, one copying the other, with markup that must stay text; then the copies run again."""
    rows = {
        "Article.csv": (["id", "platform", "url", "title", "text", "lang", "published_at"], [
            [HOSTILE_ORIGINAL, "x", "https://x.com/o", IMG, STORY, "en", "2021-09-10T00:00:00Z"],
            [HOSTILE_COPY, "x", "https://x.com/c", SCRIPT,
             "BREAKING &lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt; " + STORY + " Share it now.", "en",
             "2021-09-11T00:00:00Z"]]),
        "PUBLISHED.csv": (["src", "dst", "src_label"], [["x:hostile_img", HOSTILE_COPY, "Account"]]),
        "CARRIES.csv": (["src", "dst", "confidence"], [[HOSTILE_COPY, NARRATIVE, "1"], [HOSTILE_ORIGINAL, NARRATIVE, "1"]]),
    }
    for name, (header, body) in rows.items():
        with (folder / name).open("w", encoding="utf-8", newline="") as f:
            csv.writer(f).writerows([header, *body])
    assert import_paths(store, [folder / name for name in rows]).rejected == 0
    detect_copies(store, show=False)


@pytest.fixture(scope="module")
def served(case_store, tmp_path_factory):
    load_hostile_copy(case_store, tmp_path_factory.mktemp("hostile-copy"))
    run_coordination(case_store, progress=False)  # the coordinated group on the account page
    s = Served(case_store, tmp_path_factory.mktemp("serve"))
    s.users.add("vera", "viewer", PASSWORD)
    yield s
    s.stop()


def test_shared_passages_are_the_shingles_both_texts_contain():
    """Width and case folded as the detector folds them, markup removed, every character kept, in order."""
    from graphtool.analyze.copies.passages import shared_passages

    copy, original, share = shared_passages("<p>开头不同的话。据加拿大《国会山时报》网站近日报道，ＡＢＣ新闻</p>",
                                            "据加拿大《国会山时报》网站近日报道，abc新闻。结尾", "zh", "zh")
    assert copy == [(" 开头不同的话。", False), ("据加拿大《国会山时报》网站近日报道，ＡＢＣ新闻", True), (" ", False)]
    assert original == [("据加拿大《国会山时报》网站近日报道，abc新闻", True), ("。结尾", False)]
    assert share == 0.882353
    apart = shared_passages("one two three four five six seven eight", "nine ten eleven twelve thirteen fourteen")
    assert [shared for _, shared in apart[0] + apart[1]] == [False, False] and apart[2] == 0.0
    assert shared_passages(None, "x y z") == ([], [("x y z", False)], 0.0)


def _viewed(served, node_id: str) -> dict:
    """The detail of the last audit record of vera viewing this id."""
    return [r["detail"] for r in served.records(action="view", user="vera") if r["detail"].get("id") == node_id][-1]


@pytest.fixture(scope="module")
def vera(served):
    client = Client(served)
    assert client.login("vera").status == 303
    return client


@on_both_stores
def test_entity_page_links_reasons_to_records_and_draws_activity(vera, served):
    page = vera.get("/entity", id=ACCOUNT)
    assert page.status == 200
    reasons = re.search(r'<ol id="reasons">(.*?)</ol>', page.text, re.S).group(1)
    assert '<a href="/article?id=art%3Acopy-u1-a">art:copy-u1-a</a>' in reasons  # the evidence, linked
    assert '<a href="/entity?id=src%3Aarchive-wechat">src:archive-wechat</a>' in reasons  # its Source record
    assert "share:012495" in reasons and "share%3A012495" not in reasons  # a share is no record: stays text
    chart = re.search(r'<svg id="activity-chart".*?</svg>', page.text, re.S).group(0)
    assert chart.count('<rect class="shared"') >= 10 and chart.count('<rect class="published"') >= 3
    assert "<title>2021-09-09: 8 shares</title>" in chart  # counted per UTC day in the store
    assert "4 articles published and 32 shares" in page.text
    outlet = vera.get("/entity", id="outlet:global-times").text  # an outlet publishes, it does not share
    outlet_chart = re.search(r'<svg id="activity-chart".*?</svg>', outlet, re.S).group(0)
    assert "2 articles published," in outlet and 'class="shared"' not in outlet_chart
    copies_out = re.search(r'<section id="copies-out">.*?</section>', page.text, re.S).group(0)
    assert "/compare?copy=art%3Acopy-u1-a&amp;original=art%3Agt-0908-a" in copies_out
    assert vera.get("/entity", id=COPY).getheader("location") == "/article?id=art%3Acopy-u3-a"

    partners = re.search(r'<section id="partners">.*?</section>', page.text, re.S).group(0)
    pairs = run_query(served.app.state.workspace.store, get_query("coordinated-pairs"), {"account": ACCOUNT}).rows
    assert pairs and re.findall(r'<a href="/entity\?id=[^"]+">([^<]+)</a>', partners) == [
        p["account_2"] if p["account_1"] == ACCOUNT else p["account_1"] for p in pairs]  # same rows, same order
    group = re.search(r'<section id="group">.*?</section>', page.text, re.S).group(0)
    members = served.app.state.workspace.store.read(
        "MATCH (me:Account {id: $id})-[:IN_GROUP]->(g:CoordinationGroup) WHERE g.community_number IS NOT NULL "
        "MATCH (a:Account)-[:IN_GROUP]->(g) RETURN a.id AS id, g.community_number AS community ORDER BY id", {"id": ACCOUNT})
    assert len(members) > 1 and re.findall(r'<span class="id">([^<]+)</span></li>', group) == [
        m["id"] for m in members]
    assert f"Community {members[0]['community']} of the coordination graph" in group


@on_both_stores
def test_article_page_shows_its_cascade(vera, served):
    page = vera.get("/article", id=COPY)
    assert page.status == 200
    tree = re.search(r'<ul class="cascade">.*</ul>', page.text, re.S).group(0)
    marked = re.search(r'<li class="hop marked" data-id="art:copy-u3-a">(.*?)</li>', tree, re.S).group(1)
    assert "by <a href=\"/entity?id=wechat%3Asim_jiahua_zixun\">" in marked
    assert "2021-09-09T02:15:00Z" in marked and "copies after 23.6 h" in marked and "credit stripped" in marked
    assert 'data-id="art:gt-0908-a"' in tree and tree.index('data-id="art:gt-0908-a"') < tree.index(COPY)
    assert '<span class="origin">origin</span>' in tree
    assert "/compare?copy=art%3Acopy-u3-a&amp;original=art%3Agt-0908-a" in page.text
    assert _viewed(served, COPY)["label"] == "Article"
    assert vera.get("/article", id="art:nothing").status == 404
    assert vera.get("/article", id=ACCOUNT).status == 404


@on_both_stores
def test_side_by_side_marks_shared_passages_and_keeps_markup_as_text(vera, served):
    page = vera.get("/compare", copy=COPY, original=ORIGINAL)
    assert page.status == 200 and 'id="containment">0.7794<' in page.text
    copy = re.search(r'<section class="side" id="copy">(.*?)</section>', page.text, re.S).group(1)
    original = re.search(r'<section class="side" id="original">(.*?)</section>', page.text, re.S).group(1)
    assert "<mark>据加拿大《国会山时报》网站近日报道" in copy and "<mark>据加拿大《国会山时报》网站近日报道" in original
    assert "<span>各位读者好" in copy  # the copy's own opening is not shared
    assert "375 of 489 characters shared" in copy

    hostile = vera.get("/compare", copy=HOSTILE_COPY, original=HOSTILE_ORIGINAL)
    assert hostile.status == 200
    assert "<img" not in hostile.text and "<script>alert" not in hostile.text.split("</footer>")[0]
    assert html.escape("<img src=x onerror=alert(1)>", quote=False) in hostile.text  # decoded, shown as text
    assert html.escape("</script><script>alert(1)</script>", quote=False) in hostile.text
    assert "does not credit the original" in hostile.text
    assert vera.get("/compare", copy=COPY, original="art:nothing").status == 404


@on_both_stores
def test_narrative_network_api(vera, served):
    response = vera.get("/api/narrative", id=NARRATIVE)
    assert response.status == 200
    found = json.loads(response.text)
    nodes = {n["id"]: n for n in found["nodes"]}
    assert nodes[ORIGINAL]["label"] == "Article" and nodes["outlet:global-times"]["label"] == "Outlet"
    assert nodes[HOSTILE_ORIGINAL]["name"] == IMG  # JSON text: the page puts it in as text
    kinds = {e["kind"] for e in found["edges"]}
    assert kinds == {"post", "share", "copies"}
    assert {"source": COPY, "target": ORIGINAL, "kind": "copies"}.items() <= next(
        e for e in found["edges"] if e["source"] == COPY and e["kind"] == "copies").items()
    assert found["start"] == min(t for e in found["edges"] for t in e["times"])
    assert [e["id"] for e in found["events"]][:1] == ["event:debate-fr-2021-09-08"]
    assert all(isinstance(n["x"], float) for n in found["nodes"])
    firsts = {n["first"]: n["id"] for n in found["nodes"] if n.get("first")}  # as the first-appearance table
    table = vera.get("/queries/narrative-first-appearance", run="1", narrative=NARRATIVE).text
    assert firsts["web"] == ORIGINAL and len(firsts) == 8 and all(a in table for a in firsts.values())
    assert _viewed(served, NARRATIVE)["network"] is True
    assert vera.get("/api/narrative", id=ORIGINAL).status == 404
    page = vera.get("/narrative", id=NARRATIVE)
    assert page.status == 200 and '<section id="cascades">' in page.text and 'class="hop' in page.text


def _visible(page) -> int:
    return page.evaluate("() => graphtoolNarrative.visible()")


class Watched:
    """A signed-in page that records console errors, dialogs and every request, and refuses other origins."""

    def __init__(self, served, browser, path: str):
        self.errors, self.dialogs, self.requests, self.origin = [], [], [], served.origin
        self.page = page = browser.new_page()
        page.on("console", lambda m: self.errors.append(m.text) if m.type in ("error", "warning") and
                not GL_DRIVER.match(m.text) else None)
        page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        page.on("request", lambda r: self.requests.append(r.url))
        page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(self.origin + "/")
                   else route.abort())
        page.goto(self.origin + path)
        if "/login" in page.url:
            page.fill("#username", "vera")
            page.fill("#password", PASSWORD)
            page.click("#signin")

    def close(self):
        assert self.errors == [] and self.dialogs == []
        assert all(url.startswith(self.origin + "/") for url in self.requests)
        self.page.close()


@on_both_stores
def test_browser_brush_filters_the_network(served, browser):
    """Brush the narrative timeline: the network shows only that range; a click clears it; the slider replays."""
    watched = Watched(served, browser, "/narrative?" + urlencode({"id": NARRATIVE}))
    page = watched.page
    page.wait_for_selector("body[data-network-ready]", state="attached", timeout=60_000)
    total = page.evaluate("() => graphtoolNarrative.graph.order")
    assert total > 100 and _visible(page) == total
    assert page.locator("#timeline-svg .event").count() == 4
    assert page.locator("#legend .key").count() >= 5

    # brush one day from the first post: fewer nodes, and only ones active in that day
    t0, _ = page.evaluate("() => graphtoolNarrative.span()")
    x0, x1 = (page.evaluate(f"() => graphtoolNarrative.clientX({t})") for t in (t0 + 3600, t0 + 86400))
    y = page.evaluate("() => graphtoolNarrative.clientY()")
    page.mouse.move(x0, y)
    page.mouse.down()
    page.mouse.move((x0 + x1) / 2, y)
    page.mouse.move(x1, y)
    page.mouse.up()
    brushed = _visible(page)
    assert 0 < brushed < total, (brushed, total)
    assert page.get_attribute("#narrative-network", "data-visible") == str(brushed)
    assert "shown: from " in page.text_content("#network-status")
    outside = page.evaluate("""() => { const g = graphtoolNarrative.graph, [t0] = graphtoolNarrative.span();
        let n = 0; g.forEachEdge((k, a) => { if (a.times.every(t => t > t0 + 86400 + 60)) n++; }); return n; }""")
    assert outside > 0  # there was something to filter out
    page.mouse.click(x0 + 40, y)  # a click clears the brush
    assert _visible(page) == total

    replayed = []
    for value in ("0", "250", "500", "1000"):  # the slider replays the spread from the first post
        page.fill("#replay", value)
        replayed.append(_visible(page))
    assert replayed == sorted(replayed) and replayed[0] < brushed and replayed[1] < total, replayed
    assert replayed[-1] == total
    page.screenshot(path=str(_artifacts() / f"narrative-{_backend(served)}.png"), full_page=True)
    watched.close()


@pytest.mark.slow
@on_both_stores
def test_browser_cascade_side_by_side_and_hostile_texts(served, browser):
    """The article's cascade tree (its hop marked), the copy beside its original with the shared passages
    marked; hostile titles and texts stay text."""
    watched = Watched(served, browser, "/article?" + urlencode({"id": COPY}))
    page = watched.page
    page.wait_for_selector("li.hop.marked")
    assert page.get_attribute("li.hop.marked", "data-id") == COPY
    page.click("a.compare[href*='original=art%3Agt-0908-a']")
    page.wait_for_selector("#copy mark")
    assert page.locator("#copy mark").count() >= 1 and page.locator("#original mark").count() >= 1
    assert "据加拿大《国会山时报》网站近日报道" in page.locator("#copy mark").first.text_content()
    page.screenshot(path=str(_artifacts() / f"compare-{_backend(served)}.png"), full_page=True)

    page.goto(served.origin + "/compare?" + urlencode({"copy": HOSTILE_COPY, "original": HOSTILE_ORIGINAL}))
    page.wait_for_selector("#copy mark")
    assert "<img src=x onerror=alert(1)>" in page.text_content("#copy .text")
    assert page.text_content("#copy h2 a") == SCRIPT
    page.goto(served.origin + "/article?" + urlencode({"id": HOSTILE_COPY}))
    page.wait_for_selector("#entity-name")
    assert page.text_content("#entity-name") == SCRIPT
    for path in ("/compare?" + urlencode({"copy": HOSTILE_COPY, "original": HOSTILE_ORIGINAL}),
                 "/article?" + urlencode({"id": HOSTILE_COPY})):
        page.goto(served.origin + path)
        page.wait_for_selector("#entity-name, h1")
        assert page.evaluate("() => document.querySelectorAll('img, iframe, object, embed, base').length") == 0
        assert page.evaluate("() => document.scripts.length") == 1
    watched.close()


def _backend(served) -> str:
    return "embedded" if served.app.state.workspace.store.url.startswith("embedded") else "neo4j"


def _artifacts() -> Path:
    from test_serve import ARTIFACTS

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
