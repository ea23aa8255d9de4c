"""Identity resolution, follows and mentions, and hostile ids/values, on both stores.

Fixtures: tests/fixtures/identity/ (see its README for the real source each shape follows).
"""
from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from graphtool import model
from graphtool.errors import InputError
from graphtool.load import import_paths
from graphtool.load.identity import from_url, identifier_id, identifiers_of
from graphtool.values import FieldError, check_id, parse_integer, parse_time

HERE = Path(__file__).parent / "fixtures" / "identity"
USERS, TWEETS = HERE / "io_archive_users.csv", HERE / "io_archive_tweets.csv"
FTM, REGISTER, FOLLOWS = HERE / "ftm_ownership.ftm.json", HERE / "state_media_register.csv", HERE / "follows.csv"
CGTN = "x:1115874631"
HASHED = "x:4b2ae5e8f36c1b1f7e0c4b1d6a7e0f5d3c2b1a09f8e7d6c5b4a3928170f6e5d4"


def load(store, *paths, **kwargs):
    results = [import_paths(store, [p], progress=False, **kwargs) for p in paths]
    return results


def accounts(store) -> list[str]:
    return [r["id"] for r in store.read("MATCH (a:Account) RETURN a.id AS id ORDER BY id")]


def count(store, query: str, **params) -> int:
    return store.read(query, params)[0]["c"]


def graph(store):
    """Every node and relationship with its properties (source lists as sets)."""
    def norm(props):
        return json.dumps({k: sorted(v) if k == "sources" else v for k, v in props.items()}, sort_keys=True)

    nodes = sorted((r["l"], r["id"], norm(r["p"])) for r in store.read(
        "MATCH (n) RETURN labels(n)[0] AS l, n.id AS id, properties(n) AS p"))
    rels = sorted((r["t"], r["a"], r["b"], norm(r["p"])) for r in store.read(
        "MATCH (a)-[r]->(b) RETURN type(r) AS t, a.id AS a, b.id AS b, properties(r) AS p"))
    return nodes, rels


# --- pure rules ----------------------------------------------------------------------------------

def test_url_forms_and_case_rules_are_data():
    assert from_url("https://x.com/CGTNOfficial").value == "CGTNOfficial"
    assert from_url("http://twitter.com/CGTNOfficial/status/1").kind == "handle"
    assert from_url("https://weibo.com/u/1234567").kind == "user_id"
    assert from_url("https://weibo.com/globaltimes").kind == "handle"
    assert from_url("https://mp.weixin.qq.com/s?__biz=MzA3NjM5MDk2MQ==&mid=1").value == "MzA3NjM5MDk2MQ=="
    assert from_url("https://www.douyin.com/user/MS4wLjABAAAA-x_y").value == "MS4wLjABAAAA-x_y"
    assert from_url("https://t.me/rian_ru").platform == "telegram"
    assert from_url("https://space.bilibili.com/456/").value == "456"
    assert from_url("https://x.com/i/web/status/1") is None and from_url("not a url") is None
    # Case-insensitive platforms (X, Telegram, TikTok/Douyin, Bilibili) fold handles; WeChat does not.
    assert {p.name for p in model.PLATFORMS if p.case_insensitive} >= {"x", "telegram", "tiktok", "douyin", "bilibili"}
    assert identifier_id("x", "handle", "@CGTNOfficial") == identifier_id("x", "handle", "cgtnofficial")
    assert identifier_id("wechat", "handle", "GT") != identifier_id("wechat", "handle", "gt")


# --- one node per account, whatever the order ----------------------------------------------------

