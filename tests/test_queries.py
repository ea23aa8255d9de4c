"""The canned query library: header checks, typed parameters, read-only runs, both stores, the case's answers.

Three layers:

* the loader on its own (every file loads; malformed headers and parameter mistakes are
  errors naming file and line; typed parameter parsing);
* a small hand-made graph (``tests/fixtures/queries``) whose every answer was worked out by
  hand, including derived data (COPIES, COORDINATED_WITH, scores) written as plain
  columns, so each query has an exact expected result that does not depend on the
  analyses;
* the Canada 2021 case on both stores, with the derived data computed by the analyses
  themselves, checked against ``answers.json`` and against counts recomputed from the
  case's CSV files.
"""
from __future__ import annotations

import csv
import json
import subprocess
import sys
from collections import Counter, defaultdict
from datetime import datetime, timezone
from pathlib import Path

import pytest

from conftest import CASE, FIXTURES
from graphtool.errors import QueryError, ReadOnlyError, StoreError
from graphtool.load import import_paths
from graphtool.queries import (DOCS_PATH, QUERY_DIR, cypher_literal, docs_markdown, get_query, load_queries,
                               parse_query, parse_value, run_query)

QDATA = FIXTURES / "queries"
ROOT = Path(__file__).resolve().parent.parent


def graphtool(store_url, *args):
    return subprocess.run([sys.executable, "-m", "graphtool", "--store", store_url, *args],
                          capture_output=True, text=True, cwd=ROOT)


def norm(value):
    """Plain, comparable values: FalkorDB sends doubles with 15 significant digits, Neo4j with 17."""
    if isinstance(value, float):
        return float(f"{value:.12g}")
    if isinstance(value, (list, tuple)):
        return [norm(v) for v in value]
    if isinstance(value, dict):
        return {k: norm(v) for k, v in value.items()}
    return value


def rows_of(store, name, **params):
    q = get_query(name)
    result = run_query(store, q, params, from_text=False)
    for row in result.rows:  # every row has exactly the declared columns
        assert list(row) == result.columns, name
    return norm(result.rows)


# --- the loader ---------------------------------------------------------------------------------

def test_every_query_file_loads():
    queries = load_queries()
    files = sorted(p.stem for p in QUERY_DIR.glob("*.cypher"))
    assert sorted(queries) == files and len(files) >= 12
    for q in queries.values():
        assert q.description and q.question and q.columns
        assert all(p.example is not None for p in q.params if p.required)


GOOD = """// name: {name}
// description: Accounts on a platform.
// question: Which accounts are on this platform?
// param platform (string, required, e.g. "wechat"): the platform
// param limit (integer, default 10): most rows
// column id: the account id
MATCH (a:Account)
WHERE a.platform = $platform
RETURN a.id AS id ORDER BY id LIMIT $limit
"""

BROKEN = {
    "missing-question": (GOOD.replace("// question: Which accounts are on this platform?\n", ""), 6,
                         "header field 'question' is missing"),
    "undeclared": (GOOD.replace("a.platform = $platform", "a.platform = $platform AND a.followers > $min"), 8,
                   "parameter $min is used but not declared"),
    "unused": (GOOD.replace("// column id", "// param min (integer, default 0): fewest followers\n// column id"), 6,
               "parameter min is declared but not used"),
    "bad-type": (GOOD.replace("(integer, default 10)", "(int, default 10)"), 5, "unknown type 'int'"),
    "bad-default": (GOOD.replace("default 10", "default ten"), 5, "is not a JSON value"),
    "default-of-wrong-type": (GOOD.replace("default 10", 'default "10"'), 5, "expected an integer"),
    "no-example": (GOOD.replace(', e.g. "wechat"', ""), 4, "needs an example"),
    "wrong-name": (GOOD.replace("// name: {name}", "// name: other"), 1, "must equal the file name"),
    "unknown-field": (GOOD.replace("// column id", "// colum id"), 6, "expected a header field"),
    "unknown-label": (GOOD.replace("(a:Account)", "(a:Acount)"), 7, "label 'Acount' is not declared"),
    "unknown-type": (GOOD.replace("MATCH (a:Account)", "MATCH (a:Account)-[:SHARES]->()"), 7,
                     "relationship type 'SHARES'"),
    "unknown-property": (GOOD.replace("a.platform =", "a.platfrom ="), 8, "property 'platfrom'"),
    "no-body": (GOOD.split("MATCH")[0], 7, "the query body is empty"),
    "twice": (GOOD.replace("// column id", "// param limit (integer, default 5): again\n// column id"), 6,
              "declared twice"),
}


def test_a_good_header_parses(tmp_path):
    path = tmp_path / "good.cypher"
    path.write_text(GOOD.format(name="good"))
    q = parse_query(path)
    assert [p.name for p in q.params] == ["platform", "limit"] and q.has_limit
    assert q.param("limit").default == 10 and q.param("platform").required and q.body_line == 7


def test_comments_and_strings_are_not_parameters(tmp_path):
    path = tmp_path / "quoted.cypher"
    path.write_text(GOOD.format(name="quoted").replace(
        "RETURN a.id", "// $not_a_param in a comment\nRETURN '$nor in a string' AS s, a.id"))
    parse_query(path)  # no error: $not_a_param and $nor are not uses


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_malformed_query_files_name_file_and_line(tmp_path, case):
    text, line, message = BROKEN[case]
    path = tmp_path / f"{case}.cypher"
    path.write_text(text.replace("{name}", case))
    with pytest.raises(QueryError) as err:
        parse_query(path)
    assert str(err.value).startswith(f"{path}:{line}: "), str(err.value)
    assert message in str(err.value)


@pytest.mark.parametrize("type_, text, value", [
    ("string", "  it's \"quoted\" ", "  it's \"quoted\" "), ("string", "", ""), ("string", "null", "null"),
    ("integer", "42", 42), ("integer", " -7 ", -7), ("float", "0.25", 0.25), ("float", "3", 3.0),
    ("boolean", "true", True), ("boolean", "No", False), ("boolean", "1", True), ("integer", "null", None),
    ("string[]", "a,b c", ["a", "b c"]), ("string[]", '["a,b", "c"]', ["a,b", "c"]), ("string[]", "", []),
    ("datetime", "2021-09-08T02:40:00Z", 1631068800), ("datetime", "2021-09-08", 1631059200),
    ("datetime", "1631068800", 1631068800), ("datetime[]", "2021-09-08,2021-09-09", [1631059200, 1631145600]),
    ("integer[]", "1, 2,3", [1, 2, 3]), ("float[]", "[0.5, 1]", [0.5, 1.0]), ("boolean[]", "true,false", [True, False]),
])
def test_parameter_values_are_typed(type_, text, value):
    assert parse_value(type_, text, "p") == value


