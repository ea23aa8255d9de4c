"""Figures people can compare and read, and that names or dates cannot break (issues 12.8, 18.10, 18.8).

Timelines are built from Activity records with the pure functions of graphtool.analyze.timeline,
rendered for real with matplotlib and the shipped Noto Sans CJK font; no store needed.
"""
from __future__ import annotations

import base64
import csv
import html
import io
import re
import warnings

import networkx as nx
import pytest
from fontTools.ttLib import TTFont

from graphtool.analyze.timeline import Activity, EventMark, Timeline, first_appearances, volume
from graphtool.render import style
from graphtool.render import timeline as figures
from graphtool.render.maps import MapOptions, node_communities, node_scores, page_data, render_page
from graphtool.render.tables import csv_cell, rich_table, terminal_text, to_csv

T0 = 1_631_000_000  # 2021-09-07


def make_timeline(platforms, name="叙事：华人恐惧", events=(), activity=None, shares=True) -> Timeline:
    activity = activity or [Activity(T0 + 3600 * i + 60 * j, p, f"{p}:acc{j}", f"art:{p}{i}",
                                     "share" if shares and j % 2 else "post")
                            for j, p in enumerate(platforms) for i in range(6)]
    vol = volume(activity, 3600)
    return Timeline("narrative:n", name, 3600, vol, first_appearances(activity), list(events), [], [],
                    posts=sum(a.kind == "post" for a in activity), shares=sum(a.kind == "share" for a in activity))


def missing_glyphs(caught) -> list[str]:
    return [str(w.message) for w in caught if "missing from" in str(w.message)]


@pytest.mark.parametrize("suffix", [".png", ".svg"])
def test_chinese_labels_have_no_missing_glyphs(tmp_path, suffix):
    events = [EventMark("event:d", "第一场辩论 토론 討論", "debate", T0 + 7200)]
    tl = make_timeline(["wechat", "微博"], events=events)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        path = figures.write_figure(tl, tmp_path / f"zh{suffix}")
    assert path.stat().st_size > 1000
    assert missing_glyphs(caught) == []
    assert [w for w in caught if issubclass(w.category, style.CJKFontWarning)] == []