def test_archive_ftm_and_register_meet_on_one_node(store, tmp_path):
    rejects = tmp_path / "rejects.csv"
    results = load(store, USERS, TWEETS, FTM)
    results += [import_paths(store, [REGISTER], progress=False, rejects_path=rejects)]
    assert all(r.rejected == 0 for r in results)
    # One node per account: the FtM handle in other capitalisation found the archive's numeric id.
    assert accounts(store) == sorted([CGTN, "x:2000000001", "x:3000000001", "x:3000000002", HASHED])
    owners = {r["o"] for r in store.read("MATCH (:Account {id: $id})-[:OWNED_BY]->(o) RETURN o.id AS o", {"id": CGTN})}
    assert owners == {"ftm:org-cgtn", "register:China Media Group"}
    # The tweeting account carries the ownership: its own tweets and the ownership meet on it.
    assert count(store, "MATCH (a:Account {id: $id})-[:PUBLISHED]->(:Article) RETURN count(*) AS c", id=CGTN) == 1
    kinds = {(i["kind"], i["identifier"]) for i in identifiers_of(store, CGTN)}
    assert {("user_id", "1115874631"), ("key", "ftm:ua-cgtn-x")} <= kinds
    assert any(k == "handle" and v.lower() == "cgtnofficial" for k, v in kinds)
    assert any(s.startswith("ftm-dataset:") for i in identifiers_of(store, CGTN) for s in i["sources"])
    # The conflict: one handle claimed by two numeric ids is reported with file and line, never merged.
    assert count(store, "MATCH (a:Account) WHERE a.id IN ['x:3000000001', 'x:3000000002'] RETURN count(a) AS c") == 2
    [warning] = results[-1].warning_rows
    assert (Path(warning.file).name, warning.line, warning.field) == ("state_media_register.csv", 3, "handle")
    assert "conflict" in warning.reason and "3000000002" in warning.reason
    with rejects.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["line"], r["field"]) for r in rows] == [("3", "handle")] and "presswatchhk" in rows[0]["raw"]
    assert store.read("MATCH (i:Identifier {id: 'x:handle:presswatchhk'}) RETURN i.conflict AS c")[0]["c"] is True


def test_same_graph_for_both_import_orders(store):
    files = [USERS, TWEETS, FTM, REGISTER, FOLLOWS]
    load(store, *files)
    forward = graph(store)
    store.clear()
    load(store, *reversed(files))
    assert graph(store) == forward
    assert len(forward[0]) > 20 and len(forward[1]) > 20


def test_rename_is_kept_as_history(store):
    load(store, TWEETS)
    handles = [(i["identifier"], i["first_seen"]) for i in identifiers_of(store, "x:2000000001") if i["kind"] == "handle"]
    assert handles == [("MapleDailyNews", "2019-07-02T15:05:00Z"), ("MapleDaily_CA", "2019-08-10T08:00:00Z")]
    assert accounts(store).count("x:2000000001") == 1


def test_handle_only_node_merges_into_the_numeric_id_node(store):
    load(store, FTM)  # FtM alone: the account is known by handle only
    assert "x:cgtnofficial" in accounts(store)
    load(store, USERS)
    assert "x:cgtnofficial" not in accounts(store) and CGTN in accounts(store)
    row = store.read("MATCH (a:Account {id: $id})-[:OWNED_BY]->(o) RETURN o.id AS o, a.display_name AS n, "
                     "a.sources AS s", {"id": CGTN})
    assert [r["o"] for r in row] == ["ftm:org-cgtn"]
    assert row[0]["n"] == "CGTN"  # the record naming it by user id wins; FtM's name only fills gaps
    assert "ftm-dataset:state_media_owners" in row[0]["s"]  # sources united


# --- follows and mentions ------------------------------------------------------------------------

def test_follows_file_loads_as_follows_and_changes_no_share_count(store):
    load(store, USERS, TWEETS)
    shares = count(store, "MATCH ()-[r:SHARED]->() RETURN count(r) AS c")
    result = load(store, FOLLOWS)[0]
    assert result.rejected == 0
    edges = sorted((r["a"], r["b"]) for r in store.read(
        "MATCH (a:Account)-[r:FOLLOWS]->(b:Account) RETURN a.id AS a, b.id AS b"))
    # Two rows name one follow (an old handle, another capitalisation): one edge.
    assert edges == [("x:2000000001", CGTN), ("x:maple_reader", CGTN)]
    assert count(store, "MATCH ()-[r:SHARED]->() RETURN count(r) AS c") == shares
    observed = store.read("MATCH ()-[r:FOLLOWS]->() RETURN min(r.observed_ts) AS t")[0]["t"]
    assert observed == parse_time("2019-08-01T00:00:00Z")