@pytest.mark.parametrize("type_, text, message", [
    ("integer", "1.5", "expected an integer"), ("integer", "ten", "expected an integer"),
    ("integer", "99999999999999999999", "64-bit"), ("float", "abc", "expected a number"),
    ("float", "nan", "not a finite number"), ("float", "inf", "not a finite number"),
    ("boolean", "maybe", "expected true or false"), ("integer[]", "1,x", "p[1]: expected an integer"),
    ("string[]", "[1, 2]", "p[0]: expected text"), ("string[]", '["a", 1', "not a JSON list"),
    ("string", "a\x00b", "NUL"), ("datetime", "yesterday", "is not a time"), ("datetime", "2300-01-01", "1970..2100"),
])
def test_wrong_parameter_values_are_refused(type_, text, message):
    with pytest.raises(QueryError) as err:
        parse_value(type_, text, "p")
    assert message in str(err.value)


def test_missing_and_unknown_parameters():
    q = get_query("narrative-earliest")
    with pytest.raises(QueryError, match="needs parameter narrative"):
        q.bind({})
    with pytest.raises(QueryError, match="has no parameter 'narativ'"):
        q.bind({"narrative": "x", "narativ": "y"})
    assert q.bind({"narrative": "x", "per_platform": "2"}) == {"narrative": "x", "per_platform": 2}


def test_docs_are_not_stale():
    assert DOCS_PATH.read_text(encoding="utf-8") == docs_markdown(), \
        "docs/queries.md is stale: run python -m graphtool.queries --docs"
    for q in load_queries().values():
        assert f"## {q.name}\n" in DOCS_PATH.read_text(encoding="utf-8")


def test_param_lines_are_cypher_literals_on_both_stores(embedded_store, neo4j_store):
    values = ["it's", 'say "hi"', "back\\slash \\' mix", "汉字 🎉", 3, -1.5, True, None, ["a'b", "c"], []]
    for s in (embedded_store, neo4j_store):
        for value in values:
            assert s.read(f"RETURN {cypher_literal(value)} AS v")[0]["v"] == value


# --- a hand-made graph with every answer known ----------------------------------------------------

NAR = "nar:platform"