def test_the_check_above_can_fail_without_the_cjk_font(tmp_path):
    """The same labels drawn with DejaVu Sans alone warn about missing glyphs: the test above means something."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    with warnings.catch_warnings(record=True) as caught, plt.rc_context({"font.family": ["DejaVu Sans"]}):
        warnings.simplefilter("always")
        fig, ax = plt.subplots()
        ax.set_title("第一场辩论")
        fig.savefig(tmp_path / "tofu.png")
        plt.close(fig)
    assert missing_glyphs(caught)


def test_no_cjk_font_warns_once_and_falls_back(monkeypatch):
    monkeypatch.setattr(style, "CJK_PACKAGE", "graphtool_no_such_font_package")
    caches = (style.cjk_font_path, style._cjk_font_bytes, style._subset_woff2, style.matplotlib_cjk_family)
    for cached in caches:  # an earlier test (maps) may have read the font already
        cached.cache_clear()
    try:
        with pytest.warns(style.CJKFontWarning, match="notojp-matplotlib"):
            assert style.cjk_font_path() is None
        assert style.font_face_css(["新华社"]) == ""  # cached bytes were never read in this state
    finally:
        for cached in caches:
            cached.cache_clear()


def _svg_fills(path) -> set[str]:
    return set(re.findall(r"fill: ?(#[0-9a-f]{6})", path.read_text(encoding="utf-8")))


def test_platform_colours_are_equal_across_timelines_and_maps(tmp_path):
    a = make_timeline(["wechat", "weibo"])
    b = make_timeline(["bilibili", "douyin", "facebook", "wechat", "x"])  # wechat was the 4th colour here
    wechat = style.platform_color("wechat")
    assert style.platform_color("WeChat") == wechat
    for tl, name in ((a, "a"), (b, "b")):
        assert wechat in _svg_fills(figures.write_figure(tl, tmp_path / f"{name}.svg"))
        page = figures.render_html(tl)
        data = re.search(r'<script id="data" type="application/json">(.*?)</script>', page, re.S).group(1)
        assert f'"wechat":"{wechat}"' in data
    fills_a, fills_b = _svg_fills(tmp_path / "a.svg"), _svg_fills(tmp_path / "b.svg")
    assert style.platform_color("weibo") in fills_a - fills_b
    # unknown platforms: a colour from the name, the same every time
    assert style.platform_color("mastodon") == style.platform_color("mastodon") in style.PALETTE
    # and maps coloured by platform use the same table
    G = nx.MultiDiGraph()
    for i, p in enumerate(["x", "x", "wechat"]):
        G.add_node(f"{p}:h{i}", label="Account", id=f"{p}:h{i}", platform=p, handle=f"h{i}")
    opts = MapOptions(color="platform")
    data = page_data(G, opts, node_scores(G, "degree"), node_communities(G, 1))
    assert {n["gt"]["platform"]: n["color"] for n in data["nodes"]} == {"x": style.platform_color("x"),
                                                                        "wechat": wechat}


@pytest.mark.parametrize("suffix", [".png", ".svg"])
def test_mathtext_in_names_is_plain_text(tmp_path, suffix):
    events = [EventMark("event:m", "$\\frac{$", "$x^", T0 + 3600), EventMark("event:n", "50$ and 20$", None, T0)]
    tl = make_timeline(["wechat", "$\\alpha$"], name="$\\frac{$ $$", events=events)
    written = figures.write_timeline(tl, tmp_path / f"math{suffix}")
    assert [p.suffix for p in written] == [suffix, ".html"] and written[0].stat().st_size > 1000


def test_dates_1970_and_2099_are_binned_by_their_span(tmp_path):
    far = [Activity(0, "web", "a", "art:1970"), Activity(4_102_444_800 - 1, "wechat", "b", "art:2099")]
    tl = make_timeline([], activity=far, shares=False)
    assert tl.volume.counts.shape[1] > 1_000_000  # hourly bins over 130 years
    capped = figures.capped(tl)
    assert capped.volume.counts.shape[1] <= figures.MAX_BINS
    assert capped.volume.counts.sum() == 2 and capped.bin_s % 86400 == 0
    assert capped.volume.start <= 0 and capped.volume.bin_start(capped.volume.counts.shape[1]) > 4_102_444_799
    png, html = figures.write_timeline(tl, tmp_path / "far.png")
    assert png.stat().st_size < 500_000
    assert html.stat().st_size < 500_000
    # a short timeline keeps its hourly bins
    short = make_timeline(["wechat"])
    assert figures.capped(short) is short


def test_the_timeline_says_what_it_counts(tmp_path):
    with_shares, posts_only = make_timeline(["wechat", "weibo"]), make_timeline(["wechat"], shares=False)
    assert figures.counted(with_shares) == "posts and shares" and figures.counted(posts_only) == "posts"
    assert '"counted":"posts and shares"' in figures.render_html(with_shares)
    assert "narrative-first-appearance" in figures.render_html(with_shares)  # which counts posts only


def _embedded_font(page: str) -> TTFont:
    data = re.search(r"url\(data:font/woff2;base64,([A-Za-z0-9+/=]+)\)", page).group(1)
    return TTFont(io.BytesIO(base64.b64decode(data)))


def test_pages_embed_a_subset_of_the_cjk_glyphs_they_use():
    page = figures.render_html(make_timeline(["wechat"], name="环球时报 한국 ひらがな"))
    font = _embedded_font(page)
    cmap = font.getBestCmap()
    assert {ord(c) for c in "环球时报한국ひらがな"} <= set(cmap)
    assert ord("A") not in cmap and len(cmap) < 100  # a subset: what the page shows, not 44,000 characters
    assert "SIL Open Font License" in font["name"].getDebugName(13)
    csp = html.unescape(re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page).group(1))
    assert "default-src 'none'" in csp and "font-src data:" in csp and "connect-src 'none'" in csp
    assert figures.render_html(make_timeline(["wechat"], name="环球时报 한국 ひらがな")) == page  # deterministic
    # a map page too, and none where nothing is CJK
    G = nx.MultiDiGraph()
    G.add_node("a", label="Outlet", id="a", name="新华社")
    opts = MapOptions()
    data = page_data(G, opts, node_scores(G, "degree"), node_communities(G, 1))
    assert ord("新") in _embedded_font(render_page(data, "map", [])).getBestCmap()
    G.nodes["a"]["name"] = "Xinhua"
    data = page_data(G, opts, node_scores(G, "degree"), node_communities(G, 1))
    assert "@font-face" not in render_page(data, "map", [])


# ---- terminal and CSV -------------------------------------------------------------------------

HOSTILE = ["=HYPERLINK(\"http://evil\",\"x\")", "+1+1", "-2+3", "@SUM(A1)", "\tTAB", "\rCR", "plain", "a=b"]


def test_csv_neutralises_formulas_and_keeps_full_precision():
    rows = [{"name": h, "score": 0.123456789012345, "n": -3, "big": 1e-20} for h in HOSTILE]
    parsed = list(csv.reader(io.StringIO(to_csv(["name", "score", "n", "big"], rows), newline="")))
    assert parsed[0] == ["name", "score", "n", "big"]
    for value, (name, score, n, big) in zip(HOSTILE, parsed[1:]):
        assert name == (value if value in ("plain", "a=b") else "'" + value)
        assert float(score) == 0.123456789012345 and score == "0.123456789012345"
        assert n == "-3" and float(big) == 1e-20  # numbers stay numbers
    assert csv_cell(["-x", "y"]) == "'-x|y" and csv_cell([0.1, 2]) == "0.1|2" and csv_cell(None) == ""


def test_coordination_csv_and_rejects_file_are_neutralised(tmp_path):
    from graphtool.load import RejectsFile, Reject

    rejects = RejectsFile(tmp_path / "rejects.csv")
    rejects.write(Reject("=cmd|' /C calc'!A0", 3, "@id", "bad", "-1+1,=2"))
    rejects.close()
    row = list(csv.reader((tmp_path / "rejects.csv").open(encoding="utf-8")))[1]
    assert row == ["'=cmd|' /C calc'!A0", "3", "'@id", "bad", "'-1+1,=2"]


def test_names_for_the_terminal_lose_escape_sequences():
    hostile = "ok\x1b[31mred\x1b[0m \x1b]0;title\x07 \x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\ \x9b2J bell\x07 \u202eevil"
    text = terminal_text(hostile)
    assert "\x1b" not in text and "\x07" not in text and "\x9b" not in text and "\u202e" not in text
    assert text.startswith("okred ") and "link" in text and "\\x07" in text and "\\u202e" in text
    assert terminal_text("环球时报 plain") == "环球时报 plain"
    from rich.console import Console

    console = Console(file=io.StringIO(), width=120, color_system=None)
    console.print(rich_table(["name"], [{"name": hostile}]))
    assert "\x1b" not in console.file.getvalue()


def test_cli_timeline_prints_names_without_terminal_escapes(store, store_url, tmp_path):
    import subprocess
    import sys

    from conftest import ROOT

    evil = "Breaks \x1b[2J\x1b]0;pwned\x07ties \x1b[31m$\\frac{$"
    store.run("CREATE (n:Narrative {id: 'narr:e', name: $name}) "
              "CREATE (a:Article {id: 'art:e', platform: 'wechat', published_at: '2021-09-08T00:00:00Z', "
              "published_ts: 1631059200})-[:CARRIES]->(n) "
              "CREATE (:Event {id: 'event:e', name: $name, kind: 'debate', at: '2021-09-08T01:00:00Z', at_ts: 1631062800})",
              {"name": evil})
    result = subprocess.run([sys.executable, "-m", "graphtool", "--store", store_url, "timeline", "--narrative", "narr:e",
                             "--out", str(tmp_path / "t.png")], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert "narrative narr:e: Breaks ties $\\frac{$" in result.stdout and "debate: Breaks ties $\\frac{$" in result.stdout
    assert "first appearance per platform: counting posts (the narrative-first-appearance query" in result.stdout
    assert (tmp_path / "t.png").stat().st_size > 1000 and (tmp_path / "t.html").exists()


def test_cascade_trees_print_names_without_terminal_escapes():
    from graphtool.analyze.cascades import Article, Link, build_cascades
    from graphtool.render.text import render_tree

    arts = {i: Article(i, platform="web", published_ts=t, title="T\x1b[31mred\x1b]0;x\x07")
            for i, t in (("gt\x1b[2J", 0), ("wx", 60))}
    lines = render_tree(build_cascades(arts, [Link("wx", "gt\x1b[2J", "copies", 1.0, 1.0, 60, False)])[0])
    assert lines and not any("\x1b" in line or "\x07" in line for line in lines)
    assert "Tred" in lines[0]