def test_canonical_follows_and_mentions_files(store, tmp_path):
    load(store, USERS)
    (tmp_path / "FOLLOWS.csv").write_text("src,dst,observed_at\nx:MapleDaily_CA,x:CGTNOfficial,2019-09-01\n",
                                          encoding="utf-8")
    (tmp_path / "Article.csv").write_text("id,platform,text\nx:99,x,hello\n", encoding="utf-8")
    (tmp_path / "MENTIONS.jsonl").write_text('{"src": "x:99", "dst": "x:cgtnofficial"}\n', encoding="utf-8")
    result = import_paths(store, [tmp_path], progress=False)
    assert result.rejected == 0, [str(r) for r in result.rejects]
    # Ends named by handle in any case resolve to the accounts' numeric-id nodes.
    assert store.read("MATCH (a)-[:FOLLOWS]->(b) RETURN a.id AS a, b.id AS b") == [{"a": "x:2000000001", "b": CGTN}]
    assert store.read("MATCH (a)-[:MENTIONS]->(b) RETURN a.id AS a, b.id AS b") == [{"a": "x:99", "b": CGTN}]


def test_archive_mentions_become_mentions_not_shares(store):
    load(store, TWEETS)
    assert store.read("MATCH (a:Article)-[:MENTIONS]->(b:Account) RETURN a.id AS a, b.id AS b") == [
        {"a": "x:1148000000000000002", "b": CGTN}]
    assert count(store, "MATCH ()-[r:SHARED]->() RETURN count(r) AS c") == 1  # the one retweet


# --- rejects keep the raw row (issue 11.8) -------------------------------------------------------

def test_dangling_relationship_reject_keeps_the_raw_row(store, tmp_path):
    path = tmp_path / "OWNED_BY.csv"
    path.write_text("src,dst,basis\nx:nobody,org:none,declared\n", encoding="utf-8")
    [reject] = import_paths(store, [path], progress=False).rejects
    assert reject.line == 2 and reject.field == "src" and reject.raw == "x:nobody,org:none,declared"


# --- hostile ids and values (issue 18.1, 18.4, 18.11) --------------------------------------------

def test_ids_are_normalised_or_rejected_before_the_engine_sees_them(store, tmp_path):
    long_id = "x:" + "a" * 10_000
    path = tmp_path / "Account.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "platform", "handle"])
        writer.writerows([[" x:trailing \t", "x", "trailing"], ["x:in\tside", "x", "inside"],
                          [long_id, "x", "long"], ["x:fine", "x", "fine"]])
    rejects = import_paths(store, [path], progress=False).rejects
    assert sorted((r.line, r.field) for r in rejects) == [(3, "id"), (4, "id")]
    assert "control character" in rejects[0].reason or "control character" in rejects[1].reason
    assert any("longer than" in r.reason for r in rejects)
    assert {"x:trailing", "x:fine"} <= set(accounts(store))  # the store survived and holds the rest
    assert check_id(" a ") == "a"
    with pytest.raises(FieldError):
        check_id("   ")