# Each query's parameters and the rows it must return on tests/fixtures/queries (worked out by hand;
# the derived data — COPIES, COORDINATED_WITH, scores — are plain columns of the fixture files).
EXPECTED = {
    "narratives": ({}, [
        {"narrative": NAR, "name": "The Conservative platform would hurt China ties", "articles": 8,
         "platforms": ["douyin", "web", "wechat", "weibo"], "shares": 7, "first_at": "2021-09-08T02:00:00Z",
         "last_at": "2021-09-10T00:00:00Z"},
        {"narrative": "nar:other", "name": "Parties differ on China", "articles": 1, "platforms": ["web"],
         "shares": 1, "first_at": "2021-09-07T12:00:00Z", "last_at": "2021-09-07T12:00:00Z"}]),
    "narrative-first-appearance": ({"narrative": NAR}, [
        {"hop": 0, "platform": "web", "first_at": "2021-09-08T02:00:00Z", "first_article": "gt-1",
         "publishers": ["outlet:gt"], "after_previous_s": 0, "after_origin_s": 0, "articles": 2},
        {"hop": 1, "platform": "wechat", "first_at": "2021-09-09T01:00:00Z", "first_article": "wc-1",
         "publishers": ["wechat:maple"], "after_previous_s": 82800, "after_origin_s": 82800, "articles": 3},
        {"hop": 2, "platform": "douyin", "first_at": "2021-09-09T02:00:00Z", "first_article": "dy-1",
         "publishers": ["douyin:xinhua"], "after_previous_s": 3600, "after_origin_s": 86400, "articles": 1},
        {"hop": 3, "platform": "weibo", "first_at": "2021-09-09T05:00:00Z", "first_article": "wb-1",
         "publishers": ["weibo:echo1"], "after_previous_s": 10800, "after_origin_s": 97200, "articles": 2}]),
    "unattributed-copies": ({}, [
        {"outlet": "outlet:gt", "original": "gt-1", "original_platform": "web", "original_at": "2021-09-08T02:00:00Z",
         "copy": "wc-1", "copy_platform": "wechat", "copiers": ["wechat:maple"], "copy_at": "2021-09-09T01:00:00Z",
         "lag_s": 82800, "lag_h": 23.0, "similarity": 0.8, "containment": 0.9, "attributed": False},
        {"outlet": "outlet:gt", "original": "gt-2", "original_platform": "web", "original_at": "2021-09-08T06:00:00Z",
         "copy": "wc-3", "copy_platform": "wechat", "copiers": ["wechat:maple"], "copy_at": "2021-09-10T00:00:00Z",
         "lag_s": 151200, "lag_h": 42.0, "similarity": 0.5, "containment": 0.55, "attributed": False},
        # dy-1 is Xinhua's: published by douyin:xinhua, which Xinhua operates
        {"outlet": "outlet:xinhua", "original": "dy-1", "original_platform": "douyin",
         "original_at": "2021-09-09T02:00:00Z", "copy": "wb-2", "copy_platform": "weibo", "copiers": ["weibo:echo2"],
         "copy_at": "2021-09-09T06:00:00Z", "lag_s": 14400, "lag_h": 4.0, "similarity": 0.7, "containment": 0.8,
         "attributed": False}]),
    "amplifiers-by-shares": ({"narrative": NAR}, [
        {"account": "weibo:echo1", "platform": "weibo", "display_name": "Echo One", "shares": 3, "articles": 2,
         "followers": 300, "first_share_at": "2021-09-09T01:10:00Z", "last_share_at": "2021-09-09T04:00:00Z"},
        {"account": "weibo:echo2", "platform": "weibo", "display_name": "Echo Two", "shares": 2, "articles": 2,
         "followers": 150, "first_share_at": "2021-09-09T01:10:30Z", "last_share_at": "2021-09-09T02:05:20Z"},
        {"account": "wechat:lotus", "platform": "wechat", "display_name": "Lotus Daily", "shares": 1, "articles": 1,
         "followers": 800, "first_share_at": "2021-09-08T20:00:00Z", "last_share_at": "2021-09-08T20:00:00Z"},
        {"account": "x:bystander", "platform": "x", "display_name": "A Bystander", "shares": 1, "articles": 1,
         "followers": 40000, "first_share_at": "2021-09-08T03:00:00Z", "last_share_at": "2021-09-08T03:00:00Z"}]),
    "amplifiers-by-reach": ({"narrative": NAR}, [
        {"account": "x:bystander", "platform": "x", "display_name": "A Bystander", "followers": 40000, "shares": 1,
         "exposure": 40000, "first_share_at": "2021-09-08T03:00:00Z"},
        {"account": "wechat:lotus", "platform": "wechat", "display_name": "Lotus Daily", "followers": 800, "shares": 1,
         "exposure": 800, "first_share_at": "2021-09-08T20:00:00Z"},
        {"account": "weibo:echo1", "platform": "weibo", "display_name": "Echo One", "followers": 300, "shares": 3,
         "exposure": 900, "first_share_at": "2021-09-09T01:10:00Z"},
        {"account": "weibo:echo2", "platform": "weibo", "display_name": "Echo Two", "followers": 150, "shares": 2,
         "exposure": 300, "first_share_at": "2021-09-09T01:10:30Z"}]),
    "state-owner-proximity": ({}, [
        {"account": "douyin:xinhua", "platform": "douyin", "owner": "outlet:xinhua", "owner_label": "Outlet",
         "hops": 1, "path": ["douyin:xinhua", "outlet:xinhua"], "relationships": ["OPERATED_BY"],
         "confidences": [0.95], "bases": ["declared"], "confidence": 0.95},
        {"account": "douyin:xinhua", "platform": "douyin", "owner": "org:state-council", "owner_label": "Organization",
         "hops": 2, "path": ["douyin:xinhua", "outlet:xinhua", "org:state-council"],
         "relationships": ["OPERATED_BY", "OWNED_BY"], "confidences": [0.95, 1.0], "bases": ["declared", "declared"],
         "confidence": 0.95}]),
    "unclear-ownership": ({"min_score": 0.4}, [
        {"id": "wechat:maple", "label": "Account", "platform": "wechat", "display_name": "枫叶新闻 Maple",
         "affiliation_score": 0.82, "ownership_clarity": "unclear", "ownership": None, "copying": 0.9, "pickup": None,
         "country": None, "coordination": None, "followers": 120000,
         "reasons": ["copies Global Times without credit (wc-1 copies gt-1; src:a)", "registered in CN but serves CA (src:b)"],
         "state_path": None},
        {"id": "weibo:echo1", "label": "Account", "platform": "weibo", "display_name": "Echo One",
         "affiliation_score": 0.41, "ownership_clarity": "unclear", "ownership": None, "copying": 0.2, "pickup": None,
         "country": None, "coordination": None, "followers": 300, "reasons": None, "state_path": None}]),
    "coordinated-groups": ({}, [
        {"group": 1, "size": 2, "members": ["weibo:echo1", "weibo:echo2"], "platforms": ["weibo"],
         "shared_items": ["dy-1", "wc-1"], "shared_count": 2, "first_share_at": "2021-09-09T01:10:00Z",
         "last_share_at": "2021-09-09T04:00:00Z"}]),
    "coordinated-pairs": ({"account": "weibo:echo2"}, [
        {"account_1": "weibo:echo1", "account_2": "weibo:echo2", "kind": "co-share", "window_s": 60, "weight": 2.0,
         "weight_12": 2, "weight_21": 2, "p_value": 0.01, "co_shared": 2}]),
    # echo1 shared maple's (community 0) and xinhua's (community 2) articles; echo2 has betweenness 0
    "bridging-accounts": ({}, [
        {"id": "weibo:echo1", "label": "Account", "platform": "weibo", "display_name": "Echo One", "betweenness": 0.5,
         "community": 1, "communities": [0, 2], "per_community": [1, 1], "neighbours": 2}]),
    "event-window-accounts": ({"event": "event:debate", "limit": 3}, [
        {"actor": "weibo:echo1", "platform": "weibo", "display_name": "Echo One", "before": 0, "after": 4, "change": 4,
         "followers": 300},
        {"actor": "weibo:echo2", "platform": "weibo", "display_name": "Echo Two", "before": 0, "after": 3, "change": 3,
         "followers": 150},
        {"actor": "wechat:lotus", "platform": "wechat", "display_name": "Lotus Daily", "before": 1, "after": 1,
         "change": 0, "followers": 800}]),
    "evidence-relationship": ({"a": "org:maple-media", "b": "wechat:maple"}, [
        {"relationship": "REGISTERED_TO", "src": "wechat:maple", "dst": "org:maple-media", "rel_id": None,
         "confidence": 0.6, "basis": "registration", "run_id": None, "source": "src:a", "source_kind": "archive",
         "title": "Archive captures of WeChat articles", "url": "https://archive.example/wechat",
         "captured_at": "2021-09-21T03:00:00Z", "collector": "analyst-a", "sha256": None},
        {"relationship": "REGISTERED_TO", "src": "wechat:maple", "dst": "org:maple-media", "rel_id": None,
         "confidence": 0.6, "basis": "registration", "run_id": None, "source": "src:b", "source_kind": "report",
         "title": "RRM Canada analysis of 13 Sep 2021", "url": "https://rrm.example/2021-09-13",
         "captured_at": "2021-09-13T15:00:00Z", "collector": "RRM", "sha256": None}]),
    "evidence-score": ({"id": "wechat:maple"}, [
        {"id": "wechat:maple", "affiliation_score": 0.82, "ownership_clarity": "unclear", "analysis_run": None, "n": 1,
         "reason": "copies Global Times without credit (wc-1 copies gt-1; src:a)", "sources": ["src:a"],
         "source_titles": ["Archive captures of WeChat articles"], "source_urls": ["https://archive.example/wechat"]},
        {"id": "wechat:maple", "affiliation_score": 0.82, "ownership_clarity": "unclear", "analysis_run": None, "n": 2,
         "reason": "registered in CN but serves CA (src:b)", "sources": ["src:b"],
         "source_titles": ["RRM Canada analysis of 13 Sep 2021"], "source_urls": ["https://rrm.example/2021-09-13"]}]),
    "new-accounts-amplifying": ({"narrative": NAR, "max_age_days": 30.0}, [
        {"account": "weibo:echo2", "platform": "weibo", "display_name": "Echo Two", "created_at": "2021-08-25T00:00:00Z",
         "first_action_at": "2021-09-09T01:10:30Z", "age_days": 15.0, "actions": 3, "followers": 150},
        {"account": "wechat:lotus", "platform": "wechat", "display_name": "Lotus Daily",
         "created_at": "2021-08-20T00:00:00Z", "first_action_at": "2021-09-08T20:00:00Z", "age_days": 19.8,
         "actions": 2, "followers": 800}]),
    "ownership-chain": ({"id": "wechat:maple"}, [
        {"hops": 1, "owner": "org:maple-media", "owner_label": "Organization", "owner_name": "Maple Media Ltd",
         "state_affiliated": "unknown", "state_entity": False, "path": ["wechat:maple", "org:maple-media"], "relationships": ["REGISTERED_TO"],
         "confidences": [0.6], "bases": ["registration"], "confidence": 0.6, "sources": [["src:a", "src:b"]]},
        {"hops": 2, "owner": "person:li", "owner_label": "Person", "owner_name": "Li (sim)", "state_affiliated": None,
         "state_entity": None, "path": ["wechat:maple", "org:maple-media", "person:li"], "relationships": ["REGISTERED_TO", "OWNED_BY"],
         "confidences": [0.6, 0.5], "bases": ["registration", "analyst"], "confidence": 0.3,
         "sources": [["src:a", "src:b"], ["src:a"]]}]),
    "owner-holdings": ({"id": "org:state-council"}, [
        {"held": "outlet:xinhua", "held_label": "Outlet", "held_name": "Xinhua", "platform": None, "hops": 1,
         "path": ["outlet:xinhua", "org:state-council"], "relationships": ["OWNED_BY"], "confidence": 1.0},
        {"held": "douyin:xinhua", "held_label": "Account", "held_name": "新华社", "platform": "douyin", "hops": 2,
         "path": ["douyin:xinhua", "outlet:xinhua", "org:state-council"], "relationships": ["OPERATED_BY", "OWNED_BY"],
         "confidence": 0.95}]),
    "article-copies": ({"article": "gt-1"}, [
        {"copy": "wc-1", "platform": "wechat", "publishers": ["wechat:maple"], "published_at": "2021-09-09T01:00:00Z",
         "hops": 1, "via": ["wc-1", "gt-1"], "lag_s": 82800, "containment": 0.9, "attributed": False},
        {"copy": "wc-2", "platform": "wechat", "publishers": ["wechat:lotus"], "published_at": "2021-09-09T03:00:00Z",
         "hops": 1, "via": ["wc-2", "gt-1"], "lag_s": 90000, "containment": 0.7, "attributed": True},
        {"copy": "wb-1", "platform": "weibo", "publishers": ["weibo:echo1"], "published_at": "2021-09-09T05:00:00Z",
         "hops": 2, "via": ["wb-1", "wc-1", "gt-1"], "lag_s": 97200, "containment": 0.8, "attributed": False}]),
    "search": ({"text": "ECHO"}, [
        {"label": "Account", "id": "weibo:echo1", "name": "Echo One", "platform": "weibo"},
        {"label": "Account", "id": "weibo:echo2", "name": "Echo Two", "platform": "weibo"}]),
    "account-summary": ({"account": "weibo:echo1"}, [
        {"account": "weibo:echo1", "platform": "weibo", "display_name": "Echo One", "created_at": "2021-07-01T00:00:00Z",
         "followers": 300, "registrant_country": None, "audience_country": "CA", "published": 1, "shares": 3,
         "narratives": [NAR], "owners": [], "sources": ["src:a"]}]),
    "account-follows": ({"id": "wechat:maple"}, [
        {"direction": "follower", "account": "weibo:echo1", "display_name": "Echo One", "platform": "weibo",
         "observed_at": "2021-09-01T00:00:00Z", "sources": ["src:a"]},
        {"direction": "follower", "account": "weibo:echo2", "display_name": "Echo Two", "platform": "weibo",
         "observed_at": None, "sources": ["src:a"]},
        {"direction": "follows", "account": "douyin:xinhua", "display_name": "新华社", "platform": "douyin",
         "observed_at": "2021-09-02T00:00:00Z", "sources": ["src:a"]}]),
    "mentioned-accounts": ({}, [
        {"account": "douyin:xinhua", "display_name": "新华社", "platform": "douyin", "articles": 2, "by_accounts": 2},
        {"account": "wechat:maple", "display_name": "枫叶新闻 Maple", "platform": "wechat", "articles": 2,
         "by_accounts": 2}]),
}


