"""The explorer and search of ``graphtool serve`` (issue 15 items 2 and 4): full-text search in Chinese and
English, neighbour counts before expanding, expansion by type and two hops, the community overview and its
drill-down, filters, exports of the view (GEXF, the offline map, PNG) -- on both stores, real uvicorn, real
Chromium.  A small graph written with the loader's writer keeps this module fast (no analysis run: the
scores and communities are written as the analysis would store them).
"""
from __future__ import annotations

import json
import time
import xml.etree.ElementTree as ET
from urllib.parse import urlencode

import pytest

from graphtool.load.records import NodeRecord, RelRecord
from graphtool.load.writer import write_records

from test_serve import GL_DRIVER, PASSWORD, Client
from test_serve import browser, served  # noqa: F401 -- fixtures: Chromium, and the server over case_store

MAPLE, LAKE, GT, XH, HOSTILE = "wechat:biz_maple", "weibo:lake_notes", "x:globaltimes_en", "douyin:xh_dy", "x:hostile"
MAPLE_NAME = "枫叶新闻速递"
DAY = 86400
T2020, T2024 = 1577836800, 1704067200  # 2020-01-01, 2024-01-01


def _iso(ts: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


def _account(aid, name, community, score, klass, created, state_media=False):
    platform, handle = aid.split(":")
    return NodeRecord("Account", aid, {"platform": platform, "handle": handle, "display_name": name,
                                       "community": community, "affiliation_score": score,
                                       "ownership_clarity": klass, "state_media": state_media,
                                       "created_at": _iso(created),
                                       "created_ts": created, "pagerank": score / 10})


def records():
    yield _account(MAPLE, MAPLE_NAME, 0, 0.62, "unclear", T2020)
    yield _account(LAKE, "湖畔笔记", 0, 0.10, "none", T2024)
    yield _account(GT, "Global Times English", 1, 0.95, "declared", T2020, True)
    yield _account(XH, "新华社抖音号", 1, 0.90, "declared", T2020, True)
    yield _account(HOSTILE, "<img src=x onerror=alert(1)>", 2, 0.0, "none", T2024)
    yield NodeRecord("Outlet", "outlet:gt", {"name": "Global Times 环球时报", "community": 1, "affiliation_score": 1.0,
                                             "state_media": True})
    yield NodeRecord("Identifier", "wechat:user_id:MzA5NTk3MTQ", {"platform": "wechat", "kind": "user_id",
                                                                 "value": "MzA5NTk3MTQ"})
    yield NodeRecord("Narrative", "narrative:platform", {"name": "保守党政纲 platform story"})
    for i in range(6):
        yield NodeRecord("Article", f"art:{i}", {"platform": "x" if i < 3 else "wechat", "title": f"保守党 政纲 story {i}",
                                                 "text": "Conservative platform 中国 外交 text", "published_ts": T2024 + i * DAY,
                                                 "url": f"https://example.org/story-{i}"})
        yield RelRecord("PUBLISHED", "outlet:gt" if i < 3 else MAPLE, f"art:{i}", {}, "Outlet" if i < 3 else "Account",
                        "Article")
        yield RelRecord("CARRIES", f"art:{i}", "narrative:platform", {"confidence": 0.9})
    for who, arts in ((LAKE, range(6)), (MAPLE, range(3)), (XH, range(2)), (GT, range(1))):
        for i in arts:
            at = T2024 + i * DAY + 60
            yield RelRecord("SHARED", who, f"art:{i}", {"id": f"share:{who}:{i}", "at_ts": at, "at": _iso(at)})
    yield RelRecord("COORDINATED_WITH", MAPLE, LAKE, {"weight": 3.0, "kind": "co-share", "window_s": 60})
    yield RelRecord("IDENTIFIES", "wechat:user_id:MzA5NTk3MTQ", MAPLE, {"as_seen": "MzA5NTk3MTQ"})


@pytest.fixture(scope="module", params=["embedded", pytest.param("neo4j", marks=pytest.mark.slow)])
def case_store(request):
    """This module's small graph; test_serve's ``served`` fixture serves it (users vera, anna, adam)."""
    from graphtool.store import open_store

    url = (f"embedded:{request.getfixturevalue('embedded_dir')}" if request.param == "embedded"
           else request.getfixturevalue("neo4j_server").uri)
    with open_store(url) as store:
        store.clear()
        write_records(store, records())
        yield store
        store.clear()


_clients: dict = {}


def _client(served, name):
    """One signed-in client per user and server (each sign-in costs an Argon2 hash)."""
    if (served, name) not in _clients:
        client = _clients[(served, name)] = Client(served)
        assert client.login(name).status == 303
    return _clients[(served, name)]


def _json(response):
    assert response.status == 200, response.text
    return json.loads(response.text)


def test_the_store_has_full_text_indexes(case_store):
    assert case_store.fulltext("Account", "globaltimes", 5) == [{"id": GT, "score": pytest.approx(
        case_store.fulltext("Account", "globaltimes", 5)[0]["score"])}]
    assert [h["id"] for h in case_store.fulltext("Article", "外交", 10)] == [f"art:{i}" for i in range(6)] or \
        sorted(h["id"] for h in case_store.fulltext("Article", "外交", 10)) == [f"art:{i}" for i in range(6)]


@pytest.mark.parametrize("text, kind, first", [
    (MAPLE_NAME, "Account", MAPLE),  # a Chinese display name as written, no spaces
    ("枫叶", "Account", MAPLE),  # a part of it
    ("Global Times", "Outlet", "outlet:gt"),
    ("globaltimes", "Account", GT),  # a handle
    ("环球时报", "Outlet", "outlet:gt"),
    ("MzA5NTk3MTQ", "Account", MAPLE),  # an identifier a source used
    (MAPLE, "Account", MAPLE),  # an id
    ("https://example.org/story-4", "Article", "art:4"),  # a URL
    ("外交", "Article", "art:0"),  # article text
])
def test_search_finds_by_name_handle_identifier_url_and_text(served, text, kind, first):
    groups = _json(_client(served, "vera").get("/api/search", q=text))
    assert kind in groups, groups
    assert groups[kind][0]["id"] == first, groups[kind]
    order = ["Account", "Outlet", "Organization", "Person", "Narrative", "Event", "Article"]
    assert list(groups) == [k for k in order if k in groups]  # grouped by kind, in a fixed order
    assert served.records(action="search")[-1]["detail"]["q"] == text


def test_counts_before_expanding_and_expansion_by_type(served):
    client = _client(served, "vera")
    counts = _json(client.get("/api/neighbours/counts", id=LAKE))
    by_type = {(c["type"], c["out"]): c["n"] for c in counts["counts"]}
    assert by_type == {("SHARED", True): 6, ("COORDINATED_WITH", False): 1}
    shared = _json(client.get("/api/neighbours", id=LAKE, type="SHARED"))
    assert {e["id"] for e in shared["edges"]} == {f"art:{i}" for i in range(6)} and shared["counts"] == {"SHARED": 6}
    two = _json(client.get("/api/neighbours", id=LAKE, hops="2"))
    reached = {e["id"] for e in two["edges"]}
    assert {"outlet:gt", GT, XH, "narrative:platform"} <= reached  # through the articles
    assert two["node"]["platform"] == "weibo" and two["node"]["score"] == pytest.approx(0.1)
    assert client.get("/api/neighbours", id=LAKE, type="SHAREDD").status == 404
    assert served.records(action="view")[-1]["detail"]["neighbours"] is True


def test_community_overview_and_drill_down(served):
    client = _client(served, "vera")
    overview = _json(client.get("/api/overview"))
    sizes = {c["community"]: c["size"] for c in overview["communities"]}
    assert sizes == {0: 2, 1: 3, 2: 1} and overview["actors"] == 6
    links = {(link["src"], link["dst"], link["type"]): link["n"] for link in overview["links"]}
    assert links[(0, 1, "SHARED")] == 3 + 3  # the lake and the maple share the outlet's three articles
    one = _json(client.get("/api/community", c="1"))
    assert {n["id"] for n in one["nodes"]} == {GT, XH, "outlet:gt"}
    assert {(e["src"], e["dst"]) for e in one["edges"]} >= {(XH, "outlet:gt"), (GT, "outlet:gt")}
    assert client.get("/api/community", c="9").status == 404


def test_exports_of_a_view_are_for_analysts_and_audited(served):
    view = json.dumps([{"id": i, "label": label} for i, label in ((MAPLE, "Account"), (LAKE, "Account"),
                                                                  ("art:4", "Article"))])
    viewer = _client(served, "vera")
    assert viewer.request("POST", "/explore/export", {"format": "gexf", "nodes": view, "csrf": viewer.csrf}).status == 403
    assert served.records(action="denied")[-1]["detail"]["path"] == "/explore/export"
    analyst = _client(served, "anna")
    assert analyst.request("POST", "/explore/export", {"format": "gexf", "nodes": view}).status == 403  # no CSRF token
    response = analyst.request("POST", "/explore/export", {"format": "gexf", "nodes": view, "csrf": analyst.csrf})
    assert response.status == 200 and "attachment" in response.getheader("content-disposition")
    root = ET.fromstring(response.text.encode())
    ns = {"g": root.tag.split("}")[0].strip("{")}
    assert {n.get("id") for n in root.iterfind(".//g:node", ns)} == {MAPLE, LAKE, "art:4"}
    assert {(e.get("source"), e.get("target")) for e in root.iterfind(".//g:edge", ns)} == {
        (MAPLE, LAKE), (LAKE, "art:4"), (MAPLE, "art:4")}
    page = analyst.request("POST", "/explore/export", {"format": "map", "nodes": view, "csrf": analyst.csrf})
    assert page.status == 200 and "Content-Security-Policy" in page.text and MAPLE_NAME in page.text
    assert analyst.request("POST", "/explore/export", {"format": "pdf", "nodes": view, "csrf": analyst.csrf}).status == 404
    assert analyst.request("POST", "/explore/export", {"format": "gexf", "nodes": "[1,", "csrf": analyst.csrf}).status == 400
    exports = served.records(action="export", user="anna")
    assert [e["detail"]["format"] for e in exports[-2:]] == ["gexf", "map"] and exports[-1]["detail"]["nodes"] == 3


def _wait(page, script, expect, tries=120):
    for _ in range(tries):  # CSP rules out Playwright's eval-based waits
        if page.evaluate(script) == expect:
            return
        time.sleep(0.1)
    assert page.evaluate(script) == expect


def _click_node(page, node):
    """A real click on the node where sigma drew it."""
    at = page.evaluate("(n) => { const r = graphtoolExplorer.renderer; const a = r.getNodeDisplayData(n);"
                       " const p = r.framedGraphToViewport(a); const b = r.getContainer().getBoundingClientRect();"
                       " return [b.left + p.x, b.top + p.y]; }", node)
    page.mouse.click(at[0], at[1])


def test_explorer_in_chromium(served, browser, tmp_path):
    """Search a Chinese name; on the explorer: counts first, expand one type, filter, export GEXF and PNG;
    the community overview drawn and drilled into; nothing runs from the data, nothing leaves the origin."""
    errors, dialogs, requests = [], [], []
    page = browser.new_page()
    page.on("console", lambda m: errors.append(f"{m.text} {m.location}") if m.type in ("error", "warning") and
            not GL_DRIVER.match(m.text) and not m.location.get("url", "").endswith("/favicon.ico") else None)
    # (the browser's own favicon request answers 404: not the page's doing)
    page.on("pageerror", lambda e: errors.append(f"pageerror: {e}"))
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.on("request", lambda r: requests.append(r.url))
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.goto(served.origin + "/login")
    page.fill("#username", "anna")
    page.fill("#password", PASSWORD)
    page.click("#signin")
    page.wait_for_selector("#q")
    page.fill("#q", MAPLE_NAME)
    page.press("#q", "Enter")
    page.wait_for_selector("section[data-kind=Account] a.result")
    assert page.locator("section[data-kind=Account] a.result").first.text_content() == MAPLE_NAME

    page.goto(served.origin + f"/explore?{urlencode({'id': GT})}")  # 1 shared article, 1 identifier-less account
    page.wait_for_selector("body[data-graph-ready]", state="attached", timeout=60_000)
    assert page.evaluate("() => graphtoolExplorer.graph.order") == 2  # itself and the article it shared
    _click_node(page, "art:0")  # select: the store's counts come first, nothing is added
    page.wait_for_selector("#selected-counts li[data-type=SHARED]")
    shared = page.text_content("#selected-counts li[data-type=SHARED]")
    assert "SHARED ← Account: 4" in shared and page.evaluate("() => graphtoolExplorer.graph.order") == 2
    page.click("#selected-counts li[data-type=SHARED] button")  # expand that type only
    _wait(page, "() => graphtoolExplorer.graph.order", 5)  # + the lake, the maple, xh
    assert not page.evaluate("() => graphtoolExplorer.graph.hasNode('outlet:gt')")  # PUBLISHED not expanded

    _wait(page, "() => document.querySelectorAll('#filter-platforms input').length", 4)  # x, weibo, wechat, douyin
    page.click("#filters summary")
    page.uncheck("#filter-platforms input[value=weibo]")
    assert page.get_attribute("#graph", "data-visible") == "4"
    page.check("#filter-platforms input[value=weibo]")
    page.fill("#filter-to", "2022-12-31")  # the lake (made 2024) and the article (2024) fall out
    page.dispatch_event("#filter-to", "change")
    assert page.get_attribute("#graph", "data-visible") == "3"
    page.fill("#filter-to", "")
    page.dispatch_event("#filter-to", "change")
    page.select_option("#filter-class", "state_media")
    assert page.get_attribute("#graph", "data-visible") == "3"  # GT, XH and the article (no class)
    page.select_option("#filter-class", "")

    with page.expect_download() as info:
        page.click("#export-gexf")
    gexf = tmp_path / "view.gexf"
    info.value.save_as(gexf)
    assert MAPLE in gexf.read_text(encoding="utf-8")
    with page.expect_download() as info:
        page.click("#export-png")
    png = tmp_path / "view.png"
    info.value.save_as(png)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 2000
    _wait(page, "() => 1", 1)
    assert [e["detail"]["format"] for e in served.records(action="export", user="anna")][-2:] == ["gexf", "png"]

    page.goto(served.origin + "/")
    page.click("#explore-communities")
    page.wait_for_selector("body[data-graph-ready]", state="attached", timeout=60_000)
    assert page.evaluate("() => graphtoolExplorer.graph.order") == 3
    page.screenshot(path=str(tmp_path / "overview.png"))
    _click_node(page, "community:1")
    page.wait_for_selector("#selected-counts li")
    assert "3 actors" in page.text_content("#selected-counts li")
    page.click("#expand")  # a community expands into its actors
    _wait(page, "() => graphtoolExplorer.graph.hasNode('outlet:gt')", True)
    assert page.evaluate("() => graphtoolExplorer.graph.order") == 3

    page.goto(served.origin + f"/explore?{urlencode({'id': HOSTILE})}")
    page.wait_for_selector("body[data-graph-ready]", state="attached", timeout=60_000)
    assert page.text_content("#selected-name") == "<img src=x onerror=alert(1)>"
    assert page.evaluate("() => document.querySelectorAll('main img').length") == 0
    assert errors == [] and dialogs == []
    assert all(url.startswith(served.origin + "/") or url.startswith("blob:") for url in requests), requests
    page.close()
