"""Adapters for real-world formats: IO archives, FollowTheMoney, listening exports via a mapping, WARC.

Each adapter is read on its fixtures (tests/fixtures/formats/, see the README there), loaded
into both stores, and fed malformed input: truncated files, wrong headers, mixed encodings,
dates in three formats, records that are not pages.  Rejects carry line, field and reason;
the valid rows around them are kept.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from graphtool.errors import ConfigError, InputError
from graphtool.load import _load_adapters, FORMATS, fmt_ftm, fmt_mapped, fmt_twitter_io, fmt_warc
from graphtool.load.records import FieldError, NodeRecord, Reject, RelRecord
from graphtool.values import literal_list, parse_offset, parse_when
from graphtool.load.writer import write_records

HERE = Path(__file__).parent / "fixtures" / "formats"
BAD = HERE / "bad"
MAPPING = Path(__file__).resolve().parent.parent / "imports" / "mappings" / "listening-example.toml"
U1 = "a38101d75ddbfbf67c8204fe85e22f74a559a87d4e028ce5504c8b905ed0a540"
U2 = "b6e43c24c7c86ba8598a846a3b7b2a6d9155825c5c5856c9deeb8b433adcbd3b"
U3 = "1187209436711931904"


def split(items):
    items = list(items)
    nodes = [i for i in items if isinstance(i, NodeRecord)]
    rels = [i for i in items if isinstance(i, RelRecord)]
    rejects = [i for i in items if isinstance(i, Reject)]
    return nodes, rels, rejects


def where(rejects):
    """(line, field) of each reject, sorted."""
    return sorted((r.line, r.field) for r in rejects)


def one(store, query, **params):
    rows = store.read(query, params)
    assert len(rows) == 1, rows
    return rows[0]


def test_every_adapter_registers_and_sniffs_its_files():
    _load_adapters()
    assert {"twitter_io", "ftm", "mapped", "warc"} <= set(FORMATS)
    assert fmt_twitter_io.sniff(HERE / "twitter_io" / "sample_io_tweets_csv_hashed.csv")
    assert fmt_twitter_io.sniff(HERE / "twitter_io" / "sample_io_users_csv_hashed.csv")
    assert not fmt_twitter_io.sniff(BAD / "io_tweets_wrong_header.csv")
    assert fmt_ftm.sniff(HERE / "ftm" / "ownership.ftm.jsonl")
    assert not fmt_ftm.sniff(HERE / "twitter_io" / "sample_io_users_csv_hashed.csv")
    assert fmt_warc.sniff(HERE / "warc" / "pages.warc.gz")
    assert not fmt_mapped.sniff(HERE / "listening" / "mentions_export.csv")  # no mapping beside it


# ----------------------------------------------------------------------------- values

def test_dates_in_the_formats_the_exports_use():
    us = ("iso", "%m/%d/%Y %H:%M")
    assert parse_when("2021-09-08 13:00", "t", us) == parse_when("09/08/2021 13:00", "t", us) \
        == parse_when("2021-09-08T13:00:00Z", "t", us) == parse_when("1631106000000", "t", us) == 1631106000
    assert parse_when("08/09/2021 21:00", "t", ("%d/%m/%Y %H:%M",), parse_offset("+08:00")) == 1631106000
    assert parse_when("", "t") is None
    with pytest.raises(FieldError, match="not a time"):
        parse_when("yesterday", "t", us)


def test_python_list_columns_are_literals_never_code():
    assert literal_list("['a', 'b']", "f") == ["a", "b"]
    assert literal_list("[123, 456]", "f") == ["123", "456"]
    assert literal_list("[]", "f") == literal_list("", "f") == []
    for hostile in ("[__import__('os').system('echo owned')]", "['a', ", "[[" * 10_000 + "]]" * 10_000,
                    "{'a': 1}", "[1.5]"):
        with pytest.raises(FieldError):
            literal_list(hostile, "hashtags")


# ----------------------------------------------------------------------------- IO archive

def test_io_archive_tweets_become_articles_shares_and_stub_authors():
    nodes, rels, rejects = split(fmt_twitter_io.read(HERE / "twitter_io" / "sample_io_tweets_csv_hashed.csv",
                                                     ["file:t"]))
    assert rejects == []
    full_accounts = {n.id for n in nodes if n.label == "Account" and not n.stub}
    assert full_accounts == {f"x:{U1}", f"x:{U2}", f"x:{U3}"}  # each author once, in full
    assert {n.id for n in nodes if n.label == "Account" and n.stub} == {"x:555000111"}  # outside the release
    shares = sorted((r.src, r.dst, r.props["kind"], r.props["id"]) for r in rels if r.type == "SHARED")
    assert shares == [
        (f"x:{U1}", "x:1435500000999", "repost", "1435616003006"),
        (f"x:{U1}", "x:1435614830001", "quote", "1435615001004"),
        (f"x:{U1}", "x:1435614830001", "repost", "1435614851002"),
        (f"x:{U2}", "x:1435614830001", "repost", "1435614872003"),
        (f"x:{U2}", "x:1435615001004", "reply", "1435615402005"),
    ]
    assert [(r.src, r.dst) for r in rels if r.type == "CITES"] == [("x:1435615001004", "x:1435614830001")]
    original = next(n for n in nodes if n.id == "x:1435614830001" and not n.stub)
    assert original.props["hashtags"] == ["CanadaElection"]
    assert original.props["urls"] == ["https://example.com/2021/09/08/platform"]
    assert original.props["published_at"] == "2021-09-08T13:00:00Z"
    reply = next(n for n in nodes if n.id == "x:1435615402005")
    assert reply.props["mentions"] == [U1] and reply.props["lang"] == "zh"
    # Retweets are not articles of their own: their text is the original's.
    assert not any(n.id == "x:1435614851002" for n in nodes)
    assert all(r.props["sources"] == ["file:t"] for r in rels)


def test_io_archive_loads_and_stubs_never_overwrite(store):
    tweets = HERE / "twitter_io" / "sample_io_tweets_csv_hashed.csv"
    users = HERE / "twitter_io" / "sample_io_users_csv_hashed.csv"
    result = write_records(store, [*fmt_twitter_io.read(tweets, ["file:t"]), *fmt_twitter_io.read(users, ["file:u"])])
    assert result.rejected == 0
    counts = store.counts()
    assert counts["nodes"]["Account"] == 5 and counts["relationships"]["SHARED"] == 5
    state = one(store, "MATCH (a:Account {id: $id}) RETURN a.handle AS handle, a.followers AS f, a.sources AS s",
                id=f"x:{U3}")
    assert state == {"handle": "statemedia_en", "f": 1520334, "s": ["file:t", "file:u"]}
    # The original's author wrote it; so its stub PUBLISHED rows and the row's own are one edge.
    assert one(store, "MATCH (:Account {id: $a})-[r:PUBLISHED]->(:Article {id: 'x:1435614830001'}) "
                      "RETURN count(r) AS c", a=f"x:{U3}")["c"] == 1
    stub = one(store, "MATCH (a:Account {id: 'x:555000111'}) RETURN a.handle AS h")
    assert stub["h"] == "555000111"
    # A later file that knows the original only by id (a stub) changes none of its properties.
    later = tweets.parent / "later.csv"
    later.write_text(tweets.read_text(encoding="utf-8").splitlines()[0] + "\n" + ",".join([
        "1435699999999", U2, U2, U2, "", "", "", "1", "1", "2020-04-02", "zh-cn", "", "RT", "2021-09-10 10:00", "",
        "", "", "", "True", U3, "1435614830001", "", "", "0", "0", "0", "0", "[]", "[]", "[]", ""]) + "\n",
        encoding="utf-8")
    try:
        write_records(store, fmt_twitter_io.read(later, ["file:later"]))
    finally:
        later.unlink()
    after = one(store, "MATCH (a:Account {id: $id}) RETURN a.handle AS handle, a.followers AS f", id=f"x:{U3}")
    assert after == {"handle": "statemedia_en", "f": 1520334}
    art = one(store, "MATCH (a:Article {id: 'x:1435614830001'}) RETURN a.text AS t, a.sources AS s")
    assert art["t"].startswith("Conservative platform") and art["s"] == ["file:t", "file:later"]


def test_io_archive_malformed_rows_are_rejected_with_reasons_and_valid_rows_kept():
    nodes, rels, rejects = split(fmt_twitter_io.read(BAD / "io_tweets_malformed.csv", ["file:bad"]))
    articles = sorted(n.props["published_at"] for n in nodes if n.label == "Article")
    # dates in three formats: ISO with minutes, US style, ISO with Z
    assert articles == ["2021-09-10T09:00:00Z", "2021-09-10T09:01:00Z", "2021-09-10T09:02:00Z"]
    assert where(rejects) == [(3, "tweet_time"), (5, "hashtags"), (6, "retweet_tweetid"), (7, "hashtags"),
                              (9, ""), (10, ""), (11, "")]
    reasons = {r.line: r.reason for r in rejects}
    assert "not a time" in reasons[3] and "not UTF-8" in reasons[9]
    assert "31" in reasons[10] and "never closed" in reasons[11]  # a short row; the file cut mid-field


def test_io_archive_wrong_header_is_an_input_error():
    with pytest.raises(InputError, match="neither tweetid, userid, tweet_time"):
        list(fmt_twitter_io.read(BAD / "io_tweets_wrong_header.csv"))


# ----------------------------------------------------------------------------- FollowTheMoney

def test_ftm_ownership_with_state_topics_and_provenance(store):
    result = write_records(store, fmt_ftm.read(HERE / "ftm" / "ownership.ftm.jsonl", ["file:ftm"]))
    assert result.rejected == 0
    orgs = {r["id"]: r["s"] for r in store.read("MATCH (o:Organization) RETURN o.id AS id, o.state_affiliated AS s")}
    assert orgs == {"ftm:cn-sasac": "true", "ftm:co-media-group": "true", "ftm:org-friendship": "true",
                    "ftm:co-maple-news": None, "ftm:org-community": None}
    links = sorted((r["t"], r["a"], r["b"], r["c"], r["basis"]) for r in store.read(
        "MATCH (a)-[r]->(b) WHERE type(r) IN ['OWNED_BY', 'OPERATED_BY'] "
        "RETURN type(r) AS t, a.id AS a, b.id AS b, r.confidence AS c, r.basis AS basis"))
    assert links == [
        ("OPERATED_BY", "ftm:co-maple-news", "ftm:p-wang", 0.9, "declared"),  # Directorship
        ("OWNED_BY", "douyin:northernstar_tv", "ftm:co-media-group", 0.9, "declared"),  # asset is a UserAccount
        ("OWNED_BY", "ftm:co-maple-news", "ftm:p-chen", 0.9, "declared"),
        ("OWNED_BY", "ftm:co-media-group", "ftm:cn-sasac", 0.9, "declared"),
        ("OWNED_BY", "wechat:maplenews_cn", "ftm:co-maple-news", 0.9, "declared"),  # UserAccount.owner
        ("OWNED_BY", "weibo:jianada_huaren", "ftm:org-friendship", 0.3, "indirect"),  # UnknownLink
    ]
    # Provenance: the dataset and the source URL (publisher, retrieval date) are Sources the records cite.
    cited = one(store, "MATCH (o:Organization {id: 'ftm:co-media-group'}) RETURN o.sources AS s")["s"]
    assert cited[:2] == ["file:ftm", "ftm-dataset:sample_registry"] and cited[2].startswith("url:")
    source = one(store, "MATCH (s:Source {id: $id}) RETURN s.url AS url, s.title AS t, s.captured_at AS at",
                 id=cited[2])
    assert source == {"url": "https://registry.example.org/company/91110000MA01", "t": "Sample company registry",
                      "at": "2023-11-02T00:00:00Z"}
    assert one(store, "MATCH (:Account {id: 'douyin:northernstar_tv'})-[r:OWNED_BY]->() RETURN r.sources AS s")["s"][-1] \
        .startswith("url:")


def test_ftm_malformed_lines_are_rejected_and_dangling_links_named(store):
    rejects = []
    write_records(store, fmt_ftm.read(BAD / "ftm_malformed.ftm.jsonl", ["file:bad"]), on_reject=rejects.append)
    assert where(rejects) == [(3, "name"), (4, "schema"), (5, "id"), (6, "retrievedAt"), (7, "service"),
                              (8, "asset"), (9, "src"), (11, "properties"), (12, ""), (13, "")]
    got = {(r.line, r.field): r.reason for r in rejects}
    assert "required but missing" in got[(3, "name")]
    assert "'Address' is not imported" in got[(4, "schema")]
    assert (5, "id") in got and "not a time" in got[(6, "retrievedAt")]
    assert "platform" in got[(7, "service")] and (8, "asset") in got and (11, "properties") in got
    assert "not valid JSON" in got[(12, "")] and "not UTF-8" in got[(13, "")]
    assert "no Account or Outlet or Organization with id 'ftm:co-nowhere'" in got[(9, "src")]
    assert len(rejects) == 10
    # Valid lines are kept: two entities (with a partial date "2023" read as 2023-01-01) and one ownership.
    assert one(store, "MATCH (:Organization {id: 'ftm:co-ok'})-[r:OWNED_BY]->(:Person {id: 'ftm:p-ok'}) "
                      "RETURN count(r) AS c")["c"] == 1


# ----------------------------------------------------------------------------- listening export + mapping

def test_listening_export_through_the_documented_mapping(store):
    mapping = fmt_mapped.load_mapping(MAPPING)
    items = [*fmt_mapped.read(HERE / "listening" / "mentions_export.csv", ["file:l"], mapping=mapping),
             *fmt_mapped.read(HERE / "listening" / "mentions_export.json", ["file:j"], mapping=mapping)]
    result = write_records(store, items)
    assert result.rejected == 0
    rows = store.read("MATCH (a:Account)-[:PUBLISHED]->(p:Article) RETURN a.id AS a, p.id AS p, "
                      "p.published_at AS at, p.platform AS platform, p.hashtags AS tags ORDER BY p.id")
    assert [(r["a"], r["p"], r["at"]) for r in rows] == [
        ("wechat:maplenews_cn", "wechat:AbCdEf123", "2021-09-08T15:40:00Z"),  # ISO with an offset
        ("weibo:canada_huaren_news", "weibo:4679112233445566", "2021-09-08T13:03:00Z"),  # day-first, +08:00
        ("weibo:vancouver_daily", "weibo:4679223344556677", "2021-09-08T14:06:40Z"),  # epoch milliseconds
        ("weibo:toronto_chinese", "weibo:4679334455667788", "2021-09-09T00:00:00Z"),  # from the JSON export
    ]
    assert rows[1]["tags"] == ["加拿大大选", "保守党"]
    assert one(store, "MATCH (a:Account {id: 'weibo:canada_huaren_news'}) RETURN a.followers AS f")["f"] == 120450


def test_listening_malformed_rows_name_the_export_column():
    nodes, rels, rejects = split(fmt_mapped.read(BAD / "listening_malformed.csv", ["file:b"], mapping=MAPPING))
    assert sorted(n.id for n in nodes if n.label == "Article") == [
        "weibo:5000000000000001", "weibo:5000000000000002", "weibo:5000000000000003"]  # three date formats
    assert where(rejects) == [(5, "Date"), (6, "Impressions"), (7, "Post ID"), (8, "Author Followers"),
                              (9, ""), (10, "")]
    assert "not UTF-8" in rejects[-1].reason


def test_listening_wrong_header_and_bad_mappings(tmp_path):
    with pytest.raises(InputError, match="lacks columns 'URL'"):
        list(fmt_mapped.read(BAD / "listening_wrong_header.csv", mapping=MAPPING))
    bad = tmp_path / "bad.toml"
    for text, message in (
        ('[input]\nplatform = "weibo"\n[columns]\n"A" = "Article.colour"\n', "Article has no property 'colour'"),
        ('[input]\nplatform = "weibo"\n[columns]\n"A" = "Person.name"\n', "map to Article"),
        ('[columns]\n"A" = "Article.id"\n', "say the platform"),
        ('[input]\nplatform = "x"\ntimestamp_format = "dd/mm"\n[columns]\n"A" = "Article.id"\n', "strptime"),
        ('[input\n', "not a valid TOML"),
    ):
        bad.write_text(text, encoding="utf-8")
        with pytest.raises(ConfigError, match=message):
            fmt_mapped.load_mapping(bad)


def test_a_mapping_beside_the_export_is_found(tmp_path):
    data = tmp_path / "export.csv"
    data.write_bytes((HERE / "listening" / "mentions_export.csv").read_bytes())
    (tmp_path / "export.csv.mapping.toml").write_bytes(MAPPING.read_bytes())
    assert fmt_mapped.sniff(data)
    nodes, _, rejects = split(fmt_mapped.read(data))
    assert len([n for n in nodes if n.label == "Article"]) == 3 and rejects == []


# ----------------------------------------------------------------------------- WARC

def test_warc_pages_become_articles_with_capture_sources(store):
    rejects = []
    write_records(store, fmt_warc.read(HERE / "warc" / "pages.warc.gz", ["file:w"]), on_reject=rejects.append)
    assert [(r.line, r.field) for r in rejects] == [(5, "Content-Type")] and "image/png" in rejects[0].reason
    rows = store.read("MATCH (a:Article) RETURN a.id AS id, a.platform AS p, a.title AS t, a.text AS text, "
                      "a.lang AS lang, a.published_at AS at, a.sources AS s ORDER BY a.id")
    assert [(r["id"], r["p"], r["lang"], r["at"]) for r in rows] == [
        ("web:https://mapledaily.example.ca/politics/2021/09/08/platform-china", "web", "en", "2021-09-08T00:00:00Z"),
        ("wechat:https://mp.weixin.qq.com/s/AbCdEf123", "wechat", "zh-CN", "2021-09-08T00:00:00Z")]
    wechat = rows[1]
    assert wechat["t"] == "保守党纲领对华人意味着什么？" and "加中关系" in wechat["text"]
    assert "微信扫一扫" not in wechat["text"]  # boilerplate removed
    assert "Privacy" not in rows[0]["text"] and "Home" not in rows[0]["text"]
    capture = one(store, "MATCH (s:Source {id: $id}) RETURN s.kind AS k, s.captured_at AS at, s.digest AS d, "
                         "s.sha256 AS sha, s.url AS url", id=wechat["s"][1])
    assert capture["k"] == "archive" and capture["at"] == "2021-09-09T02:00:01Z"
    assert capture["d"].startswith("sha1:") and len(capture["sha"]) == 64
    assert capture["url"] == "https://mp.weixin.qq.com/s/AbCdEf123"
    assert one(store, "MATCH (a:Account {id: 'web:mapledaily.example.ca'})-[:PUBLISHED]->(p:Article) "
                      "RETURN a.display_name AS n")["n"] == "Maple Daily"


def test_warc_records_that_are_not_pages_are_rejected_with_the_reason():
    nodes, _, rejects = split(fmt_warc.read(BAD / "warc_not_html.warc", []))
    assert [n.id for n in nodes if n.label == "Article"] == [
        "web:https://mapledaily.example.ca/politics/2021/09/08/platform-china"]
    got = [(r.line, r.field, r.reason.split(" (record")[0]) for r in rejects]
    assert got == [(2, "Content-Type", "not an HTML page (image/png)"),
                   (3, "Content-Type", "not an HTML page (application/json)"),
                   (4, "status", "HTTP 404: not a page (a redirect or an error)"),
                   (5, "status", "HTTP 301: not a page (a redirect or an error)"),
                   (6, "WARC-Payload-Digest", "does not match the payload (a truncated or altered record)")]


def test_truncated_warc_keeps_the_records_before_the_cut():
    nodes, _, rejects = split(fmt_warc.read(BAD / "warc_truncated.warc.gz", []))
    assert [n.id for n in nodes if n.label == "Article"] == ["wechat:https://mp.weixin.qq.com/s/AbCdEf123"]
    assert len(rejects) == 1 and rejects[0].line == 4 and "truncated" in rejects[0].reason