def _check_earliest(rows):
    assert [(r["platform"], r["rank"], r["article"]) for r in rows] == [
        ("web", 1, "gt-1"), ("web", 2, "gt-2"), ("wechat", 1, "wc-1"), ("douyin", 1, "dy-1"), ("wechat", 2, "wc-2"),
        ("weibo", 1, "wb-1"), ("weibo", 2, "wb-2")]
    assert rows[2]["after_first_s"] == 82800 and rows[2]["publishers"] == ["wechat:maple"]


def _window(rows, shift=0):
    return {(r["platform"], r["activity"], r["bucket"] - shift): (r["actions"], r["actors"], r["articles"]) for r in rows}


def _check_window(rows):
    # six-hour buckets around 2021-09-09T00:00Z: gt-1 at -22 h is bucket -4, wc-3 at +24 h is bucket 4,
    # echo1 shared wc-1 twice in bucket 0 (two actions, one article)
    assert _window(rows) == WINDOW
    assert all(r["from_s"] == r["bucket"] * 21600 for r in rows)


def _check_activity(rows):
    # the same window as explicit times: buckets count from its start, two days (8 buckets) before the debate
    assert _window(rows, shift=8) == WINDOW
    assert [(r["activity"], r["platform"], r["bucket"]) for r in rows] == sorted(
        (r["activity"], r["platform"], r["bucket"]) for r in rows)


WINDOW = {("web", "published", -6): (1, 1, 1), ("web", "published", -4): (1, 1, 1),
          ("web", "published", -3): (1, 1, 1), ("web", "shared", -6): (1, 1, 1),
          ("web", "shared", -4): (1, 1, 1), ("web", "shared", -1): (1, 1, 1),
          ("wechat", "published", 0): (2, 2, 2), ("wechat", "published", 4): (1, 1, 1),
          ("wechat", "shared", 0): (3, 2, 1), ("douyin", "published", 0): (1, 1, 1),
          ("douyin", "shared", 0): (2, 2, 1), ("weibo", "published", 0): (1, 1, 1),
          ("weibo", "published", 1): (1, 1, 1)}


