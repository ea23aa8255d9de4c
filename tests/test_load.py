"""Loading canonical files into both real stores: values, idempotency, parity, hostile input."""
from __future__ import annotations

import csv
import subprocess
import sys

import pytest

from graphtool.load import import_paths
from conftest import FIXTURES

LOAD = FIXTURES / "load"


def graphtool(store_url, *args, cwd=None):
    return subprocess.run([sys.executable, "-m", "graphtool", "--store", store_url, *args],
                          capture_output=True, text=True, cwd=cwd)


def node(store, label, node_id):
    rows = store.read(f"MATCH (n:{label} {{id: $id}}) RETURN properties(n) AS p", {"id": node_id})
    return dict(rows[0]["p"]) if rows else None


def test_import_stores_typed_values(store):
    result = import_paths(store, [LOAD])
    assert result.rejected == 0
    counts = store.counts()
    assert counts["nodes"]["Account"] == 3 and counts["nodes"]["Article"] == 2
    assert counts["relationships"] == {**counts["relationships"], "PUBLISHED": 2, "SHARED": 2, "OPERATED_BY": 1}
    maple = node(store, "Account", "wechat:maple")
    assert maple["followers"] == 120000 and maple["display_name"] == "枫叶新闻 Maple News"
    assert maple["created_at"] == "2016-03-01T00:00:00Z" and maple["created_ts"] == 1456790400
    assert node(store, "Account", "douyin:xinhua")["sources"] == ["src:report", "src:capture-1"]
    # id derived from platform:handle, epoch seconds accepted, a file Source as evidence of last resort
    echo = node(store, "Account", "weibo:echo1")
    assert echo["created_at"] == "2020-09-13T12:26:40Z" and echo["sources"][0].startswith("file:")
    copy = node(store, "Article", "wc-1")
    assert copy["published_at"] == "2021-09-08T19:00:00Z" and copy["published_ts"] == 1631127600
    assert len(copy["content_sha256"]) == 64


def test_reimport_changes_nothing(store):
    import_paths(store, [LOAD])
    before = store.snapshot()
    import_paths(store, [LOAD])
    assert store.snapshot() == before


def test_same_answers_on_both_stores(embedded_store, neo4j_store):
    for s in (embedded_store, neo4j_store):
        import_paths(s, [LOAD])
    assert embedded_store.snapshot() == neo4j_store.snapshot()


HOSTILE = {
    "html": "<img src=x onerror=alert(1)>",
    "script": "</script><script>alert('x')</script>",
    "cypher": "x'}) DETACH DELETE n //",
    "cypher2": "\" MATCH (n) DETACH DELETE n RETURN \"",
}


def write_bad_accounts(path):
    """One good row per hostile value, then one broken row per failure mode."""
    rows = [b"id,platform,handle,display_name,followers,created_at"]
    for i, value in enumerate(HOSTILE.values()):
        quoted = '"' + value.replace('"', '""') + '"'
        rows.append(f"x:h{i},x,h{i},{quoted},{i},2021-01-01T00:00:00Z".encode())
    bad = {
        "wrong type": b"x:b1,x,b1,B1,many,2021-01-01",
        "bad time": b"x:b2,x,b2,B2,1,2021-13-45T99:00",
        "negative": b"x:b3,x,b3,B3,-5,2021-01-01",
        "absurd": b"x:b4,x,b4,B4,99999999999999999999,2021-01-01",
        "not utf-8": b"x:b5,x,b5,\xff\xfe bad,1,2021-01-01",
        "nul": b"x:b6,x,b6,a\x00b,1,2021-01-01",
        "missing required": b"x:b7,x,,B7,1,2021-01-01",
        "too few fields": b"x:b8,x,b8",
        "huge": b"x:b9,x,b9," + b"A" * (10 * 1024 * 1024) + b",1,2021-01-01",
        "broken quoting": b'x:b10,x,b10,"never closed,1,2021-01-01',
    }
    rows += list(bad.values())
    rows.append(b"x:last,x,last,Last one survives,7,2021-02-02")
    path.write_bytes(b"\n".join(rows) + b"\n")
    return len(bad)


