"""Captures and exports investigators collect with: Zeeschuimer NDJSON, 4CAT CSV, Telegram Desktop, listening presets.

Fixtures are in tests/fixtures/captures/ (written for these tests in the real shapes; the README
there says where each field comes from).  Each adapter is loaded into both stores and fed
damaged input; accounts are asked for by handle, so the checks hold whatever id scheme identity
resolution picks.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from graphtool.errors import InputError
from graphtool.load import FORMATS, _load_adapters, _sniff, import_paths
from graphtool.load import fmt_fourcat, fmt_telegram, fmt_zeeschuimer
from graphtool.load.records import NodeRecord, Reject, RelRecord

HERE = Path(__file__).parent / "fixtures" / "captures"
BAD = HERE / "bad"
ZEESCHUIMER = sorted(HERE.glob("zeeschuimer-*.ndjson"))
TELEGRAM = HERE / "telegram" / "result.json"


def split(items):
    items = list(items)
    return ([i for i in items if isinstance(i, NodeRecord)], [i for i in items if isinstance(i, RelRecord)],
            [i for i in items if isinstance(i, Reject)])


def rows(store, query, **params):
    return store.read(query, params)


def one(store, query, **params):
    found = rows(store, query, **params)
    assert len(found) == 1, found
    return found[0]


def accounts(store, platform):
    return sorted(r["h"] for r in rows(store, "MATCH (a:Account {platform: $p}) RETURN a.handle AS h", p=platform))


def test_formats_register_and_are_recognised_by_their_fields():
    _load_adapters()
    assert {"zeeschuimer", "fourcat", "telegram", "crowdtangle", "meltwater", "talkwalker"} <= set(FORMATS)
    for path in ZEESCHUIMER:
        assert _sniff(path) is fmt_zeeschuimer, path
    assert _sniff(HERE / "fourcat-x.csv") is fmt_fourcat and _sniff(HERE / "fourcat-tiktok.csv") is fmt_fourcat
    assert _sniff(TELEGRAM) is fmt_telegram
    for name in ("crowdtangle", "meltwater", "talkwalker"):
        path = next((HERE / "listening").glob(f"{name}-*.csv"))
        assert _sniff(path) is FORMATS[name], path
    assert not fmt_zeeschuimer.sniff(TELEGRAM) and not fmt_fourcat.sniff(HERE / "listening" / "meltwater-mentions.csv")


def test_zeeschuimer_items_become_posts_reposts_quotes_and_replies():
    nodes, rels, rejects = split(fmt_zeeschuimer.read(HERE / "zeeschuimer-x.ndjson", ["file:x"]))
    assert rejects == []
    shares = sorted((r.props["kind"], r.dst, r.props["at"]) for r in rels if r.type == "SHARED")
    assert shares == [("quote", "x:1435614830001", "2021-09-08T14:10:00Z"),
                      ("reply", "x:1435614830001", "2021-09-08T14:20:00Z"),
                      ("repost", "x:1435614830001", "2021-09-08T13:40:00Z")]
    assert [(r.src, r.dst) for r in rels if r.type == "CITES"] == [("x:1435615001004", "x:1435614830001")]
    author = next(n for n in nodes if n.label == "Account" and n.props["handle"] == "StateMedia_EN")
    assert [(r.src, r.dst) for r in rels if r.type == "MENTIONS"] == [("x:1435615402005", author.id)]
    original = next(n for n in nodes if n.id == "x:1435614830001" and not n.stub)
    assert original.props["hashtags"] == ["CanadaElection"]
    assert original.props["urls"] == ["https://example.com/2021/09/08/platform"]
    assert original.props["media_ids"] == ["photo:3_1435614800000000001"] and original.props["views"] == 1500
    assert not any(n.id == "x:1435614851002" for n in nodes)  # a retweet has no article of its own
    capture = next(n for n in nodes if n.label == "Source")
    assert capture.props["kind"] == "capture" and capture.props["captured_at"] == "2021-09-09T07:00:00Z"
    assert capture.props["url"] == "https://x.com/search?q=%23CanadaElection" and capture.props["sources"] == ["file:x"]
    assert all(r.props["sources"] == ["file:x", capture.id] for r in rels)


def test_weibo_bilibili_tiktok_instagram_shapes():
    def records(name):
        nodes, rels, rejects = split(fmt_zeeschuimer.read(HERE / name))
        assert rejects == []
        return nodes, rels
    nodes, rels = records("zeeschuimer-weibo.ndjson")
    assert sorted(r.props["kind"] for r in rels if r.type == "SHARED") == ["quote", "repost"]  # 转发微博 vs own words
    weibo = next(n for n in nodes if n.id == "weibo:4680000000000001")
    assert weibo.props["hashtags"] == ["加拿大大选"] and weibo.props["media_ids"] == ["image:0082abcly1gu9platform01"]
    nodes, rels = records("zeeschuimer-bilibili.ndjson")
    assert [(r.props["kind"], r.dst) for r in rels if r.type == "SHARED"] == [("repost", "bilibili:870000000000000000")]
    assert {n.id for n in nodes if "video:BV1Nx4y1North" in (n.props.get("media_ids") or [])} == {
        "bilibili:BV1Nx4y1North", "bilibili:870000000000000000"}
    nodes, rels = records("zeeschuimer-tiktok.ndjson")
    assert [(r.props["kind"], r.dst) for r in rels if r.type == "SHARED"] == [("quote", "tiktok:7005100000000000001")]
    nodes, _ = records("zeeschuimer-instagram.ndjson")
    reel = next(n for n in nodes if n.label == "Article")
    assert reel.props["music_id"] == "1890000000000001" and reel.props["mentions"] == ["maple.daily"]
    assert reel.props["hashtags"] == ["canada", "election"] and reel.props["likes"] == 410


def test_captures_load_one_account_per_real_account_idempotently(store):
    files = [*ZEESCHUIMER, *sorted(HERE.glob("fourcat-*.csv"))]
    first = import_paths(store, files)
    assert [(r.line, r.field) for r in first.rejects] == [(4, "unix_timestamp"), (6, "retweeted_user")]
    # Two Douyin captures (the page's embedded JSON without the 抖音号, then the API's with it) and a 4CAT
    # export (the profile URL): one account, by its sec_uid.
    assert len(accounts(store, "douyin")) == 2
    northern = one(store, "MATCH (a:Account {platform: 'douyin'})-[:PUBLISHED]->(p:Article) "
                          "WITH a, count(p) AS posts WHERE posts = 3 RETURN a.display_name AS name")
    assert northern == {"name": "北极星TV"}
    assert accounts(store, "instagram") == ["maple.daily", "northernstar.tv"]
    # The X capture and the 4CAT X export: each real account once.
    assert accounts(store, "x") == ["StateMedia_EN", "maple_watch", "north_reader", "prairie_voice"]
    assert accounts(store, "tiktok") == ["maple_daily", "northernstar_tv", "prairie_voice"]
    counts = store.counts()
    again = import_paths(store, files)
    assert again.rejected == first.rejected and store.counts() == counts
    # Quotes are shares with credit: a SHARED and a CITES, once each, however many files said so.
    quote = one(store, "MATCH (:Account {handle: 'north_reader'})-[s:SHARED]->(o:Article) "
                       "RETURN s.kind AS kind, o.id AS o, s.sources AS src")
    assert quote["kind"] == "quote" and quote["o"] == "x:1435614830001"
    assert sorted(s.partition(":")[0] for s in quote["src"]) == ["capture", "file", "file"]  # both files, the page
    assert one(store, "MATCH (:Article {id: 'x:1435615001004'})-[c:CITES]->(:Article {id: 'x:1435614830001'}) "
                      "RETURN count(c) AS c")["c"] == 1
    # Mentions are MENTIONS to the account (one node, named by handle and id), never shares.
    assert sorted((r["a"], r["h"]) for r in rows(store, "MATCH (p:Article)-[:MENTIONS]->(a:Account) "
                                                       "WHERE a.platform IN ['x', 'douyin'] "
                                                       "RETURN p.id AS a, a.handle AS h")) == [
        ("douyin:7005000000000000001", "MS4wLjABAAAAmaple_daily_secuid"),
        ("douyin:7005000000000000004", "MS4wLjABAAAAmaple_daily_secuid"),
        ("x:1435615402005", "StateMedia_EN")]
    # The capture is the evidence: file, page and time.
    cited = one(store, "MATCH (a:Article {id: 'douyin:7005000000000000003'}) RETURN a.sources AS s")["s"]
    capture = one(store, "MATCH (s:Source {id: $id}) RETURN s.kind AS k, s.url AS u, s.captured_at AS t, s.sources AS f",
                  id=cited[1])
    assert capture["k"] == "capture" and capture["u"].startswith("https://www.douyin.com/user/")
    assert capture["t"] == "2021-09-10T07:00:00Z" and capture["f"] == [cited[0]] and cited[0].startswith("file:")


def test_co_media_pairs_share_a_sound_or_a_file(store):
    import_paths(store, [*ZEESCHUIMER, HERE / "fourcat-tiktok.csv", TELEGRAM])
    pairs = rows(store, "MATCH (a:Account)-[:PUBLISHED]->(x:Article), (b:Account)-[:PUBLISHED]->(y:Article) "
                        "WITH a, b, x, y, coalesce(a.user_id, a.handle) AS ka, coalesce(b.user_id, b.handle) AS kb "
                        "WHERE x.music_id = y.music_id AND ka < kb "
                        "RETURN DISTINCT a.platform AS p, ka AS a, kb AS b, x.music_id AS m ORDER BY p, a, b")
    assert [(r["p"], r["a"], r["b"]) for r in pairs] == [
        ("douyin", "MS4wLjABAAAAmaple_daily_secuid", "MS4wLjABAAAAnorthernstar_tv_secuid"),
        ("tiktok", "maple_daily", "northernstar_tv"), ("tiktok", "maple_daily", "prairie_voice"),
        ("tiktok", "northernstar_tv", "prairie_voice")]
    # The same photo file in two Telegram channels: identical sha256.
    same = one(store, "MATCH (x:Article), (y:Article) WHERE x.platform = 'telegram' AND y.platform = 'telegram' "
                      "AND x.id < y.id AND x.media_ids IS NOT NULL AND y.media_ids IS NOT NULL "
                      "AND x.media_ids[0] = y.media_ids[0] RETURN count(*) AS c")
    assert same["c"] == 0  # the forward has no article of its own: its photo is the original's
    photo = one(store, "MATCH (x:Article {id: 'telegram:channel1001234567/10'}) RETURN x.media_ids AS m")["m"]
    assert photo[0].startswith("sha256:") and len(photo[0]) == 71


def test_malformed_ndjson_lines_are_rejected_with_line_numbers_and_the_rest_loads(store):
    result = import_paths(store, [BAD / "zeeschuimer-malformed.ndjson"])
    got = {r.line: (r.field, r.reason) for r in result.rejects}
    assert sorted(got) == [2, 3, 4, 5, 6, 7]
    assert got[2][0] == "source_platform" and "myspace.com" in got[2][1]
    assert got[3][0] == "data" and got[4] == ("data.aweme_id", "required but missing in this douyin item")
    assert "not valid JSON" in got[5][1] and got[6][0] == "create_time" and "not valid JSON" in got[7][1]
    assert one(store, "MATCH (a:Article {platform: 'douyin'}) RETURN a.text AS t") == {"t": "好的一行"}
    assert all(r.raw for r in result.rejects)


def test_telegram_forwards_are_credited_shares_and_a_copy_without_the_header_is_found(store, store_url):
    result = import_paths(store, [TELEGRAM])
    assert result.rejected == 0
    assert sorted(r["n"] for r in rows(store, "MATCH (a:Account {platform: 'telegram'}) "
                                              "RETURN coalesce(a.display_name, '@' + a.handle) AS n")) \
        == ["@maple_relay", "Global Daily", "Li Wei", "Maple Chat", "Maple Relay", "North Copy", "Unknown Voice", "Zhang"]
    # @maple_relay is a username; the export names channels by id only, so it stays its own node.
    assert one(store, "MATCH (p:Article)-[:MENTIONS]->(a:Account {handle: 'maple_relay'}) RETURN p.id AS p") == \
        {"p": "telegram:channel1009999999/100"}
    # "Maple Relay forwarded Global Daily's post 40 minutes later", with the credit in the graph.
    fwd = one(store, "MATCH (b:Account)-[s:SHARED {kind: 'repost'}]->(p:Article)<-[:PUBLISHED]-(a:Account) "
                     "WHERE b.display_name = 'Maple Relay' "
                     "RETURN a.display_name AS a, p.id AS p, s.at_ts - p.published_ts AS lag, s.id AS id")
    assert fwd == {"a": "Global Daily", "p": "telegram:channel1001234567/10", "lag": 2400,
                   "id": "telegram:channel1007654321/5"}
    original = one(store, "MATCH (p:Article {id: 'telegram:channel1001234567/10'}) RETURN p.text AS t, p.urls AS u, "
                          "p.hashtags AS h")
    assert original["t"].startswith("Experts say the Conservative platform") and original["h"] == ["CanadaElection"]
    assert original["u"] == ["https://globaldaily.example/live", "https://globaldaily.example/2021/09/08/platform"]
    # A reply to the forward answers the forwarded post.
    assert one(store, "MATCH (:Account)-[s:SHARED {kind: 'reply'}]->(p:Article) RETURN p.id AS p") == \
        {"p": "telegram:channel1001234567/10"}
    # A forward from a chat outside the export: credited by name.
    assert one(store, "MATCH (a:Account)-[:PUBLISHED]->(p:Article)<-[:SHARED]-(:Account {display_name: 'Zhang'}) "
                      "RETURN a.display_name AS a")["a"] == "Unknown Voice"
    # "North Copy posted the same text without the forward header": copy detection, through the CLI.
    out = subprocess.run([sys.executable, "-m", "graphtool", "--store", store_url, "copies", "--json"],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    pairs = {(p["copy"], p["original"]): p for p in json.loads(out.stdout)["pairs"]}
    copy = pairs[("telegram:channel1005555555/7", "telegram:channel1001234567/10")]
    assert copy["attributed"] is False and copy["lag_s"] == 7200


def test_telegram_truncated_export_and_broken_message_are_rejected_with_line_numbers(store):
    path = BAD / "telegram-truncated.json"
    result = import_paths(store, [path])
    lines = path.read_text(encoding="utf-8").splitlines()
    got = {r.line: r.reason for r in result.rejects}
    assert len(got) == 2
    broken, cut = sorted(got)
    assert '"broken message,' in lines[broken - 1] and "not valid JSON" in got[broken]
    assert '"id": 11' in lines[cut] and "truncated" in got[cut]
    texts = sorted(r["t"] for r in rows(store, "MATCH (p:Article {platform: 'telegram'}) WHERE p.text IS NOT NULL "
                                              "RETURN p.text AS t"))
    assert texts[-2:] == ["Read the forwarded post above", "still fine after the broken one"]


def test_a_file_of_another_format_is_one_clear_error():
    with pytest.raises(InputError, match="no \"messages\" list: not a Telegram Desktop export"):
        list(fmt_telegram.read(HERE / "fourcat-x.csv"))
    with pytest.raises(InputError, match=":1: not a Zeeschuimer export"):
        list(fmt_zeeschuimer.read(Path(__file__).parent / "fixtures" / "formats" / "ftm" / "ownership.ftm.jsonl"))
    with pytest.raises(InputError, match=":1: not a 4CAT export"):
        list(fmt_fourcat.read(HERE / "listening" / "meltwater-mentions.csv"))
    with pytest.raises(InputError, match="missing required column.*a crowdtangle export"):
        list(FORMATS["crowdtangle"].read(HERE / "listening" / "meltwater-mentions.csv"))


def test_telegram_text_is_a_string_or_a_list_of_parts():
    assert fmt_telegram.plain_text({"text": "plain"}) == "plain"
    assert fmt_telegram.plain_text({"text": ["see ", {"type": "text_link", "text": "this", "href": "https://a.example"},
                                             "!"]}) == "see this!"
    assert fmt_telegram.plain_text({}) == ""


def test_listening_presets_by_header_and_by_name(store, tmp_path):
    listening = HERE / "listening"
    result = import_paths(store, [listening])
    assert [(Path(r.file).name, r.line, r.field) for r in result.rejects] == [
        ("crowdtangle-historical.csv", 4, "Post Created")]
    ct = one(store, "MATCH (a:Account {platform: 'facebook', handle: 'globaldailynews'})-[:PUBLISHED]->(p:Article) "
                    "RETURN p.published_at AS t, p.likes AS likes, p.urls AS u")
    assert ct == {"t": "2021-09-08T13:00:00Z", "likes": 1200, "u": ["https://globaldaily.example/2021/09/08/platform"]}
    mw = one(store, "MATCH (a:Account {handle: 'StateMedia_EN'})-[:PUBLISHED]->(p:Article) "
                    "RETURN a.platform AS pl, p.id AS id, p.lang AS lang")
    assert mw == {"pl": "x", "id": "x:1435614830001", "lang": "en"}
    assert one(store, "MATCH (p:Article {url: 'https://mapledaily.example/2021/09/08/platform'}) "
                      "RETURN p.platform AS p")["p"] == "web"
    tw = one(store, "MATCH (a:Account {handle: 'maple_watch'})-[:PUBLISHED]->(p:Article) "
                    "RETURN a.platform AS pl, p.published_at AS t")
    assert tw == {"pl": "x", "t": "2021-09-08T13:15:00Z"}
    # By name: a file whose name and header say nothing more.
    renamed = tmp_path / "export.csv"
    renamed.write_bytes((listening / "talkwalker-results.csv").read_bytes())
    assert import_paths(store, [renamed], fmt="talkwalker").rejected == 0