def test_hostile_json_values_are_rejects_and_the_rest_loads(store, tmp_path):
    path = tmp_path / "Account.jsonl"
    deep = "[" * 100_000 + "]" * 100_000
    lines = [
        '{"id": "x:a", "platform": "x", "handle": "a"}',
        '{"id": "x:b", "platform": "x", "handle": "b", "followers": ' + "9" * 5000 + "}",
        '{"id": "x:c", "platform": "x", "handle": "c", "ignored": ' + deep + "}",
        '{"id": "x:d", "platform": "x", "handle": "\\ud800"}',
        '{"id": "x:e", "platform": "x", "handle": "e"}',
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    rejects = import_paths(store, [path], progress=False).rejects
    assert sorted(r.line for r in rejects) == [2, 3, 4]
    by_line = {r.line: r for r in rejects}
    assert by_line[2].field == "followers" and by_line[4].field == "handle" and "surrogate" in by_line[4].reason
    assert "nested too deeply" in by_line[3].reason
    assert accounts(store) == ["x:a", "x:e"]


def test_warc_record_without_target_uri_is_a_reject(store, tmp_path):
    from io import BytesIO

    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    path = tmp_path / "pages.warc.gz"
    page = b"<html><head><title>T</title></head><body><article><p>" + b"Some article text. " * 40 + b"</p></article></body></html>"
    with path.open("wb") as handle:
        writer = WARCWriter(handle, gzip=True)
        for uri in (None, "https://example.com/a"):
            http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
            record = writer.create_warc_record(uri or "", "response", payload=BytesIO(page), http_headers=http,
                                               warc_headers_dict={"WARC-Date": "2021-09-08T12:00:00Z"})
            if uri is None:
                record.rec_headers.remove_header("WARC-Target-URI")
            writer.write_record(record)
    result = import_paths(store, [path], progress=False)
    assert [(r.line, r.field) for r in result.rejects] == [(1, "WARC-Target-URI")]
    assert count(store, "MATCH (a:Article) RETURN count(a) AS c") == 1


def test_integers_are_ascii_digits_only():
    assert parse_integer("1,000", "f") == 1000 and parse_integer("3.0", "f") == 3
    for text in ("1_000", "١٢", "１２", "1e3"):
        with pytest.raises(FieldError):
            parse_integer(text, "followers")


def test_underscore_and_non_ascii_digits_are_rejected_in_files(store, tmp_path):
    path = tmp_path / "Account.csv"
    path.write_text("id,platform,handle,followers\nx:a,x,a,1_000\nx:b,x,b,١٢\nx:c,x,c,12\n", encoding="utf-8")
    rejects = import_paths(store, [path], progress=False).rejects
    assert [(r.line, r.field) for r in rejects] == [(2, "followers"), (3, "followers")]
    assert accounts(store) == ["x:c"]


def test_non_utf8_header_is_unusable_input(tmp_path):
    from graphtool.load import canonical

    path = tmp_path / "Account.csv"
    path.write_bytes(b"id,platform,h\xe9ndle\nx:a,x,a\n")
    with pytest.raises(InputError, match="header.*UTF-8|UTF-8.*header"):
        list(canonical.read(path))


def test_mapped_folder_does_not_read_its_own_mapping(store, tmp_path):
    (tmp_path / "mapping.toml").write_text('[input]\nplatform = "weibo"\n[columns]\n"Post ID" = "Article.id"\n'
                                           '"Content" = "Article.text"\n"Author" = "Account.handle"\n',
                                           encoding="utf-8")
    (tmp_path / "export.csv").write_text("Post ID,Content,Author\n1,hello,GT\n", encoding="utf-8")
    result = import_paths(store, [tmp_path], fmt="mapped", progress=False)
    assert result.rejected == 0 and [Path(f).name for f in result.files] == ["export.csv"]


def test_import_setting_derived_scores_or_import_runs_is_warned(store, tmp_path):
    (tmp_path / "Account.csv").write_text("id,platform,handle,pagerank\nx:a,x,a,0.9\n", encoding="utf-8")
    (tmp_path / "ImportRun.csv").write_text("id,outcome\nrun:forged,ok\n", encoding="utf-8")
    result = import_paths(store, [tmp_path], progress=False)
    assert any("pagerank" in w and "derived" in w for w in result.warnings)
    assert any("ImportRun" in w for w in result.warnings)


def test_explain_names_the_identifiers_and_their_sources(store):
    import subprocess
    import sys

    from graphtool.analyze.scores_store import explain

    load(store, USERS, FTM)
    [node] = explain(store, CGTN)
    found = {(i["kind"], i["identifier"]) for i in node["identifiers"]}
    assert ("user_id", "1115874631") in found and ("key", "ftm:ua-cgtn-x") in found
    shown = subprocess.run([sys.executable, "-m", "graphtool", "--store", store.url, "explain", CGTN],
                           capture_output=True, text=True)
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert lines[0].startswith(f"Account {CGTN}")
    assert any(line.startswith("  identifier user_id 1115874631 (from file:") for line in lines)
    assert any(line.startswith("  identifier key ftm:ua-cgtn-x (from ") and "ftm-dataset:state_media_owners" in line
               for line in lines)


def test_an_unusable_handle_never_becomes_an_identifier(store, tmp_path):
    path = tmp_path / "Account.csv"
    path.write_text("id,platform,handle\nx:ok,x," + "h" * 5000 + "\nx:tab,x,a\tb\n", encoding="utf-8")
    assert import_paths(store, [path], progress=False).rejected == 0
    assert accounts(store) == ["x:ok", "x:tab"]
    keys = [r["id"] for r in store.read("MATCH (i:Identifier) RETURN i.id AS id ORDER BY id")]
    assert keys == ["key:x:ok", "key:x:tab"]


def test_dangling_ftm_link_reject_keeps_the_entity(store, tmp_path):
    path = tmp_path / "links.ftm.json"
    path.write_text(json.dumps({"id": "own-1", "schema": "Ownership",
                                "properties": {"owner": ["org-missing"], "asset": ["org-also-missing"]}}) + "\n",
                    encoding="utf-8")
    [reject] = import_paths(store, [path], progress=False).rejects
    assert reject.line == 1 and reject.field in ("src", "dst") and '"own-1"' in reject.raw