def test_bad_rows_are_rejected_and_the_rest_loads(store, tmp_path):
    import_paths(store, [LOAD])  # something already stored that must not be lost
    before = store.counts()
    n_bad = write_bad_accounts(tmp_path / "Account.csv")
    (tmp_path / "SHARED.csv").write_text("src,dst,id,at\nx:h0,wc-1,s-ok,2021-09-10T00:00:00Z\n"
                                         "x:nobody,wc-1,s-bad,2021-09-10T00:00:00Z\n", encoding="utf-8")
    result = import_paths(store, [tmp_path / "Account.csv", tmp_path / "SHARED.csv"],
                          rejects_path=tmp_path / "rejects.csv")
    reasons = {(r.line, r.field): r.reason for r in result.rejects}
    assert len(result.rejects) == n_bad + 1, reasons
    first_bad = 2 + len(HOSTILE)
    assert reasons[(first_bad, "followers")] == "'many' is not an integer"
    assert "is not a time" in reasons[(first_bad + 1, "created_at")]
    assert "below the minimum" in reasons[(first_bad + 2, "followers")]
    assert "out of range" in reasons[(first_bad + 3, "followers")]
    assert "not UTF-8" in reasons[(first_bad + 4, "")]
    assert reasons[(first_bad + 5, "display_name")] == "contains a NUL byte"
    assert reasons[(first_bad + 6, "handle")] == "required but missing"
    assert "fields where the header has" in reasons[(first_bad + 7, "")]
    assert "longer than" in reasons[(first_bad + 8, "")]
    assert "never closed" in reasons[(first_bad + 9, "")]
    assert "no Account with id 'x:nobody'" in reasons[(3, "src")]
    # valid rows, hostile-looking ones included, are stored as plain text
    for i, value in enumerate(HOSTILE.values()):
        assert node(store, "Account", f"x:h{i}")["display_name"] == value
    assert node(store, "Account", "x:last")["followers"] == 7
    after = store.counts()
    assert after["nodes"]["Account"] == before["nodes"]["Account"] + len(HOSTILE) + 1
    assert after["nodes"]["Article"] == before["nodes"]["Article"]
    assert after["relationships"]["SHARED"] == before["relationships"]["SHARED"] + 1
    with (tmp_path / "rejects.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == len(result.rejects)
    assert {"file", "line", "field", "reason", "raw"} <= set(rows[0])
    assert any(r["raw"].startswith("x:b1,x,b1") for r in rows)


def test_cli_exit_codes_and_messages(store_url, tmp_path):
    missing = graphtool(store_url, "import", str(tmp_path / "nope.csv"))
    assert missing.returncode == 2
    assert missing.stderr.strip() == f"error: {tmp_path / 'nope.csv'}: no such file or directory"

    (tmp_path / "notes.txt").write_text("hello")
    unknown = graphtool(store_url, "import", str(tmp_path / "notes.txt"))
    assert unknown.returncode == 2 and "unknown format" in unknown.stderr
    assert len(unknown.stderr.strip().splitlines()) == 1

    (tmp_path / "Event.csv").write_text("id,name\nev1,Debate\n")
    no_column = graphtool(store_url, "import", str(tmp_path / "Event.csv"))
    assert no_column.returncode == 2
    assert no_column.stderr.strip() == f"error: {tmp_path / 'Event.csv'}:1: missing required column at"

    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "Narrative.csv").write_text("id,name\nn1,Story\nn2,\n")
    rejected = graphtool(store_url, "import", str(tmp_path / "bad"), "--rejects", str(tmp_path / "r.csv"))
    assert rejected.returncode == 1
    assert f"rejected {tmp_path / 'bad' / 'Narrative.csv'}:3: name: required but missing" in rejected.stderr
    assert "1 rejected" in rejected.stdout

    too_many = graphtool(store_url, "import", str(tmp_path / "bad"), "--max-rejects", "0")
    assert too_many.returncode == 2 and "--max-rejects 0" in too_many.stderr

    ok = graphtool(store_url, "import", str(LOAD))
    assert ok.returncode == 0, ok.stderr
    stats = graphtool(store_url, "stats", "--json")
    import json

    counts = json.loads(stats.stdout)
    assert set(counts) == {"nodes", "relationships"} and counts["nodes"]["Outlet"] == 2


def test_case_imports_cleanly_and_identically_on_both_stores(embedded_store, neo4j_store):
    from conftest import CASE

    results = [import_paths(s, [CASE]) for s in (embedded_store, neo4j_store)]
    assert [r.rejected for r in results] == [0, 0]
    assert embedded_store.snapshot() == neo4j_store.snapshot()
    import json

    expected = json.loads((CASE / "answers.json").read_text(encoding="utf-8"))["counts"]
    counts = embedded_store.counts()
    for label, n in expected["nodes"].items():
        extra = len(results[0].files) if label == "Source" else 0  # one Source per imported file
        assert counts["nodes"][label] == n + extra, label
    for type_, n in expected["relationships"].items():
        assert counts["relationships"][type_] == n, type_


def test_a_link_met_again_in_a_later_batch_is_sent_once(store, tmp_path, monkeypatch):
    """A retweeted tweet's PUBLISHED comes with every batch that retweets it: written once, same graph and counts."""
    from graphtool.load import fmt_twitter_io
    from graphtool.synthetic import write_io_tweets

    # the adapter gives a stub and its PUBLISHED once per tweet and author it remembers: remembering
    # none, it gives them again for every retweet, as an adapter without that memory would
    monkeypatch.setattr(fmt_twitter_io, "STUBS_REMEMBERED", 0)
    # the second half: the tweets it retweets are not in it, so each is a stub with its author's PUBLISHED
    lines = write_io_tweets(tmp_path / "all.csv", 400).read_text(encoding="utf-8").splitlines(keepends=True)
    path = tmp_path / "tweets.csv"
    path.write_text(lines[0] + "".join(lines[len(lines) // 2:]), encoding="utf-8")
    store.clear()
    import_paths(store, [path], progress=False, bulk=False)  # one batch
    expected = store.snapshot()
    store.clear()
    sent = []
    run = store.run

    def counting(query, params=None, *args, **kwargs):  # the real store, with the rows it is sent noted
        if "[r:PUBLISHED]" in query:
            sent.extend((row["src"], row["dst"]) for row in params["rows"])
        return run(query, params, *args, **kwargs)

    store.run = counting
    try:
        batched = import_paths(store, [path], progress=False, bulk=False, batch_size=40)
    finally:
        del store.run
    assert store.snapshot() == expected
    # the counts are of the records read, as before: a link not sent again still counts
    assert batched.relationships["PUBLISHED"] > len(sent)
    assert len(sent) == len(set(sent)) == store.counts()["relationships"]["PUBLISHED"]