CHECKS = {
    "narrative-earliest": ({"narrative": NAR, "per_platform": 2}, _check_earliest),
    "event-window": ({"event": "event:debate"}, _check_window),
    "activity-window": ({"since": "2021-09-07", "until": "2021-09-11T00:00:00Z"}, _check_activity),
}


def test_every_query_has_an_expected_result():
    assert set(EXPECTED) | set(CHECKS) == set(load_queries())


@pytest.fixture
def qstore(store):
    result = import_paths(store, [QDATA])
    assert result.rejected == 0
    return store


@pytest.mark.parametrize("name", sorted(set(EXPECTED) | set(CHECKS)))
def test_query_answers_on_a_known_graph(qstore, name):
    if name in EXPECTED:
        params, expected = EXPECTED[name]
        assert rows_of(qstore, name, **params) == expected
    else:
        params, check = CHECKS[name]
        check(rows_of(qstore, name, **params))


def test_optional_filters(qstore):
    assert [r["copy"] for r in rows_of(qstore, "unattributed-copies", include_attributed=True)] == [
        "wc-1", "wc-2", "wc-3", "wb-2"]
    assert [r["copy"] for r in rows_of(qstore, "unattributed-copies", min_containment=0.85)] == ["wc-1"]
    assert [r["copy"] for r in rows_of(qstore, "unattributed-copies", narrative="nar:other")] == []
    assert [r["account"] for r in rows_of(qstore, "amplifiers-by-reach", narrative=NAR, min_shares=2)] == [
        "weibo:echo1", "weibo:echo2"]
    assert [r["account"] for r in rows_of(qstore, "amplifiers-by-shares", narrative=NAR, platform="x")] == [
        "x:bystander"]
    assert rows_of(qstore, "state-owner-proximity", max_hops=1)[0]["owner"] == "outlet:xinhua"
    assert rows_of(qstore, "state-owner-proximity", min_confidence=0.96) == []
    assert [r["id"] for r in rows_of(qstore, "unclear-ownership", clarity="declared")] == ["douyin:xinhua"]
    assert [r["copy"] for r in rows_of(qstore, "article-copies", article="gt-1", max_hops=1)] == ["wc-1", "wc-2"]
    assert rows_of(qstore, "evidence-relationship", a="wechat:maple", b="org:maple-media", type="OWNED_BY") == []
    assert [r["actor"] for r in rows_of(qstore, "event-window-accounts", event="event:debate", window_s=172800,
                                        narrative="nar:other")] == ["outlet:hilltimes", "x:bystander"]


def test_demo_step_asks_the_questions(qstore):
    from types import SimpleNamespace

    from graphtool.demo.steps import canned_queries as demo_step

    lines = demo_step(SimpleNamespace(store=qstore))
    assert f"narrative-first-appearance -p narrative={NAR}:" in lines
    assert "  wc-1 (wechat:maple) copies gt-1 (outlet:gt) 23 h later" in lines
    assert [line.split() for line in lines[-3:]] == [["wechat:maple", "score", "0.82"], ["weibo:echo1", "score", "0.41"],
                                                      ["wechat:lotus", "score", "0.35"]]


def test_same_rows_on_both_stores(embedded_store, neo4j_store):
    for s in (embedded_store, neo4j_store):
        import_paths(s, [QDATA])
    for name, (params, _) in {**EXPECTED, **CHECKS}.items():
        assert rows_of(embedded_store, name, **params) == rows_of(neo4j_store, name, **params), name


# --- read-only, hostile values, the command line ------------------------------------------------------

WRITER = """// name: {name}
// description: Tries to write.
// question: Can a canned query change the graph?
// param id (string, required, e.g. "x"): an id
// column n: what it made
{body}
"""


@pytest.mark.parametrize("body", ["CREATE (n:Account {id: $id, platform: 'x', handle: 'y'}) RETURN n.id AS n",
                                  "MATCH (n) WHERE n.id <> $id DETACH DELETE n RETURN count(*) AS n",
                                  "MATCH (n:Account) SET n.followers = 0 RETURN n.id + $id AS n"])
def test_a_query_that_writes_is_refused_and_changes_nothing(qstore, tmp_path, body):
    path = tmp_path / "writer.cypher"
    path.write_text(WRITER.format(name="writer", body=body))
    before = qstore.snapshot()
    with pytest.raises(ReadOnlyError):
        run_query(qstore, get_query(str(path)), {"id": "z"})
    result = graphtool(qstore.url, "query", "run", str(path), "-p", "id=z")
    assert result.returncode == 2
    assert result.stderr.strip() == "error: this query writes; read-only queries may not"
    assert qstore.snapshot() == before


HOSTILE = ["it's", 'say "hi"', "}) DETACH DELETE n //", "'}) MATCH (n) DETACH DELETE n //", "\\' OR 1=1 //",
           "$text", "a\nb\r\tc", "[bold]markup[/bold] <script>alert(1)</script> | pipe",
           "汉字 ‮ rtl 🎉", "x" * 100_000]


def test_hostile_values_are_only_values(qstore):
    for i, value in enumerate(HOSTILE):
        qstore.run("CREATE (a:Account {id: $id, platform: 'x', handle: $h, display_name: $v})",
                   {"id": f"x:hostile{i}", "h": f"hostile{i}", "v": value})
    before = qstore.snapshot()
    for i, value in enumerate(HOSTILE):
        rows = rows_of(qstore, "search", text=value)
        assert [(r["id"], r["name"]) for r in rows] == [(f"x:hostile{i}", value)], value[:40]
        assert rows_of(qstore, "evidence-relationship", a=value, b=value, type=value) == []
        assert rows_of(qstore, "narrative-earliest", narrative=value) == []
    assert qstore.snapshot() == before


def test_hostile_values_through_the_command_line(qstore):
    before = qstore.snapshot()
    for value in HOSTILE[:6]:
        result = graphtool(qstore.url, "query", "run", "search", "-p", f"text={value}", "--format", "json")
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout) == []
    assert qstore.snapshot() == before


def test_output_formats(qstore):
    qstore.run("MATCH (a:Account {id: 'weibo:echo1'}) SET a.display_name = $v", {"v": "Echo | [bold]One[/bold]\n"})
    args = ["query", "run", "amplifiers-by-shares", "-p", f"narrative={NAR}", "--limit", "2"]
    expected = rows_of(qstore, "amplifiers-by-shares", narrative=NAR, limit=2)
    as_json = graphtool(qstore.url, *args, "--format", "json")
    assert as_json.returncode == 0 and json.loads(as_json.stdout) == expected
    as_csv = graphtool(qstore.url, *args, "--format", "csv")
    parsed = list(csv.DictReader(as_csv.stdout.splitlines(keepends=True)))
    assert [r["account"] for r in parsed] == ["weibo:echo1", "weibo:echo2"]
    assert parsed[0]["display_name"] == "Echo | [bold]One[/bold]\n" and parsed[0]["shares"] == "3"
    as_md = graphtool(qstore.url, *args, "--format", "md")
    lines = as_md.stdout.splitlines()
    assert lines[0] == "| " + " | ".join(expected[0]) + " |" and len(lines) == 4
    assert "Echo \\| [bold]One[/bold] |" in lines[2]  # the pipe is escaped, the newline gone
    table = graphtool(qstore.url, *args)
    assert table.returncode == 0 and "[bold]One[/bold]" in table.stdout and "2 rows" in table.stderr


def test_list_and_show(qstore):
    listing = graphtool(qstore.url, "query", "list")
    assert listing.returncode == 0
    assert sorted(line.split()[0] for line in listing.stdout.splitlines()) == sorted(load_queries())
    shown = graphtool(qstore.url, "query", "show", "narrative-earliest")
    assert shown.returncode == 0
    assert ":param narrative => 'narrative:conservative-platform-breaks-ties'" in shown.stdout
    assert ":param per_platform => 3" in shown.stdout and "MATCH (:Narrative {id: $narrative})" in shown.stdout


@pytest.mark.parametrize("args, message", [
    (["narrative-earliest"], "needs parameter narrative (string): -p narrative=VALUE"),
    (["narrative-earliest", "-p", "narrative=x", "-p", "per_platform=three"],
     "parameter per_platform: expected an integer, got 'three'"),
    (["amplifiers-by-reach", "-p", "narrative=x", "-p", "min_shares=1.5"], "expected an integer"),
    (["unattributed-copies", "-p", "include_attributed=perhaps"], "expected true or false"),
    (["narrative-earliest", "-p", "narrative"], "expected key=value"),
    (["search", "-p", "text=x", "-p", "limit=-1"], "limit must be 0 or more"),
    (["narrative-earliest", "-p", "narrative=x", "-p", "colour=red"], "has no parameter 'colour'"),
    (["no-such-query"], "no query named 'no-such-query'"),
    (["narratives", "--format", "xml"], "--format 'xml'"),
])
def test_bad_parameters_exit_2_with_one_clear_line(qstore, args, message):
    result = graphtool(qstore.url, "query", "run", *args)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr


def test_limit_sets_the_parameter_or_truncates(qstore):
    # amplifiers-by-shares declares $limit: the store stops at 1 row
    q = get_query("amplifiers-by-shares")
    assert run_query(qstore, q, {"narrative": NAR}, limit=1).params["limit"] == 1
    one = graphtool(qstore.url, "query", "run", "amplifiers-by-shares", "-p", f"narrative={NAR}", "--limit", "1",
                    "--format", "json")
    assert [r["account"] for r in json.loads(one.stdout)] == ["weibo:echo1"]
    # narrative-earliest has no $limit: the rows are cut after they come back, and it says so
    cut = graphtool(qstore.url, "query", "run", "narrative-earliest", "-p", f"narrative={NAR}", "--limit", "2",
                    "--format", "csv")
    assert cut.returncode == 0 and len(cut.stdout.splitlines()) == 3 and "stopped at --limit 2" in cut.stderr


def test_timeout(qstore, tmp_path):
    path = tmp_path / "slow.cypher"
    path.write_text("// name: slow\n// description: Slow.\n// question: How long?\n// column c: a count\n"
                    "UNWIND range(1, 200000000) AS x WITH x WHERE x % 7 = 0 RETURN count(x) AS c\n")
    result = graphtool(qstore.url, "query", "run", str(path), "--timeout", "0.2")
    assert result.returncode == 2 and "query slow did not finish within 0.2 s" in result.stderr


# --- the Canada 2021 case, with the analyses' own derived data ----------------------------------------

NOW = datetime(2021, 9, 23, tzinfo=timezone.utc)  # one analysis time for both stores: equal run ids


def _answers() -> dict:
    return json.loads((CASE / "answers.json").read_text(encoding="utf-8"))


def _csv(name: str) -> list[dict]:
    with (CASE / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _derive_copies(store, answers: dict) -> None:
    """COPIES for the case: from the copy-detection library when it has a store entry point, else the answer key.

    The answer-key fallback writes each planted pair with its planted values (run_id
    ``answer-key``), so the queries over COPIES are still checked end to end.
    """
    try:
        from graphtool.analyze.copies_store import run_copies  # the copy-detection helper's entry point
    except ImportError:
        run_copies = None
    if run_copies is not None:
        run_copies(store)
        return
    rows = [{"copy": p["copy"], "original": p["original"], "props": {
        "similarity": p["jaccard"], "containment": p["containment_of_original"], "lag_s": p["lag_s"],
        "attributed": p["attributed"], "method": "answer-key", "run_id": "answer-key"}} for p in answers["copy_pairs"]]
    store.run("UNWIND $rows AS row MATCH (c:Article {id: row.copy}) MATCH (o:Article {id: row.original}) "
              "MERGE (c)-[r:COPIES]->(o) SET r += row.props", {"rows": rows})


def _load_case(store, answers: dict) -> None:
    from graphtool.analyze.scores_store import run_analyses
    from graphtool.analyze.coordination_store import run_coordination

    store.wipe()
    store.ensure_schema()
    assert import_paths(store, [CASE]).rejected == 0
    _derive_copies(store, answers)
    group = answers["coordinated_groups"][0]
    run_coordination(store, group["kind"], group["window_s"], min_weight=group["min_weight"], seed=0,
                     run_id="coordination-test")
    run_analyses(store, seed=0, progress=False, now=NOW)


@pytest.fixture(scope="module")
def case(embedded_dir, neo4j_server):
    """Both stores holding the case and its derived data; reloaded if another test wiped them."""
    from graphtool.store import open_store

    if not (CASE / "answers.json").exists():
        pytest.skip(f"NO CASE DATA at {CASE}: generate it with imports/cases/canada-2021/generate.py")
    answers = _answers()
    stores = {"embedded": open_store(f"embedded:{embedded_dir}"), "neo4j": open_store(neo4j_server.uri)}
    loaded = {}

    def get(name: str):
        s = stores[name]
        if loaded.get(name) != s.counts():
            _load_case(s, answers)
            loaded[name] = s.counts()
        return s

    yield get, answers
    for s in stores.values():
        s.close()


def _case_params() -> list[tuple[str, dict]]:
    """Every query with its documented example parameters, plus variants that exercise the options."""
    answers = _answers()
    runs = [(q.name, {p.name: p.example for p in q.params if p.required}) for q in load_queries().values()]
    for narrative in answers["narratives"]:
        runs += [("narrative-earliest", {"narrative": narrative, "per_platform": 1}),
                 ("narrative-first-appearance", {"narrative": narrative})]
    account = answers["unclear_ownership"][0]
    runs += [("unattributed-copies", {"include_attributed": True}), ("coordinated-groups", {"components": True}),
             ("unclear-ownership", {"clarity": "declared"}), ("coordinated-pairs", {"account": account}),
             ("event-window", {"event": "event:vote-2021-09-20", "bucket_s": 3600}),
             ("state-owner-proximity", {"max_hops": 5})]
    return runs


@pytest.mark.skipif(not (CASE / "answers.json").exists(), reason="no case data")
def test_case_same_rows_on_both_stores(case):
    get, _ = case
    for name, params in _case_params():
        embedded = rows_of(get("embedded"), name, **params)
        neo4j = rows_of(get("neo4j"), name, **params)
        assert embedded == neo4j, (name, params)


def _by(rows, key):
    return {r[key]: r for r in rows}


@pytest.mark.skipif(not (CASE / "answers.json").exists(), reason="no case data")
def test_case_narratives_origins_and_hops(case):
    get, answers = case
    s = get("embedded")
    carriers = Counter(r["dst"] for r in _csv("CARRIES"))
    overview = _by(rows_of(s, "narratives"), "narrative")
    for narrative, planted in answers["narratives"].items():
        assert overview[narrative]["articles"] == planted["carriers"] == carriers[narrative]
        assert overview[narrative]["first_at"] == planted["origin_published_at"]
        hops = rows_of(s, "narrative-first-appearance", narrative=narrative)
        assert hops[0]["first_article"] == planted["origin"] and hops[0]["after_origin_s"] == 0
        assert planted["origin_account_or_outlet"] in hops[0]["publishers"]
        assert [h["first_at"] for h in hops] == sorted(h["first_at"] for h in hops)
        assert sum(h["after_previous_s"] for h in hops) == hops[-1]["after_origin_s"]
        assert sum(h["articles"] for h in hops) == planted["carriers"]
        earliest = rows_of(s, "narrative-earliest", narrative=narrative, per_platform=1)
        assert {r["platform"]: r["article"] for r in earliest} == {h["platform"]: h["first_article"] for h in hops}


@pytest.mark.skipif(not (CASE / "answers.json").exists(), reason="no case data")
def test_case_copies(case):
    get, answers = case
    s = get("embedded")
    state = {r["id"] for r in _csv("Outlet") if r["state_affiliated"] == "true"}
    planted = {(p["copy"], p["original"]): p for p in answers["copy_pairs"] if p["original_publisher"] in state}
    rows = rows_of(s, "unattributed-copies", include_attributed=True, limit=10_000)
    found = {(r["copy"], r["original"]): r for r in rows}
    for pair, p in planted.items():
        assert pair in found, pair
        row = found[pair]
        assert row["attributed"] == p["attributed"] and row["lag_s"] == p["lag_s"]
        assert row["outlet"] == p["original_publisher"] and p["copy_publisher"] in row["copiers"]
    unattributed = {(r["copy"], r["original"]) for r in rows_of(s, "unattributed-copies", limit=10_000)}
    assert {k for k, p in planted.items() if not p["attributed"]} <= unattributed
    assert not {k for k, p in planted.items() if p["attributed"]} & unattributed
    for original, family in answers["copy_families"].items():
        direct = {r["copy"] for r in rows_of(s, "article-copies", article=original, max_hops=1)}
        assert set(family) <= direct


@pytest.mark.skipif(not (CASE / "answers.json").exists(), reason="no case data")
def test_case_amplifiers_match_the_csv_files(case):
    get, answers = case
    s = get("embedded")
    accounts = _by(_csv("Account"), "id")
    for narrative in answers["narratives"]:
        carried = {r["src"] for r in _csv("CARRIES") if r["dst"] == narrative}
        shared = [(r["src"], r["dst"]) for r in _csv("SHARED") if r["dst"] in carried]
        shares = Counter(account for account, _ in shared)
        articles = {a: len({x for b, x in shared if b == a}) for a in shares}
        rows = rows_of(s, "amplifiers-by-shares", narrative=narrative, limit=len(shares))
        assert [(r["account"], r["shares"], r["articles"]) for r in rows] == [
            (a, shares[a], articles[a]) for a in sorted(shares, key=lambda a: (-shares[a], -articles[a], a))]
        followers = {a: int(accounts[a]["followers"] or 0) for a in shares}
        reach = rows_of(s, "amplifiers-by-reach", narrative=narrative, limit=10)
        assert [r["account"] for r in reach] == sorted(shares, key=lambda a: (-followers[a], -shares[a], a))[:10]


@pytest.mark.skipif(not (CASE / "answers.json").exists(), reason="no case data")
def test_case_ownership(case):
    get, answers = case
    s = get("embedded")
    rows = rows_of(s, "state-owner-proximity", max_hops=5, limit=10_000)
    paths = {tuple(r["path"]): r for r in rows}
    for planted in answers["declared_paths"] + answers["indirect_ownership"]:
        row = paths[tuple(planted["path"])]
        assert row["relationships"] == planted["rels"] and row["confidences"] == planted["confidences"]
        assert row["bases"] == planted["bases"] and row["confidence"] == pytest.approx(planted["path_confidence"])
    assert {r["account"] for r in rows} >= set(answers["declared_state_accounts"])
    assert not {r["account"] for r in rows} & set(answers["background_accounts"])
    for planted in answers["indirect_ownership"]:
        chain = rows_of(s, "ownership-chain", id=planted["account"])
        assert planted["path"] in [r["path"] for r in chain]
        held = rows_of(s, "owner-holdings", id=planted["reaches"], max_hops=5)
        assert planted["account"] in [r["held"] for r in held]
    hanxin = answers["indirect_ownership"][0]
    evidence = rows_of(s, "evidence-relationship", a=hanxin["path"][0], b=hanxin["path"][1])
    listed = [r for r in _csv(hanxin["rels"][0]) if r["src"] == hanxin["path"][0] and r["dst"] == hanxin["path"][1]]
    assert sorted(r["source"] for r in evidence) == sorted(listed[0]["sources"].split("|"))
    titles = {r["id"]: r["title"] for r in _csv("Source")}
    assert all(r["title"] == titles[r["source"]] for r in evidence)


@pytest.mark.skipif(not (CASE / "answers.json").exists(), reason="no case data")
def test_case_scores_and_coordination(case):
    get, answers = case
    s = get("embedded")
    unclear = rows_of(s, "unclear-ownership", limit=10_000)
    assert set(answers["unclear_ownership"]) <= {r["id"] for r in unclear}
    assert [r["affiliation_score"] for r in unclear] == sorted((r["affiliation_score"] for r in unclear), reverse=True)
    declared = {r["id"] for r in rows_of(s, "unclear-ownership", clarity="declared", limit=10_000)}
    assert set(answers["declared_state_accounts"]) <= declared
    for account in answers["unclear_ownership"]:
        reasons = rows_of(s, "evidence-score", id=account)
        stored = s.read("MATCH (a:Account {id: $id}) RETURN a.affiliation_reasons AS r", {"id": account})[0]["r"]
        assert [r["reason"] for r in reasons] == stored and [r["n"] for r in reasons] == list(range(1, len(stored) + 1))
        for r in reasons:
            assert r["sources"] == [sid for sid in sorted(titles_of(s)) if sid in r["reason"]]
    groups = rows_of(s, "coordinated-groups", items=1000)
    for planted in answers["coordinated_groups"]:
        group = next(g for g in groups if g["members"] == sorted(planted["members"]))
        assert set(planted["items"]) <= set(group["shared_items"])
        pairs = rows_of(s, "coordinated-pairs", account=planted["members"][0])
        assert {p["account_1"] for p in pairs} | {p["account_2"] for p in pairs} <= set(planted["members"])
    background = set(answers["background_accounts"])
    assert not any(set(g["members"]) & background for g in groups)


def titles_of(store) -> dict:
    return {r["id"]: r["title"] for r in store.read("MATCH (s:Source) RETURN s.id AS id, s.title AS title")}


@pytest.mark.skipif(not (CASE / "answers.json").exists(), reason="no case data")
def test_case_bridging_accounts_match_their_neighbourhoods(case):
    get, _ = case
    s = get("embedded")
    publisher = {r["dst"]: r["src"] for r in _csv("PUBLISHED")}
    near = defaultdict(set)
    for r in _csv("SHARED"):
        owner = publisher.get(r["dst"])
        if owner and owner != r["src"]:
            near[r["src"]].add(owner)
            near[owner].add(r["src"])
    community = {r["id"]: r["c"] for r in s.read(
        "MATCH (n) WHERE n.community IS NOT NULL RETURN n.id AS id, n.community AS c")}
    rows = rows_of(s, "bridging-accounts", limit=10)
    assert rows and [r["betweenness"] for r in rows] == sorted((r["betweenness"] for r in rows), reverse=True)
    for r in rows:
        counts = Counter(community[n] for n in near[r["id"]] if n in community)
        assert r["communities"] == sorted(counts) and r["per_community"] == [counts[c] for c in sorted(counts)]
        assert len(r["communities"]) >= 2 and r["neighbours"] == sum(counts.values())


@pytest.mark.skipif(not (CASE / "answers.json").exists(), reason="no case data")
def test_case_event_windows_and_new_accounts_match_the_csv_files(case):
    from graphtool.load.records import iso, parse_time

    get, answers = case
    s = get("embedded")
    event, planted = next(iter(answers["events"].items()))
    t0, span, bucket = parse_time(planted["at"]), 172800, 21600
    articles = _by(_csv("Article"), "id")
    actions = [(articles[r["dst"]]["platform"], "published", parse_time(articles[r["dst"]]["published_at"]), r["src"],
                r["dst"]) for r in _csv("PUBLISHED") if articles[r["dst"]]["published_at"]]
    actions += [(articles[r["dst"]]["platform"], "shared", parse_time(r["at"]), r["src"], r["dst"])
                for r in _csv("SHARED")]
    expected = defaultdict(lambda: [0, set(), set()])
    for platform, activity, t, actor, article in actions:
        if t0 - span <= t < t0 + span:
            cell = expected[(platform, activity, (t - t0) // bucket)]
            cell[0] += 1
            cell[1].add(actor)
            cell[2].add(article)
    rows = rows_of(s, "event-window", event=event)
    assert _window(rows) == {k: (v[0], len(v[1]), len(v[2])) for k, v in expected.items()}
    explicit = rows_of(s, "activity-window", since=iso(t0 - span), until=t0 + span)  # an ISO time or epoch seconds
    assert _window(explicit, shift=span // bucket) == _window(rows)

    narrative = next(iter(answers["narratives"]))
    carried = {r["src"] for r in _csv("CARRIES") if r["dst"] == narrative}
    accounts = _by(_csv("Account"), "id")
    first: dict = {}
    for platform, activity, t, actor, article in actions:
        if article in carried and actor in accounts and accounts[actor]["created_at"]:
            first[actor] = min(first.get(actor, t), t)
    young = sorted(a for a, t in first.items() if t - parse_time(accounts[a]["created_at"]) <= 90 * 86400)
    rows = rows_of(s, "new-accounts-amplifying", narrative=narrative, limit=10_000)
    assert sorted(r["account"] for r in rows) == young


@pytest.mark.skipif(not (CASE / "answers.json").exists(), reason="no case data")
def test_case_search_and_summary(case):
    get, answers = case
    s = get("embedded")
    assert "outlet:global-times" in [r["id"] for r in rows_of(s, "search", text="global times")]
    account = answers["unclear_ownership"][0]
    summary = rows_of(s, "account-summary", account=account)[0]
    assert summary["published"] == sum(1 for r in _csv("PUBLISHED") if r["src"] == account)
    assert summary["shares"] == sum(1 for r in _csv("SHARED") if r["src"] == account)
    assert summary["owners"] == sorted(answers["unclear_signals"][account]["registered_to"])
